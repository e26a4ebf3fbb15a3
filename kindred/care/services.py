"""Use cases for episodes and the children: each one validates, acts atomically and writes its audit row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kindred.audit.services import Action, record
from kindred.care.follow_up import refresh_follow_up
from kindred.care.models import (
    ChildFollowUp,
    ChildrenAnswer,
    ChildSheet,
    ChildSheetTemplate,
    ConcernReport,
    Episode,
    InformationGiven,
    ProblemArea,
    SiblingsAnswer,
    Task,
)
from kindred.care.sheets import TITLES, default_sections
from kindred.orgs.actors import Actor
from kindred.orgs.models import Capability, Membership
from kindred.people.access import visible_episodes, visible_persons
from kindred.people.models import Person, Relationship
from kindred.people.services import PersonData, register_person, relate

ADULT_AGE = 18


def _require(actor: Actor, capability: str) -> None:
    if not actor.can(capability):
        raise PermissionError(capability)


def _require_open(episode: Episode) -> None:
    if episode.status == Episode.Status.DISCHARGED:
        raise ValidationError(_("The episode is discharged; its record is closed."))


def _member_of(actor: Actor, user_id) -> bool:
    return Membership.objects.filter(organisation=actor.organisation, user_id=user_id).exists()


# --- Episodes -------------------------------------------------------------------------------


@dataclass
class EpisodeData:
    kind: str
    started_on: date
    responsible_id: int | None = None
    child_contact_id: int | None = None
    problem_areas: list[str] = field(default_factory=list)
    pregnancy: str = Episode.Pregnancy.UNKNOWN
    due_date: date | None = None
    referred_by: str = ""


def clean_episode(actor: Actor, data: EpisodeData) -> None:
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if data.kind not in Episode.Kind.values:
        errors["kind"] = _("Choose a valid kind of episode.")
    if data.started_on > today + timedelta(days=366):
        errors["started_on"] = _("The start date is too far in the future.")
    unknown = set(data.problem_areas) - set(ProblemArea.values)
    if unknown:
        errors["problem_areas"] = _("Unknown problem area.")
    if data.referred_by not in Episode.ReferredBy.values:
        errors["referred_by"] = _("Choose who referred the client.")
    if data.pregnancy not in Episode.Pregnancy.values:
        errors["pregnancy"] = _("Choose yes, no or unknown for pregnancy.")
    if data.due_date is not None:
        if data.pregnancy != Episode.Pregnancy.YES:
            errors["due_date"] = _("A due date is only recorded for a pregnancy.")
        elif data.due_date < today:
            errors["due_date"] = _("The due date cannot be in the past.")
        elif data.due_date > today + timedelta(days=300):
            errors["due_date"] = _("The due date is more than ten months away.")
    for name in ("responsible_id", "child_contact_id"):
        user_id = getattr(data, name)
        if user_id is not None and not _member_of(actor, user_id):
            errors[name.removesuffix("_id")] = _("Choose a member of your organisation.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def open_episode(actor: Actor, patient: Person, data: EpisodeData) -> Episode:
    """Start a care episode in intake; the children question must be answered before it leaves intake."""
    _require(actor, Capability.EDIT_CASES)
    clean_episode(actor, data)
    episode = Episode.objects.create(
        patient=patient,
        organisation=actor.organisation,
        kind=data.kind,
        started_on=data.started_on,
        responsible_id=data.responsible_id or actor.user.pk,
        child_contact_id=data.child_contact_id,
        problem_areas=sorted(set(data.problem_areas)),
        pregnancy=data.pregnancy,
        due_date=data.due_date,
        referred_by=data.referred_by,
    )
    refresh_follow_up([episode.pk])  # the patient may already have children on record
    record(actor, Action.CREATE, episode)
    return episode


# Relation of the relative (the client) to the person whose problem affects them, as stored.
RELATIVE_RELATIONS = {
    "partner": (Relationship.Kind.PARTNER, False),
    "child": (Relationship.Kind.PARENT_OF, True),  # the affecting person is the client's parent
    "parent": (Relationship.Kind.PARENT_OF, False),  # the client is the affecting person's parent
    "sibling": (Relationship.Kind.SIBLING, False),
    "other": (Relationship.Kind.OTHER_CLOSE, False),
}


@transaction.atomic
def register_relative_patient(
    actor: Actor,
    relative: PersonData | Person,
    episode_data: EpisodeData,
    *,
    affected: PersonData | None = None,
    affected_id: int | None = None,
    relation: str = "other",
    description: str = "",
) -> Episode:
    """A relative as a patient in their own right: their own episode, linked to the person whose substance or
    gambling problem affects them (a person the actor may see, or a new one), through a relationship."""
    _require(actor, Capability.EDIT_CASES)
    episode_data.kind = Episode.Kind.RELATIVE
    clean_episode(actor, episode_data)
    if relation not in RELATIVE_RELATIONS:
        raise ValidationError({"relation": _("Choose how the client is related to the person with the problem.")})
    if (affected is None) == (affected_id is None):
        raise ValidationError({"affected": _("Name the person whose problem affects the client, or choose one.")})
    if affected_id is not None:
        affected_person = visible_persons(actor).filter(pk=affected_id).first()
        if affected_person is None:
            raise ValidationError({"affected": _("Choose a person you have access to.")})
    else:
        affected_person = register_person(actor, affected)
    client = relative if isinstance(relative, Person) else register_person(actor, relative)
    if client.pk == affected_person.pk:
        raise ValidationError({"affected": _("The client cannot be the person with the problem.")})
    kind, reverse = RELATIVE_RELATIONS[relation]
    if reverse:
        relate(actor, affected_person, client, kind, description=description)
    else:
        relate(actor, client, affected_person, kind, description=description)
    episode = open_episode(actor, client, episode_data)
    episode.affected_by = affected_person
    episode.save(update_fields=["affected_by"])
    return episode


@transaction.atomic
def register_patient(actor: Actor, person_data: PersonData, episode_data: EpisodeData) -> Episode:
    """Intake of a new patient or client: the person (or the existing one with that id) and an episode."""
    _require(actor, Capability.EDIT_CASES)
    clean_episode(actor, episode_data)
    patient = register_person(actor, person_data)
    return open_episode(actor, patient, episode_data)


@dataclass
class ChildInput:
    """A child named in the children answer: an existing person, or a new one."""

    existing_id: int | None = None
    person: PersonData | None = None
    parental_responsibility: str = ""
    lives_together: bool | None = None
    contact_arrangement: str = ""


def children_of(patient: Person):
    """Persons the patient is parent of (minor or not), oldest first; those of unknown age last."""
    # The birth year is set for everyone with a birth date, so it orders children known by year only too.
    return Person.objects.filter(
        relationships_to__person=patient, relationships_to__kind=Relationship.Kind.PARENT_OF
    ).order_by(F("birth_year").asc(nulls_last=True), F("birth_date").asc(nulls_last=True), "id")


def _check_minor(person: Person | PersonData, errors: list[str], label: str) -> None:
    today = timezone.localdate()
    if person.birth_date is None and person.birth_year is None:
        errors.append(_("%(child)s: give a birth date, birth year or national id.") % {"child": label})
        return
    probe = Person(birth_date=person.birth_date, birth_year=person.birth_year)
    age = probe.age_on(today)
    if age is not None and age >= ADULT_AGE:
        errors.append(_("%(child)s is 18 or older and is not a minor child.") % {"child": label})
    if person.birth_date and person.birth_date > today:
        errors.append(
            _("%(child)s: the birth date is in the future; record an unborn child as a pregnancy.") % {"child": label}
        )


@transaction.atomic
def record_children_answer(
    actor: Actor,
    episode: Episode,
    *,
    children_answer: str,
    siblings_answer: str,
    source: str,
    children: list[ChildInput] | None = None,
) -> Episode:
    """Record the answers about minor children and minor siblings; named children become related persons."""
    _require(actor, Capability.EDIT_CASES)
    _require_open(episode)
    children = children or []
    errors: dict[str, list[str]] = {}
    if children_answer not in ChildrenAnswer.values:
        errors["children_answer"] = [_("Choose an answer about minor children.")]
    if siblings_answer not in SiblingsAnswer.values:
        errors["siblings_answer"] = [_("Choose an answer about minor siblings.")]
    if source not in Episode.Source.values:
        errors["source"] = [_("Say where the answer comes from.")]
    if children and children_answer != ChildrenAnswer.HAS:
        errors["children"] = [_("Children can only be named when the answer is that there are minor children.")]
    child_errors: list[str] = []
    resolved: list[tuple[ChildInput, Person | None]] = []
    visible = visible_persons(actor)
    for number, child in enumerate(children, start=1):
        label = _("Child %(n)s") % {"n": number}
        if child.existing_id is not None:
            existing = visible.filter(pk=child.existing_id).first()
            if existing is None:
                child_errors.append(_("%(child)s: no such person.") % {"child": label})
                continue
            _check_minor(existing, child_errors, label)
            resolved.append((child, existing))
        elif child.person is not None:
            from kindred.people.services import clean_person_data

            try:
                clean_person_data(child.person)
            except ValidationError as error:
                child_errors.extend(f"{label}: {m}" for m in error.messages)
                continue
            _check_minor(child.person, child_errors, label)
            resolved.append((child, None))
        else:
            child_errors.append(_("%(child)s: give the child's name and birth date or year.") % {"child": label})
    if child_errors:
        errors["children"] = errors.get("children", []) + child_errors
    if errors:
        raise ValidationError(errors)

    episode.children_answer = children_answer
    episode.siblings_answer = siblings_answer
    episode.answer_source = source
    episode.answered_at = timezone.now()
    episode.answered_by = actor.user
    episode.save(update_fields=["children_answer", "siblings_answer", "answer_source", "answered_at", "answered_by"])
    record(actor, Action.CHANGE, episode, details={"children_answer": children_answer, "siblings": siblings_answer})
    for child, person in resolved:
        person = person or register_person(actor, child.person)
        relate(
            actor,
            episode.patient,
            person,
            Relationship.Kind.PARENT_OF,
            parental_responsibility=child.parental_responsibility,
            lives_together=child.lives_together,
            contact_arrangement=child.contact_arrangement,
        )
    return episode


@transaction.atomic
def leave_intake(actor: Actor, episode: Episode) -> Episode:
    _require(actor, Capability.EDIT_CASES)
    if episode.status != Episode.Status.INTAKE:
        raise ValidationError(_("The episode has already left intake."))
    if not episode.is_answered:
        raise ValidationError(_("Ask about minor children and minor siblings before the episode leaves intake."))
    episode.status = Episode.Status.ACTIVE
    episode.save(update_fields=["status"])
    record(actor, Action.CHANGE, episode, details={"status": episode.status})
    return episode


@transaction.atomic
def discharge(actor: Actor, episode: Episode, *, ended_on: date, summaries: dict[int, str]) -> Episode:
    """End the episode with a handover summary for each minor child."""
    _require(actor, Capability.EDIT_CASES)
    errors: dict[str, str] = {}
    if episode.status == Episode.Status.DISCHARGED:
        raise ValidationError(_("The episode is already discharged."))
    if not episode.is_answered:
        errors["ended_on"] = _("Ask about minor children and minor siblings before discharge.")
    if ended_on < episode.started_on:
        errors["ended_on"] = _("The end date cannot be before the start date.")
    if ended_on > timezone.localdate():
        errors["ended_on"] = _("The end date cannot be in the future.")
    children = [c for c in children_of(episode.patient) if (c.age_on(ended_on) or 0) < ADULT_AGE]
    missing = [str(c) for c in children if not (summaries.get(c.pk) or "").strip()]
    if missing:
        errors["summaries"] = _("Write a handover summary for: %(children)s.") % {"children": ", ".join(missing)}
    if errors:
        raise ValidationError(errors)
    for child in children:
        sheet = _sheet_for(actor, episode, child)
        sheet.discharge_summary = summaries[child.pk].strip()
        sheet.updated_by = actor.user
        sheet.save()
        record(actor, Action.CHANGE, sheet, details={"discharge_summary": True})
    episode.status = Episode.Status.DISCHARGED
    episode.ended_on = ended_on
    episode.save(update_fields=["status", "ended_on"])
    refresh_follow_up([episode.pk])
    record(actor, Action.CHANGE, episode, details={"status": episode.status})
    return episode


# --- The child sheet --------------------------------------------------------------------------


def current_template(organisation, language: str | None = None) -> ChildSheetTemplate:
    """The newest questions for the organisation (or the default) in the language; seeded on first use."""
    language = (language or get_language() or "nb")[:2]
    if language not in dict(settings.LANGUAGES):
        language = "nb"
    own = ChildSheetTemplate.objects.filter(organisation=organisation, language=language).order_by("-version").first()
    if own is not None:
        return own
    template = (
        ChildSheetTemplate.objects.filter(organisation__isnull=True, language=language).order_by("-version").first()
    )
    if template is None:
        template, _created = ChildSheetTemplate.objects.get_or_create(
            organisation=None,
            language=language,
            version=1,
            defaults={"title": TITLES[language], "sections": default_sections(language)},
        )
    return template


def _check_child_of_episode(episode: Episode, child: Person) -> None:
    if not children_of(episode.patient).filter(pk=child.pk).exists():
        raise Http404


def _sheet_for(actor: Actor, episode: Episode, child: Person) -> ChildSheet:
    sheet = ChildSheet.objects.filter(episode=episode, child=child).select_related("template").first()
    if sheet is None:
        sheet = ChildSheet(episode=episode, child=child, template=current_template(actor.organisation))
    return sheet


def sheet_for(actor: Actor, episode: Episode, child: Person) -> ChildSheet:
    """The child's sheet in the episode (unsaved if new), with the version it was or will be filled in with."""
    _check_child_of_episode(episode, child)
    return _sheet_for(actor, episode, child)


@transaction.atomic
def save_child_sheet(
    actor: Actor,
    episode: Episode,
    child: Person,
    *,
    answers: dict[str, str],
    concern_level: str,
    who_informs: str,
) -> ChildSheet:
    _require(actor, Capability.EDIT_CASES)
    _require_open(episode)
    _check_child_of_episode(episode, child)
    sheet = _sheet_for(actor, episode, child)
    keys = {q["key"] for _s, q in sheet.template.questions()}
    errors: dict[str, str] = {}
    if set(answers) - keys:
        errors["answers"] = _("The answers do not match the sheet's questions.")
    if any(not isinstance(v, str) or len(v) > 5000 for v in answers.values()):
        errors["answers"] = _("Each answer is text of at most 5000 characters.")
    if concern_level not in ChildSheet.Concern.values:
        errors["concern_level"] = _("Choose a concern level.")
    if who_informs not in ChildSheet.Informer.values:
        errors["who_informs"] = _("Choose who informs the child.")
    if errors:
        raise ValidationError(errors)
    created = sheet.pk is None
    sheet.answers = {k: v.strip() for k, v in answers.items() if v.strip()}
    sheet.concern_level = concern_level
    sheet.who_informs = who_informs
    sheet.updated_by = actor.user
    sheet.save()
    refresh_follow_up([episode.pk])
    record(actor, Action.CREATE if created else Action.CHANGE, sheet)
    return sheet


# --- Information, tasks, concern reports ----------------------------------------------------


@transaction.atomic
def record_information(
    actor: Actor, episode: Episode, child: Person, *, given_on: date, form: str, present: str = ""
) -> InformationGiven:
    """Record that the child was talked with or informed: when, how, who was there; never the content."""
    _require(actor, Capability.EDIT_CASES)
    _require_open(episode)
    _check_child_of_episode(episode, child)
    errors: dict[str, str] = {}
    if given_on > timezone.localdate():
        errors["given_on"] = _("The date cannot be in the future.")
    if form not in InformationGiven.Form.values:
        errors["form"] = _("Choose the form of the information.")
    if errors:
        raise ValidationError(errors)
    item = InformationGiven.objects.create(
        episode=episode,
        child=child,
        given_on=given_on,
        form=form,
        present=present.strip()[:200],
        given_by=actor.user,
    )
    refresh_follow_up([episode.pk])
    record(actor, Action.CREATE, item)
    return item


@transaction.atomic
def create_task(
    actor: Actor, episode: Episode, *, title: str, assignee_id: int, due_on: date, child: Person | None = None
) -> Task:
    _require(actor, Capability.EDIT_CASES)
    _require_open(episode)
    if child is not None:
        _check_child_of_episode(episode, child)
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("Describe the task.")
    if not _member_of(actor, assignee_id):
        errors["assignee"] = _("Choose a member of your organisation.")
    if due_on < timezone.localdate():
        errors["due_on"] = _("The due date cannot be in the past.")
    if errors:
        raise ValidationError(errors)
    task = Task.objects.create(
        episode=episode,
        child=child,
        title=title.strip(),
        assignee_id=assignee_id,
        due_on=due_on,
        created_by=actor.user,
    )
    record(actor, Action.CREATE, task)
    return task


def visible_tasks(actor: Actor):
    return Task.objects.filter(episode__in=visible_episodes(actor))


def get_task(actor: Actor, pk) -> Task:
    try:
        return visible_tasks(actor).select_related("episode__patient", "child").get(pk=int(pk))
    except (Task.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@transaction.atomic
def set_task_status(actor: Actor, task: Task, status: str) -> Task:
    _require(actor, Capability.EDIT_CASES)
    if status not in Task.Status.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    task.status = status
    task.done_at = timezone.now() if status == Task.Status.DONE else None
    task.save(update_fields=["status", "done_at"])
    record(actor, Action.CHANGE, task, details={"status": status})
    return task


@dataclass
class ConcernData:
    recipient: str
    basis: str
    reason: str
    parent_informed: bool
    sent_on: date
    parent_not_informed_reason: str = ""
    forwarding_contact: str = ""
    recipient_municipality: str = ""


@transaction.atomic
def send_concern_report(actor: Actor, episode: Episode, child: Person, data: ConcernData) -> ConcernReport:
    """Record a concern report to child welfare. Lawful without consent; logged with its legal basis."""
    _require(actor, Capability.SEND_CONCERN_REPORTS)
    _check_child_of_episode(episode, child)
    errors: dict[str, str] = {}
    if not data.recipient.strip():
        errors["recipient"] = _("Name the child welfare service that receives the report.")
    if data.basis not in ConcernReport.Basis.values:
        errors["basis"] = _("Choose the legal basis.")
    if not data.reason.strip():
        errors["reason"] = _("Describe the reason for concern.")
    if not data.parent_informed and not data.parent_not_informed_reason.strip():
        errors["parent_not_informed_reason"] = _("Say why the parent was not told.")
    if data.sent_on > timezone.localdate():
        errors["sent_on"] = _("The date sent cannot be in the future.")
    if data.recipient_municipality and not (
        data.recipient_municipality.isdigit() and len(data.recipient_municipality) in (3, 4)
    ):
        errors["recipient_municipality"] = _("A municipality number has three or four digits.")
    if errors:
        raise ValidationError(errors)
    report = ConcernReport.objects.create(
        episode=episode,
        child=child,
        sender=actor.user,
        recipient=data.recipient.strip(),
        recipient_municipality=data.recipient_municipality,
        basis=data.basis,
        reason=data.reason.strip(),
        parent_informed=data.parent_informed,
        parent_not_informed_reason=data.parent_not_informed_reason.strip(),
        forwarding_contact=data.forwarding_contact.strip(),
        sent_on=data.sent_on,
    )
    refresh_follow_up([episode.pk])
    record(
        actor,
        Action.CREATE,
        report,
        reason=str(report.get_basis_display()),
        details={"concern_report": True, "basis": data.basis, "without_consent": True},
    )
    return report


def visible_concern_reports(actor: Actor):
    return ConcernReport.objects.filter(episode__in=visible_episodes(actor))


@transaction.atomic
def record_concern_feedback(actor: Actor, report: ConcernReport, *, feedback_on: date, status: str) -> ConcernReport:
    _require(actor, Capability.SEND_CONCERN_REPORTS)
    errors: dict[str, str] = {}
    if status not in ConcernReport.Feedback.values or not status:
        errors["feedback_status"] = _("Choose what child welfare answered.")
    if feedback_on < report.sent_on:
        errors["feedback_on"] = _("Feedback cannot come before the report was sent.")
    if feedback_on > timezone.localdate():
        errors["feedback_on"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    report.feedback_on = feedback_on
    report.feedback_status = status
    report.save(update_fields=["feedback_on", "feedback_status"])
    refresh_follow_up([report.episode_id])
    record(actor, Action.CHANGE, report, details={"feedback": status})
    return report


# --- Overviews --------------------------------------------------------------------------------

CHILD_FILTERS = {
    "sheet_missing": Q(has_sheet=False),
    "not_informed": Q(informed=False),
    "serious": Q(concern="serious"),
    "some_concern": Q(concern__in=["some", "serious"]),
    "overdue": Q(overdue_tasks__gt=0),
    "open_reports": Q(open_reports__gt=0),
}
CHILD_ORDERINGS = {
    "child": ["child__family_name", "child__given_name", "id"],
    "parent": ["parent__family_name", "parent__given_name", "id"],
    "concern": ["-concern_rank", "child__family_name", "id"],
    "overdue": ["-overdue_tasks", "child__family_name", "id"],
    "started": ["-episode__started_on", "id"],
}


def _years_before(day: date, years: int) -> date:
    """The same date `years` years earlier; 29 February becomes the 28th (someone born then is of age)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def children_overview(actor: Actor, *, state: str = "", order: str = "child", minors_only: bool = True):
    """One ChildFollowUp row per (open episode, child of its patient) the actor may see, with the number of overdue
    tasks; filtered by `state` (CHILD_FILTERS) and sorted by `order` (CHILD_ORDERINGS), in one query."""
    today = timezone.localdate()
    rows = ChildFollowUp.objects.filter(episode__in=visible_episodes(actor).open())
    if minors_only:
        rows = rows.filter(
            Q(child__birth_date__gt=_years_before(today, ADULT_AGE))
            | Q(child__birth_date__isnull=True, child__birth_year__gt=today.year - ADULT_AGE)
        )
    tasks = Task.objects.overdue(today).filter(episode_id=OuterRef("episode_id"), child_id=OuterRef("child_id"))
    rows = rows.annotate(
        # Counted when read (overdue changes with the date); PostgreSQL counts only for the rows on the page
        # unless the filter or the order asks for it.
        overdue_tasks=Coalesce(
            Subquery(tasks.order_by().values("child_id").annotate(n=Count("id")).values("n")[:1]),
            Value(0),
            output_field=IntegerField(),
        )
    )
    if state in CHILD_FILTERS:
        rows = rows.filter(CHILD_FILTERS[state])
    # The child is joined for the filter and the order; the parent is fetched for the page's rows only (a small
    # query instead of a join for every child of the unit before the sort). The API adds episode and relationship.
    return (
        rows.select_related("child")
        .prefetch_related("parent")
        .order_by(*CHILD_ORDERINGS.get(order, CHILD_ORDERINGS["child"]))
    )


def episodes_awaiting_answer(actor: Actor):
    """Open episodes still without the children answer; `overdue` past the configured days."""
    limit = timezone.localdate() - timedelta(days=settings.CHILDREN_QUESTION_DAYS)
    from django.db.models import BooleanField, Case, When

    return (
        visible_episodes(actor)
        .open()
        .filter(Q(children_answer=ChildrenAnswer.NOT_ASKED) | Q(siblings_answer=SiblingsAnswer.NOT_ASKED))
        .annotate(
            answer_overdue=Case(
                When(started_on__lt=limit, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .select_related("patient", "responsible")
        .order_by("started_on", "id")
    )


def my_patients(actor: Actor):
    """The clinician's own open episodes, with the number of children and overdue tasks."""
    today = timezone.localdate()
    children = Relationship.objects.filter(person_id=OuterRef("patient_id"), kind=Relationship.Kind.PARENT_OF)
    overdue = Task.objects.overdue(today).filter(episode_id=OuterRef("pk"))
    return (
        visible_episodes(actor)
        .open()
        .filter(Q(responsible=actor.user) | Q(child_contact=actor.user))
        .annotate(
            n_children=Coalesce(
                Subquery(children.order_by().values("person_id").annotate(n=Count("id")).values("n")[:1]),
                Value(0),
                output_field=IntegerField(),
            ),
            n_overdue=Coalesce(
                Subquery(overdue.order_by().values("episode_id").annotate(n=Count("id")).values("n")[:1]),
                Value(0),
                output_field=IntegerField(),
            ),
        )
        .select_related("patient")
        .order_by("patient__family_name", "patient__given_name", "id")
    )


def task_list(actor: Actor, *, mine: bool = True):
    tasks = visible_tasks(actor).open().select_related("episode__patient", "child", "assignee")
    if mine:
        tasks = tasks.filter(assignee=actor.user)
    return tasks.order_by("due_on", "id")


def family_overview(actor: Actor, person: Person) -> list[dict]:
    """Each visible episode of the person with its children work at a glance, in a fixed number of queries."""
    episodes = list(visible_episodes(actor).filter(patient=person).select_related("organisation", "responsible"))
    ids = [e.pk for e in episodes]
    sheets = Count("sheets", distinct=True)
    counts = {
        row["pk"]: row
        for row in Episode.objects.filter(pk__in=ids)
        .values("pk")
        .annotate(
            n_sheets=sheets,
            n_informed=Count("information_given__child", distinct=True),
            n_reports=Count("concern_reports", distinct=True),
            n_open_tasks=Count("tasks", filter=Q(tasks__status=Task.Status.OPEN), distinct=True),
        )
    }
    n_children = children_of(person).count()
    return [{"episode": e, "children": n_children, **counts.get(e.pk, {})} for e in episodes]


@transaction.atomic
def save_sheet_template(actor: Actor, *, language: str, title: str, sections) -> ChildSheetTemplate:
    """A new version of the organisation's child-sheet questions; sheets keep the version they used."""
    _require(actor, Capability.MANAGE_ORGANISATION)
    from kindred.care.sheets import validate_sections

    errors: dict[str, str] = {}
    if language not in dict(settings.LANGUAGES):
        errors["language"] = _("Choose a language.")
    if not title.strip():
        errors["title"] = _("Give the sheet a title.")
    try:
        validate_sections(sections)
    except ValidationError as error:
        errors["sections"] = error.messages[0]
    if errors:
        raise ValidationError(errors)
    latest = (
        ChildSheetTemplate.objects.filter(organisation=actor.organisation, language=language)
        .order_by("-version")
        .first()
    )
    template = ChildSheetTemplate.objects.create(
        organisation=actor.organisation,
        language=language,
        title=title.strip(),
        sections=sections,
        version=(latest.version + 1) if latest else 1,
    )
    record(actor, Action.CREATE, template)
    return template
