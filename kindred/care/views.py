from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kindred.audit.services import Action, record_many
from kindred.care import services
from kindred.care.forms import (
    ChildrenAnswerForm,
    ChildrenOverviewFilter,
    ChildSheetForm,
    ConcernReportForm,
    DischargeForm,
    EpisodeForm,
    FeedbackForm,
    InformationForm,
    RelativeIntakeForm,
    SheetTemplateForm,
    TaskForm,
    TaskStatusForm,
)
from kindred.care.models import ChildSheet, ConcernReport, Episode, InformationGiven, Task
from kindred.forms import apply_errors
from kindred.library import services as library
from kindred.orgs.decorators import requires
from kindred.orgs.models import Capability
from kindred.paging import OneQueryPaginator
from kindred.people.access import get_episode, get_person, visible_episodes, visible_persons
from kindred.people.forms import ChildFormSet, PersonForm
from kindred.people.services import clean_person_data, possible_duplicates
from kindred.referrals.models import ChildAgreement

PAGE_SIZE = 50
AWAITING_SHOWN = 10  # on the children overview; My work lists them all


def _form_page(heading: str, submit: str, episode, **extra) -> dict:
    return {
        "heading": heading,
        "submit": submit,
        "back_url": reverse("care:episode", args=[episode.pk]),
        "episode": episode,
        **extra,
    }


def _episode_and_child(request, pk, child_pk):
    episode = get_episode(request.actor, pk)
    child = get_person(request.actor, child_pk)
    return episode, child


@requires(Capability.VIEW_PERSONAL_DATA)
def my_work(request):
    actor = request.actor
    patients = list(services.my_patients(actor))
    # Every episode still without the children answer, oldest first, a page at a time (a unit's child-responsible
    # staff see the whole unit's).
    page = OneQueryPaginator(services.episodes_awaiting_answer(actor), PAGE_SIZE).get_page(request.GET.get("page"))
    tasks = list(services.task_list(actor)[:20])
    record_many(actor, Action.VIEW, [e.patient for e in patients], object_type="people.person")
    context = {"patients": patients, "awaiting": page.object_list, "page": page, "tasks": tasks}
    return render(request, "care/my_work.html", context)


@requires(Capability.EDIT_CASES)
def intake(request):
    actor = request.actor
    person_form = PersonForm(request.POST or None, prefix="person")
    episode_form = EpisodeForm(request.POST or None, prefix="episode", organisation=actor.organisation)
    duplicates = []
    if request.method == "POST" and person_form.is_valid() and episode_form.is_valid():
        data = person_form.to_data()
        try:
            clean_person_data(data)
        except ValidationError as error:
            apply_errors(person_form, error)
        else:
            duplicates = list(possible_duplicates(actor, data)[:5])
            if duplicates and not request.POST.get("confirm_new"):
                record_many(actor, Action.VIEW, duplicates)
            else:
                try:
                    episode = services.register_patient(actor, data, episode_form.to_data())
                except ValidationError as error:
                    apply_errors(episode_form, error)
                else:
                    messages.success(request, _("The episode is opened. Now ask about children and siblings."))
                    return redirect("care:children_answer", pk=episode.pk)
    context = {"person_form": person_form, "episode_form": episode_form, "duplicates": duplicates}
    return render(request, "care/intake.html", context)


def _affected_candidates(actor) -> list:
    """Patients of the open episodes the actor may see (not relatives' own episodes): the usual choice for
    "the person whose problem affects the client". Anyone else is named as a new person."""
    episodes = visible_episodes(actor).open().exclude(kind=Episode.Kind.RELATIVE).select_related("patient")
    patients = {e.patient_id: e.patient for e in episodes.order_by("patient__family_name", "patient__given_name")}
    return list(patients.values())[:500]


@requires(Capability.EDIT_CASES)
def relative_intake(request):
    """A relative as a client in their own right, linked to the person whose substance or gambling problem
    affects them."""
    actor = request.actor
    candidates = _affected_candidates(actor)
    person_form = PersonForm(request.POST or None, prefix="person")
    form = RelativeIntakeForm(
        request.POST or None, prefix="episode", organisation=actor.organisation, candidates=candidates
    )
    duplicates = []
    if request.method == "POST" and person_form.is_valid() and form.is_valid():
        data = person_form.to_data()
        affected = form.affected_data()
        try:
            clean_person_data(data)
        except ValidationError as error:
            apply_errors(person_form, error)
        if affected is not None:
            try:
                clean_person_data(affected)
            except ValidationError as error:
                for name, problems in error.message_dict.items():
                    field = f"affected_{name}" if f"affected_{name}" in form.fields else "affected"
                    for problem in problems:
                        form.add_error(field, problem)
        if not person_form.errors and not form.errors:
            duplicates = list(possible_duplicates(actor, data)[:5])
            if duplicates and not request.POST.get("confirm_new"):
                record_many(actor, Action.VIEW, duplicates)
            else:
                try:
                    episode = services.register_relative_patient(
                        actor,
                        data,
                        form.to_data(),
                        affected=affected,
                        affected_id=form.cleaned_data["affected"],
                        relation=form.cleaned_data["relation"],
                        description=form.cleaned_data["description"].strip(),
                    )
                except ValidationError as error:
                    apply_errors(form, error)
                else:
                    messages.success(request, _("The episode is opened. Now ask about children and siblings."))
                    return redirect("care:children_answer", pk=episode.pk)
    record_many(actor, Action.VIEW, candidates, object_type="people.person")
    context = {"person_form": person_form, "form": form, "duplicates": duplicates}
    return render(request, "care/relative_intake.html", context)


# The relatives' own measures, linked from a relative's episode (instrument keys).
RELATIVE_MEASURES = ("coping_questionnaire", "family_member_impact", "symptom_rating")


def _relative_measures(actor, episode) -> list[dict]:
    from kindred.instruments.services import instruments_for

    language = (get_language() or "nb")[:2]
    by_key: dict = {}
    # The organisation's own version of an instrument wins over the built-in one.
    for instrument in sorted(instruments_for(actor), key=lambda i: i.organisation_id is not None):
        if instrument.key in RELATIVE_MEASURES:
            by_key[instrument.key] = instrument
    url = "{}?episode={}"
    return [
        {
            "key": key,
            "title": by_key[key].parsed().title.get(language),
            "url": url.format(reverse("instruments:fill_in", args=[episode.patient_id, by_key[key].pk]), episode.pk),
        }
        for key in RELATIVE_MEASURES
        if key in by_key
    ]


@requires(Capability.VIEW_PERSONAL_DATA)
def episode_detail(request, pk: int):
    actor = request.actor
    episode = get_episode(actor, pk)
    affected = None
    measures: list[dict] = []
    if episode.kind == Episode.Kind.RELATIVE:
        if episode.affected_by_id is not None:
            affected = visible_persons(actor).filter(pk=episode.affected_by_id).first()
            if affected is not None:
                record_many(actor, Action.VIEW, [affected], object_type="people.person")
        measures = _relative_measures(actor, episode)
    children = list(services.children_of(episode.patient))
    sheets = {s.child_id: s for s in ChildSheet.objects.filter(episode=episode)}
    informed: dict[int, list[InformationGiven]] = {}
    for item in InformationGiven.objects.filter(episode=episode).select_related("given_by"):
        informed.setdefault(item.child_id, []).append(item)
    reports: dict[int, list[ConcernReport]] = {}
    for report in ConcernReport.objects.filter(episode=episode):
        reports.setdefault(report.child_id, []).append(report)
    tasks = list(Task.objects.filter(episode=episode).select_related("assignee", "child", "episode__patient"))
    agreements: dict[int, list[ChildAgreement]] = {}
    for agreement in ChildAgreement.objects.filter(child__in=children).select_related("responsible_organisation"):
        agreements.setdefault(agreement.child_id, []).append(agreement)
    record_many(actor, Action.VIEW, children, object_type="people.person")
    rows = [
        {
            "child": c,
            "sheet": sheets.get(c.pk),
            "information": informed.get(c.pk, []),
            "reports": reports.get(c.pk, []),
            "tasks": [t for t in tasks if t.child_id == c.pk],
            "agreements": agreements.get(c.pk, []),
        }
        for c in children
    ]
    context = {
        "episode": episode,
        "rows": rows,
        "episode_tasks": [t for t in tasks if t.child_id is None],
        "can_report": actor.can(Capability.SEND_CONCERN_REPORTS),
        "is_relative": episode.kind == Episode.Kind.RELATIVE,
        "affected": affected,
        "relative_measures": measures,
    }
    return render(request, "care/episode_detail.html", context)


@requires(Capability.EDIT_CASES)
def children_answer(request, pk: int):
    actor = request.actor
    episode = get_episode(actor, pk)
    initial = {
        "children_answer": episode.children_answer,
        "siblings_answer": episode.siblings_answer,
        "source": episode.answer_source or "patient",
    }
    form = ChildrenAnswerForm(request.POST or None, initial=initial)
    try:
        rows = max(1, min(int(request.GET.get("rows", 2)), 20))
    except ValueError:
        rows = 2
    formset = ChildFormSet(request.POST or None, prefix="child", initial=[{}] * rows)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        from kindred.care.services import ChildInput

        children = [
            ChildInput(
                person=f.to_person(),
                parental_responsibility=f.cleaned_data["parental_responsibility"],
                lives_together=f.cleaned_data["lives_together"],
                contact_arrangement=f.cleaned_data["contact_arrangement"],
            )
            for f in formset
            if not f.is_blank()
        ]
        try:
            services.record_children_answer(
                actor,
                episode,
                children_answer=form.cleaned_data["children_answer"],
                siblings_answer=form.cleaned_data["siblings_answer"],
                source=form.cleaned_data["source"],
                children=children,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The answer about children and siblings is saved."))
            return redirect("care:episode", pk=episode.pk)
    existing = list(services.children_of(episode.patient))
    context = {"episode": episode, "form": form, "formset": formset, "existing": existing, "rows": rows}
    return render(request, "care/children_answer.html", context)


@requires(Capability.EDIT_CASES)
@require_POST
def leave_intake(request, pk: int):
    episode = get_episode(request.actor, pk)
    try:
        services.leave_intake(request.actor, episode)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The episode has left intake."))
    return redirect("care:episode", pk=episode.pk)


@requires(Capability.EDIT_CASES)
def child_sheet(request, pk: int, child_pk: int):
    actor = request.actor
    episode, child = _episode_and_child(request, pk, child_pk)
    sheet = services.sheet_for(actor, episode, child)
    initial = {f"q_{k}": v for k, v in sheet.answers.items()}
    initial.update(concern_level=sheet.concern_level, who_informs=sheet.who_informs)
    form = ChildSheetForm(request.POST or None, template=sheet.template, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_child_sheet(
                actor,
                episode,
                child,
                answers=form.answers(),
                concern_level=form.cleaned_data["concern_level"],
                who_informs=form.cleaned_data["who_informs"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The child sheet for %(child)s is saved.") % {"child": child})
            return redirect("care:episode", pk=episode.pk)
    context = {"episode": episode, "child": child, "sheet": sheet, "form": form}
    return render(request, "care/child_sheet.html", context)


@requires(Capability.EDIT_CASES)
def information(request, pk: int, child_pk: int):
    actor = request.actor
    episode, child = _episode_and_child(request, pk, child_pk)
    services.sheet_for(actor, episode, child)  # 404 unless the child belongs to the episode
    items = library.items_for_child(actor, child)
    form = InformationForm(request.POST or None, initial={"form": "talk"}, items=items)
    if request.method == "POST" and form.is_valid():
        try:
            library.record_information(actor, episode, child, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The information to %(child)s is recorded.") % {"child": child})
            return redirect("care:episode", pk=episode.pk)
    context = _form_page(_("Talk or information — %(child)s") % {"child": child}, _("Save"), episode, form=form)
    return render(request, "care/information.html", context)


@requires(Capability.EDIT_CASES)
def new_task(request, pk: int):
    actor = request.actor
    episode = get_episode(actor, pk)
    children = list(services.children_of(episode.patient))
    form = TaskForm(
        request.POST or None,
        organisation=actor.organisation,
        children=children,
        initial={"assignee": actor.user.pk, "child": request.GET.get("child")},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        child = next((c for c in children if c.pk == d["child"]), None)
        if d["child"] is not None and child is None:
            raise Http404
        try:
            services.create_task(
                actor, episode, title=d["title"], assignee_id=d["assignee"], due_on=d["due_on"], child=child
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The task is created."))
            return redirect("care:episode", pk=episode.pk)
    context = _form_page(
        _("New follow-up task — %(patient)s") % {"patient": episode.patient}, _("Create task"), episode, form=form
    )
    return render(request, "care/task_form.html", context)


@requires(Capability.VIEW_PERSONAL_DATA)
def tasks(request):
    actor = request.actor
    show_all = request.GET.get("all") == "1" and actor.can(Capability.CHILDREN_OVERVIEW)
    page = OneQueryPaginator(services.task_list(actor, mine=not show_all), PAGE_SIZE).get_page(request.GET.get("page"))
    record_many(actor, Action.VIEW, list(page.object_list))
    return render(request, "care/tasks.html", {"page": page, "show_all": show_all})


@requires(Capability.EDIT_CASES)
@require_POST
def task_status(request, pk: int):
    task = services.get_task(request.actor, pk)
    form = TaskStatusForm(request.POST)
    if form.is_valid():
        services.set_task_status(request.actor, task, form.cleaned_data["status"])
        messages.success(request, _("The task is updated."))
    else:
        messages.error(request, _("Choose a valid status."))
    target = request.POST.get("next", "")
    return redirect("care:tasks") if target == "tasks" else redirect("care:episode", pk=task.episode_id)


@requires(Capability.SEND_CONCERN_REPORTS)
def concern_report(request, pk: int, child_pk: int):
    actor = request.actor
    episode, child = _episode_and_child(request, pk, child_pk)
    services.sheet_for(actor, episode, child)  # 404 unless the child belongs to the episode
    form = ConcernReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.send_concern_report(actor, episode, child, form.to_data())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The concern report is recorded. Feedback is expected within 3 weeks."))
            return redirect("care:episode", pk=episode.pk)
    context = _form_page(
        _("Concern report — %(child)s") % {"child": child}, _("Record concern report"), episode, form=form
    )
    return render(request, "care/concern_report.html", context)


@requires(Capability.SEND_CONCERN_REPORTS)
def concern_feedback(request, pk: int):
    actor = request.actor
    try:
        report = services.visible_concern_reports(actor).select_related("episode", "child").get(pk=int(pk))
    except ConcernReport.DoesNotExist:
        raise Http404 from None
    get_person(actor, report.child_id, obj=report)
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_concern_feedback(
                actor, report, feedback_on=form.cleaned_data["feedback_on"], status=form.cleaned_data["feedback_status"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The feedback is recorded."))
            return redirect("care:episode", pk=report.episode_id)
    context = _form_page(_("Feedback from child welfare"), _("Save"), report.episode, form=form, report=report)
    return render(request, "care/concern_feedback.html", context)


@requires(Capability.EDIT_CASES)
def discharge(request, pk: int):
    actor = request.actor
    episode = get_episode(actor, pk)
    children = list(services.children_of(episode.patient))
    form = DischargeForm(request.POST or None, children=children)
    if request.method == "POST" and form.is_valid():
        try:
            services.discharge(actor, episode, ended_on=form.cleaned_data["ended_on"], summaries=form.summaries())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The episode is discharged."))
            return redirect("care:episode", pk=episode.pk)
    context = _form_page(
        _("Discharge — %(patient)s") % {"patient": episode.patient}, _("Discharge"), episode, form=form
    )
    return render(request, "care/discharge.html", context)


@requires(Capability.CHILDREN_OVERVIEW)
def children_overview(request):
    actor = request.actor
    filters = ChildrenOverviewFilter(request.GET or None)
    state = order = ""
    if filters.is_valid():
        state, order = filters.cleaned_data["state"], filters.cleaned_data["order"]
    rows = services.children_overview(actor, state=state, order=order or "child")
    page = OneQueryPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    record_many(actor, Action.VIEW, [row.child for row in page.object_list], object_type="people.person")
    # The unit's overdue tasks and the episodes still without the children answer (the oldest few and how many in
    # all) head the first page; the pages after it are the list alone.
    awaiting, awaiting_count, overdue_task_count = [], 0, None
    if page.number == 1:
        waiting = services.episodes_awaiting_answer(actor)
        awaiting = list(waiting[:AWAITING_SHOWN])
        awaiting_count = waiting.count() if len(awaiting) == AWAITING_SHOWN else len(awaiting)
        overdue_task_count = services.task_list(actor, mine=False).filter(due_on__lt=timezone.localdate()).count()
    querystring = request.GET.copy()
    querystring.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "awaiting": awaiting,
        "awaiting_count": awaiting_count,
        "querystring": querystring.urlencode(),
        "overdue_task_count": overdue_task_count,
    }
    return render(request, "care/children_overview.html", context)


@requires(Capability.MANAGE_ORGANISATION)
def sheet_template(request):
    """Edit the organisation's child-sheet questions: each save is a new version."""
    actor = request.actor
    language = request.GET.get("language") or request.POST.get("language") or "nb"
    current = services.current_template(actor.organisation, language)
    form = SheetTemplateForm(
        request.POST or None,
        initial={"language": current.language, "title": current.title, "sections": current.sections},
    )
    if request.method == "POST" and form.is_valid():
        try:
            template = services.save_sheet_template(actor, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Version %(version)s is saved.") % {"version": template.version})
            return redirect(f"{reverse('care:sheet_template')}?language={template.language}")
    return render(request, "care/sheet_template.html", {"form": form, "current": current})
