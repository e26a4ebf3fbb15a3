"""Data builders for the statistics tests: rows made straight with the ORM, so that every date and timestamp
is exactly what the test says (auto_now_add fields are overwritten with update() after creation).

Dates are `date`s; timestamps are built with `at(day, hour, minute)` in the current time zone (Europe/Oslo),
which is also the zone the reports cut days in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time

from django.utils import timezone

from kindred.accounts.models import User
from kindred.care.models import (
    ChildrenAnswer,
    ChildSheet,
    ChildSheetTemplate,
    ConcernReport,
    Episode,
    InformationGiven,
    Task,
)
from kindred.directory.models import HelpOffer, SelfReferral, YouthIntake
from kindred.instruments.models import Instrument, Response
from kindred.orgs.models import Municipality, Organisation
from kindred.people.models import Person, Relationship
from kindred.programs.models import Attendance, Enrolment, Participant, ProgrammeTemplate, Run, Session
from kindred.referrals.models import Consultation, ConsultationReply, Referral

# --- Time and places ----------------------------------------------------------------------------------


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """An aware timestamp on `day` in the current time zone."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def organisation(
    name: str,
    *,
    parent: Organisation | None = None,
    municipality: str = "",
    country: str = "NO",
    kind: str = Organisation.Kind.SPECIALIST_UNIT,
) -> Organisation:
    return Organisation.objects.create(
        name=name, parent=parent, municipality_number=municipality, country=country, kind=kind
    )


def municipality(number: str, name: str, region: str = "", country: str = "NO") -> Municipality:
    return Municipality.objects.create(country=country, number=number, name=name, region=region)


def staff(email: str = "staff@example.no") -> User:
    """A user to be the assignee, sender or author of rows (no membership: the reports never look)."""
    return User.objects.filter(email=email).first() or User.objects.create_user(email, "x", full_name="Staff")


# --- People and episodes ------------------------------------------------------------------------------


def person(name: str = "P", *, birth_date: date | None = None, birth_year: int | None = None) -> Person:
    return Person.objects.create(given_name=name, birth_date=birth_date, birth_year=birth_year)


def episode(
    organisation: Organisation,
    started_on: date,
    *,
    patient: Person | None = None,
    answer: str = ChildrenAnswer.HAS,
    answered_at: datetime | None = None,
) -> Episode:
    """An episode started on `started_on`; answered (by default with "has minor children") at `answered_at`,
    or at noon on the start day when an answer is given without a time. answer=NOT_ASKED leaves it open."""
    if answer != ChildrenAnswer.NOT_ASKED and answered_at is None:
        answered_at = at(started_on)
    return Episode.objects.create(
        patient=patient or person(),
        organisation=organisation,
        kind=Episode.Kind.OUTPATIENT,
        started_on=started_on,
        children_answer=answer,
        answered_at=answered_at if answer != ChildrenAnswer.NOT_ASKED else None,
    )


def episodes(organisation: Organisation, count: int, started_on: date, **fields) -> list[Episode]:
    return [episode(organisation, started_on, **fields) for _n in range(count)]


def child_of(
    *parents: Person, birth_date: date | None = None, birth_year: int | None = None, name: str = "Kim"
) -> Person:
    """A child with a parent_of relationship from each parent."""
    kid = person(name, birth_date=birth_date, birth_year=birth_year)
    Relationship.objects.bulk_create(
        [Relationship(person=p, other=kid, kind=Relationship.Kind.PARENT_OF) for p in parents]
    )
    return kid


def _template() -> ChildSheetTemplate:
    return ChildSheetTemplate.objects.get_or_create(
        organisation=None, language="nb", version=1, defaults={"title": "Barnearket", "sections": []}
    )[0]


def sheet(episode: Episode, child: Person) -> ChildSheet:
    return ChildSheet.objects.create(episode=episode, child=child, template=_template())


def information(episode: Episode, child: Person, given_on: date) -> InformationGiven:
    return InformationGiven.objects.create(
        episode=episode, child=child, given_on=given_on, form=InformationGiven.Form.TALK
    )


def task(episode: Episode, due_on: date, status: str = Task.Status.OPEN) -> Task:
    return Task.objects.create(episode=episode, title="Følge opp", assignee=staff(), due_on=due_on, status=status)


def concern_report(episode: Episode, sent_on: date, *, feedback_on: date | None = None) -> ConcernReport:
    return ConcernReport.objects.create(
        episode=episode,
        child=person("Barn"),
        recipient="Barnevernet",
        basis=ConcernReport.Basis.OWN_INITIATIVE,
        reason="Bekymring",
        parent_informed=True,
        sent_on=sent_on,
        feedback_on=feedback_on,
        feedback_status=ConcernReport.Feedback.RECEIVED if feedback_on else "",
    )


# --- Cooperation --------------------------------------------------------------------------------------


def referral(
    sender: Organisation,
    receiver: Organisation,
    *,
    status: str = Referral.Status.SENT,
    sent_at: datetime | None = None,
    decided_at: datetime | None = None,
    decline_reason: str = "",
) -> Referral:
    return Referral.objects.create(
        from_organisation=sender,
        to_organisation=receiver,
        person=person(),
        reason="Trenger hjelp",
        status=status,
        sent_at=sent_at,
        decided_at=decided_at,
        decline_reason=decline_reason,
    )


def consultation(
    asker: Organisation, asked: Organisation, created_at: datetime, *, replies_from: Iterable[Organisation] = ()
) -> Consultation:
    """A consultation asked at `created_at`, with one reply from each of `replies_from`."""
    made = Consultation.objects.create(from_organisation=asker, to_organisation=asked, title="Råd", question="?")
    Consultation.objects.filter(pk=made.pk).update(created_at=created_at)
    for org in replies_from:
        ConsultationReply.objects.create(consultation=made, organisation=org, text="Svar")
    return made


# --- Programmes and self-referrals --------------------------------------------------------------------


def programme(organisation: Organisation, *, drop_in: bool = False) -> ProgrammeTemplate:
    return ProgrammeTemplate.objects.create(
        organisation=organisation,
        kind=ProgrammeTemplate.Kind.MEETING_PLACE if drop_in else ProgrammeTemplate.Kind.SELF_HELP_GROUP,
        name="Treffsted" if drop_in else "Gruppe",
        drop_in=drop_in,
    )


def run(organisation: Organisation, *, drop_in: bool = False, starts_on: date = date(2025, 1, 1)) -> Run:
    return Run.objects.create(
        template=programme(organisation, drop_in=drop_in),
        organisation=organisation,
        title="Kurs",
        starts_on=starts_on,
        start_time=time(18, 0),
    )


def session(
    run: Run, day: date, *, number: int | None = None, cancelled: bool = False, head_count: int | None = None
) -> Session:
    number = number or run.sessions.count() + 1
    return Session.objects.create(
        run=run,
        number=number,
        title=f"Kveld {number}",
        date=day,
        start_time=time(18, 0),
        cancelled=cancelled,
        head_count=head_count,
    )


def enrolment(
    run: Run, status: str, *, created_at: datetime | None = None, ended_at: datetime | None = None
) -> Enrolment:
    participant = Participant.objects.create(organisation=run.organisation, name="Deltaker")
    made = Enrolment.objects.create(run=run, participant=participant, status=status, ended_at=ended_at)
    if created_at is not None:
        Enrolment.objects.filter(pk=made.pk).update(created_at=created_at)
    return made


def attendance(session: Session, enrolment: Enrolment, status: str = Attendance.Status.PRESENT) -> Attendance:
    return Attendance.objects.create(session=session, enrolment=enrolment, status=status)


def offer(organisation: Organisation) -> HelpOffer:
    return HelpOffer.objects.get_or_create(
        organisation=organisation,
        name="Samtaler for unge",
        defaults={"provider": organisation.name, "summary": "Samtaler", "country": organisation.country},
    )[0]


def self_referral(
    organisation: Organisation, created_at: datetime, status: str = SelfReferral.Status.NEW
) -> SelfReferral:
    made = SelfReferral.objects.create(
        offer=offer(organisation),
        organisation=organisation,
        help_wanted="Hjelp",
        age=20,
        relation="parent",
        contact_method=SelfReferral.ContactMethod.SMS,
        phone="91234567",
        consented_at=created_at,
        status=status,
    )
    SelfReferral.objects.filter(pk=made.pk).update(created_at=created_at)
    return made


def youth_intakes(organisation: Organisation, created_on: date, answers: Iterable[dict]) -> list[YouthIntake]:
    """One intake (with its self-referral) per dict of answers."""
    return [
        YouthIntake.objects.create(
            self_referral=self_referral(organisation, at(created_on)),
            organisation=organisation,
            created_on=created_on,
            **fields,
        )
        for fields in answers
    ]


# --- Instruments --------------------------------------------------------------------------------------


def instrument(key: str) -> Instrument:
    return Instrument.objects.get_or_create(organisation=None, key=key, version=1, defaults={"definition": {}})[0]


def responses(organisation: Organisation, key: str, answered_on: date, zone_level: int | None, count: int = 1) -> None:
    made = instrument(key)
    Response.objects.bulk_create(
        [
            Response(
                instrument=made,
                organisation=organisation,
                answers={},
                scores={},
                zone_level=zone_level,
                answered_on=answered_on,
            )
            for _n in range(count)
        ]
    )
