"""Demo help for relatives: the help directory, a self-help group under way, a meeting place with head counts,
a one-to-one brief intervention and self-referrals waiting in the low-threshold service's inbox."""

from __future__ import annotations

import json
from datetime import time, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from kindred.accounts.models import User
from kindred.directory import services as directory
from kindred.directory.models import HelpOffer
from kindred.orgs.actors import Actor
from kindred.orgs.models import Membership, Municipality, Organisation, Role
from kindred.programs import services
from kindred.programs.models import Run

# The national helplines in the self-test's help-offer file become nationwide offers in the directory.
AUDIENCES_OF_TOPIC = {
    "relatives": ["for_partners", "for_parents", "for_siblings", "for_adult_children", "for_young_people"],
    "children": ["for_children", "for_young_people"],
    "alcohol": ["for_professionals"],
    "gambling": ["for_partners", "for_parents", "for_professionals"],
}


def _actor(email: str, organisation: Organisation, role: str) -> Actor:
    user = User.objects.get(email=email)
    membership = Membership.objects.get(user=user, organisation=organisation, role=role)
    return Actor(user, membership, "demo", via="cli")


def _helplines() -> None:
    data = json.loads(Path(settings.HELP_OFFERS_FILE).read_text(encoding="utf-8"))
    for item in data["offers"]:
        language = "nb" if item["country"] == "NO" else "da"
        fields = {field: True for topic in item["topics"] for field in AUDIENCES_OF_TOPIC.get(topic, [])}
        HelpOffer.objects.update_or_create(
            organisation=None,
            name=item["name"],
            defaults={
                "provider": item["name"],
                "summary": item["what"][language][:300],
                "country": item["country"],
                "nationwide": True,
                "phone": item.get("phone", ""),
                "web": item.get("web", ""),
                "free": True,
                **fields,
            },
        )


@transaction.atomic
def create_programmes_demo(orgs: dict[str, Organisation]) -> None:
    call_command("load_municipalities", verbosity=0)
    services.sync_builtin_templates()
    _helplines()
    young, home, dk = orgs["young"], orgs["home"], orgs["dk"]
    if Run.objects.filter(organisation=young).exists():
        return
    stavanger = Municipality.objects.get(country="NO", number="1103")
    sandnes = Municipality.objects.get(country="NO", number="1108")
    odense = Municipality.objects.get(country="DK", number="461")
    admin = _actor("lavterskel@demo.kindred.no", young, Role.ORG_ADMIN)
    live = _actor("lavterskel@demo.kindred.no", young, Role.COORDINATOR)
    gunn = User.objects.get(email="gruppeleder@demo.kindred.no")

    fyrlykta = directory.save_offer(
        admin,
        None,
        {
            "name": "Fyrlykta – samtaler og grupper for unge pårørende",
            "summary": "For deg mellom 14 og 35 som har vokst opp med rus eller spill i familien. Ingen henvisning.",
            "description": (
                "Vi tilbyr samtaler alene eller sammen med andre i samme situasjon, og grupper med temaer som "
                "grensesetting, skyld og skam. Du kan ta kontakt selv, og du kan være anonym."
            ),
            "for_young_people": True,
            "for_adult_children": True,
            "for_siblings": True,
            "min_age": 14,
            "max_age": 35,
            "languages": "norsk, engelsk",
            "accepts_self_referral": True,
            "youth_intake": True,
            "phone": "51 00 12 34",
            "address": "Kirkegata 12, Stavanger",
            "opening_hours": "Mandag–torsdag 10–20",
        },
        [stavanger.pk, sandnes.pk],
    )
    HelpOffer.objects.get_or_create(
        organisation=home,
        name="Pårørendesamtaler – 5 trinn",
        defaults={
            "provider": home.name,
            "summary": "Fem samtaler for voksne pårørende, alene eller i gruppe. Gratis, uten henvisning.",
            "country": "NO",
            "for_partners": True,
            "for_parents": True,
            "for_adult_children": True,
            "min_age": 18,
            "phone": "51 50 70 90",
        },
    )[0].municipalities.set([stavanger])
    HelpOffer.objects.get_or_create(
        organisation=dk,
        name="Familieteamet – samtaler for børn og forældre",
        defaults={
            "provider": dk.name,
            "summary": "Støttende samtaler med børn og motiverende samtaler med forældre, altid sammen med forælderen.",
            "country": "DK",
            "for_children": True,
            "for_parents": True,
            "for_professionals": True,
            "phone": "66 13 00 00",
        },
    )[0].municipalities.set([odense])

    today = timezone.localdate()
    group = services.plan_run(
        live,
        services.get_template(live, _builtin("self-help-group").pk),
        services.RunData(
            title="Selvhjelpsgruppe for pårørende, høsten",
            starts_on=today - timedelta(days=28),
            start_time=time(18, 0),
            venue="Kirkegata 12, 2. etasje",
            capacity=8,
            leader_ids=[gunn.pk],
        ),
    )
    names = ["Siri", "Morten", "Hanne", "Jonas", "Kamilla", "Elin", "Trond", "Aud", "Nora"]
    enrolments = []
    for number, name in enumerate(names):
        participant = services.register_participant(
            live,
            services.ParticipantData(
                name=name,
                phone=f"9{number}0 12 345",
                relation="partner" if number % 2 else "parent",
                reminders="sms",
            ),
        )
        enrolment = services.enrol(live, group, participant)
        if enrolment.status == "interview":
            enrolment = services.record_interview(
                live, enrolment, outcome="suitable", held_on=today - timedelta(days=35)
            )
        enrolments.append(enrolment)
    for session in group.sessions.filter(date__lt=today):
        services.record_attendance(
            live,
            session,
            {
                e.pk: ("absent" if (e.pk + session.number) % 5 == 0 else "present")
                for e in enrolments
                if e.status == "enrolled"
            },
        )
        services.add_evaluation(live, session, rating=4 + session.number % 2, comment="")

    meeting = services.plan_run(
        live,
        services.get_template(live, _builtin("meeting-place").pk),
        services.RunData(
            title="Møteplass for pårørende, høsthalvåret",
            starts_on=today - timedelta(days=60),
            start_time=time(19, 0),
            venue="Fyrlykta, storsalen",
            leader_ids=[gunn.pk],
        ),
    )
    for session, count in zip(meeting.sessions.filter(date__lt=today), (23, 17, 31), strict=False):
        services.record_head_count(live, session, count)

    brief = services.plan_run(
        live,
        services.get_template(live, _builtin("stress-strain-coping-support").pk),
        services.RunData(
            title="5-trinn, individuelt (Tone)",
            starts_on=today + timedelta(days=3),
            start_time=time(14, 0),
            venue="Samtalerom 2",
            capacity=1,
            leader_ids=[gunn.pk],
        ),
    )
    tone = services.register_participant(
        live, services.ParticipantData(name="Tone (pseudonym)", email="tone@example.no", reminders="email")
    )
    services.enrol(live, brief, tone)

    for help_wanted, age, relation, intake in (
        (
            "Jeg vil gjerne snakke med noen om pappa som drikker. Helst i en gruppe.",
            19,
            "parent",
            directory.IntakeData(father_problem=True, years_affected=10, parents_separated=True, talked_to=["nobody"]),
        ),
        ("Broren min spiller bort alle pengene sine, og mamma orker ikke mer.", 24, "sibling", None),
    ):
        directory.submit_self_referral(
            fyrlykta,
            directory.SelfReferralData(
                help_wanted=help_wanted,
                age=age,
                relation=relation,
                contact_method="sms",
                consent=True,
                phone="912 34 567",
                safe_times="Etter kl. 16",
                intake=intake,
            ),
        )


def _builtin(key: str):
    from kindred.programs.models import ProgrammeTemplate

    return ProgrammeTemplate.objects.get(organisation__isnull=True, key=key)
