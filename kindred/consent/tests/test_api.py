"""The consent API: recording, listing and revoking consents, and what others share with your organisation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from kindred.audit.models import AccessLog
from kindred.care.models import Episode
from kindred.consent.models import Consent
from kindred.consent.services import record_consent
from kindred.consent.tests.cooperation import API, build, consent_data, today
from kindred.orgs.services import issue_api_token

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def post(client, path, data=None, **kwargs):
    return client.post(API + path, data if data is not None else {}, content_type="application/json", **kwargs)


def payload(coop, **overrides) -> dict:
    body = {
        "categories": ["children", "episode"],
        "recipient_organisation_id": coop.school.pk,
        "purpose": "Follow-up at school",
        "valid_from": today().isoformat(),
        "valid_until": (today() + timedelta(days=365)).isoformat(),
        "form": "written",
    }
    body.update(overrides)
    return body


@pytest.fixture
def coop(world):
    return build(world)


def test_record_list_and_revoke_a_consent(world, coop):
    client = world.client_for(world.clinician)
    response = post(client, f"/persons/{coop.parent.pk}/consents", payload(coop), **EN)
    assert response.status_code == 201, response.content
    body = response.json()
    consent = Consent.objects.get()
    assert body["id"] == consent.pk and body["person_id"] == coop.parent.pk
    assert body["state"] == "valid" and body["organisation_id"] == world.unit.pk
    assert body["categories"] == ["children", "episode"]
    assert body["recipient_label"] == "Skolehelsetjenesten Solberg"
    assert body["summary"].startswith(
        "Pia Parent has agreed (written) that Solberg behandlingssenter may share the children's situation, "
        "episode and problem areas with Skolehelsetjenesten Solberg, for this purpose: Follow-up at school. Valid from"
    )
    assert body["summary"].endswith("In force.")
    assert AccessLog.objects.filter(object_type="consent.consent", action="create", via="api").count() == 1

    # A consent another organisation recorded about the same person is not listed.
    record_consent(coop.b, coop.parent, consent_data(recipient_organisation_id=world.unit.pk))
    listed = client.get(f"{API}/persons/{coop.parent.pk}/consents", **EN).json()
    assert [c["id"] for c in listed] == [consent.pk]

    # The body of a revocation may be left out.
    response = client.generic("POST", f"{API}/consents/{consent.pk}/revoke", **EN)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "revoked" and body["revoked_on"] == today().isoformat()
    assert "Withdrawn" in body["summary"]
    assert world.client_for(coop.nurse).get(f"{API}/shared/{coop.parent.pk}").status_code == 404
    assert post(client, f"/consents/{consent.pk}/revoke").status_code == 200  # again: nothing changes
    consent.refresh_from_db()
    assert consent.revoked_on == today()


def test_a_consent_by_kind_given_by_a_guardian(world, coop):
    client = world.client_for(world.clinician)
    body = payload(
        coop,
        recipient_organisation_id=None,
        recipient_kind="school_health",
        recipient_municipality="1103",
        given_by="guardian",
        guardian_name="Gro Guardian",
        form="verbal",
        categories=["children"],
    )
    response = post(client, f"/persons/{coop.child.pk}/consents", body, **EN)
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["recipient_organisation_id"] is None and out["recipient_kind"] == "school_health"
    assert out["summary"].startswith("Gro Guardian has agreed (verbal) that Solberg behandlingssenter may share")
    assert "School health service in municipality 1103" in out["summary"]


@pytest.mark.parametrize(
    ("state", "fields", "ending"),
    [
        ("expired", {"valid_from": -30, "valid_until": -1}, "Expired."),
        ("future", {"valid_from": 2, "valid_until": 30}, "Not yet in force."),
    ],
)
def test_the_state_of_a_consent_is_in_words(world, coop, state, fields, ending):
    dates = {key: (today() + timedelta(days=days)).isoformat() for key, days in fields.items()}
    response = post(
        world.client_for(world.clinician), f"/persons/{coop.parent.pk}/consents", payload(coop, **dates), **EN
    )
    assert response.status_code == 201
    assert response.json()["state"] == state and response.json()["summary"].endswith(ending)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"valid_from": "2030-01-10", "valid_until": "2030-01-01"}, "valid_until"),
        ({"recipient_organisation_id": 999_999}, "recipient_organisation"),
        ({"recipient_kind": "school_health"}, "recipient_kind"),
        ({"given_by": "guardian"}, "guardian_name"),
        ({"categories": []}, "categories"),
        ({"recipient_organisation_id": None}, "recipient_organisation"),
        ({"purpose": " "}, "purpose"),
    ],
)
def test_a_consent_the_service_refuses_is_422_by_field_and_records_nothing(world, coop, overrides, field):
    before = (Consent.objects.count(), AccessLog.objects.filter(action="create").count())
    response = post(
        world.client_for(world.clinician), f"/persons/{coop.parent.pk}/consents", payload(coop, **overrides)
    )
    assert response.status_code == 422
    assert field in response.json()["errors"] and response.json()["detail"]
    assert (Consent.objects.count(), AccessLog.objects.filter(action="create").count()) == before


def test_malformed_input_is_refused_without_a_500(world, coop):
    client = world.client_for(world.clinician)
    url = f"/persons/{coop.parent.pk}/consents"
    broken = [
        {},
        payload(coop, categories=["everything"]),
        payload(coop, categories="children"),
        payload(coop, recipient_kind="spaceport"),
        payload(coop, valid_from="2024-02-30"),
        payload(coop, valid_until="soon"),
        payload(coop, form="telepathic"),
        payload(coop, purpose="x" * 2001),
        payload(coop, purpose="Pur\x00pose"),
        payload(coop, recipient_municipality="12345"),
        payload(coop, recipient_organisation_id=2**63),
        payload(coop, recipient_organisation_id=0),
        payload(coop, guardian_name=["a"]),
        [1, 2],
    ]
    for body in broken:
        response = post(client, url, body)
        assert response.status_code == 422, body
        assert response.json()["detail"]
    assert client.post(API + url, "{not json", content_type="application/json").status_code == 400
    assert post(client, f"/persons/{2**63}/consents", payload(coop)).status_code == 422
    assert post(client, "/persons/0/consents", payload(coop)).status_code == 422
    assert post(client, "/persons/abc/consents", payload(coop)).status_code == 422
    assert post(client, f"/consents/{2**63}/revoke").status_code == 422
    assert post(client, "/consents/1/revoke", {"revoked_on": "yesterday"}).status_code == 422
    assert Consent.objects.count() == 0


def test_who_may_record_see_and_revoke(world, coop):
    consent = coop.consent()
    url = f"/persons/{coop.parent.pk}/consents"
    # The outsider and the receiver do not see the person; the analyst sees no personal data.
    for user in (world.outsider, coop.nurse, world.analyst):
        client = world.client_for(user)
        assert post(client, url, payload(coop)).status_code == 404
        assert client.get(API + url).status_code == 404
        assert post(client, f"/consents/{consent.pk}/revoke").status_code == 404
    assert post(world.client_for(world.clinician), "/consents/999999/revoke").status_code == 404
    # A group leader who sees the family may not record or revoke.
    Episode.objects.filter(pk=coop.episode.pk).update(child_contact=world.group_leader)
    leader = world.client_for(world.group_leader)
    assert leader.get(API + url).status_code == 200
    response = post(leader, url, payload(coop))
    assert response.status_code == 403 and set(response.json()) == {"detail"}
    assert post(leader, f"/consents/{consent.pk}/revoke").status_code == 403
    assert Consent.objects.count() == 1
    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_a_revocation_date_in_the_future_changes_nothing(world, coop):
    consent = coop.consent()
    client = world.client_for(world.clinician)
    tomorrow = (today() + timedelta(days=1)).isoformat()
    response = post(client, f"/consents/{consent.pk}/revoke", {"revoked_on": tomorrow})
    assert response.status_code == 422 and "revoked_on" in response.json()["errors"]
    consent.refresh_from_db()
    assert consent.revoked_at is None
    earlier = (today() - timedelta(days=3)).isoformat()
    response = post(client, f"/consents/{consent.pk}/revoke", {"revoked_on": earlier})
    assert response.status_code == 200 and response.json()["revoked_on"] == earlier


def test_the_shared_list_is_paginated_and_audited(world, coop):
    coop.consent()
    nurse = world.client_for(coop.nurse)
    before = AccessLog.objects.count()
    body = nurse.get(f"{API}/shared").json()
    assert body["count"] == 2
    assert [p["display_name"] for p in body["items"]] == ["Kim Parent", "Pia Parent"]
    assert all("national_id" not in p for p in body["items"])
    rows = AccessLog.objects.order_by("pk")[before:]
    assert sorted(r.subject_id for r in rows) == sorted([coop.parent.pk, coop.child.pk])
    assert {(r.action, r.via, r.user_id) for r in rows} == {("view", "api", coop.nurse.pk)}
    page = nurse.get(f"{API}/shared", {"limit": 1, "offset": 1}).json()
    assert page["count"] == 2 and [p["given_name"] for p in page["items"]] == ["Pia"]
    assert nurse.get(f"{API}/shared", {"limit": 0}).status_code == 422
    assert nurse.get(f"{API}/shared", {"offset": -1}).status_code == 422
    # Roles that see no personal data are refused.
    analyst = world.client_for(world.analyst)
    assert analyst.get(f"{API}/shared").status_code == 403
    assert analyst.get(f"{API}/shared/{coop.parent.pk}").status_code == 403
    # Unknown and out-of-range ids.
    assert nurse.get(f"{API}/shared/999999").status_code == 404
    assert nurse.get(f"{API}/shared/{2**63}").status_code == 422


def test_api_token_works_without_a_session(world, coop):
    coop.consent()
    _token, plain = issue_api_token(coop.b, name="Journal system")
    client = Client()
    headers = {"Authorization": f"Bearer {plain}"}
    response = client.get(f"{API}/shared/{coop.parent.pk}", headers=headers)
    assert response.status_code == 200, response.content
    assert response.json()["shares"][0]["organisation_name"] == "Solberg behandlingssenter"
    assert AccessLog.objects.filter(subject=coop.parent, user=coop.nurse, via="api").exists()
    assert client.get(f"{API}/shared/{coop.parent.pk}").status_code == 401
    assert client.get(f"{API}/shared", headers={"Authorization": "Bearer kdr_wrong"}).status_code == 401

    _token, cora = issue_api_token(world.actor(world.clinician), name="EPJ")
    response = post(
        client, f"/persons/{coop.parent.pk}/consents", payload(coop), headers={"Authorization": f"Bearer {cora}"}
    )
    assert response.status_code == 201
    assert post(client, f"/persons/{coop.parent.pk}/consents", payload(coop)).status_code == 401


def test_openapi_lists_the_consent_paths(client):
    document = client.get(API + "/openapi.json").json()
    paths = document["paths"]
    expected = {
        "/api/v1/persons/{person_id}/consents": {"get", "post"},
        "/api/v1/consents/{consent_id}/revoke": {"post"},
        "/api/v1/shared": {"get"},
        "/api/v1/shared/{person_id}": {"get"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) == methods, path
        for operation in paths[path].values():
            assert operation["summary"] and operation["description"]
            assert {"401", "403", "422"} <= set(operation["responses"])
            if "{" in path:
                assert "404" in operation["responses"]
    assert "201" in paths["/api/v1/persons/{person_id}/consents"]["post"]["responses"]
    share = document["components"]["schemas"]["ShareOut"]["properties"]
    assert share["episodes"]["description"] and share["children"]["description"]
    consent = document["components"]["schemas"]["ConsentOut"]["properties"]
    assert consent["summary"]["description"] and consent["state"]["enum"] == ["valid", "expired", "revoked", "future"]
