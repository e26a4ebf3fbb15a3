"""The directory API: the public search and self-referral (no token, rate limited, validated like the web form),
the organisation's offers, and the self-referral inbox for coordinators only."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from kindred.audit.models import AccessLog
from kindred.directory import services
from kindred.directory.models import HelpOffer, SelfReferral, YouthIntake
from kindred.orgs.models import Role
from kindred.orgs.services import issue_api_token
from kindred.programs import services as programs
from kindred.programs.models import Enrolment
from kindred.programs.tests.factories import builtin, municipality, offer
from kindred.referrals.models import Notification
from kindred.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """The assertions read the English messages; without Accept-Language the API answers in the default."""
    settings.LANGUAGE_CODE = "en"


API = "/api/v1"


def token_client(world, user) -> Client:
    """A client that sends a real personal API token of the user's membership (no session)."""
    _token, plain = issue_api_token(world.actor(user), name="Test")
    return Client(headers={"Authorization": f"Bearer {plain}"})


def get(client, path, **kwargs):
    return client.get(API + path, **kwargs)


def post(client, path, data=None, **kwargs):
    return client.post(API + path, data if data is not None else {}, content_type="application/json", **kwargs)


def patch(client, path, data, **kwargs):
    return client.patch(API + path, data, content_type="application/json", **kwargs)


def last_log() -> int:
    return AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def logs_since(pk: int):
    return AccessLog.objects.filter(pk__gt=pk).order_by("pk")


def error_fields(response) -> set[str]:
    """The fields a 422 names: keys of a service's errors, or the last part of each pydantic error's loc."""
    body = response.json()
    found = body.get("errors")
    if isinstance(found, dict):
        return set(found)
    return {str(e["loc"][-1]) for e in found if isinstance(e, dict) and e.get("loc")}


def referral_payload(**fields) -> dict:
    return {
        "help_wanted": "Jeg vil snakke med noen om pappa.",
        "age": 19,
        "relation": "parent",
        "contact_method": "sms",
        "phone": "912 34 567",
        "consent": True,
        **fields,
    }


@pytest.fixture
def places(db):
    return {
        "stavanger": municipality(),
        "oslo": municipality("0301", "Oslo", "Oslo"),
        "kobenhavn": municipality("0101", "København", "Hovedstaden", country="DK"),
    }


@pytest.fixture
def offers(world, places):
    return {
        "local": offer(world.unit, municipalities=[places["stavanger"]], youth_intake=True),
        "helpline": offer(
            None,
            name="Hjelpelinjen",
            nationwide=True,
            for_young_people=False,
            for_partners=True,
            min_age=None,
            max_age=None,
        ),
        "oslo": offer(world.other, name="Oslo-gruppen", municipalities=[places["oslo"]]),
        "hidden": offer(world.unit, name="Gammelt tilbud", municipalities=[places["stavanger"]], active=False),
        "danish": offer(None, name="Dansk linje", country="DK", nationwide=True),
    }


# --- The public directory ----------------------------------------------------------------------


def test_municipalities_are_public_and_filtered_by_country(places):
    client = Client()
    body = get(client, "/directory/municipalities").json()
    assert body["count"] == 3
    body = get(client, "/directory/municipalities", data={"country": "DK"}).json()
    assert [m["name"] for m in body["items"]] == ["København"]
    assert body["items"][0]["number"] == "0101" and body["items"][0]["region"] == "Hovedstaden"
    assert get(client, "/directory/municipalities", data={"country": "SE"}).status_code == 422


def test_public_search_filters_without_a_token(offers, places):
    client = Client()

    def names(**params) -> list[str]:
        response = get(client, "/directory/offers", data=params)
        assert response.status_code == 200, response.content
        return [o["name"] for o in response.json()["items"]]

    stavanger = places["stavanger"].pk
    # Local offers first, then the ones for the whole country; inactive ones and other countries never.
    assert names(municipality=stavanger) == ["Ung pårørende-samtaler", "Hjelpelinjen"]
    assert names(municipality=places["oslo"].pk) == ["Oslo-gruppen", "Hjelpelinjen"]
    assert names(municipality=stavanger, audience="partners") == ["Hjelpelinjen"]
    assert names(municipality=stavanger, audience="young_people") == ["Ung pårørende-samtaler"]
    assert names(municipality=stavanger, age=10) == ["Hjelpelinjen"]
    assert names(municipality=stavanger, age=20) == ["Ung pårørende-samtaler", "Hjelpelinjen"]
    assert names(country="DK") == ["Dansk linje"]
    assert "Gammelt tilbud" not in names()
    assert names(municipality=places["kobenhavn"].pk) == ["Dansk linje"]

    body = get(client, "/directory/offers", data={"municipality": stavanger, "limit": 1}).json()
    assert (body["count"], body["limit"], len(body["items"])) == (2, 1, 1)
    local = body["items"][0]
    assert local["audiences"] == ["young_people"] and local["audience_labels"]
    assert local["municipalities"] == [{"id": stavanger, "name": "Stavanger"}]
    assert local["accepts_self_referral"] is True and local["youth_intake"] is True
    assert "organisation_id" not in local

    response = get(client, f"/directory/offers/{offers['local'].pk}")
    assert response.status_code == 200 and response.json()["name"] == "Ung pårørende-samtaler"
    assert get(client, f"/directory/offers/{offers['hidden'].pk}").status_code == 404
    assert get(client, "/directory/offers/999999").status_code == 404
    assert get(client, f"/directory/offers/{2**63}").status_code == 422


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"municipality": 999_999}, "municipality"),
        ({"municipality": "Stavanger"}, "municipality"),
        ({"municipality": 0}, "municipality"),
        ({"municipality": 2**63}, "municipality"),
        ({"audience": "aliens"}, "audience"),
        ({"age": -1}, "age"),
        ({"age": 121}, "age"),
        ({"age": "twelve"}, "age"),
        ({"age": 10**30}, "age"),
        ({"country": "SE"}, "country"),
        ({"limit": 1000}, "limit"),
    ],
)
def test_public_search_refuses_bad_values_with_the_field_named(offers, params, field):
    response = get(Client(), "/directory/offers", data=params)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"] and field in error_fields(response)


def test_an_unknown_municipality_is_explained(offers):
    response = get(Client(), "/directory/offers", data={"municipality": 999_999})
    assert response.json()["detail"] == "Choose a municipality from the list."
    assert response.json()["errors"] == {"municipality": ["Choose a municipality from the list."]}
    response = get(Client(), "/directory/offers", data={"audience": "aliens"})
    [problem] = response.json()["errors"]
    assert problem["loc"] == ["query", "audience"] and "young_people" in problem["msg"]


# --- Public self-referral ----------------------------------------------------------------------


def test_a_self_referral_returns_only_a_reference_and_stores_one_row(world, offers):
    client = Client(enforce_csrf_checks=True)
    path = f"/directory/offers/{offers['local'].pk}/self-referrals"
    response = post(client, path, referral_payload(name="Mia", email="mia@example.no", contact_method="email"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"reference"} and len(body["reference"]) == 8
    referral = SelfReferral.objects.get()
    assert referral.reference == body["reference"]
    assert (referral.organisation, referral.offer, referral.status) == (world.unit, offers["local"], "new")
    assert (referral.name, referral.age, referral.relation) == ("Mia", 19, "parent")
    assert referral.consented_at is not None
    assert not YouthIntake.objects.exists()
    # The organisation is told with a link only; the person gets a receipt without personal data.
    notification = Notification.objects.get(organisation=world.unit)
    assert body["reference"] in notification.message and "Mia" not in notification.message
    [receipt] = [m for m in mail.outbox if m.to == ["mia@example.no"]]
    assert body["reference"] in receipt.body and "pappa" not in receipt.body
    assert all("Mia" not in m.body and "pappa" not in m.body for m in mail.outbox)


def test_a_self_referral_with_the_intake_questions(world, offers):
    intake = {
        "father_problem": True,
        "mother_problem": None,
        "years_affected": 12,
        "physical_violence": True,
        "physical_violence_years": 3,
        "talked_to": ["friend", "school"],
    }
    path = f"/directory/offers/{offers['local'].pk}/self-referrals"
    response = post(Client(), path, referral_payload(intake=intake))
    assert response.status_code == 201, response.content
    row = YouthIntake.objects.get()
    assert (row.father_problem, row.mother_problem, row.years_affected) == (True, None, 12)
    assert (row.physical_violence_years, row.talked_to_friend, row.talked_to_school) == (3, True, True)
    assert row.talked_to_nobody is False and row.organisation == world.unit


@override_settings(SELF_REFERRAL_RATE="2/h")
def test_a_burst_of_self_referrals_is_limited(offers):
    client = Client()
    path = f"/directory/offers/{offers['local'].pk}/self-referrals"
    # As in the web form, a request that fails the checks does not use the allowance.
    assert post(client, path, referral_payload(consent=False)).status_code == 422
    for _ in range(2):
        assert post(client, path, referral_payload()).status_code == 201
    response = post(client, path, referral_payload())
    assert response.status_code == 429
    assert "wait an hour" in response.json()["detail"]
    assert post(client, path, referral_payload(help_wanted="Igjen")).status_code == 429
    assert post(client, path, referral_payload(age=3)).status_code == 422
    assert SelfReferral.objects.count() == 2
    # Another client address has its own allowance.
    assert post(client, path, referral_payload(), REMOTE_ADDR="10.0.0.9").status_code == 201
    assert SelfReferral.objects.count() == 3


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"help_wanted": "   "}, "help_wanted"),
        ({"help_wanted": "x" * 2001}, "help_wanted"),
        ({"help_wanted": "Hei\x00"}, "help_wanted"),
        ({"age": None}, "age"),
        ({"age": 3}, "age"),
        ({"age": 50}, "age"),  # the offer is for 14 to 35
        ({"age": "nineteen"}, "age"),
        ({"relation": "neighbour"}, "relation"),
        ({"contact_method": "pigeon"}, "contact_method"),
        ({"contact_method": "call", "phone": ""}, "phone"),
        ({"phone": "call me"}, "phone"),
        ({"contact_method": "email", "phone": ""}, "email"),
        ({"contact_method": "email", "email": "not-an-address"}, "email"),
        ({"consent": False}, "consent"),
        ({"name": "x" * 101}, "name"),
        ({"safe_times": "x" * 201}, "safe_times"),
        ({"intake": {"years_affected": 31}}, "years_affected"),
        ({"intake": {"sexual_violation_years": 2}}, "sexual_violation_years"),
        ({"intake": {"talked_to": ["nobody", "friend"]}}, "talked_to"),
        ({"intake": {"talked_to": ["priest"]}}, 0),
    ],
)
def test_each_bad_field_is_refused_and_nothing_is_stored(offers, fields, field):
    path = f"/directory/offers/{offers['local'].pk}/self-referrals"
    response = post(Client(), path, referral_payload(**fields))
    assert response.status_code == 422, response.content
    assert str(field) in error_fields(response), response.json()
    assert not SelfReferral.objects.exists() and not YouthIntake.objects.exists()
    assert not mail.outbox and not Notification.objects.exists()


def test_service_messages_are_the_web_forms(offers):
    path = f"/directory/offers/{offers['local'].pk}/self-referrals"
    response = post(Client(), path, referral_payload(age=50))
    assert response.json()["detail"] == "This offer is for ages 14 to 35. The directory has other offers for you."
    response = post(Client(), path, referral_payload(consent=False, help_wanted=""))
    assert set(response.json()["errors"]) == {"consent", "help_wanted"}


def test_offers_that_take_no_self_referrals_refuse_them(world, offers):
    helpline = f"/directory/offers/{offers['helpline'].pk}/self-referrals"
    response = post(Client(), helpline, referral_payload())
    assert response.status_code == 422 and "Contact it directly" in response.json()["detail"]
    # The intake questions only go to offers that ask them.
    oslo = f"/directory/offers/{offers['oslo'].pk}/self-referrals"
    response = post(Client(), oslo, referral_payload(intake={"father_problem": True}))
    assert response.status_code == 422 and "intake" in error_fields(response)
    assert (
        post(Client(), f"/directory/offers/{offers['hidden'].pk}/self-referrals", referral_payload()).status_code == 404
    )
    assert post(Client(), "/directory/offers/999999/self-referrals", referral_payload()).status_code == 404
    assert post(Client(), f"/directory/offers/{offers['local'].pk}/self-referrals", {}).status_code == 422
    response = Client().post(
        API + f"/directory/offers/{offers['local'].pk}/self-referrals", "{not json", content_type="application/json"
    )
    assert response.status_code in (400, 422)
    assert not SelfReferral.objects.exists()


# --- The organisation's offers ------------------------------------------------------------------


def test_admins_keep_their_organisations_offers(world, places, offers):
    admin = token_client(world, world.admin)
    body = {
        "name": "Familiesamtaler",
        "summary": "Samtaler for hele familien.",
        "audiences": ["partners", "parents"],
        "municipality_ids": [places["stavanger"].pk],
        "phone": "51 00 00 01",
    }
    mark = last_log()
    response = post(admin, "/directory/my-offers", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["organisation_id"] == world.unit.pk and created["provider"] == world.unit.name
    assert created["audiences"] == ["partners", "parents"] and created["country"] == "NO"
    assert created["municipalities"] == [{"id": places["stavanger"].pk, "name": "Stavanger"}]
    assert logs_since(mark).filter(action="create", object_type="directory.helpoffer").count() == 1

    listed = get(admin, "/directory/my-offers").json()
    assert {o["name"] for o in listed["items"]} == {"Ung pårørende-samtaler", "Gammelt tilbud", "Familiesamtaler"}
    coordinator = token_client(world, world.coordinator)
    assert get(coordinator, "/directory/my-offers").json()["count"] == 3
    assert get(token_client(world, world.analyst), "/directory/my-offers").json()["count"] == 0

    oid = created["id"]
    response = patch(admin, f"/directory/my-offers/{oid}", {"nationwide": True, "municipality_ids": [], "max_age": 30})
    assert response.status_code == 200, response.content
    assert response.json()["nationwide"] is True and response.json()["municipalities"] == []
    assert response.json()["max_age"] == 30 and response.json()["name"] == "Familiesamtaler"
    response = patch(admin, f"/directory/my-offers/{oid}", {"audiences": ["children"]})
    assert response.json()["audiences"] == ["children"]

    before = HelpOffer.objects.get(pk=oid).updated_at
    for bad, field in (
        ({"audiences": []}, "audiences"),
        ({"min_age": 40, "max_age": 20}, "max_age"),
        ({"nationwide": False}, "municipalities"),
        ({"municipality_ids": [places["kobenhavn"].pk], "nationwide": False}, "municipalities"),
        ({"name": None}, "name"),
        ({"web": "ftp://example.no"}, "web"),
        ({"phone": "", "accepts_self_referral": False}, "phone"),
        ({"audiences": ["aliens"]}, 0),
    ):
        response = patch(admin, f"/directory/my-offers/{oid}", bad)
        assert response.status_code == 422, bad
        assert str(field) in error_fields(response), (bad, response.json())
    assert HelpOffer.objects.get(pk=oid).updated_at == before

    # Coordinators see the offers but only admins change them; other organisations do not find them.
    assert patch(coordinator, f"/directory/my-offers/{oid}", {"name": "Nytt"}).status_code == 403
    assert post(coordinator, "/directory/my-offers", body).status_code == 403
    other_admin = make_user("oda@example.no", "Oda Admin", world.other, Role.ORG_ADMIN)
    elsewhere = token_client(world, other_admin)
    assert get(elsewhere, f"/directory/my-offers/{oid}").status_code == 404
    assert patch(elsewhere, f"/directory/my-offers/{oid}", {"name": "Mitt"}).status_code == 404
    assert HelpOffer.objects.get(pk=oid).name == "Familiesamtaler"


# --- The inbox ----------------------------------------------------------------------------------


@pytest.fixture
def inbox(world, offers):
    """Three self-referrals to the unit, one to the other organisation."""
    referrals = [
        services.submit_self_referral(
            offers["local"],
            services.SelfReferralData(
                help_wanted=f"Hjelp {n}",
                age=20 + n,
                relation="parent",
                contact_method="sms",
                consent=True,
                name=name,
                phone="912 34 567",
            ),
        )
        for n, name in enumerate(["Ada", "Bea", "Cia"])
    ]
    elsewhere = services.submit_self_referral(
        offers["oslo"],
        services.SelfReferralData(
            help_wanted="Hjelp i Oslo",
            age=22,
            relation="partner",
            contact_method="call",
            consent=True,
            phone="91234567",
        ),
    )
    return referrals, elsewhere


def test_the_inbox_shows_only_the_own_organisation(world, inbox):
    referrals, elsewhere = inbox
    coordinator = token_client(world, world.coordinator)
    mark = last_log()
    body = get(coordinator, "/directory/inbox").json()
    assert body["count"] == 3
    assert [r["reference"] for r in body["items"]] == [r.reference for r in referrals]  # oldest first
    first = body["items"][0]
    assert first["name"] == "Ada" and first["status"] == "new" and first["offer"]["name"] == "Ung pårørende-samtaler"
    views = logs_since(mark).filter(action="view", object_type="directory.selfreferral")
    assert {int(r.object_id) for r in views} == {r.pk for r in referrals} and all(r.via == "api" for r in views)

    response = get(coordinator, f"/directory/inbox/{referrals[0].pk}")
    assert response.status_code == 200 and response.json()["help_wanted"] == "Hjelp 0"
    assert response.json()["intake"] is None
    assert get(coordinator, f"/directory/inbox/{elsewhere.pk}").status_code == 404
    assert get(coordinator, "/directory/inbox", data={"status": "closed"}).json()["count"] == 0
    assert get(coordinator, "/directory/inbox", data={"status": "all"}).json()["count"] == 3
    assert get(coordinator, "/directory/inbox", data={"status": "lost"}).status_code == 422

    # A clinician elsewhere (or at the unit) sees nothing; roles without personal data are refused.
    outsider = token_client(world, world.outsider)
    assert get(outsider, f"/directory/inbox/{referrals[0].pk}").status_code == 404
    assert post(outsider, f"/directory/inbox/{referrals[0].pk}/contacted").status_code == 404
    assert get(outsider, "/directory/inbox").json()["count"] == 0
    clinician = token_client(world, world.clinician)
    assert get(clinician, f"/directory/inbox/{referrals[0].pk}").status_code == 404
    for user in (world.analyst, world.admin):
        client = token_client(world, user)
        assert get(client, "/directory/inbox").status_code == 403
        assert get(client, f"/directory/inbox/{referrals[0].pk}").status_code == 403
        assert post(client, f"/directory/inbox/{referrals[0].pk}/contacted").status_code == 403
    assert SelfReferral.objects.filter(status="new").count() == 4


def change_logs(mark: int, referral) -> list[AccessLog]:
    return list(
        logs_since(mark).filter(action="change", object_type="directory.selfreferral", object_id=str(referral.pk))
    )


def test_each_inbox_action_changes_the_state_and_is_audited(world, inbox):
    (first, second, third), _elsewhere = inbox
    coordinator = token_client(world, world.coordinator)

    mark = last_log()
    response = post(coordinator, f"/directory/inbox/{first.pk}/assign", {"user_id": world.clinician.pk})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "assigned"
    assert response.json()["assigned_to"] == {"id": world.clinician.pk, "full_name": "Cora Clinician"}
    [row] = change_logs(mark, first)
    assert row.details == {"assigned_to": world.clinician.pk} and row.via == "api"
    for user_id in (world.analyst.pk, world.outsider.pk, 999_999):
        response = post(coordinator, f"/directory/inbox/{first.pk}/assign", {"user_id": user_id})
        assert response.status_code == 422 and "assigned_to" in response.json()["errors"]
    assert post(coordinator, f"/directory/inbox/{first.pk}/assign", {"user_id": 0}).status_code == 422

    mark = last_log()
    response = post(coordinator, f"/directory/inbox/{first.pk}/contacted")
    assert response.status_code == 200 and response.json()["status"] == "contacted"
    assert response.json()["contacted_at"]
    assert len(change_logs(mark, first)) == 1

    mark = last_log()
    response = post(coordinator, f"/directory/inbox/{first.pk}/close", {"reason": "other"})
    assert response.status_code == 422 and "close_note" in response.json()["errors"]
    assert post(coordinator, f"/directory/inbox/{first.pk}/close", {"reason": "bored"}).status_code == 422
    response = post(coordinator, f"/directory/inbox/{first.pk}/close", {"reason": "elsewhere", "note": "Fastlege"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["close_reason"], body["close_note"]) == ("closed", "elsewhere", "Fastlege")
    assert [r.details for r in change_logs(mark, first)] == [{"closed": "elsewhere"}]
    response = post(coordinator, f"/directory/inbox/{first.pk}/contacted")
    assert response.status_code == 422 and "already" in response.json()["detail"]

    # Sign the second up for a programme run: a participant known by the name given, with the phone number.
    run = programs.plan_run(
        world.actor(world.coordinator),
        builtin("stress-strain-coping-support"),
        programs.RunData(
            title="Samtaler", starts_on=timezone.localdate() + timedelta(days=7), start_time=time(17), venue="Huset"
        ),
    )
    mark = last_log()
    response = post(coordinator, f"/directory/inbox/{second.pk}/enrol", {"run_id": run.pk})
    assert response.status_code == 200, response.content
    enrolment = Enrolment.objects.get(pk=response.json()["converted_enrolment_id"])
    assert response.json()["status"] == "converted"
    assert (enrolment.run, enrolment.status, enrolment.participant.name) == (run, "enrolled", "Bea")
    assert enrolment.participant.phone == "912 34 567" and enrolment.participant.reminders == "sms"
    assert len(change_logs(mark, second)) == 1
    assert post(coordinator, f"/directory/inbox/{third.pk}/enrol", {"run_id": 999_999}).status_code == 404

    # Take the third on as a client: a person and an episode.
    mark = last_log()
    response = post(coordinator, f"/directory/inbox/{third.pk}/client", {"given_name": "Cia", "family_name": "Berg"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "converted" and body["converted_episode_id"]
    [row] = change_logs(mark, third)
    assert row.subject is not None and row.subject.given_name == "Cia"
    assert SelfReferral.objects.get(pk=third.pk).converted_episode.kind == "relative"
    assert get(coordinator, "/directory/inbox").json()["count"] == 0
    assert get(coordinator, "/directory/inbox", data={"status": "converted"}).json()["count"] == 2


def test_the_intake_answers_show_in_the_inbox(world, offers):
    path = f"/directory/offers/{offers['local'].pk}/self-referrals"
    post(Client(), path, referral_payload(intake={"mother_problem": True, "talked_to": ["nobody"]}))
    referral = SelfReferral.objects.get()
    body = get(token_client(world, world.coordinator), f"/directory/inbox/{referral.pk}").json()
    assert body["intake"]["mother_problem"] is True and body["intake"]["father_problem"] is None
    assert body["intake"]["talked_to"] == ["nobody"]


def test_group_leaders_do_not_triage(world, inbox):
    referrals, _elsewhere = inbox
    leader = token_client(world, world.group_leader)
    assert get(leader, "/directory/inbox").json()["count"] == 0
    assert get(leader, f"/directory/inbox/{referrals[0].pk}").status_code == 404
    assert post(leader, f"/directory/inbox/{referrals[0].pk}/close", {"reason": "duplicate"}).status_code == 404
    assert get(Client(), "/directory/inbox").status_code == 401
    assert get(Client(), "/directory/inbox", headers={"Authorization": "Bearer kdr_wrong"}).status_code == 401


def test_openapi_lists_the_directory_paths(client):
    document = client.get(API + "/openapi.json").json()
    paths = document["paths"]
    expected = {
        "/api/v1/directory/municipalities": {"get"},
        "/api/v1/directory/offers": {"get"},
        "/api/v1/directory/offers/{offer_id}": {"get"},
        "/api/v1/directory/offers/{offer_id}/self-referrals": {"post"},
        "/api/v1/directory/my-offers": {"get", "post"},
        "/api/v1/directory/my-offers/{offer_id}": {"get", "patch"},
        "/api/v1/directory/inbox": {"get"},
        "/api/v1/directory/inbox/{referral_id}": {"get"},
        "/api/v1/directory/inbox/{referral_id}/assign": {"post"},
        "/api/v1/directory/inbox/{referral_id}/contacted": {"post"},
        "/api/v1/directory/inbox/{referral_id}/close": {"post"},
        "/api/v1/directory/inbox/{referral_id}/enrol": {"post"},
        "/api/v1/directory/inbox/{referral_id}/client": {"post"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) == methods, path
        for operation in paths[path].values():
            assert operation["summary"] and operation["description"], path
            assert operation["tags"] == ["directory"], path
            assert "422" in operation["responses"], path
            public = path.startswith(("/api/v1/directory/offers", "/api/v1/directory/municipalities"))
            assert bool(operation.get("security")) is not public, path
            if not public:
                assert {"401", "403"} <= set(operation["responses"]), path
    assert "429" in paths["/api/v1/directory/offers/{offer_id}/self-referrals"]["post"]["responses"]
    assert "201" in paths["/api/v1/directory/offers/{offer_id}/self-referrals"]["post"]["responses"]
    schemas = document["components"]["schemas"]
    for name in ("OfferOut", "SelfReferralIn", "YouthIntakeIn", "SelfReferralDetailOut", "OfferIn", "CloseIn"):
        for field, spec in schemas[name]["properties"].items():
            assert spec.get("description"), (name, field)
    relation = schemas["SelfReferralIn"]["properties"]["relation"]
    assert "parent" in relation["enum"]
