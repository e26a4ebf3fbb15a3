"""Programme pages under /programmes/: templates, runs and their sessions, enrolment, attendance and notes.

Who may open what (see the docstring of kindred.programs.services):
- templates: roles that manage the organisation or programmes, and group leaders, may look; only the first two
  may create, copy and edit, and only the organisation's own templates are edited (built-ins are copied);
- runs, sessions and enrolments are always fetched through services.get_run/get_session/get_enrolment, which
  apply the access rule (coordinators see the organisation's runs, group leaders the runs they lead) and write
  the audit rows: anyone else gets 404;
- planning, enrolling, finishing, cancelling, withdrawing and changing sessions need MANAGE_PROGRAMMES (403 for
  a leader of the run); attendance, head counts, evaluations, notes, interviews, completion and measures are
  for coordinators and the run's leaders.
Services raise ValidationError (shown on the form; nothing changes) and PermissionError (answered with 403).
"""

from __future__ import annotations

import re
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kindred.audit.services import Action, record
from kindred.forms import apply_errors
from kindred.instruments.forms import ItemsForm
from kindred.instruments.services import instruments_for, parsed_definition
from kindred.orgs.models import Capability
from kindred.programs import services
from kindred.programs.forms import (
    SUPPORT_LEVELS,
    CancelForm,
    EnrolForm,
    EvaluationForm,
    HeadCountForm,
    InterviewForm,
    RunEditForm,
    RunForm,
    SessionEditForm,
    TemplateForm,
    WithdrawForm,
    measure_choices,
    note_form,
)
from kindred.programs.models import Attendance, Enrolment, Run, SessionForm

S = Enrolment.Status
MANAGE = Capability.MANAGE_PROGRAMMES
RUN = Capability.RUN_PROGRAMMES
VIEW_TEMPLATES = (Capability.MANAGE_PROGRAMMES, Capability.MANAGE_ORGANISATION, Capability.RUN_PROGRAMMES)
EDIT_TEMPLATES = (Capability.MANAGE_ORGANISATION, Capability.MANAGE_PROGRAMMES)
ATTENDANCE_FIELD = re.compile(r"^attendance_([0-9]{1,12})$")
ATTENDED = (S.ENROLLED, S.COMPLETED, S.NOT_COMPLETED)


def _language() -> str:
    return (get_language() or "nb")[:2]


def _signed_in(view):
    """A signed-in user; a service's PermissionError is answered with 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            return view(request, *args, **kwargs)
        except PermissionError:
            raise PermissionDenied from None

    return wrapped


def _check(actor, *capabilities: str) -> None:
    if not any(actor.can(c) for c in capabilities):
        raise PermissionDenied


def _needs_any(*capabilities: str):
    """Pages without a run or enrolment: 403 unless the active role has one of the capabilities."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            _check(request.actor, *capabilities)
            return view(request, *args, **kwargs)

        return _signed_in(wrapped)

    return decorator


def _error_messages(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- Runs list -------------------------------------------------------------------------------------


@_needs_any(MANAGE, RUN)
def run_list(request):
    actor = request.actor
    include_past = request.GET.get("past") == "1"
    runs = list(services.runs_for(actor, include_past=include_past).prefetch_related("leaders"))
    upcoming = [r for r in runs if r.status == Run.Status.PLANNED]
    past = sorted((r for r in runs if r.status != Run.Status.PLANNED), key=lambda r: (r.starts_on, r.pk), reverse=True)
    context = {
        "upcoming": upcoming,
        "past": past,
        "include_past": include_past,
        "manages": actor.can(MANAGE),
    }
    return render(request, "programs/runs.html", context)


# --- Templates -------------------------------------------------------------------------------------


@_needs_any(*VIEW_TEMPLATES)
def template_list(request):
    actor = request.actor
    templates = list(services.templates_for(actor))
    context = {
        "builtin": [t for t in templates if t.is_builtin],
        "own": [t for t in templates if not t.is_builtin],
        "can_edit": services.can_edit_templates(actor),
        "can_plan": actor.can(MANAGE),
    }
    return render(request, "programs/templates.html", context)


@_needs_any(*VIEW_TEMPLATES)
def template_detail(request, pk: int):
    actor = request.actor
    template = services.get_template(actor, pk)
    titles = dict(measure_choices(_language()))
    context = {
        "template": template,
        "measures": [titles.get(key, key) for key in template.measures],
        "can_edit": services.can_edit_templates(actor),
        "can_plan": actor.can(MANAGE) and template.active,
    }
    return render(request, "programs/template.html", context)


@_needs_any(*EDIT_TEMPLATES)
def template_new(request):
    actor = request.actor
    form = TemplateForm(request.POST or None, language=_language())
    if request.method == "POST" and form.is_valid():
        try:
            template = services.save_template(actor, None, form.to_data())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The programme %(name)s is saved.") % {"name": template.name})
            return redirect("programs:template", pk=template.pk)
    return render(request, "programs/template_form.html", {"form": form, "template": None})


@_needs_any(*EDIT_TEMPLATES)
def template_edit(request, pk: int):
    actor = request.actor
    template = services.get_template(actor, pk)
    if template.organisation_id != actor.organisation.pk:
        raise Http404  # built-in templates are copied, not edited
    form = TemplateForm(request.POST or None, language=_language(), template=template)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_template(actor, template, form.to_data())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The programme %(name)s is saved.") % {"name": template.name})
            return redirect("programs:template", pk=template.pk)
    return render(request, "programs/template_form.html", {"form": form, "template": template})


@require_POST
@_needs_any(*EDIT_TEMPLATES)
def template_copy(request, pk: int):
    actor = request.actor
    template = services.get_template(actor, pk)
    copy = services.copy_template(actor, template)
    messages.success(request, _("This is your organisation's own copy. Change it as you need."))
    return redirect("programs:template_edit", pk=copy.pk)


# --- Runs ------------------------------------------------------------------------------------------


@_needs_any(MANAGE)
def run_new(request, pk: int):
    actor = request.actor
    template = services.get_template(actor, pk)
    initial = {
        "title": template.name,
        "capacity": template.max_participants,
        "duration_minutes": 120,
        "start_time": "18:00",
        "online": False,
    }
    form = RunForm(request.POST or None, organisation=actor.organisation, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.plan_run(actor, template, form.to_data())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("The run is planned with %(n)s sessions. Check the dates below.") % {"n": len(template.sessions)},
            )
            return redirect("programs:run", pk=run.pk)
    return render(request, "programs/run_form.html", {"form": form, "template": template, "run": None})


def _enrolment_groups(run: Run) -> dict[str, list[Enrolment]]:
    groups: dict[str, list[Enrolment]] = {"enrolled": [], "interview": [], "waiting": [], "ended": []}
    for enrolment in services.run_enrolments(run):
        if enrolment.status in ATTENDED:
            groups["enrolled"].append(enrolment)
        elif enrolment.status == S.INTERVIEW:
            groups["interview"].append(enrolment)
        elif enrolment.status == S.WAITING:
            groups["waiting"].append(enrolment)
        else:
            groups["ended"].append(enrolment)
    return groups


def _run_page(request, run: Run, *, enrol_form=None, status: int = 200):
    actor = request.actor
    sessions = run.sessions.annotate(
        present=Count("attendance", filter=Q(attendance__status=Attendance.Status.PRESENT)),
        evaluation_count=Count("evaluations", distinct=True),
    ).order_by("number")
    manages = actor.can(MANAGE)
    planned = run.status == Run.Status.PLANNED
    context = {
        "run": run,
        "template": run.template,
        "leaders": list(run.leaders.all()),
        "sessions": list(sessions),
        "groups": _enrolment_groups(run),
        "manages": manages,
        "planned": planned,
        "can_enrol": manages and planned and not run.template.drop_in,
        "enrol_form": enrol_form or EnrolForm(),
        "cancel_form": CancelForm(),
        "today": timezone.localdate(),
    }
    return render(request, "programs/run.html", context, status=status)


@_signed_in
def run_detail(request, pk: int):
    run = services.get_run(request.actor, pk)
    return _run_page(request, run)


@_signed_in
def run_edit(request, pk: int):
    actor = request.actor
    run = services.get_run(actor, pk)
    _check(actor, MANAGE)
    form = RunEditForm(request.POST or None, organisation=actor.organisation, initial=RunForm.initial_for(run))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_run(actor, run, form.to_data(run))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The run is saved."))
            return redirect("programs:run", pk=run.pk)
    return render(request, "programs/run_form.html", {"form": form, "template": run.template, "run": run})


@require_POST
@_signed_in
def run_finish(request, pk: int):
    actor = request.actor
    run = services.get_run(actor, pk)
    _check(actor, MANAGE)
    try:
        services.finish_run(actor, run)
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(request, _("The run is finished. Participants who attended enough sessions completed."))
    return redirect("programs:run", pk=run.pk)


@require_POST
@_signed_in
def run_cancel(request, pk: int):
    actor = request.actor
    run = services.get_run(actor, pk)
    _check(actor, MANAGE)
    form = CancelForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("programs:run", pk=run.pk)
    try:
        services.cancel_run(actor, run, form.cleaned_data["reason"])
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(request, _("The run is cancelled."))
    return redirect("programs:run", pk=run.pk)


def _enrolled_message(enrolment: Enrolment) -> str:
    name = enrolment.participant.name
    if enrolment.status == S.ENROLLED:
        return _("%(name)s is enrolled.") % {"name": name}
    if enrolment.status == S.WAITING:
        return _("The run is full: %(name)s is on the waiting list.") % {"name": name}
    return _("%(name)s is signed up and awaits a pre-interview.") % {"name": name}


@_signed_in
def run_enrol(request, pk: int):
    """Register a participant and sign them up for the run; the form is on the run page."""
    actor = request.actor
    run = services.get_run(actor, pk)
    _check(actor, MANAGE)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                participant = services.register_participant(actor, form.to_data())
                enrolment = services.enrol(actor, run, participant)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _enrolled_message(enrolment))
            return redirect("programs:run", pk=run.pk)
    return render(request, "programs/enrol.html", {"run": run, "form": form})


@_signed_in
def run_print(request, pk: int):
    """A printable attendance list: participants as rows, sessions as columns."""
    run = services.get_run(request.actor, pk, action=Action.EXPORT)
    today = timezone.localdate()
    sessions = list(run.sessions.order_by("number"))
    enrolments = list(
        run.enrolments.filter(status__in=ATTENDED).select_related("participant").order_by("participant__name", "id")
    )
    marks = {
        (enrolment_id, session_id): status
        for enrolment_id, session_id, status in Attendance.objects.filter(session__run=run).values_list(
            "enrolment_id", "session_id", "status"
        )
    }
    rows = [
        {
            "enrolment": enrolment,
            "cells": [
                {"session": session, "status": marks.get((enrolment.pk, session.pk), "")} for session in sessions
            ],
        }
        for enrolment in enrolments
    ]
    context = {
        "run": run,
        "sessions": sessions,
        "rows": rows,
        "blank_rows": range(3 if run.status == Run.Status.PLANNED and not run.template.drop_in else 0),
        "leaders": list(run.leaders.all()),
        "today": today,
        "legend": Attendance.Status.choices,
    }
    return render(request, "programs/print.html", context)


# --- Sessions --------------------------------------------------------------------------------------


def _parse_attendance(post) -> dict[int, str]:
    statuses = {}
    for key, value in post.items():
        match = ATTENDANCE_FIELD.match(key)
        if match:
            statuses[int(match.group(1))] = value
    return statuses


@_signed_in
def session_detail(request, pk: int):
    actor = request.actor
    session = services.get_session(actor, pk)
    run = session.run
    head_count_form = HeadCountForm(initial={"head_count": session.head_count}, prefix="count")
    evaluation_form = EvaluationForm(prefix="evaluation")
    attendance_errors: list[str] = []
    posted_attendance: dict[int, str] = {}

    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "attendance":
                posted_attendance = _parse_attendance(request.POST)
                if not posted_attendance:
                    raise ValidationError(_("Choose present, absent or absent with notice for the participants."))
                count = services.record_attendance(actor, session, posted_attendance)
                messages.success(request, _("Attendance is saved for %(n)s participants.") % {"n": count})
                return redirect("programs:session", pk=session.pk)
            if action == "head_count":
                head_count_form = HeadCountForm(request.POST, prefix="count")
                if head_count_form.is_valid():
                    services.record_head_count(actor, session, head_count_form.cleaned_data["head_count"])
                    messages.success(request, _("The head count is saved."))
                    return redirect("programs:session", pk=session.pk)
            elif action == "evaluation":
                evaluation_form = EvaluationForm(request.POST, prefix="evaluation")
                if evaluation_form.is_valid():
                    services.add_evaluation(actor, session, **evaluation_form.cleaned_data)
                    messages.success(request, _("The evaluation is added."))
                    return redirect("programs:session", pk=session.pk)
            else:
                raise ValidationError(_("Nothing was saved. Use one of the forms on the page."))
        except ValidationError as error:
            if action == "head_count":
                apply_errors(head_count_form, error)
            elif action == "evaluation":
                apply_errors(evaluation_form, error)
            else:
                attendance_errors = error.messages
    else:
        record(actor, Action.VIEW, run, details={"session": session.number})

    today = timezone.localdate()
    held = not session.cancelled and session.date <= today and run.status != Run.Status.CANCELLED
    sheet = [] if run.template.drop_in else services.attendance_sheet(session)
    rows = [
        {
            "enrolment": enrolment,
            "status": posted_attendance.get(enrolment.pk, status),
            "editable": enrolment.status == S.ENROLLED,
        }
        for enrolment, status in sheet
    ]
    evaluations = session.evaluations.aggregate(average=Avg("rating"), count=Count("id"))
    context = {
        "session": session,
        "run": run,
        "held": held,
        "future": session.date > today,
        "can_record_attendance": held and run.status == Run.Status.PLANNED and not run.template.drop_in,
        "rows": rows,
        "choices": Attendance.Status.choices,
        "attendance_errors": attendance_errors,
        "head_count_form": head_count_form,
        "evaluation_form": evaluation_form,
        "evaluations": evaluations,
        "comments": list(session.evaluations.exclude(comment="").order_by("created_at", "id")),
        "manages": actor.can(MANAGE),
    }
    return render(request, "programs/session.html", context)


@_signed_in
def session_edit(request, pk: int):
    actor = request.actor
    session = services.get_session(actor, pk)
    _check(actor, MANAGE)
    initial = {"date": session.date, "start_time": session.start_time, "title": session.title}
    form = SessionEditForm(request.POST or None, initial={**initial, "cancelled": session.cancelled})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.update_session(
                actor, session, day=d["date"], start_time=d["start_time"], title=d["title"], cancelled=d["cancelled"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The session is saved."))
            return redirect("programs:run", pk=session.run_id)
    return render(request, "programs/session_form.html", {"form": form, "session": session, "run": session.run})


# --- Enrolments ------------------------------------------------------------------------------------


def _support_label(value) -> str:
    return dict(SUPPORT_LEVELS).get(str(value), str(value))


def note_lines(form: str, data: dict) -> list[tuple[str, str]]:
    """A saved note as (label, text) pairs, in the order of its form."""
    if form == SessionForm.COPING:
        position = services.COPING_POSITIONS.get(data.get("position") or "", "")
        lines = [
            (_("Coping position"), str(position)),
            (_("Pros of this way of coping"), data.get("pros", "")),
            (_("Cons of this way of coping"), data.get("cons", "")),
            (_("Chosen strategies"), data.get("strategies", "")),
        ]
    elif form == SessionForm.NETWORK:
        persons = "; ".join(f"{p['who']} ({_support_label(p['support'])})" for p in data.get("persons") or [])
        lines = [(_("Network map"), persons), (_("Notes on the network"), data.get("text", ""))]
    elif form == SessionForm.NEEDS:
        lines = [(_("Further needs"), data.get("needs", "")), (_("Referred to"), data.get("referral", ""))]
    else:
        lines = [(_("Note"), data.get("text", ""))]
    return [(label, text) for label, text in lines if text]


def _measures(actor, enrolment: Enrolment) -> list[dict]:
    keys = list(enrolment.run.template.measures)
    if not keys:
        return []
    language = _language()
    instruments = {i.key: i for i in instruments_for(actor) if i.key in keys}
    responses = list(enrolment.measures.select_related("instrument").order_by("answered_on", "id"))
    result = []
    for key in keys:
        instrument = instruments.get(key)
        if instrument is None:
            continue
        definition = parsed_definition(instrument)
        labels = {s.key: s.label.get(language) for s in definition.scores}
        recorded = [
            {
                "phase": r.context.get("phase", ""),
                "answered_on": r.answered_on,
                "scores": [(labels.get(k, k), v) for k, v in r.scores.items()],
            }
            for r in responses
            if r.instrument.key == key
        ]
        result.append({"key": key, "title": definition.title.get(language), "recorded": recorded})
    return result


def _enrolment_page(request, enrolment: Enrolment, *, interview_form=None, withdraw_form=None, status=200):
    actor = request.actor
    run = enrolment.run
    notes = {note.session_id: note for note in enrolment.notes.all()}
    attendance = {a.session_id: a for a in enrolment.attendance.all()}
    sessions = [
        {
            "session": session,
            "attendance": attendance.get(session.pk),
            "note": note_lines(session.form, notes[session.pk].data) if session.pk in notes else [],
        }
        for session in run.sessions.order_by("number")
    ]
    context = {
        "enrolment": enrolment,
        "participant": enrolment.participant,
        "run": run,
        "attended": services.attended_count(enrolment),
        "needed": run.template.completion_min_sessions,
        "sessions": sessions,
        "measures": _measures(actor, enrolment),
        "phases": services.MEASURE_PHASES,
        "manages": actor.can(MANAGE),
        "keeps_notes": enrolment.status in ATTENDED,
        "interview_form": interview_form or InterviewForm(),
        "withdraw_form": withdraw_form or WithdrawForm(),
        "planned": run.status == Run.Status.PLANNED,
    }
    return render(request, "programs/enrolment.html", context, status=status)


@_signed_in
def enrolment_detail(request, pk: int):
    enrolment = services.get_enrolment(request.actor, pk)
    return _enrolment_page(request, enrolment)


@require_POST
@_signed_in
def enrolment_interview(request, pk: int):
    actor = request.actor
    enrolment = services.get_enrolment(actor, pk)
    _check(actor, MANAGE, RUN)
    form = InterviewForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.record_interview(
                actor,
                enrolment,
                outcome=d["outcome"],
                held_on=d["held_on"],
                note=d["note"],
                referred_to=d["referred_to"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("The pre-interview is recorded: %(status)s.") % {"status": enrolment.get_status_display().lower()},
            )
            return redirect("programs:enrolment", pk=enrolment.pk)
    return _enrolment_page(request, enrolment, interview_form=form)


@require_POST
@_signed_in
def enrolment_withdraw(request, pk: int):
    actor = request.actor
    enrolment = services.get_enrolment(actor, pk)
    _check(actor, MANAGE)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.withdraw(actor, enrolment, form.cleaned_data["reason"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(name)s is withdrawn from the run.") % {"name": enrolment.participant.name})
            return redirect("programs:enrolment", pk=enrolment.pk)
    return _enrolment_page(request, enrolment, withdraw_form=form)


@require_POST
@_signed_in
def enrolment_complete(request, pk: int):
    actor = request.actor
    enrolment = services.get_enrolment(actor, pk)
    _check(actor, MANAGE, RUN)
    try:
        services.complete(actor, enrolment)
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(request, _("%(name)s completed the programme.") % {"name": enrolment.participant.name})
    return redirect("programs:enrolment", pk=enrolment.pk)


@_signed_in
def enrolment_note(request, pk: int, session_pk: int):
    actor = request.actor
    enrolment = services.get_enrolment(actor, pk)
    session = services.get_session(actor, session_pk)
    if session.run_id != enrolment.run_id:
        raise Http404
    _check(actor, MANAGE, RUN)
    saved = enrolment.notes.filter(session=session).first()
    form = note_form(session.form, request.POST or None, data_initial=saved.data if saved else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_note(actor, enrolment, session, form.to_raw())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The note for session %(n)s is saved.") % {"n": session.number})
            return redirect(f"{reverse('programs:enrolment', args=[enrolment.pk])}#session-{session.number}")
    context = {
        "enrolment": enrolment,
        "session": session,
        "form": form,
        "network": session.form == SessionForm.NETWORK,
    }
    return render(request, "programs/note.html", context)


@_signed_in
def enrolment_measure(request, pk: int, key: str, phase: str):
    actor = request.actor
    enrolment = services.get_enrolment(actor, pk)
    if phase not in services.MEASURE_PHASES or key not in enrolment.run.template.measures:
        raise Http404
    _check(actor, MANAGE, RUN)
    instrument = next((i for i in instruments_for(actor) if i.key == key), None)
    if instrument is None:
        raise Http404
    definition = parsed_definition(instrument)
    language = _language()
    form = ItemsForm(request.POST if request.method == "POST" else None, definition=definition, language=language)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_measure(actor, enrolment, key, form.answers(), phase=phase)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(title)s is recorded.") % {"title": definition.title.get(language)})
            return redirect(f"{reverse('programs:enrolment', args=[enrolment.pk])}#measures")
    context = {
        "enrolment": enrolment,
        "form": form,
        "title": definition.title.get(language),
        "description": definition.description.get(language),
        "source": definition.source,
        "placeholders": definition.has_placeholders,
        "phase": phase,
        "forms_with_errors": [form] if form.errors else [],
    }
    return render(request, "programs/measure.html", context)
