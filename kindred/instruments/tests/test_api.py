"""The instruments API: definitions for every role, responses only about persons you may see, refusals that
change nothing, and a response with its score as a FHIR Bundle."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire

from kindred.audit.models import AccessLog
from kindred.care.tests.factories import patient_with_children, second_clinician
from kindred.instruments import services
from kindred.instruments.loader import builtin_definitions
from kindred.instruments.models import Instrument, Response
from kindred.orgs.services import issue_api_token

pytestmark = pytest.mark.django_db

API = "/api/v1"
AUDIT_ANSWERS = {"q1": 4, "q2": 3, "q3": 2, "q4": 1, "q5": 1, "q6": 0, "q7": 1, "q8": 1, "q9": 2, "q10": 2}


def post(client, path, data, **kwargs):
    return client.post(API + path, data, content_type="application/json", **kwargs)


def get(client, path, **kwargs):
    return client.get(API + path, **kwargs)


def last_log() -> int:
    return AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def logs_since(pk: int):
    return AccessLog.objects.filter(pk__gt=pk).order_by("pk")


def builtin(key: str) -> Instrument:
    services.sync_builtin_instruments()
    return Instrument.objects.get(organisation__isnull=True, key=key)


def own_instrument(organisation, key: str = "own_scale") -> Instrument:
    definition = builtin_definitions()["tweak"].model_dump(mode="json")
    return Instrument.objects.create(
        key=key, version=1, organisation=organisation, definition={**definition, "key": key}
    )


@pytest.fixture
def case(world):
    """Cora's patient Pia and her episode."""
    episode, _children = patient_with_children(world.actor(world.clinician))
    return episode


def record(world, case, answers=None, key="audit"):
    return services.record_response(
        world.actor(world.clinician), builtin(key), case.patient, answers or AUDIT_ANSWERS, episode=case
    )


# --- Definitions ------------------------------------------------------------------------------------------------


def test_list_instruments_for_every_role(world):
    own = own_instrument(world.unit)
    elsewhere = own_instrument(world.other, key="their_scale")
    for user in (world.clinician, world.analyst, world.admin):
        response = get(world.client_for(user), "/instruments")
        assert response.status_code == 200, user
        keys = {row["key"] for row in response.json()}
        assert keys == set(builtin_definitions()) | {own.key}
    body = {row["key"]: row for row in get(world.client_for(world.clinician), "/instruments").json()}
    assert body["own_scale"]["own"] is True
    assert body["audit"]["own"] is False
    assert body["audit"]["primary_score"] == "total"
    assert body["audit"]["item_count"] == 10
    assert body["audit"]["questionnaire_url"] == "https://kindred.example/fhir/Questionnaire/audit"
    assert body["cast6"]["has_placeholders"] is True
    assert elsewhere.key not in body

    staff = {row["key"] for row in get(world.client_for(world.clinician), "/instruments?audience=public").json()}
    assert "tweak" not in staff
    assert "relatives_self_check" in staff


def test_titles_follow_the_request_language(world):
    client = world.client_for(world.clinician)
    titles = {r["key"]: r["title"] for r in get(client, "/instruments", headers={"Accept-Language": "da"}).json()}
    assert titles["tweak"] == builtin_definitions()["tweak"].title.da


def test_read_instrument_with_its_definition(world):
    instrument = builtin("audit")
    response = get(world.client_for(world.analyst), f"/instruments/{instrument.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == instrument.pk
    assert body["definition"] == builtin_definitions()["audit"].model_dump(mode="json")


def test_another_organisations_instrument_is_not_found(world):
    elsewhere = own_instrument(world.other)
    client = world.client_for(world.clinician)
    for path in (f"/instruments/{elsewhere.pk}", f"/instruments/{elsewhere.pk}/questionnaire", "/instruments/999999"):
        response = get(client, path)
        assert response.status_code == 404, path
        assert set(response.json()) == {"detail"}
    assert get(world.client_for(world.outsider), f"/instruments/{elsewhere.pk}").status_code == 200
    assert get(client, "/instruments/abc").status_code == 422


def test_questionnaire_in_each_language(world):
    instrument = builtin("pgsi")
    definition = builtin_definitions()["pgsi"]
    client = world.client_for(world.clinician)
    for language in ("nb", "da", "en"):
        response = get(client, f"/instruments/{instrument.pk}/questionnaire?language={language}")
        assert response.status_code == 200
        data = response.json()
        Questionnaire.model_validate(data)
        assert data["language"] == language
        assert data["title"] == definition.title.get(language)
        assert [item["linkId"] for item in data["item"]] == [item.key for item in definition.items]
    # Without ?language, the language of the request.
    data = get(client, f"/instruments/{instrument.pk}/questionnaire", headers={"Accept-Language": "en"}).json()
    assert data["language"] == "en"
    assert get(client, f"/instruments/{instrument.pk}/questionnaire?language=de").status_code == 422


# --- Recording responses ----------------------------------------------------------------------------------------


def test_record_a_response(world, case):
    client = world.client_for(world.clinician)
    before = last_log()
    payload = {"instrument_id": builtin("audit").pk, "answers": AUDIT_ANSWERS, "episode_id": case.pk}
    response = post(client, f"/persons/{case.patient_id}/responses", payload, headers={"Accept-Language": "en"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["person_id"] == case.patient_id
    assert body["episode_id"] == case.pk
    assert body["instrument_key"] == "audit"
    assert body["answers"] == AUDIT_ANSWERS
    assert body["scores"] == {"total": 17, "audit_c": 9}
    assert body["score"] == 17
    zone = builtin_definitions()["audit"].zones[2]
    assert (body["zone"], body["zone_level"], body["zone_label"], body["feedback"]) == (
        "zone_3",
        zone.level,
        zone.label.en,
        zone.feedback.en,
    )
    assert body["language"] == "en"
    assert body["created_by_id"] == world.clinician.pk
    row = Response.objects.get(pk=body["id"])
    assert (row.organisation, row.person_id, row.episode_id) == (world.unit, case.patient_id, case.pk)
    created = logs_since(before).filter(action="create").get()
    assert (created.object_type, created.object_id, created.subject_id) == (
        "instruments.response",
        str(row.pk),
        case.patient_id,
    )
    assert created.via == "api"


def test_answers_as_numeric_strings_are_accepted(world, case):
    answers = {key: str(value) for key, value in AUDIT_ANSWERS.items()}
    payload = {"instrument_id": builtin("audit").pk, "answers": answers}
    response = post(world.client_for(world.clinician), f"/persons/{case.patient_id}/responses", payload)
    assert response.status_code == 201, response.content
    assert response.json()["answers"] == AUDIT_ANSWERS
    assert response.json()["episode_id"] is None


def test_bad_answers_are_422_naming_the_items_and_change_nothing(world, case):
    client = world.client_for(world.clinician)
    audit = builtin("audit").pk
    path = f"/persons/{case.patient_id}/responses"
    bad = [
        ({**AUDIT_ANSWERS, "q2": 7}, {"q2"}),  # not one of the options
        ({**AUDIT_ANSWERS, "q9": 1}, {"q9"}),  # AUDIT 9-10 score 0/2/4
        ({k: v for k, v in AUDIT_ANSWERS.items() if k != "q5"}, {"q5"}),  # missing
        ({**AUDIT_ANSWERS, "q1": None, "q3": "x"}, {"q1", "q3"}),
        ({**AUDIT_ANSWERS, "q4": True, "q6": 0.5, "q7": [1], "q8": {"value": 1}}, {"q4", "q6", "q7", "q8"}),
        ({**AUDIT_ANSWERS, "q99": 1}, {"__all__"}),  # not an item of the instrument
        ({}, {f"q{n}" for n in range(1, 11)}),
    ]
    before = (Response.objects.count(), AccessLog.objects.filter(action="create").count())
    for answers, items in bad:
        response = post(client, path, {"instrument_id": audit, "answers": answers})
        assert response.status_code == 422, answers
        assert set(response.json()["errors"]) == items, answers
    assert (Response.objects.count(), AccessLog.objects.filter(action="create").count()) == before


def test_other_refusals_change_nothing(world, case):
    client = world.client_for(world.clinician)
    path = f"/persons/{case.patient_id}/responses"
    other_episode, _children = patient_with_children(world.actor(world.clinician), given_name="Ola")
    inactive = own_instrument(world.unit)
    inactive.active = False
    inactive.save()
    elsewhere = own_instrument(world.other)
    tweak = {"tolerance": 0, "worried": 0, "eye_opener": 0, "amnesia": 0, "cut_down": 0}
    before = Response.objects.count()

    response = post(
        client, path, {"instrument_id": builtin("audit").pk, "answers": AUDIT_ANSWERS, "episode_id": other_episode.pk}
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"episode"}
    response = post(client, path, {"instrument_id": inactive.pk, "answers": tweak})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"instrument_id"}
    assert post(client, path, {"instrument_id": elsewhere.pk, "answers": tweak}).status_code == 404
    assert post(client, path, {"instrument_id": 10**12, "answers": tweak}).status_code == 404
    assert post(client, path, {"answers": tweak}).status_code == 422
    assert post(client, path, {"instrument_id": builtin("tweak").pk, "answers": {"x" * 42: 1}}).status_code == 422
    assert client.post(API + path, "{", content_type="application/json").status_code == 400
    assert Response.objects.count() == before


def test_outsider_gets_404_everywhere(world, case):
    response_row = record(world, case)
    client = world.client_for(world.outsider)
    payload = {"instrument_id": builtin("audit").pk, "answers": AUDIT_ANSWERS}
    assert post(client, f"/persons/{case.patient_id}/responses", payload).status_code == 404
    assert get(client, f"/persons/{case.patient_id}/responses").status_code == 404
    assert get(client, f"/responses/{response_row.pk}/fhir").status_code == 404
    assert Response.objects.count() == 1
    assert not AccessLog.objects.filter(user=world.outsider, subject__isnull=False).exists()


def test_roles_without_personal_data_get_403(world, case):
    response_row = record(world, case)
    payload = {"instrument_id": builtin("audit").pk, "answers": AUDIT_ANSWERS}
    for user in (world.analyst, world.admin):
        client = world.client_for(user)
        for response in (
            post(client, f"/persons/{case.patient_id}/responses", payload),
            get(client, f"/persons/{case.patient_id}/responses"),
            get(client, f"/responses/{response_row.pk}/fhir"),
            # The same for ids that do not exist: the role is refused before any lookup.
            get(client, "/responses/999999/fhir"),
        ):
            assert response.status_code == 403, (user, response.content)
            assert set(response.json()) == {"detail"}
    assert Response.objects.count() == 1
    assert not AccessLog.objects.filter(user__in=[world.analyst, world.admin], subject__isnull=False).exists()


# Who gets what on the endpoints about a person: the caseload clinician and the unit-wide roles may, a group leader
# (personal data, but not this caseload) and the outsider find nothing, roles without personal data are refused.
EXPECTED = {
    "clinician": "ok",
    "child_responsible": "ok",
    "coordinator": "ok",
    "group_leader": 404,
    "analyst": 403,
    "admin": 403,
    "outsider": 404,
}


@pytest.mark.parametrize(("persona", "expected"), EXPECTED.items())
def test_permission_matrix(world, case, persona, expected):
    row = record(world, case)
    user = getattr(world, persona)
    client = world.client_for(user)
    payload = {"instrument_id": builtin("audit").pk, "answers": AUDIT_ANSWERS}
    calls = {
        "record": (lambda: post(client, f"/persons/{case.patient_id}/responses", payload), 201, "create"),
        "history": (lambda: get(client, f"/persons/{case.patient_id}/responses"), 200, "view"),
        "fhir": (lambda: get(client, f"/responses/{row.pk}/fhir"), 200, "export"),
    }
    for name, (call, success, action) in calls.items():
        before = last_log()
        response = call()
        audited = logs_since(before).filter(user=user, subject=case.patient, action=action).exists()
        if expected == "ok":
            assert response.status_code == success, (persona, name, response.content)
            assert audited, (persona, name)
        else:
            assert response.status_code == expected, (persona, name, response.content)
            assert not logs_since(before).filter(subject__isnull=False).exists(), (persona, name)
    assert Response.objects.count() == (2 if expected == "ok" else 1)


# --- History ----------------------------------------------------------------------------------------------------


def test_history_oldest_first_filtered_paged_and_audited(world, case):
    first = record(world, case)
    second = record(world, case, {"q1": 1, "q2": 1, "q3": 1}, key="audit_c")
    third = record(world, case, {**AUDIT_ANSWERS, "q1": 0})
    client = world.client_for(world.clinician)
    before = last_log()
    body = get(client, f"/persons/{case.patient_id}/responses").json()
    assert body["count"] == 3
    assert [r["id"] for r in body["items"]] == [first.pk, second.pk, third.pk]
    rows = logs_since(before)
    assert all(row.subject_id == case.patient_id and row.action == "view" for row in rows)
    assert {(row.object_type, row.object_id) for row in rows} == {
        ("people.person", str(case.patient_id)),
        *(("instruments.response", str(r.pk)) for r in (first, second, third)),
    }

    body = get(client, f"/persons/{case.patient_id}/responses?instrument=audit&limit=1&offset=1").json()
    assert (body["count"], body["limit"], body["offset"]) == (2, 1, 1)
    assert [r["id"] for r in body["items"]] == [third.pk]
    assert body["items"][0]["score"] == 13


def test_history_queries_do_not_grow_with_the_page(world, case):
    client = world.client_for(world.clinician)
    record(world, case)
    with CaptureQueriesContext(connection) as one:
        assert get(client, f"/persons/{case.patient_id}/responses").json()["count"] == 1
    for _n in range(3):
        record(world, case, {"q1": 1, "q2": 1, "q3": 1}, key="audit_c")
    with CaptureQueriesContext(connection) as four:
        assert get(client, f"/persons/{case.patient_id}/responses").json()["count"] == 4
    assert len(four.captured_queries) == len(one.captured_queries)


def test_history_is_the_organisations_own(world, case):
    record(world, case)
    # The same person seen from another unit would have no responses there; here, a second clinician of the unit
    # who does not share Cora's caseload cannot see Pia at all.
    dan = second_clinician(world.unit)
    assert get(world.client_for(dan), f"/persons/{case.patient_id}/responses").status_code == 404
    assert get(world.client_for(world.child_responsible), f"/persons/{case.patient_id}/responses").json()["count"] == 1


# --- FHIR export ------------------------------------------------------------------------------------------------


def test_response_as_a_fhir_bundle(world, case):
    row = record(world, case)
    client = world.client_for(world.clinician)
    before = last_log()
    response = get(client, f"/responses/{row.pk}/fhir")
    assert response.status_code == 200, response.content
    data = response.json()
    Bundle.model_validate(data)
    assert data["type"] == "collection"
    questionnaire_response, observation = (entry["resource"] for entry in data["entry"])
    assert questionnaire_response["resourceType"] == "QuestionnaireResponse"
    assert questionnaire_response["subject"] == {"reference": f"Patient/{case.patient_id}"}
    assert {i["linkId"]: int(i["answer"][0]["valueCoding"]["code"]) for i in questionnaire_response["item"]} == (
        AUDIT_ANSWERS
    )
    assert observation["valueInteger"] == 17
    assert observation["interpretation"][0]["coding"][0]["code"] == "audit.total.zone_3"
    [export] = logs_since(before)
    assert (export.action, export.object_type, export.object_id, export.subject_id) == (
        "export",
        "instruments.response",
        str(row.pk),
        case.patient_id,
    )


def test_fhir_export_only_of_visible_persons_at_your_organisation(world, case):
    client = world.client_for(world.clinician)
    # A response about a patient of another organisation.
    outsider = world.actor(world.outsider)
    their_episode, _children = patient_with_children(outsider, given_name="Siri")
    theirs = services.record_response(outsider, builtin("audit"), their_episode.patient, AUDIT_ANSWERS)
    # A response about a patient of the unit outside Cora's caseload.
    dan = second_clinician(world.unit)
    dans_episode, _children = patient_with_children(world.actor(dan), given_name="Dina")
    dans = services.record_response(world.actor(dan), builtin("audit"), dans_episode.patient, AUDIT_ANSWERS)
    # An anonymous self-test.
    _result, anonymous = services.score_anonymously(builtin("audit"), AUDIT_ANSWERS, keep=True)
    before = last_log()
    for row in (theirs, dans, anonymous):
        response = get(client, f"/responses/{row.pk}/fhir")
        assert response.status_code == 404, row
        assert set(response.json()) == {"detail"}
    assert get(client, "/responses/999999/fhir").status_code == 404
    assert not logs_since(before).filter(subject__isnull=False).exists()
    assert get(world.client_for(world.child_responsible), f"/responses/{dans.pk}/fhir").status_code == 200


# --- Authentication and documentation ---------------------------------------------------------------------------


def test_token_auth_and_anonymous(world, case):
    _token, plain = issue_api_token(world.actor(world.clinician), name="EPJ")
    client = Client(enforce_csrf_checks=True)
    auth = {"Authorization": f"Bearer {plain}"}
    payload = {"instrument_id": builtin("audit").pk, "answers": AUDIT_ANSWERS}
    response = post(client, f"/persons/{case.patient_id}/responses", payload, headers=auth)
    assert response.status_code == 201, response.content
    response_id = response.json()["id"]
    assert get(client, f"/persons/{case.patient_id}/responses", headers=auth).json()["count"] == 1
    assert get(client, f"/responses/{response_id}/fhir", headers=auth).status_code == 200
    assert get(client, "/instruments", headers=auth).status_code == 200

    for path in ("/instruments", f"/persons/{case.patient_id}/responses", f"/responses/{response_id}/fhir"):
        assert get(client, path).status_code == 401, path
    assert post(client, f"/persons/{case.patient_id}/responses", payload).status_code == 401
    assert get(client, "/instruments", headers={"Authorization": "Bearer kdr_wrong"}).status_code == 401
    assert Response.objects.count() == 1


def test_openapi_lists_the_instrument_paths(client):
    schema = client.get(API + "/openapi.json").json()
    paths = schema["paths"]
    expected = {
        "/api/v1/instruments": ["get"],
        "/api/v1/instruments/{instrument_id}": ["get"],
        "/api/v1/instruments/{instrument_id}/questionnaire": ["get"],
        "/api/v1/persons/{person_id}/responses": ["get", "post"],
        "/api/v1/responses/{response_id}/fhir": ["get"],
    }
    for path, methods in expected.items():
        for method in methods:
            operation = paths[path][method]
            assert operation["summary"], (path, method)
            assert operation["description"], (path, method)
            assert {"401", "403", "422"} <= set(operation["responses"]), (path, method)
            if "{" in path:
                assert "404" in operation["responses"], (path, method)
    assert "201" in paths["/api/v1/persons/{person_id}/responses"]["post"]["responses"]
    fhir_schema = paths["/api/v1/responses/{response_id}/fhir"]["get"]["responses"]["200"]["content"]
    assert fhir_schema["application/json"]["schema"]["properties"]["resourceType"]["enum"] == ["Bundle"]
    assert "ResponseIn" in schema["components"]["schemas"]
    assert "Definition" in schema["components"]["schemas"]
