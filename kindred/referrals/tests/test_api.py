"""The cooperation API: referrals, consultations, who-does-what agreements and notifications between
organisation A (the unit) and B (a school health service), and nothing for the outsider."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from kindred.audit.models import AccessLog
from kindred.care.models import Episode
from kindred.care.tests.factories import fnr_for
from kindred.consent.models import Category
from kindred.consent.services import revoke_consent
from kindred.consent.tests.cooperation import API, Cooperation, build
from kindred.orgs.services import issue_api_token
from kindred.referrals import services
from kindred.referrals.models import (
    ChildAgreement,
    Consultation,
    ConsultationReply,
    Notification,
    Referral,
    ReferralEvent,
)

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def post(client, path, data=None, **kwargs):
    return client.post(API + path, data if data is not None else {}, content_type="application/json", **kwargs)


def put(client, path, data, **kwargs):
    return client.put(API + path, data, content_type="application/json", **kwargs)


def get(client, path, **kwargs):
    return client.get(API + path, **kwargs)


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Referral, ReferralEvent, Consultation, ConsultationReply, ChildAgreement, Notification)
    )


@pytest.fixture
def coop(world) -> Cooperation:
    return build(world)


@pytest.fixture
def clients(world, coop):
    return world.client_for(world.clinician), world.client_for(coop.nurse), world.client_for(world.outsider)


def referral_payload(coop, **overrides) -> dict:
    body = {
        "to_organisation_id": coop.school.pk,
        "categories": ["episode", "children"],
        "reason": "Needs follow-up at school",
        "urgency": "urgent",
        "contact_person": "Cora Clinician",
        "child_ids": [coop.child.pk],
    }
    body.update(overrides)
    return body


# --- Referrals ------------------------------------------------------------------------------


def test_refer_accept_and_complete(world, coop, clients):
    cora, sara, _otto = clients
    coop.consent()
    response = post(cora, f"/persons/{coop.parent.pk}/referrals", referral_payload(coop))
    assert response.status_code == 201, response.content
    body = response.json()
    referral_id = body["id"]
    assert body["direction"] == "out" and body["status"] == "sent" and body["urgency"] == "urgent"
    assert body["from_organisation"] == {"id": world.unit.pk, "name": world.unit.name}
    assert body["person"]["id"] == coop.parent.pk and [c["id"] for c in body["children"]] == [coop.child.pk]
    assert body["categories"] == ["children", "episode"] and body["consent_in_force"] is True
    assert [e["status"] for e in body["events"]] == ["draft", "sent"]

    inbox = get(sara, "/referrals", data={"box": "in"}).json()
    assert inbox["count"] == 1
    [item] = inbox["items"]
    assert item["id"] == referral_id and item["direction"] == "in" and item["reason"] == "Needs follow-up at school"
    assert item["person"]["display_name"] == "Pia Parent" and "national_id" not in item["person"]
    assert AccessLog.objects.filter(user=coop.nurse, object_type="referrals.referral", action="view").count() == 1
    assert get(sara, "/referrals", data={"box": "out"}).json()["count"] == 0
    assert get(cora, "/referrals", data={"box": "out"}).json()["count"] == 1
    assert get(cora, "/referrals").json()["count"] == 0  # the inbox is the default

    response = post(sara, f"/referrals/{referral_id}/status", {"status": "accepted", "note": "Welcome"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "accepted" and body["decided_at"]
    assert body["events"][-1] == {
        **body["events"][-1],
        "status": "accepted",
        "organisation_id": coop.school.pk,
        "note": "Welcome",
    }
    assert Notification.objects.filter(organisation=world.unit, kind="referral").count() == 1

    response = post(cora, f"/referrals/{referral_id}/status", {"status": "completed"})
    assert response.status_code == 200 and response.json()["status"] == "completed"
    detail = get(sara, f"/referrals/{referral_id}").json()
    assert [e["status"] for e in detail["events"]] == ["draft", "sent", "accepted", "completed"]


def test_no_consent_is_422_saying_so_and_stores_nothing(coop, clients):
    cora, _sara, _otto = clients
    coop.consent(categories=[Category.EPISODE])  # does not cover the children's situation
    before = counts()
    response = post(cora, f"/persons/{coop.parent.pk}/referrals", referral_payload(coop), **EN)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == (
        "No valid consent from this person covers Skolehelsetjenesten Solberg for the information chosen. "
        "Record a consent first."
    )
    assert list(body["errors"]) == ["to_organisation"]
    assert counts() == before


def test_bad_referral_input_is_422_and_changes_nothing(world, coop, clients):
    cora, _sara, _otto = clients
    coop.consent()
    url = f"/persons/{coop.parent.pk}/referrals"
    before = counts()
    for body in (
        {},
        referral_payload(coop, categories=["everything"]),
        referral_payload(coop, categories=[]),
        referral_payload(coop, reason=" "),
        referral_payload(coop, reason="x" * 10001),
        referral_payload(coop, urgency="whenever"),
        referral_payload(coop, to_organisation_id=0),
        referral_payload(coop, to_organisation_id=2**63),
        referral_payload(coop, to_organisation_id=999_999),
        referral_payload(coop, to_organisation_id=world.unit.pk),
        referral_payload(coop, child_ids=[coop.parent.pk]),
        referral_payload(coop, child_ids=list(range(1, 40))),
        referral_payload(coop, contact_person="A\x00"),
        referral_payload(coop, send="maybe"),
    ):
        response = post(cora, url, body)
        assert response.status_code == 422, body
        assert response.json()["detail"]
    assert cora.post(API + url, "{not json", content_type="application/json").status_code == 400
    assert counts() == before


def test_who_may_refer_and_see_referrals(world, coop, clients):
    cora, sara, otto = clients
    coop.consent()
    url = f"/persons/{coop.parent.pk}/referrals"
    assert post(otto, url, referral_payload(coop)).status_code == 404
    assert post(sara, url, referral_payload(coop)).status_code == 404
    Episode.objects.filter(pk=coop.episode.pk).update(child_contact=world.group_leader)
    assert post(world.client_for(world.group_leader), url, referral_payload(coop)).status_code == 403
    assert Referral.objects.count() == 0

    draft = post(cora, url, referral_payload(coop, send=False)).json()
    assert draft["status"] == "draft"
    assert get(sara, f"/referrals/{draft['id']}").status_code == 404  # a draft is the sender's alone
    assert get(sara, "/referrals").json()["count"] == 0
    assert post(sara, f"/referrals/{draft['id']}/status", {"status": "accepted"}).status_code == 404
    response = post(cora, f"/referrals/{draft['id']}/status", {"status": "sent"})
    assert response.status_code == 200 and response.json()["status"] == "sent"
    assert get(sara, f"/referrals/{draft['id']}").status_code == 200
    for path in (f"/referrals/{draft['id']}",):
        assert get(otto, path).status_code == 404
        assert post(otto, path + "/status", {"status": "accepted"}).status_code == 404
    assert get(otto, "/referrals").json()["count"] == 0
    assert get(otto, "/referrals", data={"box": "out"}).json()["count"] == 0
    assert get(cora, "/referrals", data={"box": "sideways"}).status_code == 422
    assert get(cora, "/referrals/999999").status_code == 404
    assert get(cora, f"/referrals/{2**63}").status_code == 422


def test_illegal_status_changes_are_422_and_change_nothing(coop, clients):
    cora, sara, _otto = clients
    consent = coop.consent()
    referral = services.create_referral(
        coop.a,
        coop.parent,
        services.ReferralData(to_organisation_id=coop.school.pk, reason="Follow-up", categories=["episode"]),
    )
    path = f"/referrals/{referral.pk}/status"
    before = counts()
    for client, body in (
        (cora, {"status": "accepted"}),  # the receiver's to make
        (sara, {"status": "withdrawn"}),  # the sender's to make
        (sara, {"status": "completed"}),  # not accepted yet
        (sara, {"status": "declined"}),  # needs a reason
        (sara, {"status": "declined", "decline_reason": "bored"}),
        (sara, {"status": "draft"}),
        (sara, {"status": "lost"}),
        (sara, {}),
        (sara, {"status": "received", "note": "x" * 2001}),
    ):
        response = post(client, path, body)
        assert response.status_code == 422, body
        assert response.json()["detail"]
    assert counts() == before

    revoke_consent(coop.a, consent)
    response = post(sara, path, {"status": "accepted"}, **EN)
    assert response.status_code == 422
    assert response.json()["detail"] == "The consent behind this referral is no longer valid."
    referral.refresh_from_db()
    assert referral.status == "sent"

    # Now the receiver no longer sees the person, the children or the reason; declining still works.
    body = get(sara, f"/referrals/{referral.pk}").json()
    assert (body["person"], body["children"], body["reason"], body["consent_in_force"]) == (None, None, None, False)
    response = post(sara, path, {"status": "declined", "decline_reason": "person_declined", "note": "OK"})
    assert response.status_code == 200 and response.json()["decline_reason"] == "person_declined"
    assert response.json()["events"][-1]["note"] == "OK"  # the receiver's own note
    assert get(cora, f"/referrals/{referral.pk}").json()["person"]["id"] == coop.parent.pk


def test_a_consent_at_another_organisation_does_not_reopen_the_referral(coop, clients):
    from kindred.consent.services import record_consent
    from kindred.consent.tests.cooperation import consent_data
    from kindred.orgs.actors import Actor
    from kindred.orgs.models import Membership, Role
    from kindred.testing import make_user

    _cora, sara, _otto = clients
    consent = coop.consent()
    referral = services.create_referral(
        coop.a,
        coop.parent,
        services.ReferralData(to_organisation_id=coop.school.pk, reason="Follow-up", categories=["episode"]),
    )
    helper = make_user("hal@example.no", "Hal Helsestasjon", coop.third, Role.CLINICIAN)
    record_consent(
        Actor(helper, Membership.objects.get(user=helper)),
        coop.parent,
        consent_data(recipient_organisation_id=coop.school.pk),
    )
    revoke_consent(coop.a, consent)
    assert get(sara, f"/shared/{coop.parent.pk}").status_code == 200  # C shares Pia with B …
    body = get(sara, f"/referrals/{referral.pk}").json()
    assert (body["person"], body["reason"]) == (None, None)  # … but A's referral stays closed


# --- Consultations --------------------------------------------------------------------------


def test_an_anonymous_consultation_with_replies(world, coop, clients):
    cora, sara, otto = clients
    response = post(
        cora,
        "/consultations",
        {"to_organisation_id": coop.school.pk, "title": "Involving the school", "question": "How do we start?"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    cid = body["id"]
    assert body["direction"] == "out" and body["status"] == "open" and body["person"] is None
    assert body["asked_by_name"] == "Cora Clinician" and body["replies"] == []

    listed = get(sara, "/consultations").json()
    assert listed["count"] == 1 and listed["items"][0]["direction"] == "in"
    response = post(sara, f"/consultations/{cid}/replies", {"text": "Call the school nurse."})
    assert response.status_code == 201, response.content
    assert response.json()["organisation_id"] == coop.school.pk and response.json()["author_name"] == "Sara Schoolnurse"
    detail = get(cora, f"/consultations/{cid}").json()
    assert detail["status"] == "answered" and [r["text"] for r in detail["replies"]] == ["Call the school nurse."]

    # Identity in an anonymous reply is refused and stores nothing.
    before = counts()
    for text in (f"Is it {fnr_for(date(1980, 5, 17))}?", "So it is Pia Parent?"):
        response = post(cora, f"/consultations/{cid}/replies", {"text": text})
        assert response.status_code == 422 and "text" in response.json()["errors"]
    assert post(cora, f"/consultations/{cid}/replies", {"text": ""}).status_code == 422
    assert post(cora, f"/consultations/{cid}/replies", {}).status_code == 422
    assert counts() == before

    # Only the asker closes; nobody replies after that.
    assert post(sara, f"/consultations/{cid}/close").status_code == 422
    response = post(cora, f"/consultations/{cid}/close")
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert post(sara, f"/consultations/{cid}/replies", {"text": "One more thing"}).status_code == 422

    for path in (f"/consultations/{cid}", f"/consultations/{cid}/close"):
        response = get(otto, path) if path.endswith(str(cid)) else post(otto, path)
        assert response.status_code == 404
    assert post(otto, f"/consultations/{cid}/replies", {"text": "Hello"}).status_code == 404
    assert get(otto, "/consultations").json()["count"] == 0
    assert get(world.client_for(world.analyst), "/consultations").json()["count"] == 0


def test_an_identifying_question_is_refused_unless_the_person_is_linked_under_consent(coop, clients):
    cora, sara, otto = clients
    question = {"to_organisation_id": coop.school.pk, "title": "About a family", "question": "Pia Parent drinks."}
    before = counts()
    response = post(cora, "/consultations", question)
    assert response.status_code == 422 and "question" in response.json()["errors"]
    number = fnr_for(date(1980, 5, 17))
    response = post(cora, "/consultations", {**question, "question": f"The father {number} drinks."})
    assert response.status_code == 422
    response = post(cora, "/consultations", {**question, "person_id": coop.parent.pk})
    assert response.status_code == 422 and "person" in response.json()["errors"]
    assert (
        post(otto, "/consultations", {**question, "question": "Anonymous", "person_id": coop.parent.pk}).status_code
        == 404
    )
    assert post(cora, "/consultations", {**question, "to_organisation_id": 999_999, "question": "x"}).status_code == 422
    assert post(cora, "/consultations", {**question, "title": "x" * 201}).status_code == 422
    assert counts() == before

    consent = coop.consent(categories=[Category.EPISODE])
    response = post(cora, "/consultations", {**question, "person_id": coop.parent.pk})
    assert response.status_code == 201, response.content
    cid = response.json()["id"]
    assert response.json()["person"]["id"] == coop.parent.pk
    assert get(sara, f"/consultations/{cid}").json()["person"]["id"] == coop.parent.pk
    revoke_consent(coop.a, consent)
    assert get(sara, f"/consultations/{cid}").status_code == 404


# --- Who does what for a child --------------------------------------------------------------


def test_agreements_by_the_holder_and_under_consent(world, coop, clients):
    cora, sara, otto = clients
    path = f"/children/{coop.child.pk}/agreements"
    assert get(cora, path).json() == []
    response = put(cora, path, {"task": "talks", "responsible_organisation_id": world.unit.pk, "note": "Cora"})
    assert response.status_code == 200, response.content
    [agreement] = response.json()
    assert agreement["task"] == "talks" and agreement["responsible_organisation"]["id"] == world.unit.pk
    response = put(cora, path, {"task": "talks", "responsible_organisation_id": coop.school.pk})
    assert [a["responsible_organisation"]["id"] for a in response.json()] == [coop.school.pk]
    assert ChildAgreement.objects.count() == 1

    before = counts()
    for body in (
        {"task": "juggling", "responsible_organisation_id": world.unit.pk},
        {"task": "talks", "responsible_organisation_id": 999_999},
        {"task": "talks", "responsible_organisation_id": 0},
        {"task": "talks", "responsible_organisation_id": world.unit.pk, "note": "x" * 301},
        {"task": "talks"},
    ):
        assert put(cora, path, body).status_code == 422, body
    assert counts() == before

    body = {"task": "school", "responsible_organisation_id": coop.school.pk}
    for client in (sara, otto):
        assert get(client, path).status_code == 404
        assert put(client, path, body).status_code == 404
    coop.consent(categories=[Category.EPISODE])
    assert get(sara, path).status_code == 404
    coop.consent(categories=[Category.CHILDREN])
    assert [a["task"] for a in get(sara, path).json()] == ["talks"]
    assert [a["task"] for a in put(sara, path, body).json()] == ["school", "talks"]
    assert get(otto, path).status_code == 404
    assert get(cora, "/children/999999/agreements").status_code == 404
    assert get(cora, f"/children/{2**63}/agreements").status_code == 422
    rows = AccessLog.objects.filter(object_type="referrals.childagreement", user=coop.nurse, action="view")
    assert rows.exists() and {r.subject_id for r in rows} == {coop.child.pk}


# --- Notifications --------------------------------------------------------------------------


def test_notifications_list_and_read(world, coop, clients):
    cora, sara, otto = clients
    coop.consent()
    post(cora, f"/persons/{coop.parent.pk}/referrals", referral_payload(coop))
    body = get(sara, "/notifications").json()
    assert (body["count"], body["unread"]) == (1, 1)
    [notification] = body["items"]
    assert notification["kind"] == "referral" and notification["url"].startswith("/cooperation/referrals/")
    assert "Pia" not in notification["message"] and notification["read_at"] is None
    assert get(cora, "/notifications").json()["count"] == 0

    nid = notification["id"]
    assert post(otto, f"/notifications/{nid}/read").status_code == 404
    assert post(cora, f"/notifications/{nid}/read").status_code == 404
    response = post(sara, f"/notifications/{nid}/read")
    assert response.status_code == 200 and response.json()["read_at"]
    assert post(sara, f"/notifications/{nid}/read").json()["read_at"] == response.json()["read_at"]
    body = get(sara, "/notifications", data={"unread": "true"}).json()
    assert (body["count"], body["unread"]) == (0, 0)
    assert get(sara, "/notifications").json()["count"] == 1
    assert post(sara, "/notifications/999999/read").status_code == 404
    assert get(sara, "/notifications", data={"unread": "perhaps"}).status_code == 422


# --- Authentication and the OpenAPI document -------------------------------------------------


@pytest.mark.parametrize("persona", ["no organisation", "analyst", "admin"])
def test_every_endpoint_answers_roles_without_personal_data_without_a_500(world, coop, persona):
    """Users without an organisation and roles that see no personal data: refusals only, never a 500."""
    from kindred.accounts.models import User
    from kindred.testing import PASSWORD

    consent = coop.consent()
    referral = services.create_referral(
        coop.a,
        coop.parent,
        services.ReferralData(to_organisation_id=coop.school.pk, reason="Follow-up", categories=["episode"]),
    )
    consultation = services.ask_consultation(
        coop.a, to_organisation_id=coop.school.pk, title="Advice", question="How do we start?"
    )
    notification = services.notifications_for(coop.b).first()
    if persona == "no organisation":
        user = User.objects.create_user("nobody@example.no", PASSWORD, full_name="No Body")
    else:
        user = getattr(world, persona)
    client = world.client_for(user)
    before = counts()
    parent, child = coop.parent.pk, coop.child.pk
    calls = [
        ("get", f"/persons/{parent}/consents", None),
        ("post", f"/persons/{parent}/consents", {}),
        ("post", f"/consents/{consent.pk}/revoke", {}),
        ("get", "/shared", None),
        ("get", f"/shared/{parent}", None),
        (
            "post",
            f"/persons/{parent}/referrals",
            {"to_organisation_id": coop.school.pk, "categories": ["episode"], "reason": "x"},
        ),
        ("get", "/referrals", None),
        ("get", f"/referrals/{referral.pk}", None),
        ("post", f"/referrals/{referral.pk}/status", {"status": "withdrawn"}),
        ("post", "/consultations", {"to_organisation_id": coop.school.pk, "title": "t", "question": "q"}),
        ("get", "/consultations", None),
        ("get", f"/consultations/{consultation.pk}", None),
        ("post", f"/consultations/{consultation.pk}/replies", {"text": "Hello"}),
        ("post", f"/consultations/{consultation.pk}/close", {}),
        ("get", f"/children/{child}/agreements", None),
        ("put", f"/children/{child}/agreements", {"task": "talks", "responsible_organisation_id": world.unit.pk}),
        ("get", "/notifications", None),
        ("post", f"/notifications/{notification.pk}/read", {}),
    ]
    for method, path, body in calls:
        if method == "get":
            response = get(client, path)
        else:
            response = getattr(client, method)(API + path, body, content_type="application/json")
        assert response.status_code in (200, 403, 404, 422), (path, response.status_code)
        if response.status_code == 200:
            assert method == "get", path
    assert counts() == before
    assert Referral.objects.get().status == "sent"


def test_api_token_works_without_a_session(coop):
    coop.consent()
    _token, plain = issue_api_token(coop.a, name="EPJ")
    client = Client()
    headers = {"Authorization": f"Bearer {plain}"}
    response = post(client, f"/persons/{coop.parent.pk}/referrals", referral_payload(coop), headers=headers)
    assert response.status_code == 201, response.content
    assert AccessLog.objects.filter(object_type="referrals.referral", via="api", user=coop.a.user).exists()
    _token, nurse = issue_api_token(coop.b, name="School system")
    assert get(client, "/referrals", headers={"Authorization": f"Bearer {nurse}"}).json()["count"] == 1
    assert get(client, "/referrals").status_code == 401
    assert get(client, "/notifications", headers={"Authorization": "Bearer kdr_wrong"}).status_code == 401
    assert post(client, "/consultations", {}).status_code == 401


def test_openapi_lists_the_cooperation_paths(client):
    document = client.get(API + "/openapi.json").json()
    paths = document["paths"]
    expected = {
        "/api/v1/persons/{person_id}/referrals": {"post"},
        "/api/v1/referrals": {"get"},
        "/api/v1/referrals/{referral_id}": {"get"},
        "/api/v1/referrals/{referral_id}/status": {"post"},
        "/api/v1/consultations": {"get", "post"},
        "/api/v1/consultations/{consultation_id}": {"get"},
        "/api/v1/consultations/{consultation_id}/replies": {"post"},
        "/api/v1/consultations/{consultation_id}/close": {"post"},
        "/api/v1/children/{child_id}/agreements": {"get", "put"},
        "/api/v1/notifications": {"get"},
        "/api/v1/notifications/{notification_id}/read": {"post"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) == methods, path
        for operation in paths[path].values():
            assert operation["summary"] and operation["description"], path
            assert {"401", "403", "422"} <= set(operation["responses"]), path
            if "{" in path:
                assert "404" in operation["responses"], path
    for path in ("/api/v1/persons/{person_id}/referrals", "/api/v1/consultations"):
        assert "201" in paths[path]["post"]["responses"]
    assert "201" in paths["/api/v1/consultations/{consultation_id}/replies"]["post"]["responses"]
    referral = document["components"]["schemas"]["ReferralOut"]["properties"]
    assert referral["person"]["description"] and referral["reason"]["description"]
    status = document["components"]["schemas"]["ReferralStatusIn"]["properties"]["status"]
    assert set(status["enum"]) == {"sent", "received", "accepted", "declined", "completed", "withdrawn"}
