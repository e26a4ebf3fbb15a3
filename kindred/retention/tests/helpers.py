"""Records of every kind, built through the services the way staff would and then dated back."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from kindred.care.models import ChildSheet, ConcernReport, Episode, InformationGiven, Task
from kindred.care.services import ConcernData, create_task, record_information, save_child_sheet, send_concern_report
from kindred.care.tests.factories import patient_with_children
from kindred.directory.models import SelfReferral
from kindred.instruments.models import Instrument, Response
from kindred.instruments.services import record_response, score_anonymously, sync_builtin_instruments
from kindred.programs.models import Attendance, Enrolment, Participant, Run, Session
from kindred.programs.tests import factories as programmes
from kindred.retention.models import RecordType, RetentionRule

AUDIT_ANSWERS = {f"q{i}": 0 for i in range(1, 11)}


def aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


def instrument(key: str = "audit") -> Instrument:
    sync_builtin_instruments()
    return Instrument.objects.get(organisation__isnull=True, key=key)


def rule(organisation, record_type: str, months: int | None) -> RetentionRule:
    return RetentionRule.objects.create(organisation=organisation, record_type=record_type, months=months)


def clinical_record(world, *, ended_on: date, given_name: str = "Pia", child_name: str = "Kim"):
    """A discharged episode with a child sheet, information, a task, a concern report and an instrument
    response, all last touched on `ended_on`. Returns (episode, child)."""
    actor = world.actor(world.clinician)
    episode, (kid,) = patient_with_children(
        actor, given_name=given_name, children=[(child_name, 8)], responsible=world.clinician
    )
    save_child_sheet(actor, episode, kid, answers={"lives_where": "Hos mor"}, concern_level="some", who_informs="")
    record_information(actor, episode, kid, given_on=timezone.localdate(), form="talk")
    create_task(
        actor, episode, title="Følg opp skolen", assignee_id=world.clinician.pk, due_on=timezone.localdate(), child=kid
    )
    send_concern_report(
        actor,
        episode,
        kid,
        ConcernData(
            recipient="Barnevernet",
            basis="own_initiative",
            reason="Bekymring",
            parent_informed=True,
            sent_on=timezone.localdate(),
        ),
    )
    record_response(actor, instrument(), episode.patient, AUDIT_ANSWERS, episode=episode)
    date_back(episode, ended_on)
    return episode, kid


def date_back(episode: Episode, ended_on: date) -> None:
    Episode.objects.filter(pk=episode.pk).update(
        status=Episode.Status.DISCHARGED, started_on=ended_on - timedelta(days=90), ended_on=ended_on
    )
    ChildSheet.objects.filter(episode=episode).update(updated_at=aware(ended_on))
    InformationGiven.objects.filter(episode=episode).update(given_on=ended_on)
    Task.objects.filter(episode=episode).update(due_on=ended_on, status=Task.Status.DONE, done_at=aware(ended_on))
    ConcernReport.objects.filter(episode=episode).update(sent_on=ended_on, feedback_on=ended_on)
    Response.objects.filter(episode=episode).update(answered_on=ended_on)


def programme_record(world, *, last_session: date, name: str = "Tone", status: str = Run.Status.FINISHED):
    """A finished run whose only session was on `last_session`, one participant enrolled with attendance."""
    run = programmes.run(world, title=f"Gruppe {name}")
    Session.objects.filter(run=run).exclude(number=1).delete()
    Session.objects.filter(run=run).update(date=last_session)
    Run.objects.filter(pk=run.pk).update(status=status, starts_on=last_session)
    participant = programmes.participant(world, name=name)
    Participant.objects.filter(pk=participant.pk).update(created_at=aware(last_session - timedelta(days=30)))
    enrolment = Enrolment.objects.create(run=run, participant=participant, status=Enrolment.Status.COMPLETED)
    Attendance.objects.create(session=run.sessions.get(), enrolment=enrolment, status=Attendance.Status.PRESENT)
    return run, participant, enrolment


def self_referral(organisation, *, received: date, closed: date | None = None, **fields) -> SelfReferral:
    offer = programmes.offer(organisation)
    referral = SelfReferral.objects.create(
        offer=offer,
        organisation=organisation,
        help_wanted="Noen å snakke med",
        age=19,
        relation="parent",
        contact_method="sms",
        phone="912 34 567",
        consented_at=aware(received),
        status=fields.pop("status", SelfReferral.Status.CLOSED if closed else SelfReferral.Status.NEW),
        closed_at=aware(closed) if closed else None,
        **fields,
    )
    SelfReferral.objects.filter(pk=referral.pk).update(created_at=aware(received))
    return referral


def self_test(answered_on: date) -> Response:
    _result, row = score_anonymously(instrument(), AUDIT_ANSWERS, keep=True)
    Response.objects.filter(pk=row.pk).update(answered_on=answered_on)
    return row


__all__ = ["RecordType"]
