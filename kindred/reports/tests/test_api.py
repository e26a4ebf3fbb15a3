"""The statistics API: the same suppressed figures as the web, for the scopes the actor may see, audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kindred.audit.models import AccessLog
from kindred.care.models import ChildrenAnswer, Episode
from kindred.orgs.models import Membership, Municipality, Organisation, Role
from kindred.orgs.services import issue_api_token
from kindred.people.models import Person
from kindred.reports.scopes import Period
from kindred.testing import make_user

pytestmark = pytest.mark.django_db

API = "/api/v1"


def token_client(actor) -> tuple[Client, dict]:
    _token, plain = issue_api_token(actor, name="Region BI")
    return Client(), {"Authorization": f"Bearer {plain}"}


def episodes(organisation, count: int, *, started_on: date, answered: bool = True) -> None:
    for n in range(count):
        patient = Person.objects.create(given_name=f"P{n}", family_name=organisation.name[:10])
        Episode.objects.create(
            patient=patient,
            organisation=organisation,
            kind=Episode.Kind.OUTPATIENT,
            started_on=started_on,
            children_answer=ChildrenAnswer.HAS if answered else ChildrenAnswer.NOT_ASKED,
            answered_at=timezone.make_aware(timezone.datetime.combine(started_on, timezone.datetime.min.time()))
            if answered
            else None,
        )


def month_of(day: date) -> str:
    return f"{day:%Y-%m}"


@pytest.fixture
def last_month() -> date:
    return timezone.localdate().replace(day=1) - timedelta(days=20)


def metric(body: dict, key: str) -> dict:
    return next(m for m in body["metrics"] if m["key"] == key)


def test_unit_figures_with_drill_down_and_suppression(world, last_month):
    sub = Organisation.objects.create(
        name="Solberg poliklinikk", kind=Organisation.Kind.SPECIALIST_UNIT, parent=world.unit
    )
    episodes(world.unit, 12, started_on=last_month)
    episodes(world.unit, 2, started_on=last_month, answered=False)
    episodes(sub, 7, started_on=last_month)
    client, auth = token_client(world.actor(world.analyst))
    before = AccessLog.objects.count()

    response = client.get(
        f"{API}/statistics/kpis", {"from": month_of(last_month), "to": month_of(last_month)}, headers=auth
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scope"]["scope"] == f"organisation:{world.unit.pk}"
    question = metric(body, "children_question")
    # 21 new episodes; 2 not answered is under the threshold, so it and a complementary cell are hidden.
    assert question["total"] == 21
    labels = [p["label"] for p in question["parts"]]
    assert labels[1] == "Solberg poliklinikk" and question["parts"][1]["scope"] == f"organisation:{sub.pk}"
    for part in question["parts"]:
        assert all(cell is None or cell == 0 or cell >= 5 for cell in part["cells"])
    assert question["categories"][2]["total"] is None  # "not answered" (2) is never published
    assert [m["month"] for m in body["self_referrals_by_month"]] == [month_of(last_month)]
    log = AccessLog.objects.order_by("-pk").first()
    assert AccessLog.objects.count() == before + 1
    assert (log.action, log.object_type, log.subject_id) == ("export", "reports.kpis", None)


def test_scopes_are_limited_by_role_and_organisation(world, last_month):
    client, auth = token_client(world.actor(world.analyst))
    assert client.get(f"{API}/statistics/kpis", {"scope": "country:NO"}, headers=auth).status_code == 404
    assert (
        client.get(f"{API}/statistics/kpis", {"scope": f"organisation:{world.other.pk}"}, headers=auth).status_code
        == 404
    )
    assert client.get(f"{API}/statistics/kpis", {"scope": "nonsense"}, headers=auth).status_code == 404

    clinician_client, clinician_auth = token_client(world.actor(world.clinician))
    assert clinician_client.get(f"{API}/statistics/kpis", headers=clinician_auth).status_code == 403
    assert Client().get(f"{API}/statistics/kpis").status_code == 401


def test_competence_centre_sees_regions_and_country(world, last_month):
    Municipality.objects.create(country="NO", number="1103", name="Stavanger", region="Rogaland")
    centre = Organisation.objects.create(name="KoRus Vest", kind=Organisation.Kind.COMPETENCE_CENTRE)
    analyst = make_user("kari@korus.no", "Kari Analytiker", centre, Role.ANALYST)
    episodes(world.unit, 22, started_on=last_month)
    client, auth = token_client(world.actor(analyst))

    home = client.get(
        f"{API}/statistics/kpis", {"from": month_of(last_month), "to": month_of(last_month)}, headers=auth
    )
    region = client.get(
        f"{API}/statistics/kpis",
        {"scope": "region:NO:Rogaland", "from": month_of(last_month), "to": month_of(last_month)},
        headers=auth,
    )

    assert home.status_code == 200 and home.json()["scope"]["scope"] == "country:NO"
    assert [p["label"] for p in metric(home.json(), "children_question")["parts"]][:1] == ["Rogaland"]
    assert region.status_code == 200
    assert metric(region.json(), "children_question")["total"] == 22
    assert region.json()["parent"]["scope"] == "country:NO"
    assert Membership.objects.filter(user=analyst).count() == 1


def test_bad_months_are_422_with_a_message(world):
    client, auth = token_client(world.actor(world.analyst))
    for params in ({"from": "2026-13", "to": "2026-12"}, {"from": "2026-05", "to": "2026-01"}, {"from": "x", "to": ""}):
        response = client.get(f"{API}/statistics/kpis", params, headers=auth)
        assert response.status_code == 422, params
        assert response.json()["detail"]


def test_young_people_report(world, last_month):
    from kindred.directory.models import HelpOffer, SelfReferral, YouthIntake

    offer = HelpOffer.objects.create(
        organisation=world.unit, provider="x", name="x", summary="x", country="NO", for_young_people=True
    )
    for n in range(20):
        referral = SelfReferral.objects.create(
            offer=offer,
            organisation=world.unit,
            help_wanted="hjelp",
            age=20,
            relation="parent",
            contact_method="sms",
            phone="91234567",
            consented_at=timezone.now(),
        )
        YouthIntake.objects.create(
            self_referral=referral,
            organisation=world.unit,
            created_on=last_month,
            father_problem=n < 12,
            mother_problem=n < 3,
        )
    client, auth = token_client(world.actor(world.analyst))

    response = client.get(
        f"{API}/statistics/young-people", {"from": month_of(last_month), "to": month_of(last_month)}, headers=auth
    )

    assert response.status_code == 200
    body = response.json()
    assert body["respondents"] == 20
    father = next(r for r in body["rows"] if r["key"] == "father")
    assert (father["yes"], father["no"], father["share"]) == (12, 8, pytest.approx(0.6))
    mother = next(r for r in body["rows"] if r["key"] == "mother")
    # 3 yes is under the threshold; the 17 "no" is hidden too, or 20 − 17 would give it away.
    assert (mother["yes"], mother["no"], mother["unanswered"], mother["share"]) == (None, None, 0, None)


def test_the_previous_period_has_equal_length():
    period = Period.months("2026-01", "2026-03")
    assert (period.previous().start, period.previous().end) == (date(2025, 10, 1), date(2025, 12, 31))
