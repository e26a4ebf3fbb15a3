"""Kindred's data as HL7 FHIR resources (DOMAIN.md section 6), and the FHIR R4 API at /fhir/r4/.

A plain package, not a Django app: no models. The mapping modules are pure functions; every module builds its
resources with the `fhir.resources` classes of FHIR **R4B** (`fhir.resources.R4B`): fhir.resources 8 defaults to
R5, and R4B is wire-compatible with R4, which Norwegian and Danish systems speak, for the resources used here.
Building through the classes validates each resource; the functions return plain JSON-ready dicts.

- `kindred.fhir.instruments`: Questionnaire, QuestionnaireResponse and the score Observation of an instrument.
- `kindred.fhir.resources`: Patient, RelatedPerson, the children-answer Observation, Consent, ServiceRequest,
  CarePlan, Communication, AuditEvent, and the server's own Bundle, OperationOutcome and CapabilityStatement.
- `kindred.fhir.search` (what each actor may read and search, through kindred.people.access), `kindred.fhir.writes`
  (a transaction Bundle with a Patient and RelatedPersons; a QuestionnaireResponse) and `kindred.fhir.views`: the
  FHIR R4 REST API under /fhir/r4/.
"""

from __future__ import annotations

from django.conf import settings

DEFAULT_CANONICAL_BASE = "https://kindred.example/fhir"

# National identifiers (DOMAIN.md section 6), by Person.id_kind.
IDENTIFIER_SYSTEMS = {
    "fnr": "urn:oid:2.16.578.1.12.4.1.4.1",  # Norwegian fødselsnummer
    "dnr": "urn:oid:2.16.578.1.12.4.1.4.2",  # Norwegian D-number
    "cpr": "urn:oid:1.2.208.176.1.2",  # Danish CPR number
}

SYSTEM_KINDS = {system: kind for kind, system in IDENTIFIER_SYSTEMS.items()}

# The national base profiles a Patient claims (DOMAIN.md section 6): Norwegian no-basis, Danish dk-core.
PATIENT_PROFILES = {
    "NO": "http://hl7.no/fhir/StructureDefinition/no-basis-Patient",
    "DK": "http://hl7.dk/fhir/core/StructureDefinition/dk-core-patient",
}


def canonical_base() -> str:
    """The base of Kindred's canonical URLs, from the FHIR_CANONICAL_BASE setting (no trailing slash)."""
    return (getattr(settings, "FHIR_CANONICAL_BASE", "") or DEFAULT_CANONICAL_BASE).rstrip("/")


def patient_reference(person) -> dict:
    """A Reference to the person as `Patient/<id>`, with the national identifier when the person has one."""
    reference: dict = {"reference": f"Patient/{person.pk}"}
    system = IDENTIFIER_SYSTEMS.get(person.id_kind or "")
    if system and person.national_id:
        reference["identifier"] = {"use": "official", "system": system, "value": person.national_id}
    return reference
