"""Use cases for programmes: templates, runs and sessions, participants, enrolment, attendance, reminders.

Who may do what:
- templates: members whose role manages the organisation or programmes (built-ins are copied, never edited);
- runs, participants and enrolment: members whose role manages programmes;
- sessions of a run (attendance, head counts, evaluations, notes, measures): those, and the run's leaders.
Every read and write of a participant goes through the access rule in kindred.people.access.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from kindred.audit.services import Action, record
from kindred.messaging import send_sms
from kindred.orgs.actors import Actor
from kindred.orgs.models import Capability, Membership, Organisation
from kindred.people.access import visible_enrolments, visible_participants, visible_runs
from kindred.programs.builtin import BUILTIN_TEMPLATES
from kindred.programs.models import (
    Attendance,
    Enrolment,
    Participant,
    ProgrammeTemplate,
    Run,
    Session,
    SessionEvaluation,
    SessionForm,
    SessionNote,
)

S = Enrolment.Status
LANGUAGE_OF_COUNTRY = {Organisation.Country.NORWAY: "nb", Organisation.Country.DENMARK: "da"}


def _require(actor: Actor, *capabilities: str) -> None:
    if not any(actor.can(c) for c in capabilities):
        raise PermissionError(capabilities[0])


def can_edit_templates(actor: Actor) -> bool:
    return actor.can(Capability.MANAGE_ORGANISATION) or actor.can(Capability.MANAGE_PROGRAMMES)


# --- Templates -------------------------------------------------------------------------------------


def sync_builtin_templates() -> None:
    """Make sure each built-in template has its shared row; existing rows (and their edits) are kept."""
    existing = set(ProgrammeTemplate.objects.filter(organisation__isnull=True).values_list("key", flat=True))
    missing = [ProgrammeTemplate(**spec) for spec in BUILTIN_TEMPLATES if spec["key"] not in existing]
    if missing:
        ProgrammeTemplate.objects.bulk_create(missing, ignore_conflicts=True)


def templates_for(actor: Actor) -> QuerySet[ProgrammeTemplate]:
    """The built-in templates and the organisation's own, for those who plan programmes."""
    if not (can_edit_templates(actor) or actor.can(Capability.RUN_PROGRAMMES)):
        return ProgrammeTemplate.objects.none()
    sync_builtin_templates()
    return ProgrammeTemplate.objects.filter(Q(organisation__isnull=True) | Q(organisation=actor.organisation))


def get_template(actor: Actor, pk) -> ProgrammeTemplate:
    try:
        return templates_for(actor).get(pk=int(pk))
    except (ProgrammeTemplate.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def clean_sessions(raw) -> list[dict]:
    """The template's session list, checked: a title for each, known forms, sensible lengths."""
    if not isinstance(raw, list) or not raw:
        raise ValidationError({"sessions": _("A programme needs at least one session.")})
    if len(raw) > 52:
        raise ValidationError({"sessions": _("A programme can have at most 52 sessions.")})
    sessions = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise ValidationError({"sessions": _("Session %(n)s is not valid.") % {"n": number}})
        title = str(item.get("title") or "").strip()
        description = str(item.get("description") or "").strip()
        form = str(item.get("form") or "")
        if not title or len(title) > 200:
            raise ValidationError(
                {"sessions": _("Session %(n)s needs a title of at most 200 characters.") % {"n": number}}
            )
        if len(description) > 2000:
            raise ValidationError({"sessions": _("The description of session %(n)s is too long.") % {"n": number}})
        if form not in SessionForm.values:
            raise ValidationError({"sessions": _("Session %(n)s has an unknown form.") % {"n": number}})
        sessions.append({"title": title, "description": description, "form": form})
    return sessions


def _clean_template(template: ProgrammeTemplate) -> None:
    from kindred.instruments.loader import builtin_definitions

    template.sessions = clean_sessions(template.sessions)
    errors: dict[str, str] = {}
    if template.completion_min_sessions > len(template.sessions):
        errors["completion_min_sessions"] = _("To complete cannot need more sessions than the programme has.")
    if template.min_participants > template.max_participants:
        errors["min_participants"] = _("The fewest participants cannot be more than the most.")
    known = set(builtin_definitions())
    measures = template.measures
    if not isinstance(measures, list) or not all(isinstance(m, str) for m in measures) or set(measures) - known:
        errors["measures"] = _("Choose measures among the instruments.")
    if errors:
        raise ValidationError(errors)
    template.full_clean(exclude=["sessions", "measures"])


@transaction.atomic
def copy_template(actor: Actor, template: ProgrammeTemplate) -> ProgrammeTemplate:
    """The organisation's own, editable copy of a template."""
    _require(actor, Capability.MANAGE_ORGANISATION, Capability.MANAGE_PROGRAMMES)
    source = get_template(actor, template.pk)
    copy = ProgrammeTemplate.objects.get(pk=source.pk)
    copy.pk = None
    copy.key = ""
    copy.organisation = actor.organisation
    copy.based_on = source
    copy.save()
    record(actor, Action.CREATE, copy, details={"copy_of": source.pk})
    return copy


TEMPLATE_FIELDS = (
    "name",
    "kind",
    "description",
    "audience",
    "delivery",
    "interval_days",
    "sessions",
    "min_participants",
    "max_participants",
    "pre_interview",
    "drop_in",
    "peer_leader",
    "free",
    "completion_min_sessions",
    "measures",
    "active",
)


@transaction.atomic
def save_template(actor: Actor, template: ProgrammeTemplate | None, data: dict) -> ProgrammeTemplate:
    """Create or change one of the organisation's own templates; built-in ones are copied first."""
    _require(actor, Capability.MANAGE_ORGANISATION, Capability.MANAGE_PROGRAMMES)
    if template is None:
        template = ProgrammeTemplate(organisation=actor.organisation)
    elif template.organisation_id != actor.organisation.pk:
        raise PermissionError("built-in or another organisation's template")
    for name in TEMPLATE_FIELDS:
        if name in data:
            setattr(template, name, data[name])
    _clean_template(template)
    created = template.pk is None
    template.save()
    record(actor, Action.CREATE if created else Action.CHANGE, template)
    return template


# --- Runs and sessions -----------------------------------------------------------------------------


def _leaders(actor: Actor, leader_ids) -> list[int]:
    ids = {int(i) for i in leader_ids or []}
    allowed = set(
        Membership.objects.filter(
            organisation=actor.organisation,
            user_id__in=ids,
            role__in=[r for r, caps in _roles_with(Capability.RUN_PROGRAMMES, Capability.MANAGE_PROGRAMMES)],
        ).values_list("user_id", flat=True)
    )
    if ids - allowed:
        raise ValidationError({"leaders": _("Leaders must be group leaders or coordinators of your organisation.")})
    return sorted(ids)


def _roles_with(*capabilities: str):
    from kindred.orgs.models import ROLE_CAPABILITIES

    return [(role, caps) for role, caps in ROLE_CAPABILITIES.items() if caps & set(capabilities)]


def leader_choices(organisation) -> QuerySet:
    from kindred.accounts.models import User

    roles = [role for role, _caps in _roles_with(Capability.RUN_PROGRAMMES, Capability.MANAGE_PROGRAMMES)]
    return (
        User.objects.filter(memberships__organisation=organisation, memberships__role__in=roles, is_active=True)
        .distinct()
        .order_by("full_name", "email")
    )


@dataclass
class RunData:
    title: str
    starts_on: date
    start_time: time
    venue: str = ""
    online: bool = False
    capacity: int | None = None
    duration_minutes: int = 120
    leader_ids: list[int] = field(default_factory=list)


def _clean_run(run: Run, data: RunData) -> None:
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = _("Give the run a title.")
    if not data.venue.strip() and not data.online:
        errors["venue"] = _("Give a venue, or tick online.")
    today = timezone.localdate()
    if data.starts_on > today + timedelta(days=2 * 366):
        errors["starts_on"] = _("The first session is too far in the future.")
    if errors:
        raise ValidationError(errors)
    run.title, run.venue, run.online = data.title.strip(), data.venue.strip(), data.online
    run.start_time, run.duration_minutes = data.start_time, data.duration_minutes
    if data.capacity is not None:
        run.capacity = data.capacity
    run.full_clean(exclude=["template", "organisation", "created_by"])


@transaction.atomic
def plan_run(actor: Actor, template: ProgrammeTemplate, data: RunData) -> Run:
    """A run of the template, with its sessions dated from the first one at the template's interval."""
    _require(actor, Capability.MANAGE_PROGRAMMES)
    template = get_template(actor, template.pk)
    if not template.active:
        raise ValidationError({"template": _("This programme is no longer in use.")})
    run = Run(
        template=template,
        organisation=actor.organisation,
        starts_on=data.starts_on,
        capacity=template.max_participants,
        created_by=actor.user,
    )
    _clean_run(run, data)
    leaders = _leaders(actor, data.leader_ids)
    run.save()
    run.leaders.set(leaders)
    Session.objects.bulk_create(
        Session(
            run=run,
            number=number,
            title=spec["title"],
            description=spec.get("description", ""),
            form=spec.get("form", ""),
            date=data.starts_on + timedelta(days=(number - 1) * template.interval_days),
            start_time=data.start_time,
        )
        for number, spec in enumerate(template.sessions, start=1)
    )
    record(actor, Action.CREATE, run, details={"sessions": len(template.sessions), "leaders": leaders})
    return run


def get_run(actor: Actor, pk, *, action: str = Action.VIEW) -> Run:
    try:
        run = visible_runs(actor).select_related("template", "organisation").get(pk=int(pk))
    except (Run.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    record(actor, action, run)
    return run


def _require_planned(run: Run) -> None:
    if run.status != Run.Status.PLANNED:
        raise ValidationError(
            _("The run is %(status)s; it can no longer be changed.") % {"status": run.get_status_display().lower()}
        )


@transaction.atomic
def update_run(actor: Actor, run: Run, data: RunData) -> Run:
    """Change title, place, time, capacity and leaders; more places move the waiting list up."""
    _require(actor, Capability.MANAGE_PROGRAMMES)
    _require_planned(run)
    if data.capacity is not None and data.capacity < run.enrolments.filter(status=S.ENROLLED).count():
        raise ValidationError({"capacity": _("More participants are enrolled than that; withdraw someone first.")})
    old_start, old_time = run.starts_on, run.start_time
    _clean_run(run, data)
    leaders = _leaders(actor, data.leader_ids)
    run.starts_on = data.starts_on
    run.save()
    run.leaders.set(leaders)
    # A new first date moves every session by the same number of days; a new time applies to the sessions
    # still at the old time (a session moved on its own keeps its time). Moved sessions are reminded again.
    shift = data.starts_on - old_start
    if shift:
        for session in run.sessions.all():
            session.date, session.reminded_at = session.date + shift, None
            session.save(update_fields=["date", "reminded_at"])
    if data.start_time != old_time:
        run.sessions.filter(start_time=old_time).update(start_time=data.start_time, reminded_at=None)
    record(actor, Action.CHANGE, run, details={"moved_days": shift.days} if shift else None)
    promote_waiting(actor, run)
    return run


@transaction.atomic
def update_session(
    actor: Actor, session: Session, *, day: date, start_time: time, title: str, cancelled: bool = False
) -> Session:
    _require(actor, Capability.MANAGE_PROGRAMMES)
    _require_planned(session.run)
    if not title.strip() or len(title) > 200:
        raise ValidationError({"title": _("A session needs a title of at most 200 characters.")})
    if abs((day - session.run.starts_on).days) > 2 * 366:
        raise ValidationError({"date": _("The date is too far from the run's first session.")})
    if day != session.date or start_time != session.start_time:
        session.reminded_at = None
    session.date, session.start_time, session.title, session.cancelled = day, start_time, title.strip(), cancelled
    session.save()
    record(actor, Action.CHANGE, session.run, details={"session": session.number})
    return session


def get_session(actor: Actor, pk) -> Session:
    try:
        return Session.objects.select_related("run__template").get(pk=int(pk), run__in=visible_runs(actor))
    except (Session.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@transaction.atomic
def finish_run(actor: Actor, run: Run) -> Run:
    """Close the run: the enrolled complete or not by the template's rule; the waiting list is closed."""
    _require(actor, Capability.MANAGE_PROGRAMMES)
    _require_planned(run)
    now = timezone.now()
    needed = run.template.completion_min_sessions
    enrolled = run.enrolments.filter(status=S.ENROLLED).annotate(
        attended=Count("attendance", filter=Q(attendance__status=Attendance.Status.PRESENT))
    )
    done = [e.pk for e in enrolled if e.attended >= needed]
    run.enrolments.filter(pk__in=done).update(status=S.COMPLETED, ended_at=now)
    run.enrolments.filter(status=S.ENROLLED).update(status=S.NOT_COMPLETED, ended_at=now)
    run.enrolments.filter(status__in=[S.WAITING, S.INTERVIEW]).update(
        status=S.WITHDRAWN, ended_at=now, end_reason=_("The run ended.")
    )
    run.status = Run.Status.FINISHED
    run.save(update_fields=["status"])
    record(actor, Action.CHANGE, run, details={"finished": True, "completed": len(done)})
    return run


@transaction.atomic
def cancel_run(actor: Actor, run: Run, reason: str) -> Run:
    _require(actor, Capability.MANAGE_PROGRAMMES)
    _require_planned(run)
    if not reason.strip():
        raise ValidationError({"reason": _("Write why the run is cancelled.")})
    run.enrolments.filter(status__in=Enrolment.ACTIVE).update(
        status=S.WITHDRAWN, ended_at=timezone.now(), end_reason=reason.strip()[:200]
    )
    run.status = Run.Status.CANCELLED
    run.save(update_fields=["status"])
    record(actor, Action.CHANGE, run, reason=reason.strip(), details={"cancelled": True})
    return run


# --- Participants and enrolment --------------------------------------------------------------------


@dataclass
class ParticipantData:
    name: str
    phone: str = ""
    email: str = ""
    birth_year: int | None = None
    relation: str = ""
    reminders: str = ""


@transaction.atomic
def register_participant(actor: Actor, data: ParticipantData, *, person=None) -> Participant:
    """A participant held by the organisation: a name or pseudonym and a way to reach them are enough."""
    _require(actor, Capability.MANAGE_PROGRAMMES)
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["name"] = _("Give a name or a pseudonym.")
    if person is None and not data.phone.strip() and not data.email.strip():
        errors["phone"] = _("Give a phone number or an e-mail address, so we can reach the participant.")
    if data.reminders == Participant.Channel.SMS and not data.phone.strip():
        errors["reminders"] = _("Text message reminders need a phone number.")
    if data.reminders == Participant.Channel.EMAIL and not data.email.strip():
        errors["reminders"] = _("E-mail reminders need an e-mail address.")
    if errors:
        raise ValidationError(errors)
    participant = Participant(
        organisation=actor.organisation,
        person=person,
        name=data.name.strip(),
        phone=data.phone.strip(),
        email=data.email.strip(),
        birth_year=data.birth_year,
        relation=data.relation,
        reminders=data.reminders,
        created_by=actor.user,
    )
    participant.full_clean(exclude=["organisation", "person", "created_by"])
    participant.save()
    record(actor, Action.CREATE, participant)
    return participant


def get_participant(actor: Actor, pk, *, action: str = Action.VIEW) -> Participant:
    try:
        participant = visible_participants(actor).get(pk=int(pk))
    except (Participant.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    record(actor, action, participant)
    return participant


def get_enrolment(actor: Actor, pk, *, action: str = Action.VIEW) -> Enrolment:
    try:
        enrolment = visible_enrolments(actor).select_related("run__template", "participant").get(pk=int(pk))
    except (Enrolment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    record(actor, action, enrolment)
    return enrolment


def _ensure_visible(actor: Actor, enrolment: Enrolment) -> None:
    """Services that act on an enrolment check the access rule themselves, whatever the caller fetched."""
    if not visible_enrolments(actor).filter(pk=enrolment.pk).exists():
        raise Http404


def _has_place(run: Run) -> bool:
    return run.enrolments.filter(status=S.ENROLLED).count() < run.capacity


def _place(enrolment: Enrolment) -> None:
    """Enrolled when there is a place and no one is waiting before them; otherwise at the end of the queue."""
    now = timezone.now()
    run = Run.objects.select_for_update().get(pk=enrolment.run_id)
    if _has_place(run) and not run.enrolments.filter(status=S.WAITING).exclude(pk=enrolment.pk).exists():
        enrolment.status, enrolment.enrolled_at = S.ENROLLED, now
    else:
        enrolment.status, enrolment.waiting_since = S.WAITING, now


@transaction.atomic
def enrol(actor: Actor, run: Run, participant: Participant, *, self_referral=None) -> Enrolment:
    """Sign a participant up: to a pre-interview when the programme has one, else a place or the waiting list."""
    _require(actor, Capability.MANAGE_PROGRAMMES)
    _require_planned(run)
    if run.template.drop_in:
        raise ValidationError(_("This is a drop-in programme: nobody signs up, the gatherings count heads."))
    if participant.organisation_id != run.organisation_id:
        raise Http404
    enrolment = Enrolment(run=run, participant=participant, created_by=actor.user)
    if run.template.pre_interview:
        enrolment.status = S.INTERVIEW
    else:
        _place(enrolment)
    try:
        with transaction.atomic():
            enrolment.save()
    except IntegrityError:
        raise ValidationError(_("%(name)s is already signed up for this run.") % {"name": participant.name}) from None
    record(
        actor,
        Action.CREATE,
        enrolment,
        details={"status": enrolment.status, "self_referral": getattr(self_referral, "pk", None)},
    )
    return enrolment


@transaction.atomic
def record_interview(
    actor: Actor,
    enrolment: Enrolment,
    *,
    outcome: str,
    held_on: date,
    note: str = "",
    referred_to: str = "",
    referred_offer=None,
) -> Enrolment:
    """The pre-interview's outcome: suitable (a place or the waiting list) or better helped elsewhere."""
    _require(actor, Capability.MANAGE_PROGRAMMES, Capability.RUN_PROGRAMMES)
    _ensure_visible(actor, enrolment)
    if enrolment.status != S.INTERVIEW:
        raise ValidationError(_("The pre-interview is already recorded."))
    _require_planned(enrolment.run)
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("The pre-interview cannot be in the future.")})
    if outcome not in Enrolment.Outcome.values:
        raise ValidationError({"outcome": _("Choose suitable or better helped elsewhere.")})
    if outcome == Enrolment.Outcome.ELSEWHERE and not referred_to.strip() and referred_offer is None:
        raise ValidationError({"referred_to": _("Say where the person is referred.")})
    enrolment.interview_on, enrolment.interview_outcome, enrolment.interview_note = held_on, outcome, note.strip()
    if outcome == Enrolment.Outcome.SUITABLE:
        _place(enrolment)
    else:
        enrolment.status, enrolment.ended_at = S.REFERRED, timezone.now()
        enrolment.referred_to, enrolment.referred_offer = referred_to.strip()[:200], referred_offer
    enrolment.save()
    record(actor, Action.CHANGE, enrolment, details={"interview": outcome, "status": enrolment.status})
    return enrolment


@transaction.atomic
def withdraw(actor: Actor, enrolment: Enrolment, reason: str = "") -> Enrolment:
    """The participant leaves; a freed place goes to the first on the waiting list."""
    _require(actor, Capability.MANAGE_PROGRAMMES)
    if not enrolment.is_active:
        raise ValidationError(_("The participant has already left this run."))
    was_enrolled = enrolment.status == S.ENROLLED
    enrolment.status, enrolment.ended_at, enrolment.end_reason = S.WITHDRAWN, timezone.now(), reason.strip()[:200]
    enrolment.save()
    record(actor, Action.CHANGE, enrolment, details={"withdrawn": True})
    if was_enrolled:
        promote_waiting(actor, enrolment.run)
    return enrolment


def promote_waiting(actor: Actor, run: Run) -> list[Enrolment]:
    """Fill free places from the waiting list, longest waiting first, and tell each one."""
    run = Run.objects.select_for_update().get(pk=run.pk)
    free = run.capacity - run.enrolments.filter(status=S.ENROLLED).count()
    if free <= 0 or run.status != Run.Status.PLANNED:
        return []
    promoted = list(
        run.enrolments.filter(status=S.WAITING).select_related("participant").order_by("waiting_since", "id")[:free]
    )
    now = timezone.now()
    first = run.sessions.filter(cancelled=False, date__gte=timezone.localdate()).order_by("number").first()
    for enrolment in promoted:
        enrolment.status, enrolment.enrolled_at = S.ENROLLED, now
        enrolment.save(update_fields=["status", "enrolled_at"])
        record(actor, Action.CHANGE, enrolment, details={"promoted_from_waiting_list": True})
        _tell(
            enrolment.participant,
            run.organisation,
            lambda: (
                _("You have a place in %(run)s. First time: %(when)s.")
                % {"run": run.title, "when": _when(first) if first else _("to be announced")}
            ),
        )
    return promoted


def attended_count(enrolment: Enrolment) -> int:
    return enrolment.attendance.filter(status=Attendance.Status.PRESENT).count()


@transaction.atomic
def complete(actor: Actor, enrolment: Enrolment) -> Enrolment:
    """Mark one participant as having completed; only when they attended enough sessions."""
    _require(actor, Capability.MANAGE_PROGRAMMES, Capability.RUN_PROGRAMMES)
    _ensure_visible(actor, enrolment)
    if enrolment.status != S.ENROLLED:
        raise ValidationError(_("Only an enrolled participant can complete."))
    needed, attended = enrolment.run.template.completion_min_sessions, attended_count(enrolment)
    if attended < needed:
        raise ValidationError(
            _("%(name)s attended %(attended)s of the %(needed)s sessions needed to complete.")
            % {"name": enrolment.participant.name, "attended": attended, "needed": needed}
        )
    enrolment.status, enrolment.ended_at = S.COMPLETED, timezone.now()
    enrolment.save()
    record(actor, Action.CHANGE, enrolment, details={"completed": True})
    return enrolment


# --- Sessions: attendance, head counts, evaluations, notes ------------------------------------------


def _require_held(session: Session) -> None:
    if session.cancelled:
        raise ValidationError(_("The session is cancelled."))
    if session.date > timezone.localdate():
        raise ValidationError(_("The session has not taken place yet."))
    if session.run.status == Run.Status.CANCELLED:
        raise ValidationError(_("The run is cancelled."))


@transaction.atomic
def record_attendance(actor: Actor, session: Session, statuses: dict[int, str]) -> int:
    """Attendance for the session's enrolled participants, as {enrolment id: status}; returns how many."""
    _require(actor, Capability.MANAGE_PROGRAMMES, Capability.RUN_PROGRAMMES)
    session = get_session(actor, session.pk)
    _require_held(session)
    if session.run.template.drop_in:
        raise ValidationError(_("Drop-in gatherings count heads; they have no attendance list."))
    if session.run.status != Run.Status.PLANNED:
        raise ValidationError(_("The run is finished; attendance can no longer be changed."))
    enrolled = dict(session.run.enrolments.filter(status=S.ENROLLED).values_list("pk", "participant__name"))
    for enrolment_id, status in statuses.items():
        if enrolment_id not in enrolled:
            raise ValidationError(_("Attendance is recorded for enrolled participants only."))
        if status not in Attendance.Status.values:
            raise ValidationError(
                _("Choose present, absent or absent with notice for %(name)s.") % {"name": enrolled[enrolment_id]}
            )
    for enrolment_id, status in statuses.items():
        Attendance.objects.update_or_create(
            session=session, enrolment_id=enrolment_id, defaults={"status": status, "recorded_by": actor.user}
        )
    record(actor, Action.CHANGE, session.run, details={"attendance": session.number, "count": len(statuses)})
    return len(statuses)


def attendance_sheet(session: Session) -> list[tuple[Enrolment, str]]:
    """The enrolled participants of the session's run with their recorded attendance (or "")."""
    recorded = dict(session.attendance.values_list("enrolment_id", "status"))
    enrolled = session.run.enrolments.filter(status__in=[S.ENROLLED, S.COMPLETED, S.NOT_COMPLETED])
    return [(e, recorded.get(e.pk, "")) for e in enrolled.select_related("participant").order_by("participant__name")]


@transaction.atomic
def record_head_count(actor: Actor, session: Session, count: int) -> Session:
    _require(actor, Capability.MANAGE_PROGRAMMES, Capability.RUN_PROGRAMMES)
    session = get_session(actor, session.pk)
    _require_held(session)
    if not session.run.template.drop_in:
        raise ValidationError(_("Head counts are for drop-in gatherings; record attendance instead."))
    if not isinstance(count, int) or isinstance(count, bool) or count < 0 or count > 5000:
        raise ValidationError({"head_count": _("Give the number of people who came, from 0 to 5000.")})
    session.head_count = count
    session.save(update_fields=["head_count"])
    record(actor, Action.CHANGE, session.run, details={"head_count": count, "session": session.number})
    return session


@transaction.atomic
def add_evaluation(actor: Actor, session: Session, *, rating: int, comment: str = "") -> SessionEvaluation:
    _require(actor, Capability.MANAGE_PROGRAMMES, Capability.RUN_PROGRAMMES)
    session = get_session(actor, session.pk)
    _require_held(session)
    if rating not in range(1, 6):
        raise ValidationError({"rating": _("Choose a rating from 1 to 5.")})
    if len(comment) > 500:
        raise ValidationError({"comment": _("The comment can be at most 500 characters.")})
    evaluation = SessionEvaluation.objects.create(session=session, rating=rating, comment=comment.strip())
    record(actor, Action.CREATE, evaluation)
    return evaluation


def _text(value, limit: int, name: str) -> str:
    value = str(value or "").strip()
    if len(value) > limit:
        raise ValidationError({name: _("At most %(limit)s characters.") % {"limit": limit}})
    return value


COPING_POSITIONS = {
    "engaged": pgettext_lazy("coping position", "Engaged"),
    "tolerant": pgettext_lazy("coping position", "Tolerant"),
    "withdrawn": pgettext_lazy("coping position", "Withdrawn"),
}


def clean_note(form: str, raw: dict) -> dict:
    """A session note's content for the session's form (see SessionNote)."""
    if not isinstance(raw, dict):
        raise ValidationError(_("The note is not valid."))
    if form == SessionForm.COPING:
        position = raw.get("position") or ""
        # Not a string (a tampered form or an API client) is refused like an unknown position, not a crash.
        if not isinstance(position, str) or (position and position not in COPING_POSITIONS):
            raise ValidationError({"position": _("Choose engaged, tolerant or withdrawn.")})
        return {
            "position": position,
            "pros": _text(raw.get("pros"), 2000, "pros"),
            "cons": _text(raw.get("cons"), 2000, "cons"),
            "strategies": _text(raw.get("strategies"), 2000, "strategies"),
        }
    if form == SessionForm.NETWORK:
        persons = raw.get("persons") or []
        if not isinstance(persons, list) or len(persons) > 30:
            raise ValidationError({"persons": _("The network map can hold up to 30 persons.")})
        cleaned = []
        for item in persons:
            if not item:
                continue
            if not isinstance(item, dict):
                raise ValidationError({"persons": _("The note is not valid.")})
            who = _text(item.get("who"), 100, "persons")
            if not who:
                continue
            raw_support = item.get("support")
            try:
                support = int(raw_support) if float(raw_support) == int(float(raw_support)) else -1
            except (TypeError, ValueError, OverflowError):
                support = -1
            if isinstance(raw_support, bool):
                support = -1
            if support not in range(0, 4):
                raise ValidationError({"persons": _("Rate how supportive %(who)s is from 0 to 3.") % {"who": who}})
            cleaned.append({"who": who, "support": support})
        return {"persons": cleaned, "text": _text(raw.get("text"), 2000, "text")}
    if form == SessionForm.NEEDS:
        return {
            "needs": _text(raw.get("needs"), 2000, "needs"),
            "referral": _text(raw.get("referral"), 200, "referral"),
        }
    return {"text": _text(raw.get("text"), 4000, "text")}


@transaction.atomic
def save_note(actor: Actor, enrolment: Enrolment, session: Session, raw: dict) -> SessionNote:
    _require(actor, Capability.MANAGE_PROGRAMMES, Capability.RUN_PROGRAMMES)
    _ensure_visible(actor, enrolment)
    if session.run_id != enrolment.run_id:
        raise Http404
    if enrolment.status not in (S.ENROLLED, S.COMPLETED, S.NOT_COMPLETED):
        raise ValidationError(_("Notes are kept for enrolled participants only."))
    note, created = SessionNote.objects.update_or_create(
        enrolment=enrolment, session=session, defaults={"data": clean_note(session.form, raw), "updated_by": actor.user}
    )
    record(actor, Action.CREATE if created else Action.CHANGE, note)
    return note


MEASURE_PHASES = ("baseline", "end")


@transaction.atomic
def record_measure(actor: Actor, enrolment: Enrolment, instrument_key: str, raw: dict, *, phase: str):
    """A baseline or end measure of the template's instruments, scored by the one engine."""
    from kindred.instruments import engine
    from kindred.instruments.models import Response
    from kindred.instruments.services import instruments_for, parsed_definition

    _require(actor, Capability.MANAGE_PROGRAMMES, Capability.RUN_PROGRAMMES)
    _ensure_visible(actor, enrolment)
    if enrolment.status not in (S.ENROLLED, S.COMPLETED, S.NOT_COMPLETED):
        raise ValidationError(_("Measures are recorded for enrolled participants only."))
    if phase not in MEASURE_PHASES:
        raise ValidationError({"phase": _("Choose baseline or end.")})
    if instrument_key not in enrolment.run.template.measures:
        raise ValidationError({"instrument": _("This programme does not use that measure.")})
    instrument = next((i for i in instruments_for(actor) if i.key == instrument_key), None)
    if instrument is None:
        raise ValidationError({"instrument": _("This instrument is no longer in use.")})
    context = engine.Context(sex=enrolment.participant.person.sex if enrolment.participant.person else "")
    result = engine.score(parsed_definition(instrument), raw, context)
    zone = result.zone
    response = Response.objects.create(
        instrument=instrument,
        organisation=actor.organisation,
        person=enrolment.participant.person,
        enrolment=enrolment,
        answers=result.answers,
        scores=result.scores,
        zone=zone.key if zone else "",
        zone_level=zone.level if zone else None,
        context={"sex": context.sex, "pregnant": False, "phase": phase},
        language=(translation.get_language() or "nb")[:2],
        answered_on=timezone.localdate(),
        created_at=timezone.now(),
        created_by=actor.user,
    )
    record(actor, Action.CREATE, response, details={"enrolment": enrolment.pk, "phase": phase})
    return response


# --- Lists -----------------------------------------------------------------------------------------


def runs_for(actor: Actor, *, include_past: bool = False) -> QuerySet[Run]:
    runs = visible_runs(actor).select_related("template")
    if not include_past:
        runs = runs.filter(status=Run.Status.PLANNED)
    return runs.annotate(
        enrolled=Count("enrolments", filter=Q(enrolments__status=S.ENROLLED), distinct=True),
        waiting=Count("enrolments", filter=Q(enrolments__status=S.WAITING), distinct=True),
        interviews=Count("enrolments", filter=Q(enrolments__status=S.INTERVIEW), distinct=True),
    ).order_by("starts_on", "id")


def run_enrolments(run: Run) -> QuerySet[Enrolment]:
    return (
        run.enrolments.select_related("participant", "referred_offer")
        .annotate(attended=Count("attendance", filter=Q(attendance__status=Attendance.Status.PRESENT)))
        .order_by("status", "waiting_since", "participant__name")
    )


# --- Reminders -------------------------------------------------------------------------------------


def _when(session: Session) -> str:
    return f"{date_format(session.date, 'SHORT_DATE_FORMAT')} {time_format(session.start_time, 'TIME_FORMAT')}"


def reminder_text(session: Session) -> str:
    run = session.run
    where = _("online") if run.online else run.venue
    return _("Reminder: %(run)s, %(when)s, %(where)s. Welcome!") % {
        "run": run.title,
        "when": _when(session),
        "where": where,
    }


def _tell(participant: Participant, organisation: Organisation, message) -> bool:
    """Send `message()` to the participant by their chosen channel, in the organisation's language."""
    if not participant.reminders:
        return False
    with translation.override(LANGUAGE_OF_COUNTRY.get(organisation.country, settings.LANGUAGE_CODE)):
        text = message()
        if participant.reminders == Participant.Channel.SMS and participant.phone:
            send_sms(participant.phone, text)
            return True
        if participant.reminders == Participant.Channel.EMAIL and participant.email:
            send_mail(organisation.name, text, settings.DEFAULT_FROM_EMAIL, [participant.email], fail_silently=True)
            return True
    return False


def send_due_reminders(now: datetime | None = None) -> int:
    """Remind the enrolled participants of sessions starting within PROGRAMME_REMINDER_HOURS; each session once."""
    now = now or timezone.now()
    horizon = now + timedelta(hours=settings.PROGRAMME_REMINDER_HOURS)
    sessions = Session.objects.filter(
        reminded_at__isnull=True,
        cancelled=False,
        run__status=Run.Status.PLANNED,
        date__gte=timezone.localdate(now),
        date__lte=timezone.localdate(horizon),
    ).select_related("run__organisation")
    sent = 0
    for session in sessions:
        starts = timezone.make_aware(datetime.combine(session.date, session.start_time))
        if not now <= starts <= horizon:
            continue
        enrolled = session.run.enrolments.filter(status=S.ENROLLED).exclude(participant__reminders="")
        for enrolment in enrolled.select_related("participant"):
            sent += _tell(enrolment.participant, session.run.organisation, lambda s=session: reminder_text(s))
        session.reminded_at = now
        session.save(update_fields=["reminded_at"])
    return sent
