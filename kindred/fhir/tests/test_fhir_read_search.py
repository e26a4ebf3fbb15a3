"""The FHIR API's reads and searches: every resource it emits validates with fhir.resources (R4B, wire-compatible
with R4), the national identifiers carry their OIDs, searches filter and page with Bundle links."""

from __future__ import annotations

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome

from kindred.fhir.tests.conftest import BASE, CPR, FhirClient

FNR = "urn:oid:2.16.578.1.12.4.1.4.1"
DNR = "urn:oid:2.16.578.1.12.4.1.4.2"
CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"
TYPES = [
    "Patient",
    "RelatedPerson",
    "Consent",
    "Questionnaire",
    "QuestionnaireResponse",
    "Observation",
    "ServiceRequest",
    "CarePlan",
    "Communication",
    "AuditEvent",
]


def valid(data: dict) -> dict:
    """The resource through its R4B class, unchanged: nothing lost, nothing added."""
    parsed = get_fhir_model_class(data["resourceType"]).model_validate(data)
    assert parsed.model_dump(mode="json", exclude_none=True) == data
    return data


def searchset(response) -> dict:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    data = valid(response.json())
    Bundle.model_validate(data)
    assert data["type"] == "searchset"
    return data


def resources_of(bundle: dict) -> list[dict]:
    return [entry["resource"] for entry in bundle.get("entry", [])]


@pytest.fixture
def coordinator(world, fhir_for) -> FhirClient:
    """The unit's coordinator sees every kind of record (whole unit, concern reports, programmes)."""
    return fhir_for(world.coordinator)


def test_capability_statement_is_public_and_lists_every_type(client):
    response = client.get(BASE + "metadata")

    assert response.status_code == 200
    data = valid(response.json())
    CapabilityStatement.model_validate(data)
    assert data["fhirVersion"] == "4.0.1"
    served = {r["type"]: r for r in data["rest"][0]["resource"]}
    assert list(served) == TYPES
    assert {"name": "identifier", "type": "token"} in served["Patient"]["searchParam"]
    assert {"code": "create"} in served["QuestionnaireResponse"]["interaction"]
    assert {"code": "transaction"} in data["rest"][0]["interaction"]


@pytest.mark.parametrize("resource_type", TYPES)
def test_every_search_result_validates(family, coordinator, resource_type):
    params = {"patient": family.patient.pk} if resource_type == "RelatedPerson" else {}
    bundle = searchset(coordinator.get(resource_type, params))

    found = resources_of(bundle)
    assert found, f"no {resource_type} found"
    assert bundle["total"] >= len(found)
    for resource in found:
        assert resource["resourceType"] == resource_type
        valid(resource)
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == f"http://testserver{BASE}{resource_type}/{entry['resource']['id']}"


def test_every_read_validates(family, coordinator):
    for resource_type, ids in family.reads().items():
        for resource_id in ids:
            response = coordinator.get(f"{resource_type}/{resource_id}")
            assert response.status_code == 200, (resource_type, resource_id, response.content)
            data = valid(response.json())
            assert (data["resourceType"], data["id"]) == (resource_type, resource_id)


def test_patients_carry_national_identifiers_and_profiles(family, coordinator):
    pia, kim, liv, dag = (
        coordinator.get(f"Patient/{p.pk}").json() for p in (family.patient, *family.children, family.partner)
    )

    assert pia["identifier"] == [{"use": "official", "system": FNR, "value": family.patient.national_id}]
    assert kim["identifier"] == [{"use": "official", "system": DNR, "value": family.children[0].national_id}]
    assert dag["identifier"] == [{"use": "official", "system": CPR_SYSTEM, "value": CPR}]
    assert pia["meta"]["profile"] == ["http://hl7.no/fhir/StructureDefinition/no-basis-Patient"]
    assert dag["meta"]["profile"] == ["http://hl7.dk/fhir/core/StructureDefinition/dk-core-patient"]
    assert pia["name"] == [{"family": "Parent", "given": ["Pia"]}]
    assert pia["gender"] == "female"
    assert pia["birthDate"] == family.patient.birth_date.isoformat()
    # Without an identifier and with only a birth year: a valid Patient all the same.
    assert "identifier" not in liv
    assert liv["birthDate"] == str(family.children[1].birth_year)
    assert dag["communication"][0]["language"]["coding"][0]["code"] == "da"


def test_related_persons_from_both_sides(family, coordinator):
    bundle = searchset(coordinator.get("RelatedPerson", {"patient": f"Patient/{family.patient.pk}"}))

    by_name = {r["name"][0]["given"][0]: r for r in resources_of(bundle)}
    assert set(by_name) == {"Kim", "Liv", "Dag"}
    kim = by_name["Kim"]
    assert kim["patient"]["reference"] == f"Patient/{family.patient.pk}"
    assert {c["code"] for c in kim["relationship"][0]["coding"]} == {"child", "CHILD"}
    extensions = {e["url"].rsplit("/", 1)[1]: e for e in kim["extension"]}
    assert extensions["parental-responsibility"]["valueCode"] == "shared"
    assert extensions["lives-together"]["valueBoolean"] is True
    assert extensions["contact-arrangement"]["valueString"] == "Every other weekend with the father"
    assert kim["identifier"][0]["system"] == DNR
    assert {c["code"] for c in by_name["Dag"]["relationship"][0]["coding"]} == {"partner", "SIGOTHR"}

    # Seen from Kim: Pia is the parent.
    from_kim = resources_of(searchset(coordinator.get("RelatedPerson", {"patient": family.children[0].pk})))
    assert [(r["name"][0]["given"][0], r["relationship"][0]["coding"][1]["code"]) for r in from_kim] == [("Pia", "PRN")]


def test_observations_hold_the_children_answer_and_the_scores(family, coordinator):
    bundle = searchset(coordinator.get("Observation", {"subject": f"Patient/{family.patient.pk}"}))

    children, score = resources_of(bundle)
    assert children["code"]["coding"][0]["code"] == "minor-children"
    assert children["valueCodeableConcept"]["coding"][0]["code"] == "has"
    assert children["component"][0]["valueCodeableConcept"]["coding"][0]["code"] == "none"
    assert children["status"] == "final"
    assert score["valueInteger"] == 17
    assert score["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{family.response.pk}"}]

    only_children = searchset(coordinator.get("Observation", {"code": "minor-children"}))
    assert [r["id"] for r in resources_of(only_children)] == [children["id"]]
    code = score["code"]["coding"][0]
    only_scores = searchset(coordinator.get("Observation", {"code": f"{code['system']}|{code['code']}"}))
    assert [r["id"] for r in resources_of(only_scores)] == [score["id"]]


def test_patient_search_by_identifier_name_and_birthdate(family, coordinator):
    def names(params) -> list[str]:
        return [r["name"][0]["given"][0] for r in resources_of(searchset(coordinator.get("Patient", params)))]

    assert names({"identifier": f"{FNR}|{family.patient.national_id}"}) == ["Pia"]
    assert names({"identifier": family.children[0].national_id}) == ["Kim"]
    assert names({"identifier": f"{CPR_SYSTEM}|{CPR}"}) == ["Dag"]
    assert names({"identifier": f"{DNR}|{family.patient.national_id}"}) == []  # a fødselsnummer is no D-number
    assert names({"name": "par"}) == ["Kim", "Liv", "Pia"]
    assert names({"name": "pia par"}) == ["Pia"]
    assert names({"birthdate": family.patient.birth_date.isoformat()}) == ["Pia"]
    assert names({"birthdate": str(family.children[1].birth_year)}) == ["Liv"]
    assert names({"birthdate": f"ge{family.children[0].birth_date.isoformat()}"}) == ["Kim"]


def test_consent_and_questionnaire_response_searches(family, coordinator):
    consents = resources_of(searchset(coordinator.get("Consent", {"patient": family.patient.pk, "status": "active"})))
    assert [c["id"] for c in consents] == [str(family.consent.pk)]
    assert consents[0]["provision"]["actor"][0]["reference"]["display"] == "Solberg skolehelsetjeneste"
    assert resources_of(searchset(coordinator.get("Consent", {"status": "inactive"}))) == []

    url = resources_of(
        searchset(coordinator.get("Questionnaire", {"url": "https://kindred.example/fhir/Questionnaire/audit"}))
    )
    assert [q["name"] for q in url] == ["Audit"]
    responses = searchset(coordinator.get("QuestionnaireResponse", {"questionnaire": url[0]["url"]}))
    assert [r["id"] for r in resources_of(responses)] == [str(family.response.pk)]
    assert resources_of(searchset(coordinator.get("QuestionnaireResponse", {"subject": family.children[0].pk}))) == []


def test_searchsets_page_with_links(family, coordinator):
    first = searchset(coordinator.get("Patient", {"name": "par", "_count": 2}))

    assert first["total"] == 3
    assert len(first["entry"]) == 2
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert set(links) == {"self", "next"}
    second = searchset(coordinator.client.get(links["next"], **coordinator.headers))
    assert len(second["entry"]) == 1
    links = {link["relation"]: link["url"] for link in second["link"]}
    assert set(links) == {"self", "previous"}
    seen = [e["resource"]["id"] for e in first["entry"] + second["entry"]]
    assert len(set(seen)) == 3


def test_observation_pages_run_across_episodes_and_scores(family, coordinator):
    ids = []
    for offset in range(3):
        page = searchset(coordinator.get("Observation", {"_count": 1, "_offset": offset}))
        ids += [r["id"] for r in resources_of(page)]
    assert ids == [f"children-{family.episode.pk}", f"score-{family.response.pk}"]


@pytest.mark.parametrize(
    ("path", "params", "status", "words"),
    [
        ("Patient", {"nmae": "x"}, 400, "Unknown search parameter: nmae"),
        ("Patient", {"birthdate": "1990-13-01"}, 400, "birthdate"),
        ("Patient", {"_count": "many"}, 400, "_count"),
        ("RelatedPerson", {}, 400, "patient"),
        ("Patient", {"_format": "xml"}, 406, "JSON"),
        ("Unicorn", {}, 404, "Unicorn"),
    ],
)
def test_bad_searches_get_an_operation_outcome(family, coordinator, settings, path, params, status, words):
    response = coordinator.get(path, params, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == status
    data = valid(response.json())
    OperationOutcome.model_validate(data)
    assert words in data["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("Patient/999999999999999999", {}),
        ("Patient/-1", {}),
        ("RelatedPerson/1-999999999999999999", {}),
        ("Observation/score-abc", {}),
        ("Questionnaire/no-such-v1", {}),
    ],
)
def test_odd_ids_are_not_found(family, coordinator, path, params):
    assert coordinator.get(path, params).status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"name": "pia\x00"},
        {"identifier": "999999999999999999999999"},
        {"_id": "999999999999999999"},
        {"birthdate": "9999"},
        {"_count": "0"},
    ],
)
def test_odd_search_values_do_not_break_the_server(family, coordinator, params):
    response = coordinator.get("Patient", params)
    assert response.status_code in (200, 400)
    valid(response.json())
