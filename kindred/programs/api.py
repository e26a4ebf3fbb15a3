"""Programmes in the API: templates, runs and their sessions, participants, enrolment, attendance, head counts,
evaluations, session notes and measures.

Every endpoint calls the same services as the web (kindred.programs.services), which hold the rules and write
the audit rows. Runs, sessions, enrolments and participants are fetched through the access rule (get_run,
get_session, get_enrolment, get_participant): a group leader sees only the runs they lead."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime, time
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Avg, Count, Q
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import JsonValue

from kindred.api_schemas import MAX_ID, DbId, PageIn, PageOut, UserRef, choice, errors, page_of, text
from kindred.audit.services import Action, record_many
from kindred.directory.models import Relation
from kindred.instruments.api import AnswerValue
from kindred.orgs.models import Capability
from kindred.people.access import get_person, visible_enrolments
from kindred.programs import services
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

router = Router(tags=["programmes"])


def _path_id(description: str) -> Any:
    """An id in the path, 1 to the largest the database stores (larger is 422, never a 500)."""
    return Path[int, {"ge": 1, "le": MAX_ID, "description": description}]


TemplateId = _path_id("The programme template's id.")
RunId = _path_id("The run's id.")
ParticipantId = _path_id("The participant's id.")
EnrolmentId = _path_id("The enrolment's id.")
SessionId = _path_id("The session's id.")

KindChoice = choice(ProgrammeTemplate.Kind)
DeliveryChoice = choice(ProgrammeTemplate.Delivery)
FormChoice = choice(SessionForm)
RelationChoice = Literal[("", *Relation.values)]
ChannelChoice = choice(Participant.Channel)
AttendanceChoice = choice(Attendance.Status)
OutcomeChoice = choice(Enrolment.Outcome)
PhaseChoice = Literal[services.MEASURE_PHASES]
NULL_MESSAGE = models.Field.default_error_messages["null"]
S = Enrolment.Status


# --- Schemas: templates -------------------------------------------------------------------------


class SessionSpec(Schema):
    title: text(200) = Field(description="The session's title.")
    description: text(2000) = Field("", description="What the session is about.")
    form: FormChoice = Field(
        "", description="What a leader records per participant in a one-to-one programme; empty for a free note."
    )


class TemplateOut(Schema):
    id: int = Field(description="The template's id.")
    key: str = Field(description="The key of a built-in template; empty for your organisation's own.")
    builtin: bool = Field(description="A built-in template, shared by all: copy it to change it.")
    based_on_id: int | None = Field(description="The template this one was copied from.")
    kind: str = Field(description="The kind of programme.")
    kind_label: str = Field(description="The kind in the language of the request.")
    name: str = Field(description="The programme's name.")
    description: str = Field(description="What the programme is.")
    audience: str = Field(description="Who the programme is for.")
    delivery: str = Field(description="`individual`, `group` or `either`.")
    interval_days: int = Field(description="Days between sessions; a new run's sessions are dated by it.")
    sessions: list[SessionSpec] = Field(description="The sessions, in order.")
    min_participants: int = Field(description="The fewest participants.")
    max_participants: int = Field(description="The most participants: a new run's capacity.")
    pre_interview: bool = Field(description="Sign-ups start with a pre-interview.")
    drop_in: bool = Field(description="Drop-in gatherings, counted by head without names: nobody signs up.")
    peer_leader: bool = Field(description="Led by a peer with own experience.")
    free: bool = Field(description="Free of charge.")
    completion_min_sessions: int = Field(description="Sessions attended to complete.")
    measures: list[str] = Field(description="The keys of the instruments used as baseline and end measures.")
    active: bool = Field(description="In use: new runs may be planned.")
    created_at: datetime = Field(description="When the template was created.")

    @classmethod
    def of(cls, template: ProgrammeTemplate) -> TemplateOut:
        return cls(
            id=template.pk,
            key=template.key,
            builtin=template.is_builtin,
            based_on_id=template.based_on_id,
            kind=template.kind,
            kind_label=str(template.get_kind_display()),
            name=template.name,
            description=template.description,
            audience=template.audience,
            delivery=template.delivery,
            interval_days=template.interval_days,
            sessions=[SessionSpec(**s) for s in template.sessions],
            min_participants=template.min_participants,
            max_participants=template.max_participants,
            pre_interview=template.pre_interview,
            drop_in=template.drop_in,
            peer_leader=template.peer_leader,
            free=template.free,
            completion_min_sessions=template.completion_min_sessions,
            measures=list(template.measures),
            active=template.active,
            created_at=template.created_at,
        )


class TemplatePage(PageOut):
    items: list[TemplateOut] = Field(description="The built-in templates and your organisation's own, by name.")


class TemplateIn(Schema):
    """Your organisation's own programme."""

    name: text(200) = Field(description="The programme's name.")
    kind: KindChoice = Field(description="The kind of programme.")
    sessions: list[SessionSpec] = Field(max_length=52, description="The sessions, in order: 1 to 52.")
    description: text(5000) = Field("", description="What the programme is.")
    audience: text(300) = Field("", description="Who the programme is for.")
    delivery: DeliveryChoice = Field(ProgrammeTemplate.Delivery.GROUP.value, description="How it is delivered.")
    interval_days: int = Field(7, ge=1, le=365, description="Days between sessions.")
    min_participants: int = Field(1, ge=0, le=500, description="The fewest participants.")
    max_participants: int = Field(8, ge=1, le=500, description="The most participants: a new run's capacity.")
    pre_interview: bool = Field(False, description="Sign-ups start with a pre-interview.")
    drop_in: bool = Field(False, description="Drop-in gatherings counted by head, without sign-ups.")
    peer_leader: bool = Field(False, description="Led by a peer with own experience.")
    free: bool = Field(True, description="Free of charge.")
    completion_min_sessions: int = Field(
        1, ge=1, le=52, description="Sessions attended to complete; at most the number of sessions."
    )
    measures: list[text(41)] = Field(
        default_factory=list, max_length=20, description="Keys of built-in instruments for baseline and end."
    )
    active: bool = Field(True, description="In use.")


class TemplatePatch(Schema):
    """The fields to change; the others stay. `sessions` and `measures` replace the whole list."""

    name: text(200) | None = Field(None, description="The programme's name.")
    kind: KindChoice | None = Field(None, description="The kind of programme.")
    sessions: list[SessionSpec] | None = Field(None, max_length=52, description="The sessions, in order.")
    description: text(5000) | None = Field(None, description="What the programme is.")
    audience: text(300) | None = Field(None, description="Who the programme is for.")
    delivery: DeliveryChoice | None = Field(None, description="How it is delivered.")
    interval_days: int | None = Field(None, ge=1, le=365, description="Days between sessions.")
    min_participants: int | None = Field(None, ge=0, le=500, description="The fewest participants.")
    max_participants: int | None = Field(None, ge=1, le=500, description="The most participants.")
    pre_interview: bool | None = Field(None, description="Sign-ups start with a pre-interview.")
    drop_in: bool | None = Field(None, description="Drop-in gatherings counted by head.")
    peer_leader: bool | None = Field(None, description="Led by a peer with own experience.")
    free: bool | None = Field(None, description="Free of charge.")
    completion_min_sessions: int | None = Field(None, ge=1, le=52, description="Sessions attended to complete.")
    measures: list[text(41)] | None = Field(None, max_length=20, description="Keys of instruments.")
    active: bool | None = Field(None, description="In use.")


# --- Schemas: runs and sessions -----------------------------------------------------------------


class TemplateRef(Schema):
    id: int = Field(description="The template's id.")
    name: str = Field(description="The programme's name.")
    kind: str = Field(description="The kind of programme.")
    drop_in: bool = Field(description="Drop-in: head counts instead of sign-ups and attendance.")
    pre_interview: bool = Field(description="Sign-ups start with a pre-interview.")


class SessionOut(Schema):
    id: int = Field(description="The session's id.")
    run_id: int = Field(description="The run.")
    number: int = Field(description="The session's number in the run, from 1.")
    title: str = Field(description="The session's title.")
    description: str = Field(description="What the session is about.")
    form: str = Field(description="What a leader records per participant; empty for a free note.")
    date: dt.date = Field(description="The day of the session.")
    start_time: time = Field(description="When it starts.")
    cancelled: bool = Field(description="The session is cancelled.")
    head_count: int | None = Field(description="How many came, for drop-in gatherings.")

    @classmethod
    def of(cls, session: Session, **extra):
        return cls(
            id=session.pk,
            run_id=session.run_id,
            number=session.number,
            title=session.title,
            description=session.description,
            form=session.form,
            date=session.date,
            start_time=session.start_time,
            cancelled=session.cancelled,
            head_count=session.head_count,
            **extra,
        )


class RunOut(Schema):
    id: int = Field(description="The run's id.")
    template: TemplateRef = Field(description="The programme run.")
    title: str = Field(description="The run's title.")
    status: str = Field(description="`planned`, `finished` or `cancelled`.")
    status_label: str = Field(description="The status in the language of the request.")
    starts_on: date = Field(description="The day of the first session.")
    start_time: time = Field(description="The usual start time.")
    venue: str = Field(description="Where it takes place.")
    online: bool = Field(description="Held online.")
    capacity: int = Field(description="Places for enrolled participants.")
    duration_minutes: int = Field(description="Minutes per session.")
    leaders: list[UserRef] = Field(description="Who leads the run.")
    enrolled: int = Field(description="Participants enrolled.")
    waiting: int = Field(description="Participants on the waiting list.")
    interviews: int = Field(description="Participants awaiting a pre-interview.")

    @classmethod
    def of(cls, run: Run, **extra):
        counts = _run_counts(run)
        template = run.template
        return cls(
            id=run.pk,
            template=TemplateRef(
                id=template.pk,
                name=template.name,
                kind=template.kind,
                drop_in=template.drop_in,
                pre_interview=template.pre_interview,
            ),
            title=run.title,
            status=run.status,
            status_label=str(run.get_status_display()),
            starts_on=run.starts_on,
            start_time=run.start_time,
            venue=run.venue,
            online=run.online,
            capacity=run.capacity,
            duration_minutes=run.duration_minutes,
            leaders=[UserRef.of(u) for u in run.leaders.all()],
            **counts,
            **extra,
        )


class RunDetailOut(RunOut):
    sessions: list[SessionOut] = Field(description="The run's sessions, in order.")


class RunPage(PageOut):
    items: list[RunOut] = Field(description="Runs by their first session, oldest first.")


class RunFilter(PageIn):
    past: bool = Field(False, description="Include finished and cancelled runs; only planned runs otherwise.")


class RunIn(Schema):
    """A run of a template: its sessions are dated from `starts_on` at the template's interval."""

    template_id: DbId = Field(description="A built-in template or one of your organisation's own, in use.")
    title: text(200) = Field(description="The run's title.")
    starts_on: date = Field(description="The day of the first session.")
    start_time: time = Field(description="When the sessions start.")
    venue: text(200) = Field("", description="Where it takes place; needed unless `online`.")
    online: bool = Field(False, description="Held online.")
    capacity: int | None = Field(None, ge=1, le=500, description="Places; the template's most participants if null.")
    duration_minutes: int = Field(120, ge=10, le=600, description="Minutes per session.")
    leader_ids: list[DbId] = Field(
        default_factory=list, max_length=50, description="Group leaders or coordinators of your organisation."
    )


class RunPatch(Schema):
    """The fields to change; the others stay. More places move the waiting list up. Session dates are changed
    per session."""

    title: text(200) | None = Field(None, description="The run's title.")
    start_time: time | None = Field(None, description="The usual start time.")
    venue: text(200) | None = Field(None, description="Where it takes place.")
    online: bool | None = Field(None, description="Held online.")
    capacity: int | None = Field(None, ge=1, le=500, description="Places; not fewer than those enrolled.")
    duration_minutes: int | None = Field(None, ge=10, le=600, description="Minutes per session.")
    leader_ids: list[DbId] | None = Field(None, max_length=50, description="Replaces the leaders.")


class CancelIn(Schema):
    reason: text(200) = Field(description="Why the run is cancelled; told to no one, kept on the enrolments.")


class SessionPatch(Schema):
    """The fields to change; the others stay. A new date or time sends the reminders again."""

    date: dt.date | None = Field(None, description="The day of the session.")
    start_time: time | None = Field(None, description="When it starts.")
    title: text(200) | None = Field(None, description="The session's title.")
    cancelled: bool | None = Field(None, description="The session is cancelled.")


class AttendanceRowOut(Schema):
    enrolment_id: int = Field(description="The participant's enrolment.")
    participant_id: int = Field(description="The participant.")
    participant_name: str = Field(description="The participant's name or pseudonym.")
    status: str = Field(description="`present`, `absent`, `excused`, or empty when not recorded.")


class SessionDetailOut(SessionOut):
    run_title: str = Field(description="The run's title.")
    drop_in: bool = Field(description="A drop-in gathering: a head count, no attendance list.")
    attendance: list[AttendanceRowOut] = Field(description="The run's enrolled participants and their attendance.")
    evaluations: int = Field(description="How many evaluations were recorded.")
    average_rating: float | None = Field(description="The evaluations' average rating (1 to 5).")


class AttendanceItem(Schema):
    enrolment_id: DbId = Field(description="An enrolled participant's enrolment in the session's run.")
    status: AttendanceChoice = Field(description="`present`, `absent` or `excused` (absent with notice).")


class AttendanceIn(Schema):
    items: list[AttendanceItem] = Field(max_length=500, description="Attendance per enrolled participant.")


class HeadCountIn(Schema):
    count: int = Field(description="How many came, 0 to 5000.")


class EvaluationIn(Schema):
    rating: int = Field(description="How useful the session was, 1 to 5.")
    comment: text(500) = Field("", description="A comment; no names.")


class EvaluationOut(Schema):
    id: int = Field(description="The evaluation's id.")
    session_id: int = Field(description="The session.")
    rating: int = Field(description="How useful the session was, 1 to 5.")
    comment: str = Field(description="The comment.")
    created_at: datetime = Field(description="When it was recorded.")


# --- Schemas: participants and enrolments -------------------------------------------------------


class ParticipantIn(Schema):
    """A participant held by your organisation: a name or pseudonym and a way to reach them are enough."""

    name: text(100) = Field(description="A name or a pseudonym.")
    phone: text(20) = Field("", description="Phone number; this or `email` is needed unless `person_id` is given.")
    email: text(254) = Field("", description="E-mail address.")
    birth_year: int | None = Field(None, ge=1900, le=2100, description="The year of birth.")
    relation: RelationChoice = Field("", description="Who has the problem, seen from the participant.")
    reminders: ChannelChoice = Field("", description="Remind by `sms`, `email`, or not at all (empty).")
    person_id: DbId | None = Field(None, description="A person in Kindred you may see, when the participant is one.")


class ParticipantRef(Schema):
    id: int = Field(description="The participant's id.")
    name: str = Field(description="The participant's name or pseudonym.")


class EnrolmentRef(Schema):
    id: int = Field(description="The enrolment's id.")
    run_id: int = Field(description="The run.")
    run_title: str = Field(description="The run's title.")
    status: str = Field(description="The enrolment's status.")


class ParticipantOut(Schema):
    id: int = Field(description="The participant's id.")
    name: str = Field(description="A name or a pseudonym.")
    phone: str = Field(description="Phone number.")
    email: str = Field(description="E-mail address.")
    birth_year: int | None = Field(description="The year of birth.")
    relation: str = Field(description="Who has the problem, seen from the participant; may be empty.")
    reminders: str = Field(description="`sms`, `email`, or empty for no reminders.")
    person_id: int | None = Field(description="The person in Kindred, if the participant is one.")
    created_at: datetime = Field(description="When the participant was registered.")
    enrolments: list[EnrolmentRef] = Field(description="The participant's enrolments in runs you may see.")


class EnrolmentOut(Schema):
    id: int = Field(description="The enrolment's id.")
    run_id: int = Field(description="The run.")
    run_title: str = Field(description="The run's title.")
    participant: ParticipantRef = Field(description="The participant.")
    status: str = Field(
        description="`interview`, `waiting`, `enrolled`, `completed`, `not_completed`, `withdrawn` or `referred`."
    )
    status_label: str = Field(description="The status in the language of the request.")
    interview_on: date | None = Field(description="When the pre-interview was held.")
    interview_outcome: str = Field(description="`suitable`, `elsewhere`, or empty.")
    interview_note: str = Field(description="The pre-interview note.")
    referred_to: str = Field(description="Where the person was referred, when better helped elsewhere.")
    referred_offer_id: int | None = Field(description="The help offer the person was referred to.")
    waiting_since: datetime | None = Field(description="On the waiting list since.")
    enrolled_at: datetime | None = Field(description="When the participant got a place.")
    ended_at: datetime | None = Field(description="When the enrolment ended.")
    end_reason: str = Field(description="Why it ended (withdrawal, cancellation).")
    attended: int = Field(description="Sessions attended (present).")
    created_at: datetime = Field(description="When the participant signed up.")

    @classmethod
    def of(cls, enrolment: Enrolment, **extra):
        attended = getattr(enrolment, "attended", None)
        return cls(
            id=enrolment.pk,
            run_id=enrolment.run_id,
            run_title=enrolment.run.title,
            participant=ParticipantRef(id=enrolment.participant_id, name=enrolment.participant.name),
            status=enrolment.status,
            status_label=str(enrolment.get_status_display()),
            interview_on=enrolment.interview_on,
            interview_outcome=enrolment.interview_outcome,
            interview_note=enrolment.interview_note,
            referred_to=enrolment.referred_to,
            referred_offer_id=enrolment.referred_offer_id,
            waiting_since=enrolment.waiting_since,
            enrolled_at=enrolment.enrolled_at,
            ended_at=enrolment.ended_at,
            end_reason=enrolment.end_reason,
            attended=attended if attended is not None else services.attended_count(enrolment),
            created_at=enrolment.created_at,
            **extra,
        )


class EnrolmentPage(PageOut):
    items: list[EnrolmentOut] = Field(description="The run's enrolments by status, then waiting order and name.")


class EnrolmentIn(Schema):
    participant_id: DbId = Field(description="A participant of your organisation.")


class SessionAttendanceOut(Schema):
    session_id: int = Field(description="The session.")
    number: int = Field(description="The session's number.")
    date: dt.date = Field(description="The day of the session.")
    status: str = Field(description="`present`, `absent` or `excused`.")


class NoteOut(Schema):
    enrolment_id: int = Field(description="The enrolment.")
    session_id: int = Field(description="The session.")
    form: str = Field(description="The session's form, which the content follows.")
    data: dict[str, Any] = Field(description="The content (see PUT /programmes/enrolments/{id}/notes/{session_id}).")
    updated_by_id: int | None = Field(description="Who wrote it last.")
    updated_at: datetime = Field(description="When it was written last.")

    @classmethod
    def of(cls, note: SessionNote) -> NoteOut:
        return cls(
            enrolment_id=note.enrolment_id,
            session_id=note.session_id,
            form=note.session.form,
            data=note.data,
            updated_by_id=note.updated_by_id,
            updated_at=note.updated_at,
        )


class MeasureOut(Schema):
    id: int = Field(description="The response's id.")
    enrolment_id: int = Field(description="The enrolment.")
    instrument_key: str = Field(description="The instrument's key.")
    instrument_version: int = Field(description="The instrument's version.")
    phase: str = Field(description="`baseline` or `end`.")
    answers: dict[str, int] = Field(description="The value of the chosen option by item key.")
    scores: dict[str, int] = Field(description="Every score of the instrument by key.")
    zone: str = Field(description="The primary score's zone; empty for instruments without zones.")
    zone_level: int | None = Field(description="0 no risk … 3 highest.")
    answered_on: date = Field(description="The day of the answers.")

    @classmethod
    def of(cls, response) -> MeasureOut:
        return cls(
            id=response.pk,
            enrolment_id=response.enrolment_id,
            instrument_key=response.instrument.key,
            instrument_version=response.instrument.version,
            phase=(response.context or {}).get("phase", ""),
            answers=response.answers or {},
            scores={key: int(value) for key, value in (response.scores or {}).items()},
            zone=response.zone,
            zone_level=response.zone_level,
            answered_on=response.answered_on,
        )


class EnrolmentDetailOut(EnrolmentOut):
    attendance: list[SessionAttendanceOut] = Field(description="Recorded attendance, by session.")
    notes: list[NoteOut] = Field(description="The leader's session notes, by session.")
    measures: list[MeasureOut] = Field(description="Baseline and end measures, oldest first.")


class InterviewIn(Schema):
    outcome: OutcomeChoice = Field(description="`suitable` (a place or the waiting list) or `elsewhere`.")
    held_on: date = Field(description="The day of the pre-interview; not in the future.")
    note: text(2000) = Field("", description="The pre-interview note.")
    referred_to: text(200) = Field("", description="Where the person is referred (`elsewhere`).")
    referred_offer_id: DbId | None = Field(None, description="A help offer of the directory the person is referred to.")


class WithdrawIn(Schema):
    reason: text(200) = Field("", description="Why the participant leaves.")


class NoteIn(Schema):
    data: dict[text(41), JsonValue] = Field(
        max_length=20,
        description="The content, by the session's form: `coping` {position (engaged, tolerant or withdrawn), "
        "pros, cons, strategies}; `network` {persons: [{who, support 0–3}], text}; `needs` {needs, referral}; "
        "the others {text}.",
    )


class MeasureIn(Schema):
    instrument: text(41) = Field(description="The key of one of the programme's measures.")
    phase: PhaseChoice = Field(description="`baseline` or `end`.")
    answers: dict[text(41), AnswerValue] = Field(
        max_length=200, description='The value of the chosen option by item key, e.g. {"q1": 2}.'
    )


# --- Helpers ------------------------------------------------------------------------------------


def _require_personal_data(actor) -> None:
    # Checked before any lookup: a role without personal data gets 403 whatever the id, so ids leak nothing.
    if not actor.can(Capability.VIEW_PERSONAL_DATA):
        raise PermissionError(Capability.VIEW_PERSONAL_DATA)


def _set_fields(payload: Schema, nullable: tuple[str, ...] = ()) -> dict:
    """The fields a PATCH sent; null only where the field may be empty."""
    fields = payload.model_dump(exclude_unset=True)
    for name, value in fields.items():
        if value is None and name not in nullable:
            raise ValidationError({name: NULL_MESSAGE})
    return fields


def _run_counts(run: Run) -> dict[str, int]:
    if hasattr(run, "enrolled"):
        return {"enrolled": run.enrolled, "waiting": run.waiting, "interviews": run.interviews}
    counts = run.enrolments.aggregate(
        enrolled=Count("pk", filter=Q(status=S.ENROLLED)),
        waiting=Count("pk", filter=Q(status=S.WAITING)),
        interviews=Count("pk", filter=Q(status=S.INTERVIEW)),
    )
    return {key: value or 0 for key, value in counts.items()}


def _run_detail(run: Run) -> RunDetailOut:
    run = Run.objects.select_related("template").prefetch_related("leaders").get(pk=run.pk)
    return RunDetailOut.of(run, sessions=[SessionOut.of(s) for s in run.sessions.order_by("number")])


def _run(request, run_id: int) -> Run:
    actor = request.actor
    _require_personal_data(actor)
    return services.get_run(actor, run_id)


def _session(request, session_id: int) -> Session:
    actor = request.actor
    _require_personal_data(actor)
    return services.get_session(actor, session_id)


def _enrolment(request, enrolment_id: int) -> Enrolment:
    actor = request.actor
    _require_personal_data(actor)
    return services.get_enrolment(actor, enrolment_id)


def _session_detail(actor, session: Session) -> SessionDetailOut:
    sheet = services.attendance_sheet(session)
    record_many(actor, Action.VIEW, [enrolment for enrolment, _status in sheet])
    ratings = SessionEvaluation.objects.filter(session=session).aggregate(n=Count("pk"), avg=Avg("rating"))
    rows = [
        AttendanceRowOut(
            enrolment_id=e.pk, participant_id=e.participant_id, participant_name=e.participant.name, status=status
        )
        for e, status in sheet
    ]
    return SessionDetailOut.of(
        session,
        run_title=session.run.title,
        drop_in=session.run.template.drop_in,
        attendance=rows,
        evaluations=ratings["n"],
        average_rating=round(ratings["avg"], 2) if ratings["avg"] is not None else None,
    )


def _enrolment_detail(enrolment: Enrolment) -> EnrolmentDetailOut:
    attendance = [
        SessionAttendanceOut(session_id=a.session_id, number=a.session.number, date=a.session.date, status=a.status)
        for a in enrolment.attendance.select_related("session").order_by("session__number")
    ]
    notes = [NoteOut.of(n) for n in enrolment.notes.select_related("session").order_by("session__number")]
    measures = [MeasureOut.of(r) for r in enrolment.measures.select_related("instrument").order_by("created_at", "pk")]
    return EnrolmentDetailOut.of(enrolment, attendance=attendance, notes=notes, measures=measures)


def _participant_out(actor, participant: Participant) -> ParticipantOut:
    enrolments = visible_enrolments(actor).filter(participant=participant).select_related("run").order_by("pk")
    return ParticipantOut(
        id=participant.pk,
        name=participant.name,
        phone=participant.phone,
        email=participant.email,
        birth_year=participant.birth_year,
        relation=participant.relation,
        reminders=participant.reminders,
        person_id=participant.person_id,
        created_at=participant.created_at,
        enrolments=[EnrolmentRef(id=e.pk, run_id=e.run_id, run_title=e.run.title, status=e.status) for e in enrolments],
    )


# --- Templates ----------------------------------------------------------------------------------


@router.get(
    "/programmes/templates",
    response={200: TemplatePage, **errors()},
    summary="Programme templates",
    description="The built-in templates and your organisation's own, for the roles that plan or run programmes "
    "and organisation admins; an empty list for other roles.",
)
def list_templates(request, filters: Query[PageIn]):
    count, items = page_of(services.templates_for(request.actor), filters)
    return TemplatePage(
        count=count, limit=filters.limit, offset=filters.offset, items=[TemplateOut.of(t) for t in items]
    )


@router.get(
    "/programmes/templates/{template_id}",
    response={200: TemplateOut, **errors(404)},
    summary="One programme template",
    description="A built-in template or your organisation's own; not found (404) otherwise.",
)
def read_template(request, template_id: TemplateId):
    return TemplateOut.of(services.get_template(request.actor, template_id))


@router.post(
    "/programmes/templates",
    response={201: TemplateOut, **errors(400)},
    summary="Add your organisation's own programme",
    description="For organisation admins and the roles that manage programmes (403 otherwise). Refused (422) "
    "without sessions, with unknown measures, or when completing needs more sessions than there are.",
)
def add_template(request, payload: TemplateIn):
    template = services.save_template(request.actor, None, payload.model_dump())
    return Status(201, TemplateOut.of(template))


@router.patch(
    "/programmes/templates/{template_id}",
    response={200: TemplateOut, **errors(400, 404)},
    summary="Change your organisation's own programme",
    description="Only the fields sent change; checked like a new one. Built-in templates cannot be changed (403): "
    "copy one first (POST …/copy). Runs already planned keep their sessions.",
)
def change_template(request, template_id: TemplateId, payload: TemplatePatch):
    actor = request.actor
    template = services.get_template(actor, template_id)
    data = _set_fields(payload)
    try:
        template = services.save_template(actor, template, data)
    except PermissionError as error:
        if error.args and error.args[0] in Capability.values:
            raise
        raise HttpError(403, _("Built-in programmes cannot be changed. Copy it, and change the copy.")) from None
    return TemplateOut.of(template)


@router.post(
    "/programmes/templates/{template_id}/copy",
    response={201: TemplateOut, **errors(404)},
    summary="Copy a programme template",
    description="Your organisation's own, editable copy of a built-in template (or of one of your own).",
)
def copy_template(request, template_id: TemplateId):
    actor = request.actor
    template = services.get_template(actor, template_id)
    return Status(201, TemplateOut.of(services.copy_template(actor, template)))


# --- Runs ---------------------------------------------------------------------------------------


@router.get(
    "/programmes/runs",
    response={200: RunPage, **errors()},
    summary="Programme runs",
    description="All your organisation's runs for the roles that manage programmes; the runs they lead for group "
    "leaders; empty for other roles that see personal data, 403 for roles without personal data.",
)
def list_runs(request, filters: Query[RunFilter]):
    actor = request.actor
    _require_personal_data(actor)
    runs = services.runs_for(actor, include_past=filters.past).prefetch_related("leaders")
    count, items = page_of(runs, filters)
    return RunPage(count=count, limit=filters.limit, offset=filters.offset, items=[RunOut.of(r) for r in items])


@router.post(
    "/programmes/runs",
    response={201: RunDetailOut, **errors(400, 404)},
    summary="Plan a run of a programme",
    description="The sessions are created from the template, dated from `starts_on` at the template's interval. "
    "For the roles that manage programmes (403 otherwise). A template you cannot use is not found (404); a "
    "template no longer in use, a missing venue or leaders who are not group leaders or coordinators of your "
    "organisation are refused (422).",
)
def plan_run(request, payload: RunIn):
    actor = request.actor
    _require_personal_data(actor)
    template = services.get_template(actor, payload.template_id)
    data = services.RunData(**payload.model_dump(exclude={"template_id"}))
    return Status(201, _run_detail(services.plan_run(actor, template, data)))


@router.get(
    "/programmes/runs/{run_id}",
    response={200: RunDetailOut, **errors(404)},
    summary="One run with its sessions",
    description="A run you may see (404 otherwise); the read is recorded in the audit trail.",
)
def read_run(request, run_id: RunId):
    return _run_detail(_run(request, run_id))


@router.patch(
    "/programmes/runs/{run_id}",
    response={200: RunDetailOut, **errors(400, 404)},
    summary="Change a run",
    description="Only the fields sent change. Only planned runs; fewer places than are enrolled are refused "
    "(422); more places move the waiting list up (and tell those who got a place). For the roles that manage "
    "programmes (403 otherwise).",
)
def change_run(request, run_id: RunId, payload: RunPatch):
    actor = request.actor
    run = _run(request, run_id)
    fields = _set_fields(payload)
    data = services.RunData(
        title=fields.get("title", run.title),
        starts_on=run.starts_on,
        start_time=fields.get("start_time", run.start_time),
        venue=fields.get("venue", run.venue),
        online=fields.get("online", run.online),
        capacity=fields.get("capacity"),
        duration_minutes=fields.get("duration_minutes", run.duration_minutes),
        leader_ids=fields.get("leader_ids", list(run.leaders.values_list("pk", flat=True))),
    )
    return _run_detail(services.update_run(actor, run, data))


@router.post(
    "/programmes/runs/{run_id}/finish",
    response={200: RunDetailOut, **errors(404)},
    summary="Finish a run",
    description="The enrolled complete, or not, by the template's sessions-attended rule; those waiting or "
    "awaiting a pre-interview are withdrawn. Only planned runs (422 otherwise).",
)
def finish_run(request, run_id: RunId):
    return _run_detail(services.finish_run(request.actor, _run(request, run_id)))


@router.post(
    "/programmes/runs/{run_id}/cancel",
    response={200: RunDetailOut, **errors(400, 404)},
    summary="Cancel a run",
    description="Every active enrolment is withdrawn with the reason. Only planned runs (422 otherwise).",
)
def cancel_run(request, run_id: RunId, payload: CancelIn):
    return _run_detail(services.cancel_run(request.actor, _run(request, run_id), payload.reason))


@router.get(
    "/programmes/runs/{run_id}/enrolments",
    response={200: EnrolmentPage, **errors(404)},
    summary="A run's participants",
    description="Every enrolment of the run, whatever its status. Each enrolment on the page is recorded in the "
    "audit trail.",
)
def list_enrolments(request, run_id: RunId, filters: Query[PageIn]):
    actor = request.actor
    run = _run(request, run_id)
    count, items = page_of(services.run_enrolments(run).select_related("run"), filters)
    record_many(actor, Action.VIEW, items)
    return EnrolmentPage(
        count=count, limit=filters.limit, offset=filters.offset, items=[EnrolmentOut.of(e) for e in items]
    )


@router.post(
    "/programmes/runs/{run_id}/enrolments",
    response={201: EnrolmentOut, **errors(400, 404)},
    summary="Sign a participant up for a run",
    description="To a pre-interview when the programme has one; else a place, or the waiting list when the run is "
    "full or others are waiting. Refused (422) for drop-in programmes, runs no longer planned and participants "
    "already signed up. For the roles that manage programmes (403 otherwise).",
)
def enrol(request, run_id: RunId, payload: EnrolmentIn):
    actor = request.actor
    run = _run(request, run_id)
    participant = services.get_participant(actor, payload.participant_id)
    return Status(201, EnrolmentOut.of(services.enrol(actor, run, participant)))


# --- Participants -------------------------------------------------------------------------------


@router.post(
    "/programmes/participants",
    response={201: ParticipantOut, **errors(400, 404)},
    summary="Register a participant",
    description="Held by your organisation and never found through the person search. A name or pseudonym and a "
    "phone number or e-mail address (for reminders, the one chosen) are needed; with `person_id`, a person in "
    "Kindred you may see (404 otherwise). For the roles that manage programmes (403 otherwise).",
)
def add_participant(request, payload: ParticipantIn):
    actor = request.actor
    _require_personal_data(actor)
    if not actor.can(Capability.MANAGE_PROGRAMMES):
        raise PermissionError(Capability.MANAGE_PROGRAMMES)
    person = get_person(actor, payload.person_id) if payload.person_id is not None else None
    data = services.ParticipantData(**payload.model_dump(exclude={"person_id"}))
    participant = services.register_participant(actor, data, person=person)
    return Status(201, _participant_out(actor, participant))


@router.get(
    "/programmes/participants/{participant_id}",
    response={200: ParticipantOut, **errors(404)},
    summary="One participant",
    description="A participant of your organisation (the roles that manage programmes) or of a run you lead; not "
    "found (404) otherwise. The read is recorded in the audit trail.",
)
def read_participant(request, participant_id: ParticipantId):
    actor = request.actor
    _require_personal_data(actor)
    return _participant_out(actor, services.get_participant(actor, participant_id))


# --- Enrolments ---------------------------------------------------------------------------------


@router.get(
    "/programmes/enrolments/{enrolment_id}",
    response={200: EnrolmentDetailOut, **errors(404)},
    summary="One enrolment",
    description="With the participant's attendance, session notes and measures. The read is recorded in the "
    "audit trail.",
)
def read_enrolment(request, enrolment_id: EnrolmentId):
    return _enrolment_detail(_enrolment(request, enrolment_id))


@router.post(
    "/programmes/enrolments/{enrolment_id}/interview",
    response={200: EnrolmentDetailOut, **errors(400, 404)},
    summary="Record the pre-interview",
    description="`suitable`: a place, or the waiting list; `elsewhere`: the enrolment ends, with where the person "
    "was referred. Refused (422) when already recorded or in the future.",
)
def record_interview(request, enrolment_id: EnrolmentId, payload: InterviewIn):
    from kindred.directory.services import get_public_offer

    actor = request.actor
    enrolment = _enrolment(request, enrolment_id)
    offer = get_public_offer(payload.referred_offer_id) if payload.referred_offer_id is not None else None
    enrolment = services.record_interview(
        actor,
        enrolment,
        outcome=payload.outcome,
        held_on=payload.held_on,
        note=payload.note,
        referred_to=payload.referred_to,
        referred_offer=offer,
    )
    return _enrolment_detail(enrolment)


@router.post(
    "/programmes/enrolments/{enrolment_id}/withdraw",
    response={200: EnrolmentDetailOut, **errors(400, 404)},
    summary="Withdraw a participant",
    description="The participant leaves; a freed place goes to the first on the waiting list (who is told). "
    "Refused (422) when the participant has already left. For the roles that manage programmes (403 otherwise).",
)
def withdraw(request, enrolment_id: EnrolmentId, payload: WithdrawIn):
    enrolment = services.withdraw(request.actor, _enrolment(request, enrolment_id), payload.reason)
    return _enrolment_detail(enrolment)


@router.post(
    "/programmes/enrolments/{enrolment_id}/complete",
    response={200: EnrolmentDetailOut, **errors(404)},
    summary="Mark a participant as having completed",
    description="Only an enrolled participant who attended the sessions the programme needs (422 otherwise).",
)
def complete(request, enrolment_id: EnrolmentId):
    return _enrolment_detail(services.complete(request.actor, _enrolment(request, enrolment_id)))


@router.put(
    "/programmes/enrolments/{enrolment_id}/notes/{session_id}",
    response={200: NoteOut, **errors(400, 404)},
    summary="Write a participant's session note",
    description="Replaces the note of the participant in the session, in the shape of the session's form. Only "
    "for enrolled (or finished) participants of the session's run.",
)
def save_note(request, enrolment_id: EnrolmentId, session_id: SessionId, payload: NoteIn):
    actor = request.actor
    enrolment = _enrolment(request, enrolment_id)
    session = services.get_session(actor, session_id)
    return NoteOut.of(services.save_note(actor, enrolment, session, payload.data))


@router.post(
    "/programmes/enrolments/{enrolment_id}/measures",
    response={201: MeasureOut, **errors(400, 404)},
    summary="Record a baseline or end measure",
    description="Answers to one of the programme's instruments, scored by the same engine as every response. A "
    "422 names each item that is missing or has a value that is not one of its options.",
)
def record_measure(request, enrolment_id: EnrolmentId, payload: MeasureIn):
    actor = request.actor
    enrolment = _enrolment(request, enrolment_id)
    response = services.record_measure(actor, enrolment, payload.instrument, payload.answers, phase=payload.phase)
    return Status(201, MeasureOut.of(response))


# --- Sessions -----------------------------------------------------------------------------------


@router.get(
    "/programmes/sessions/{session_id}",
    response={200: SessionDetailOut, **errors(404)},
    summary="One session with its attendance list",
    description="A session of a run you may see (404 otherwise). The participants on the list are recorded in the "
    "audit trail.",
)
def read_session(request, session_id: SessionId):
    return _session_detail(request.actor, _session(request, session_id))


@router.patch(
    "/programmes/sessions/{session_id}",
    response={200: SessionDetailOut, **errors(400, 404)},
    summary="Change a session",
    description="Move, rename or cancel one session of a planned run. For the roles that manage programmes (403 "
    "otherwise).",
)
def change_session(request, session_id: SessionId, payload: SessionPatch):
    actor = request.actor
    session = _session(request, session_id)
    fields = _set_fields(payload)
    session = services.update_session(
        actor,
        session,
        day=fields.get("date", session.date),
        start_time=fields.get("start_time", session.start_time),
        title=fields.get("title", session.title),
        cancelled=fields.get("cancelled", session.cancelled),
    )
    return _session_detail(actor, session)


@router.put(
    "/programmes/sessions/{session_id}/attendance",
    response={200: SessionDetailOut, **errors(400, 404)},
    summary="Record attendance",
    description="Attendance of enrolled participants, each one present, absent or excused; the participants left "
    "out keep what was recorded. Refused (422) for sessions in the future or cancelled, drop-in gatherings, "
    "finished runs and participants who are not enrolled; nothing is recorded then.",
)
def record_attendance(request, session_id: SessionId, payload: AttendanceIn):
    actor = request.actor
    session = _session(request, session_id)
    services.record_attendance(actor, session, {item.enrolment_id: item.status for item in payload.items})
    return _session_detail(actor, services.get_session(actor, session_id))


@router.put(
    "/programmes/sessions/{session_id}/head-count",
    response={200: SessionDetailOut, **errors(400, 404)},
    summary="Record a head count",
    description="How many came to a drop-in gathering (no names). Refused (422) for sessions in the future or "
    "cancelled and for programmes with sign-ups.",
)
def record_head_count(request, session_id: SessionId, payload: HeadCountIn):
    actor = request.actor
    session = services.record_head_count(actor, _session(request, session_id), payload.count)
    return _session_detail(actor, session)


@router.post(
    "/programmes/sessions/{session_id}/evaluations",
    response={201: EvaluationOut, **errors(400, 404)},
    summary="Record a participant's evaluation",
    description="A short, anonymous evaluation of a session that has taken place: a rating from 1 to 5 and a comment.",
)
def add_evaluation(request, session_id: SessionId, payload: EvaluationIn):
    actor = request.actor
    session = _session(request, session_id)
    evaluation = services.add_evaluation(actor, session, rating=payload.rating, comment=payload.comment)
    return Status(
        201,
        EvaluationOut(
            id=evaluation.pk,
            session_id=evaluation.session_id,
            rating=evaluation.rating,
            comment=evaluation.comment,
            created_at=evaluation.created_at,
        ),
    )
