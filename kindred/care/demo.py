"""Demo families across the episode states, so every overview has something real to show."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from kindred.accounts.models import User
from kindred.care import services
from kindred.care.models import ChildSheet, ConcernReport, Episode, Task
from kindred.orgs.actors import Actor
from kindred.orgs.models import Membership, Organisation
from kindred.people.services import PersonData
from kindred.people.synthetic import first_valid_fnr


def _years_ago(years: int, days: int = 0) -> date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - timedelta(days=days)


def _actor(email: str, organisation: Organisation) -> Actor:
    user = User.objects.get(email=email)
    return Actor(user, Membership.objects.filter(user=user, organisation=organisation).first(), "demo", via="cli")


def _child(given: str, family: str, years: int, days: int, serial: int, **rel) -> services.ChildInput:
    birth = _years_ago(years, days)
    return services.ChildInput(
        person=PersonData(given_name=given, family_name=family, national_id=first_valid_fnr(birth, serial)),
        **rel,
    )


def _backdate(episode: Episode, days: int) -> None:
    # Demo only: move the whole episode back in time so deadlines have passed.
    Episode.objects.filter(pk=episode.pk).update(started_on=timezone.localdate() - timedelta(days=days))
    episode.refresh_from_db()


@transaction.atomic
def create_care_demo(orgs: dict[str, Organisation]) -> None:
    unit = orgs["unit"]
    if Episode.objects.filter(organisation=unit).exists():
        return
    kari = _actor("klinikker@demo.kindred.no", unit)
    berit = _actor("barneansvarlig@demo.kindred.no", unit)
    today = timezone.localdate()

    def intake(given, family, years, serial, kind, areas, days_ago, **extra):
        birth = _years_ago(years, serial)
        episode = services.register_patient(
            kari,
            PersonData(
                given_name=given,
                family_name=family,
                national_id=first_valid_fnr(birth, serial),
                sex=extra.pop("sex", ""),
            ),
            services.EpisodeData(
                kind=kind, started_on=today, problem_areas=areas, child_contact_id=berit.user.pk, **extra
            ),
        )
        _backdate(episode, days_ago)
        return episode

    # 1. Lars Hansen: in treatment, two children; Emma has a sheet and was informed; Jonas has no sheet yet.
    lars = intake("Lars", "Hansen", 41, 101, Episode.Kind.INPATIENT_LONG_TERM, ["alcohol"], 20, sex="male")
    services.record_children_answer(
        kari,
        lars,
        children_answer="has",
        siblings_answer="none",
        source="patient",
        children=[
            _child("Emma", "Hansen", 10, 40, 211, parental_responsibility="shared", lives_together=True),
            _child(
                "Jonas",
                "Hansen",
                15,
                80,
                212,
                parental_responsibility="shared",
                lives_together=False,
                contact_arrangement="Bor hos mor, samvær annenhver helg",
            ),
        ],
    )
    services.leave_intake(kari, lars)
    emma, jonas = services.children_of(lars.patient)
    services.save_child_sheet(
        kari,
        lars,
        emma,
        concern_level=ChildSheet.Concern.SOME,
        who_informs=ChildSheet.Informer.THIS_SERVICE,
        answers={
            "lives_where": "Hos mor i Stavanger",
            "cared_by_now": "Mor og mormor",
            "child_knows": "Vet at pappa er på behandling",
        },
    )
    services.record_information(
        kari, lars, emma, given_on=today - timedelta(days=5), form="talk", present="Emma, mor og behandler"
    )
    task = services.create_task(
        kari, lars, title="Barnesamtale med Jonas", assignee_id=berit.user.pk, due_on=today, child=jonas
    )
    Task.objects.filter(pk=task.pk).update(due_on=today - timedelta(days=3))

    # 2. Mette Olsen: intake 10 days ago, the children question not yet asked (flagged).
    intake("Mette", "Olsen", 35, 102, Episode.Kind.OUTPATIENT, ["drugs", "mental_health"], 10, sex="female")

    # 3. Anita Berg: gambling, one child with serious concern and a report without feedback after 25 days.
    anita = intake("Anita", "Berg", 38, 103, Episode.Kind.OUTPATIENT, ["gambling"], 40, sex="female")
    services.record_children_answer(
        kari,
        anita,
        children_answer="has",
        siblings_answer="has",
        source="patient",
        children=[_child("Sofie", "Berg", 6, 10, 221, parental_responsibility="yes", lives_together=True)],
    )
    services.leave_intake(kari, anita)
    (sofie,) = services.children_of(anita.patient)
    services.save_child_sheet(
        berit,
        anita,
        sofie,
        concern_level=ChildSheet.Concern.SERIOUS,
        who_informs=ChildSheet.Informer.CHILD_WELFARE,
        answers={"adequate_supervision": "Usikkert om kveldene"},
    )
    report = services.send_concern_report(
        berit,
        anita,
        sofie,
        services.ConcernData(
            recipient="Barneverntjenesten i Stavanger",
            recipient_municipality="1103",
            basis="own_initiative",
            reason="Mangelfullt tilsyn om kveldene.",
            parent_informed=True,
            sent_on=today,
            forwarding_contact="Berit Barneansvarlig",
        ),
    )
    ConcernReport.objects.filter(pk=report.pk).update(sent_on=today - timedelta(days=25))

    # 4. Per Nilsen: discharged with a handover summary for his daughter.
    per = intake("Per", "Nilsen", 45, 104, Episode.Kind.INPATIENT_DETOX, ["alcohol", "medicines"], 60, sex="male")
    services.record_children_answer(
        kari,
        per,
        children_answer="has",
        siblings_answer="none",
        source="record",
        children=[_child("Ida", "Nilsen", 12, 5, 231, parental_responsibility="shared")],
    )
    services.leave_intake(kari, per)
    (ida,) = services.children_of(per.patient)
    services.record_information(kari, per, ida, given_on=today - timedelta(days=30), form="leaflet")
    services.discharge(
        kari,
        per,
        ended_on=today - timedelta(days=2),
        summaries={ida.pk: "Skolehelsetjenesten følger opp Ida; mor informert."},
    )

    # 5. Nina Johansen: pregnant, no children, answered at intake.
    nina = services.register_patient(
        kari,
        PersonData(
            given_name="Nina", family_name="Johansen", national_id=first_valid_fnr(_years_ago(27, 3), 105), sex="female"
        ),
        services.EpisodeData(
            kind=Episode.Kind.OUTPATIENT,
            started_on=today,
            problem_areas=["alcohol"],
            pregnancy="yes",
            due_date=today + timedelta(days=120),
        ),
    )
    services.record_children_answer(kari, nina, children_answer="none", siblings_answer="declined", source="patient")
