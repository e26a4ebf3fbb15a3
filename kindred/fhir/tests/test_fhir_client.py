"""A real FHIR client library (fhirclient, SMART on FHIR's Python client, R4 models) reads a sample of every
resource type from a running Kindred over HTTP: the CapabilityStatement, each type by id, searches with paging."""

from __future__ import annotations

import pytest
from fhirclient.models.auditevent import AuditEvent
from fhirclient.models.careplan import CarePlan
from fhirclient.models.communication import Communication
from fhirclient.models.consent import Consent
from fhirclient.models.observation import Observation
from fhirclient.models.patient import Patient
from fhirclient.models.questionnaire import Questionnaire
from fhirclient.models.questionnaireresponse import QuestionnaireResponse
from fhirclient.models.relatedperson import RelatedPerson
from fhirclient.models.servicerequest import ServiceRequest
from fhirclient.server import FHIRNotFoundException, FHIRServer, FHIRUnauthorizedException

from kindred.fhir.tests.conftest import build_family, token_for

pytestmark = pytest.mark.django_db(transaction=True)

MODELS = {
    "Patient": Patient,
    "RelatedPerson": RelatedPerson,
    "Consent": Consent,
    "QuestionnaireResponse": QuestionnaireResponse,
    "Observation": Observation,
    "ServiceRequest": ServiceRequest,
    "CarePlan": CarePlan,
    "Communication": Communication,
}


_OPEN: list[FHIRServer] = []


def server_for(live_server, token: str | None) -> FHIRServer:
    server = FHIRServer(None, base_uri=f"{live_server.url}/fhir/r4/")
    if token:
        server.session.headers["Authorization"] = f"Bearer {token}"
    _OPEN.append(server)
    return server


@pytest.fixture(autouse=True)
def _close_sessions():
    """Close the client's kept-alive connections, so no server thread is left waiting on one."""
    yield
    while _OPEN:
        _OPEN.pop().session.close()


def test_fhirclient_reads_every_resource_type(live_server, world):
    family = build_family(world)
    server = server_for(live_server, token_for(world, world.coordinator))

    statement = server.capabilityStatement
    assert statement.fhirVersion == "4.0.1"
    assert {r.type for r in statement.rest[0].resource} >= set(MODELS) | {"Questionnaire", "AuditEvent"}

    for resource_type, ids in family.reads().items():
        for resource_id in ids:
            resource = MODELS[resource_type].read(resource_id, server)
            assert resource.id == resource_id

    pia = Patient.read(str(family.patient.pk), server)
    assert pia.identifier[0].system == "urn:oid:2.16.578.1.12.4.1.4.1"
    assert pia.identifier[0].value == family.patient.national_id
    assert pia.birthDate.isostring == family.patient.birth_date.isoformat()

    related = list(RelatedPerson.where(struct={"patient": str(family.patient.pk)}).perform_resources_iter(server))
    assert sorted(r.name[0].given[0] for r in related) == ["Dag", "Kim", "Liv"]

    questionnaires = list(Questionnaire.where(struct={}).perform_resources_iter(server))
    assert "Audit" in {q.name for q in questionnaires}
    audit = Questionnaire.read(next(q.id for q in questionnaires if q.name == "Audit"), server)
    assert audit.item[0].type == "choice"

    events = next(AuditEvent.where(struct={"patient": str(family.patient.pk), "_count": "5"}).perform_iter(server))
    assert events.total > 5
    assert len(events.entry) == 5
    assert {link.relation for link in events.link} == {"self", "next"}
    assert all(e.resource.entity[0].what.reference == f"Patient/{family.patient.pk}" for e in events.entry)
    assert AuditEvent.read(events.entry[0].resource.id, server).action == "R"


def test_fhirclient_follows_next_links_through_a_searchset(live_server, world):
    build_family(world)
    server = server_for(live_server, token_for(world, world.coordinator))

    # perform_resources_iter follows each page's `next` link.
    found = Patient.where(struct={"name": "par", "_count": "1"}).perform_resources_iter(server)
    seen = [patient.name[0].given[0] for patient in found]
    assert seen == ["Kim", "Liv", "Pia"]


def test_fhirclient_sees_401_and_404(live_server, world):
    family = build_family(world)

    with pytest.raises(FHIRUnauthorizedException):
        Patient.read(str(family.patient.pk), server_for(live_server, None))
    with pytest.raises(FHIRNotFoundException):
        Patient.read(str(family.patient.pk), server_for(live_server, token_for(world, world.outsider)))


def test_fhirclient_pages_through_a_whole_access_log(live_server, world):
    """Reading a person's log writes rows into it; the pages of one search still end, each row seen once."""
    family = build_family(world)
    server = server_for(live_server, token_for(world, world.coordinator))
    search = AuditEvent.where(struct={"patient": str(family.patient.pk), "_count": "3"})
    total = next(search.perform_iter(server)).total

    events = list(search.perform_resources_iter(server))

    ids = [event.id for event in events]
    assert len(ids) == len(set(ids)) >= total
