"""Query budgets: every list and dashboard page makes as many queries for 3N rows as for N rows.

One entry per page in PAGES: who looks, the URL, and a builder that adds rows the page shows (through the
services, the way users make them, or straight with the ORM where only the row matters). The test warms the
page (session, built-in instruments and templates synced on first use), counts the queries for N rows, adds
2N more and counts again: a page that runs a query per row (an N+1) fails with the numbers.

Pages with such a test elsewhere (not repeated here): care:children, care:my_work and care:tasks
(care/tests/test_overview_pages.py), programs:runs, programs:run, programs:session, programs:run_print and
programs:enrolment (programs/tests/test_views.py), instruments:history (instruments/tests/test_views.py).
Lists that cannot grow with data are left out: cooperation:agreements (one row per agreement task at most),
selftest:list (the built-in self-tests only).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kindred.audit.services import Action, record
from kindred.care import services as care
from kindred.care.models import Task
from kindred.care.tests.factories import patient_with_children, second_clinician
from kindred.consent.models import Category, Consent
from kindred.directory import services as directory
from kindred.instruments import services as instruments
from kindred.orgs.models import Role
from kindred.orgs.services import issue_api_token
from kindred.people.access import break_the_glass
from kindred.people.services import PersonData
from kindred.programs import services as programs
from kindred.programs.tests.factories import builtin, municipality, offer
from kindred.referrals import services as referrals
from kindred.referrals.tests.factories import actor_for, consent, nurse, school_health
from kindred.reports.tests import factories as stats
from kindred.surveys import services as surveys
from kindred.surveys.models import Campaign
from kindred.surveys.tests.factories import campaign, thermometer
from kindred.testing import World, make_user

pytestmark = pytest.mark.django_db

N = 3
BUILTIN_INSTRUMENTS = Path(instruments.__file__).resolve().parent / "definitions"
STATS_MONTHS = {"from_month": "2025-01", "to_month": "2025-06"}
STATS_DAY = date(2025, 3, 10)


@dataclass
class Page:
    persona: str  # a World attribute, a user stored in ctx under this name, or "" for no login
    url: Callable[[World, dict], str]
    add: Callable[[World, dict, int, int], None]  # add `count` rows, numbered from `start`
    setup: Callable[[World], dict] = field(default=lambda world: {})
    marker: str = ""  # text once per shown row: the page must show more of them after the second add
    changes: bool = True  # the page shows something of the rows (otherwise only the query count is checked)
    slack: int = 0  # queries allowed on top (none unless a comment says why)


def _today() -> date:
    return timezone.localdate()


# --- Builders: the children work -----------------------------------------------------------------------------


def _families(world: World, ctx: dict, start: int, count: int) -> None:
    """Families of Cora's: a patient with two minor children (Bo as child contact), an overdue task for one
    child and a concern report for the other; every second child informed."""
    cora = world.actor(world.clinician)
    for i in range(start, start + count):
        episode, (kim, mia) = patient_with_children(
            cora,
            given_name=f"Pia{i}",
            family_name=f"Familie{i}",
            children=(("Kim", 8), ("Mia", 12)),
            child_contact=world.child_responsible,
        )
        task = care.create_task(
            cora, episode, title="Følg opp", assignee_id=world.clinician.pk, due_on=_today(), child=kim
        )
        Task.objects.filter(pk=task.pk).update(due_on=_today() - timedelta(days=2))
        care.send_concern_report(
            cora,
            episode,
            mia,
            care.ConcernData(
                recipient="Barnevernet",
                basis="own_initiative",
                reason="Bekymring",
                parent_informed=True,
                sent_on=_today(),
            ),
        )
        if i % 2:
            care.record_information(cora, episode, kim, given_on=_today(), form="talk")


def _episode_setup(world: World) -> dict:
    episode, _children = patient_with_children(world.actor(world.clinician), children=())
    return {"episode": episode, "patient": episode.patient}


def _episode_children(world: World, ctx: dict, start: int, count: int) -> None:
    """More children on one episode, each with a task, information given and an agreement with the school."""
    cora = world.actor(world.clinician)
    episode = ctx["episode"]
    care.record_children_answer(
        cora,
        episode,
        children_answer="has",
        siblings_answer="none",
        source="patient",
        children=[
            care.ChildInput(person=PersonData(given_name=f"Barn{i}", family_name="Parent", birth_year=2015))
            for i in range(start, start + count)
        ],
    )
    if "school" not in ctx:
        ctx["school"] = school_health()
    school = ctx["school"]
    for child in care.children_of(episode.patient).filter(
        given_name__in=[f"Barn{i}" for i in range(start, start + count)]
    ):
        care.create_task(cora, episode, title="Samtale", assignee_id=world.clinician.pk, due_on=_today(), child=child)
        care.record_information(cora, episode, child, given_on=_today(), form="talk")
        referrals.set_agreement(cora, child, task="school", responsible_organisation_id=school.pk)


def _person_setup(world: World) -> dict:
    episode, _children = patient_with_children(world.actor(world.clinician), children=())
    return {"episode": episode, "patient": episode.patient, "school": school_health()}


def _person_family(world: World, ctx: dict, start: int, count: int) -> None:
    """The person page: more children (family rows), more episodes and more consents."""
    cora = world.actor(world.clinician)
    care.record_children_answer(
        cora,
        ctx["episode"],
        children_answer="has",
        siblings_answer="none",
        source="patient",
        children=[
            care.ChildInput(person=PersonData(given_name=f"Barn{i}", family_name="Parent", birth_year=2016))
            for i in range(start, start + count)
        ],
    )
    for _i in range(count):
        consent(cora, ctx["patient"], ctx["school"], (Category.CHILDREN,))
        care.open_episode(cora, ctx["patient"], care.EpisodeData(kind="outpatient", started_on=_today()))


def _hansen(world: World, ctx: dict, start: int, count: int) -> None:
    cora = world.actor(world.clinician)
    for i in range(start, start + count):
        care.register_patient(
            cora,
            PersonData(given_name=f"Pasient{i}", family_name="Hansen", birth_year=1980),
            care.EpisodeData(kind="outpatient", started_on=_today()),
        )
        patient_with_children(cora, given_name=f"Forelder{i}", family_name="Hansen", children=((f"Hans{i}", 9),))


def _audit_rows(world: World, ctx: dict, start: int, count: int) -> None:
    for user in (world.clinician, world.child_responsible):
        for _i in range(count):
            record(world.actor(user), Action.VIEW, ctx["patient"])


def _grants(world: World, ctx: dict, start: int, count: int) -> None:
    """Break-the-glass grants for Dan's patients, by Cora and by Bo."""
    if "dan" not in ctx:
        ctx["dan"] = second_clinician(world.unit)
    dan = ctx["dan"]
    for i in range(start, start + count):
        episode, _children = patient_with_children(
            world.actor(dan), given_name=f"Dans{i}", family_name="Pasient", children=()
        )
        break_the_glass(world.actor(world.clinician), episode.patient_id, "Akutt innleggelse i natt.")
        break_the_glass(world.actor(world.child_responsible), episode.patient_id, "Barnet ringte oss i natt.")


# --- Builders: cooperation ------------------------------------------------------------------------------------


def _school_setup(world: World) -> dict:
    school = school_health()
    helle = nurse(school)
    return {"school": school, "helle": helle}


def _shared(world: World, ctx: dict, start: int, count: int) -> None:
    """Families of Cora's shared with the school under a consent (the parent and the minor children)."""
    cora = world.actor(world.clinician)
    for i in range(start, start + count):
        episode, _children = patient_with_children(
            cora, given_name=f"Delt{i}", family_name="Familie", children=(("Kim", 8), ("Mia", 10))
        )
        consent(cora, episode.patient, ctx["school"], (Category.CHILDREN, Category.EPISODE))


def _shared_person_setup(world: World) -> dict:
    ctx = _school_setup(world)
    episode, _children = patient_with_children(world.actor(world.clinician), children=())
    ctx.update(episode=episode, patient=episode.patient)
    return ctx


def _shares(world: World, ctx: dict, start: int, count: int) -> None:
    """More of what is shared about one parent: children (with information given and an agreement) and
    episodes at the unit, and more organisations that share the parent with the school."""
    cora = world.actor(world.clinician)
    patient = ctx["patient"]
    consent(cora, patient, ctx["school"], (Category.CHILDREN, Category.EPISODE))
    care.record_children_answer(
        cora,
        ctx["episode"],
        children_answer="has",
        siblings_answer="none",
        source="patient",
        children=[
            care.ChildInput(person=PersonData(given_name=f"Barn{i}", family_name="Parent", birth_year=2016))
            for i in range(start, start + count)
        ],
    )
    for child in care.children_of(patient).filter(given_name__in=[f"Barn{i}" for i in range(start, start + count)]):
        care.record_information(cora, ctx["episode"], child, given_on=_today(), form="talk")
        referrals.set_agreement(cora, child, task="school", responsible_organisation_id=ctx["school"].pk)
    for i in range(start, start + count):
        care.open_episode(cora, patient, care.EpisodeData(kind="outpatient", started_on=_today()))
        elsewhere = stats.organisation(f"Kommune {i}", municipality="1103")
        stats.episode(elsewhere, _today(), patient=patient)
        Consent.objects.create(
            person=patient,
            organisation=elsewhere,
            categories=[Category.CHILDREN, Category.EPISODE],
            recipient_organisation=ctx["school"],
            purpose="Oppfølging",
            valid_from=_today(),
            valid_until=_today() + timedelta(days=90),
            form=Consent.Form.WRITTEN,
        )


def _referrals(world: World, ctx: dict, start: int, count: int) -> None:
    cora = world.actor(world.clinician)
    for i in range(start, start + count):
        episode, (kim,) = patient_with_children(cora, given_name=f"Henvist{i}", family_name="Familie")
        consent(cora, episode.patient, ctx["school"], (Category.CHILDREN,))
        referrals.create_referral(
            cora,
            episode.patient,
            referrals.ReferralData(
                to_organisation_id=ctx["school"].pk,
                reason="Kim trenger en trygg voksen.",
                categories=[Category.CHILDREN],
                child_ids=(kim.pk,),
                contact_person="Cora, tlf. 51 00 00 00",
            ),
        )


def _consultations(world: World, ctx: dict, start: int, count: int) -> None:
    """Consultations both ways: Cora's about a consented patient and anonymous ones, and the school's, with a
    reply each."""
    cora = world.actor(world.clinician)
    helle = actor_for(ctx["helle"])
    for i in range(start, start + count):
        episode, _children = patient_with_children(cora, given_name=f"Råd{i}", family_name="Familie", children=())
        consent(cora, episode.patient, ctx["school"], (Category.CHILDREN,))
        asked = referrals.ask_consultation(
            cora, to_organisation_id=ctx["school"].pk, title=f"Råd {i}", question="Hva gjør vi?", person=episode.patient
        )
        referrals.reply_to_consultation(helle, asked, "Ta kontakt.")
        referrals.ask_consultation(cora, to_organisation_id=ctx["school"].pk, title=f"Anonym {i}", question="Hva nå?")
        referrals.ask_consultation(helle, to_organisation_id=world.unit.pk, title=f"Fra skolen {i}", question="Råd?")


def _referral_setup(world: World) -> dict:
    ctx = _school_setup(world)
    cora = world.actor(world.clinician)
    episode, (kim,) = patient_with_children(cora)
    consent(cora, episode.patient, ctx["school"], (Category.CHILDREN, Category.EPISODE))
    ctx["referral"] = referrals.create_referral(
        cora,
        episode.patient,
        referrals.ReferralData(
            to_organisation_id=ctx["school"].pk,
            reason="Kim trenger en trygg voksen.",
            categories=[Category.CHILDREN, Category.EPISODE],
            child_ids=(kim.pk,),
        ),
    )
    ctx.update(episode=episode, patient=episode.patient)
    return ctx


def _referral_children(world: World, ctx: dict, start: int, count: int) -> None:
    """More children named on the referral, each with an agreement, and more episodes of the parent."""
    _episode_children(world, ctx, start, count)
    ctx["referral"].children.add(*care.children_of(ctx["patient"]))
    for _i in range(count):
        care.open_episode(
            world.actor(world.clinician), ctx["patient"], care.EpisodeData(kind="outpatient", started_on=_today())
        )


def _consultation_setup(world: World) -> dict:
    ctx = _school_setup(world)
    cora = world.actor(world.clinician)
    episode, _children = patient_with_children(cora, children=())
    consent(cora, episode.patient, ctx["school"], (Category.CHILDREN,))
    ctx["consultation"] = referrals.ask_consultation(
        cora, to_organisation_id=ctx["school"].pk, title="Råd", question="Hva gjør vi?", person=episode.patient
    )
    return ctx


def _replies(world: World, ctx: dict, start: int, count: int) -> None:
    for i in range(start, start + count):
        referrals.reply_to_consultation(actor_for(ctx["helle"]), ctx["consultation"], f"Svar nummer {i}.")
        referrals.reply_to_consultation(world.actor(world.clinician), ctx["consultation"], f"Takk for svar {i}.")


def _notifications(world: World, ctx: dict, start: int, count: int) -> None:
    for i in range(start, start + count):
        referrals.notify(world.unit, "consultation", f"Ny konsultasjon {i}", "/cooperation/consultations/")
        referrals.notify(world.unit, "referral", f"Ny henvisning {i}", "/cooperation/referrals/", user=world.clinician)


# --- Builders: directory, programmes, instruments, surveys, statistics, members --------------------------------


def _offers(world: World, ctx: dict, start: int, count: int) -> None:
    place = municipality()
    for i in range(start, start + count):
        offer(world.unit, municipalities=[place, municipality("0301", "Oslo", "Oslo")], name=f"Tilbud {i}")
    offer(None, name=f"Hjelpelinje {start}", nationwide=True, phone="800 12 345", min_age=None, max_age=None)


def _self_referrals(world: World, ctx: dict, start: int, count: int) -> None:
    if "offer" not in ctx:
        ctx["offer"] = offer(world.unit, municipalities=[municipality()], youth_intake=True)
    target = ctx["offer"]
    for i in range(start, start + count):
        made = directory.submit_self_referral(
            target,
            directory.SelfReferralData(
                help_wanted="Mamma drikker hver helg.",
                age=17,
                relation="parent",
                contact_method="sms",
                consent=True,
                name=f"Sara {i}",
                phone="912 34 567",
                intake=directory.IntakeData(father_problem=True, talked_to=["friend"]),
            ),
        )
        if i % 2:
            directory.assign(world.actor(world.coordinator), made, world.group_leader.pk)


def _templates(world: World, ctx: dict, start: int, count: int) -> None:
    cato = world.actor(world.coordinator)
    for _i in range(count):
        programs.copy_template(cato, builtin("self-help-group"))


def _own_instruments(world: World, ctx: dict, start: int, count: int) -> None:
    data = json.loads((BUILTIN_INSTRUMENTS / "relatives_self_check.json").read_text(encoding="utf-8"))
    for i in range(start, start + count):
        data.update(
            key=f"own_check_{i}", audience="both", title={"nb": f"Eget {i}", "da": f"Eget {i}", "en": f"Own {i}"}
        )
        instruments.upload_instrument(world.actor(world.admin), json.dumps(data))


def _campaigns(world: World, ctx: dict, start: int, count: int) -> None:
    ali = world.actor(world.analyst)
    for i in range(start, start + count):
        campaign(ali, title=f"Trivsel {i}", status=Campaign.Status.DRAFT if i % 2 else Campaign.Status.OPEN)


def _report_setup(world: World) -> dict:
    return {"campaign": campaign(world.actor(world.analyst), threshold=1)}


def _respondents(world: World, ctx: dict, start: int, count: int) -> None:
    made = ctx["campaign"]
    Campaign.objects.filter(pk=made.pk).update(status=Campaign.Status.OPEN)
    for i in range(start, start + count):
        thermometer(Campaign.objects.get(pk=made.pk), i % 11, "A" if i % 2 else "B")
    Campaign.objects.filter(pk=made.pk).update(status=Campaign.Status.CLOSED)


def _codes_setup(world: World) -> dict:
    return {"campaign": campaign(world.actor(world.analyst), access=Campaign.Access.CODES)}


def _codes(world: World, ctx: dict, start: int, count: int) -> None:
    codes = surveys.generate_codes(world.actor(world.analyst), ctx["campaign"], count * 5)
    for code in codes[:count]:
        thermometer(ctx["campaign"], 5, "A", code=code)


def _statistics(world: World, ctx: dict, start: int, count: int) -> None:
    """Episodes in the period (with children, sheets, information, tasks, concern reports), referrals,
    consultations, programme runs and self-referrals: every section of the dashboard gets rows."""
    if "other" not in ctx:
        ctx["other"] = stats.organisation("Skolehelse", municipality="1103")
    other = ctx["other"]
    for i in range(start, start + count):
        episode = stats.episode(world.unit, STATS_DAY)
        child = stats.child_of(episode.patient, birth_year=2015, name=f"Barn{i}")
        stats.sheet(episode, child)
        stats.information(episode, child, STATS_DAY)
        stats.task(episode, STATS_DAY)
        stats.concern_report(episode, STATS_DAY)
        stats.referral(world.unit, other, sent_at=stats.at(STATS_DAY))
        stats.consultation(world.unit, other, stats.at(STATS_DAY), replies_from=[other])
        run = stats.run(world.unit, starts_on=STATS_DAY)
        session = stats.session(run, STATS_DAY)
        stats.attendance(session, stats.enrolment(run, "enrolled"))
        stats.self_referral(world.unit, stats.at(STATS_DAY))
        stats.responses(world.unit, "audit", STATS_DAY, 1)


def _youth(world: World, ctx: dict, start: int, count: int) -> None:
    stats.youth_intakes(
        world.unit,
        STATS_DAY,
        [{"father_problem": True, "years_affected": i, "talked_to_friend": True} for i in range(start, start + count)],
    )


def _tokens(world: World, ctx: dict, start: int, count: int) -> None:
    for i in range(start, start + count):
        issue_api_token(world.actor(world.clinician), name=f"Token {i}")


def _members(world: World, ctx: dict, start: int, count: int) -> None:
    for i in range(start, start + count):
        make_user(f"member{i}@example.no", f"Medlem {i}", world.unit, Role.CLINICIAN)


def _everything_for_the_start_page(world: World, ctx: dict, start: int, count: int) -> None:
    _families(world, ctx, start, count)
    _notifications(world, ctx, start, count)


# --- The pages ---------------------------------------------------------------------------------------------------


def _url(name: str, *args, **params) -> Callable[[World, dict], str]:
    def build(world: World, ctx: dict) -> str:
        values = [ctx[a] if isinstance(a, str) else a for a in args]
        values = [v.pk if hasattr(v, "pk") else v for v in values]
        query = urlencode(params)
        return reverse(name, args=values) + (f"?{query}" if query else "")

    return build


def _search_url(world: World, ctx: dict) -> str:
    query = {"municipality": municipality().pk, "audience": "young_people", "age": "16"}
    return f"{reverse('directory:search')}?{urlencode(query)}"


PAGES: dict[str, Page] = {
    # The children work (care:children, care:my_work and care:tasks without filters: see the module docstring).
    "care:children?state=sheet_missing&order=parent": Page(
        "child_responsible",
        _url("care:children", state="sheet_missing", order="parent"),
        _families,
        marker='data-testid="child-row"',
    ),
    "care:children?state=overdue&order=concern": Page(
        "child_responsible",
        _url("care:children", state="overdue", order="concern"),
        _families,
        marker='data-testid="child-row"',
    ),
    "care:children?state=open_reports": Page(
        "coordinator", _url("care:children", state="open_reports"), _families, marker='data-testid="child-row"'
    ),
    "care:tasks?all=1": Page("coordinator", _url("care:tasks", all="1"), _families, marker="Følg opp"),
    "care:episode": Page("clinician", _url("care:episode", "episode"), _episode_children, _episode_setup, "Samtale"),
    "care:children_answer": Page(
        "clinician", _url("care:children_answer", "episode"), _episode_children, _episode_setup, "Barn"
    ),
    "care:relative_intake": Page("clinician", _url("care:relative_intake"), _families, marker="Familie"),
    # Persons.
    "people:search": Page("clinician", _url("people:search", q="hansen"), _hansen, marker='data-testid="search-row"'),
    "people:person": Page("clinician", _url("people:person", "patient"), _person_family, _person_setup, "Barn"),
    "people:access_report": Page(
        "clinician", _url("people:access_report", "patient"), _audit_rows, _person_setup, "<tr"
    ),
    "people:break_glass_review": Page("child_responsible", _url("people:break_glass_review"), _grants, marker="Dans"),
    # Cooperation.
    "consent:shared": Page("helle", _url("consent:shared"), _shared, _school_setup, "Delt"),
    "consent:shared_person": Page(
        "helle", _url("consent:shared_person", "patient"), _shares, _shared_person_setup, 'data-testid="share"'
    ),
    "cooperation:referrals?box=in": Page(
        "helle", _url("cooperation:referrals", box="in"), _referrals, _school_setup, 'data-testid="referral-row"'
    ),
    "cooperation:referrals?box=out": Page(
        "clinician", _url("cooperation:referrals", box="out"), _referrals, _school_setup, 'data-testid="referral-row"'
    ),
    "cooperation:consultations (asking)": Page(
        "clinician", _url("cooperation:consultations"), _consultations, _school_setup, 'data-testid="consultation-row"'
    ),
    "cooperation:consultations (asked)": Page(
        "helle", _url("cooperation:consultations"), _consultations, _school_setup, 'data-testid="consultation-row"'
    ),
    "cooperation:referral_new": Page(
        "clinician", _url("cooperation:referral_new", "patient"), _episode_children, _episode_setup, "Barn"
    ),
    "cooperation:referral (sender)": Page(
        "clinician", _url("cooperation:referral", "referral"), _referral_children, _referral_setup, "Barn"
    ),
    "cooperation:referral (receiver)": Page(
        "helle", _url("cooperation:referral", "referral"), _referral_children, _referral_setup, "Barn"
    ),
    "cooperation:consultation": Page(
        "clinician", _url("cooperation:consultation", "consultation"), _replies, _consultation_setup, "Svar nummer"
    ),
    "cooperation:notifications": Page(
        "clinician", _url("cooperation:notifications"), _notifications, marker='data-testid="notification"'
    ),
    # The help directory and programmes.
    "directory:search": Page("", _search_url, _offers, marker='data-testid="offer"'),
    "directory:offers": Page("admin", _url("directory:offers"), _offers, marker='data-testid="offer-row"'),
    "directory:inbox": Page("coordinator", _url("directory:inbox"), _self_referrals, marker='data-testid="inbox-row"'),
    "directory:inbox?status=all": Page(
        "coordinator", _url("directory:inbox", status="all"), _self_referrals, marker='data-testid="inbox-row"'
    ),
    "programs:templates": Page("coordinator", _url("programs:templates"), _templates),
    # Instruments and surveys.
    "instruments:list": Page(
        "clinician", _url("instruments:list"), _own_instruments, marker='data-testid="instrument"'
    ),
    "instruments:choose": Page(
        "clinician", _url("instruments:choose", "patient"), _own_instruments, _episode_setup, "Eget "
    ),
    "surveys:new": Page("analyst", _url("surveys:new"), _own_instruments, marker="Eget "),
    "surveys:list": Page("analyst", _url("surveys:list"), _campaigns, marker='data-testid="campaign-row"'),
    "surveys:codes": Page("analyst", _url("surveys:codes", "campaign"), _codes, _codes_setup),
    "surveys:detail": Page("analyst", _url("surveys:detail", "campaign"), _codes, _codes_setup),
    "surveys:report": Page("analyst", _url("surveys:report", "campaign"), _respondents, _report_setup),
    # Statistics.
    "reports:dashboard": Page("analyst", _url("reports:dashboard", **STATS_MONTHS), _statistics),
    "reports:metric": Page(
        "analyst",
        lambda world, ctx: reverse("reports:metric", args=["children_question"]) + "?" + urlencode(STATS_MONTHS),
        _statistics,
    ),
    "reports:youth": Page("analyst", _url("reports:youth", **STATS_MONTHS), _youth),
    "reports:export (csv)": Page(
        "analyst",
        lambda world, ctx: reverse("reports:export", args=["csv"]) + "?" + urlencode(STATS_MONTHS),
        _statistics,
    ),
    "reports:youth_export (csv)": Page(
        "analyst",
        lambda world, ctx: reverse("reports:youth_export", args=["csv"]) + "?" + urlencode(STATS_MONTHS),
        _youth,
    ),
    # Administration.
    "orgs:members": Page("admin", _url("orgs:members"), _members, marker="Medlem"),
    "accounts:profile": Page("clinician", _url("accounts:profile"), _tokens, marker="Token "),
    # The API's person list and search.
    "api: GET /persons?q=": Page("clinician", lambda world, ctx: "/api/v1/persons?q=hansen&limit=100", _hansen),
}
# The start page of every role, with families, tasks and notifications in the organisation.
# (The roles with personal data see the unread notifications in the header; the others see nothing of the rows.)
for _role in ("clinician", "child_responsible", "coordinator", "group_leader", "analyst", "admin"):
    PAGES[f"start ({_role})"] = Page(
        _role, _url("start"), _everything_for_the_start_page, changes=_role not in ("analyst", "admin")
    )


def _client(world: World, ctx: dict, persona: str) -> Client:
    if not persona:
        return Client(HTTP_ACCEPT_LANGUAGE="nb")
    user = ctx[persona] if persona in ctx else getattr(world, persona)
    return world.client_for(user)


def _measure(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    # Without the CSRF tokens, which differ on every response.
    return len(queries), re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


@pytest.fixture(autouse=True)
def _statistics_threshold(settings):
    settings.STATS_SUPPRESSION_THRESHOLD = 3


@pytest.mark.parametrize("name", list(PAGES))
def test_queries_do_not_grow_with_the_rows(world, name):
    page = PAGES[name]
    ctx = page.setup(world)
    client = _client(world, ctx, page.persona)
    page.add(world, ctx, 0, N)
    url = page.url(world, ctx)
    _measure(client, url)  # warm up: the session, and built-in rows synced on first use
    few, html_few = _measure(client, url)
    page.add(world, ctx, N, 2 * N)
    many, html_many = _measure(client, page.url(world, ctx))
    if page.marker:
        assert html_few.count(page.marker) >= 1, "the builder made no row the page shows"
        assert html_many.count(page.marker) > html_few.count(page.marker), "the added rows are not shown"
    if page.changes:
        assert html_many != html_few, "the page shows nothing of the added rows"
    assert many <= few + page.slack, f"{name}: {few} queries for {N} rows, {many} for {3 * N}"
