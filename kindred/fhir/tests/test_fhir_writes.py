"""Writes through FHIR: a transaction Bundle with a Patient and RelatedPersons (a hospital sending a patient and the
children), and a QuestionnaireResponse. Validated whole, all or nothing; every refusal an OperationOutcome naming
the problem, with nothing written."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome

from kindred.audit.models import AccessLog
from kindred.care.tests.factories import fnr_for, years_ago
from kindred.fhir.tests.conftest import AUDIT_ANSWERS, dnr_for, transaction_of
from kindred.fhir.tests.test_fhir_read_search import valid
from kindred.instruments.models import Response
from kindred.people.models import Person, Relationship

FNR = "urn:oid:2.16.578.1.12.4.1.4.1"
DNR = "urn:oid:2.16.578.1.12.4.1.4.2"
BASE_URL = "https://kindred.example/fhir"
HANNE_FNR = fnr_for(years_ago(41, days=3))
OLA_FNR = fnr_for(years_ago(12, days=50))


def hanne() -> dict:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": FNR, "value": HANNE_FNR}, {"system": "urn:oid:2.16.578.1.12.4.1.10", "value": "H-1"}],
        "name": [{"use": "official", "family": "Hospital", "given": ["Hanne", "Marie"]}],
        "gender": "female",
        "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "nb"}]}, "preferred": True}],
    }


def child(given: str, *, identifier: str = "", birth_date: str = "", code: dict | None = None, **extra) -> dict:
    resource = {
        "resourceType": "RelatedPerson",
        "patient": {"reference": "urn:uuid:patient"},
        "relationship": [{"coding": [code or {"system": f"{BASE_URL}/CodeSystem/relationship", "code": "child"}]}],
        "name": [{"family": "Hospital", "given": [given]}],
        **extra,
    }
    if identifier:
        resource["identifier"] = [{"system": FNR, "value": identifier}]
    if birth_date:
        resource["birthDate"] = birth_date
    return resource


def hospital_bundle() -> dict:
    ola = child(
        "Ola",
        identifier=OLA_FNR,
        extension=[
            {"url": f"{BASE_URL}/StructureDefinition/parental-responsibility", "valueCode": "shared"},
            {"url": f"{BASE_URL}/StructureDefinition/lives-together", "valueBoolean": True},
        ],
    )
    siri = child(
        "Siri",
        birth_date=years_ago(4, days=10).isoformat(),
        code={"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "DAU"},
    )
    return transaction_of(hanne(), [ola, siri])


def refused(response, status: int, *words: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    data = valid(response.json())
    OperationOutcome.model_validate(data)
    issue = data["issue"][0]
    assert issue["severity"] == "error"
    for word in words:
        assert word in issue["diagnostics"], issue["diagnostics"]
    return issue


@pytest.fixture
def clinician(world, fhir_for):
    return fhir_for(world.clinician)


def snapshot() -> tuple[int, int, int, int]:
    return (
        Person.objects.count(),
        Relationship.objects.count(),
        Response.objects.count(),
        AccessLog.objects.filter(action="create").count(),
    )


# --- A transaction: a patient and the children ------------------------------------------------------------------


def test_a_hospital_sends_a_patient_with_children(world, clinician):
    response = clinician.post("", hospital_bundle())

    assert response.status_code == 200, response.content
    result = valid(response.json())
    assert result["type"] == "transaction-response"
    statuses = [e["response"]["status"] for e in result["entry"]]
    assert statuses == ["201 Created"] * 3
    patient = Person.objects.get(national_id=HANNE_FNR)
    assert (patient.given_name, patient.family_name, patient.sex) == ("Hanne Marie", "Hospital", "female")
    assert patient.birth_date is not None and patient.preferred_language == "nb"
    assert (patient.registered_by, patient.created_by) == (world.unit, world.clinician)
    assert result["entry"][0]["response"]["location"] == f"Patient/{patient.pk}"
    ola = Relationship.objects.get(person=patient, other__given_name="Ola")
    assert (ola.kind, ola.parental_responsibility, ola.lives_together) == ("parent_of", "shared", True)
    assert ola.other.national_id == OLA_FNR and ola.other.id_kind == "fnr"
    siri = Relationship.objects.get(person=patient, other__given_name="Siri")
    assert siri.kind == "parent_of" and siri.other.national_id == ""
    # Written by the people services: each person and relationship has its audit row, on the FHIR channel.
    created = AccessLog.objects.filter(action="create", via="fhir", user=world.clinician)
    assert created.filter(object_type="people.person").count() == 3
    assert created.filter(object_type="people.relationship").count() == 2

    # What was created can be read back by the sender.
    assert clinician.get(result["entry"][0]["response"]["location"]).status_code == 200
    assert clinician.get(result["entry"][1]["response"]["location"]).json()["name"][0]["given"] == ["Ola"]


def test_sending_the_same_patient_again_creates_no_duplicate(clinician):
    clinician.post("", hospital_bundle())
    before = Person.objects.count()

    again = clinician.post("", hospital_bundle())

    statuses = [e["response"]["status"] for e in again.json()["entry"]]
    assert statuses == ["200 OK", "200 OK", "201 Created"]  # Siri has no identifier: a new person, as at intake
    assert Person.objects.count() == before + 1


def test_a_child_for_a_patient_already_known(family, clinician):
    kari = child("Kari", birth_date=years_ago(2).isoformat(), patient={"reference": f"Patient/{family.patient.pk}"})

    response = clinician.post("", transaction_of(None, [kari]))

    assert response.status_code == 200, response.content
    assert Relationship.objects.filter(person=family.patient, other__given_name="Kari", kind="parent_of").exists()


def test_a_parent_and_a_partner_are_related_the_right_way_round(clinician):
    role = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
    mother = child("Mor", code={"system": role, "code": "MTH"})
    partner = child("Per", code={"system": role, "code": "SPS"})

    assert clinician.post("", transaction_of(hanne(), [mother, partner])).status_code == 200

    patient = Person.objects.get(national_id=HANNE_FNR)
    assert Relationship.objects.filter(person__given_name="Mor", other=patient, kind="parent_of").exists()
    assert Relationship.objects.filter(person=patient, other__given_name="Per", kind="partner").exists()


def _bad_identifier() -> dict:
    bundle = hospital_bundle()
    bundle["entry"][1]["resource"]["identifier"][0]["value"] = OLA_FNR[:-1] + str((int(OLA_FNR[-1]) + 1) % 10)
    return bundle


def _d_number_as_fnr() -> dict:
    bundle = hospital_bundle()
    bundle["entry"][1]["resource"]["identifier"][0]["value"] = dnr_for(years_ago(12, days=50))
    return bundle


def _unknown_reference() -> dict:
    bundle = hospital_bundle()
    bundle["entry"][2]["resource"]["patient"] = {"reference": "urn:uuid:somebody-else"}
    return bundle


def _self_related() -> dict:
    bundle = hospital_bundle()
    bundle["entry"][2]["resource"]["identifier"] = [{"system": FNR, "value": HANNE_FNR}]
    del bundle["entry"][2]["resource"]["birthDate"]
    return bundle


def _without_relationship() -> dict:
    bundle = hospital_bundle()
    del bundle["entry"][2]["resource"]["relationship"]
    return bundle


def _with(change) -> dict:
    bundle = hospital_bundle()
    change(bundle)
    return bundle


BAD_TRANSACTIONS = {
    "malformed JSON": ('{"resourceType": "Bundle", "type": "transaction",', 400, ["not valid JSON", "line 1"]),
    "not an object": ("[1, 2]", 400, ["JSON object"]),
    "wrong resourceType": (hanne(), 400, ["Bundle", '"Patient"']),
    "not a transaction": (_with(lambda b: b.update(type="batch")), 400, ["transaction", "batch"]),
    "invalid FHIR": (
        _with(lambda b: b["entry"][0]["resource"].update(birthDate="1980-13-45")),
        400,
        ["not a valid FHIR R4 resource", "Bundle.entry[0].resource.birthDate"],
    ),
    "unknown element": (
        _with(lambda b: b["entry"][0]["resource"].update(shoeSize=42)),
        400,
        ["shoeSize"],
    ),
    "invalid identifier": (_bad_identifier(), 400, ["not a valid national id"]),
    "D-number sent as a fødselsnummer": (_d_number_as_fnr(), 400, ["D-number", FNR]),
    "unknown reference": (_unknown_reference(), 422, ["Unknown reference", "urn:uuid:somebody-else"]),
    "no relationship": (_without_relationship(), 400, ["relationship"]),
    "two patients": (
        _with(lambda b: b["entry"].append(dict(b["entry"][0]))),
        400,
        ["only one Patient"],
    ),
    "another resource type": (
        _with(
            lambda b: b["entry"].append(
                {
                    "resource": {"resourceType": "Observation", "status": "final", "code": {"text": "x"}},
                    "request": {"method": "POST", "url": "Observation"},
                }
            )
        ),
        400,
        ["Only Patient and RelatedPerson"],
    ),
    "a PUT": (_with(lambda b: b["entry"][0]["request"].update(method="PUT")), 400, ["POST"]),
    "related to herself": (_self_related(), 422, ["cannot be related to themselves"]),
}


@pytest.mark.parametrize("case", BAD_TRANSACTIONS)
def test_a_bad_transaction_is_refused_and_writes_nothing(world, clinician, case):
    body, status, words = BAD_TRANSACTIONS[case]
    before = snapshot()

    response = clinician.post(
        "", body if isinstance(body, str) else json.dumps(body), raw=True, HTTP_ACCEPT_LANGUAGE="en"
    )

    refused(response, status, *words)
    assert snapshot() == before


def test_a_known_patient_of_another_organisation_is_an_unknown_reference(family, world, fhir_for):
    outsider = fhir_for(world.outsider)
    kari = child("Kari", birth_date=years_ago(2).isoformat(), patient={"reference": f"Patient/{family.patient.pk}"})
    before = snapshot()

    response = outsider.post("", transaction_of(None, [kari]), HTTP_ACCEPT_LANGUAGE="en")

    refused(response, 422, "Unknown reference", f"Patient/{family.patient.pk}")
    assert snapshot() == before


@pytest.mark.parametrize("role", ["analyst", "group_leader"])
def test_roles_that_do_not_record_cases_cannot_send_persons(world, fhir_for, role):
    fhir = fhir_for(getattr(world, role))
    before = snapshot()
    response = fhir.post("", hospital_bundle(), HTTP_ACCEPT_LANGUAGE="en")
    assert refused(response, 403, "role")["code"] == "forbidden"
    assert snapshot() == before


def test_patients_cannot_be_created_one_by_one(clinician):
    response = clinician.post("Patient", hanne(), HTTP_ACCEPT_LANGUAGE="en")
    refused(response, 405, "Patient")


# --- A questionnaire response -----------------------------------------------------------------------------------


def audit_response(family, answers=None, **changes) -> dict:
    items = [
        {"linkId": key, "answer": [{"valueCoding": {"code": str(value)}}]}
        for key, value in (answers or AUDIT_ANSWERS).items()
    ]
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{BASE_URL}/Questionnaire/audit",
        "status": "completed",
        "subject": {"reference": f"Patient/{family.patient.pk}"},
        "item": items,
        **changes,
    }


def test_a_questionnaire_response_is_scored_and_recorded(family, world, clinician):
    before = Response.objects.count()

    response = clinician.post("QuestionnaireResponse", audit_response(family))

    assert response.status_code == 201, response.content
    created = Response.objects.order_by("-id").first()
    assert Response.objects.count() == before + 1
    assert (created.person, created.organisation, created.created_by) == (family.patient, world.unit, world.clinician)
    assert created.scores["total"] == 17
    assert response["Location"] == f"http://testserver/fhir/r4/QuestionnaireResponse/{created.pk}"
    data = valid(response.json())
    assert data["id"] == str(created.pk)
    assert data["questionnaire"].startswith(f"{BASE_URL}/Questionnaire/audit|")
    assert AccessLog.objects.filter(action="create", object_type="instruments.response", via="fhir").exists()
    score = clinician.get(f"Observation/score-{created.pk}").json()
    assert score["valueInteger"] == 17


def test_answers_may_be_integers_and_the_version_may_be_named(family, clinician):
    questionnaire = clinician.get("Questionnaire", {"url": f"{BASE_URL}/Questionnaire/audit"}).json()
    version = questionnaire["entry"][0]["resource"]["version"]
    body = audit_response(family, questionnaire=f"{BASE_URL}/Questionnaire/audit|{version}")
    for item in body["item"]:
        item["answer"] = [{"valueInteger": int(item["answer"][0]["valueCoding"]["code"])}]

    assert clinician.post("QuestionnaireResponse", body).status_code == 201


BAD_RESPONSES = {
    "malformed JSON": (lambda f: "{", 400, ["not valid JSON"]),
    "wrong resourceType": (
        lambda f: {**audit_response(f), "resourceType": "Observation"},
        400,
        ["QuestionnaireResponse"],
    ),
    "unknown questionnaire": (
        lambda f: audit_response(f, questionnaire=f"{BASE_URL}/Questionnaire/no-such-thing"),
        422,
        ["Unknown questionnaire", "no-such-thing"],
    ),
    "unknown version": (
        lambda f: audit_response(f, questionnaire=f"{BASE_URL}/Questionnaire/audit|999"),
        422,
        ["Unknown questionnaire"],
    ),
    "unknown subject": (
        lambda f: audit_response(f, subject={"reference": "Patient/999999"}),
        422,
        ["Unknown reference", "Patient/999999"],
    ),
    "not completed": (lambda f: audit_response(f, status="in-progress"), 400, ["completed", "in-progress"]),
    "an answer that is no option": (
        lambda f: audit_response(f, answers={**AUDIT_ANSWERS, "q1": 7}),
        422,
        ["q1"],
    ),
    "a missing answer": (
        lambda f: audit_response(f, answers={k: v for k, v in AUDIT_ANSWERS.items() if k != "q10"}),
        422,
        ["q10"],
    ),
    "an unknown question": (
        lambda f: audit_response(f, answers={**AUDIT_ANSWERS, "q99": 1}),
        422,
        ["not in this instrument"],
    ),
    "a status FHIR does not know": (lambda f: audit_response(f, status="done"), 400, ["completed", "done"]),
    "invalid FHIR": (
        lambda f: audit_response(f, authored="yesterday"),
        400,
        ["not a valid FHIR R4 resource", "authored"],
    ),
}


@pytest.mark.parametrize("case", BAD_RESPONSES)
def test_a_bad_questionnaire_response_is_refused_and_writes_nothing(family, clinician, case):
    make, status, words = BAD_RESPONSES[case]
    body = make(family)
    before = snapshot()

    response = clinician.post(
        "QuestionnaireResponse",
        body if isinstance(body, str) else json.dumps(body),
        raw=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    refused(response, status, *words)
    assert snapshot() == before


def test_an_outsider_cannot_answer_for_a_patient_of_the_unit(family, world, fhir_for):
    outsider = fhir_for(world.outsider)
    before = snapshot()
    response = outsider.post("QuestionnaireResponse", audit_response(family), HTTP_ACCEPT_LANGUAGE="en")
    refused(response, 422, "Unknown reference")
    assert snapshot() == before


def test_the_api_needs_no_csrf_token_because_it_takes_bearer_tokens(world):
    from django.test import Client

    from kindred.fhir.tests.conftest import token_for

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/fhir/r4/",
        json.dumps(hospital_bundle()),
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=f"Bearer {token_for(world, world.clinician)}",
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('{"resourceType": "Bundle", "type": "transaction", "entry": [{"fullUrl": "x\\u0000"}]}', "NUL"),
        ("[" * 100_000 + "]" * 100_000, ""),
        (b"\xff\xfe", "UTF-8"),
    ],
)
def test_hostile_bodies_are_refused(clinician, body, words):
    before = snapshot()
    response = clinician.post("", body, raw=True, HTTP_ACCEPT_LANGUAGE="en")
    refused(response, 400, words)
    assert snapshot() == before


def test_a_body_over_a_megabyte_is_refused_unread(clinician):
    before = snapshot()
    body = json.dumps({**hanne(), "resourceType": "Bundle", "padding": "x" * (1024 * 1024)})
    refused(clinician.post("", body, raw=True, HTTP_ACCEPT_LANGUAGE="en"), 413, "1 MB")
    assert snapshot() == before
