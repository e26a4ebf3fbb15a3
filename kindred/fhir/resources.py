"""Kindred's records as FHIR R4 resources (DOMAIN.md section 6), and the server's own Bundle, OperationOutcome and
CapabilityStatement.

Built with the FHIR R4B classes of fhir.resources, like `kindred.fhir.instruments` (wire-compatible with R4 for these
resources); each function validates through its class and returns a JSON-ready dict. Pure mapping: the caller
chooses the rows through the access rule and writes the audit trail.

Where FHIR has no element for something Kindred records, it is an extension under
`<FHIR_CANONICAL_BASE>/StructureDefinition/<name>` and codes are in `<FHIR_CANONICAL_BASE>/CodeSystem/<name>`:

- RelatedPerson: `parental-responsibility` (valueCode yes/shared/no: the parent's, on a parent–child relation),
  `lives-together` (valueBoolean), `contact-arrangement` (valueString); the relation in `relationship` as a
  `relationship` code (child, parent, partner, sibling, other-close: what the related person is to the patient)
  with the HL7 v3 RoleCode next to it where one fits.
- Observation `children-<episode id>`: the children question of an episode (`kindred-observation#minor-children`,
  value from `children-answer`), the minor-siblings answer as a component.
- Consent: `consent-purpose` (valueString); the parts covered as `provision.code` from `consent-category`.
- ServiceRequest: `referral-status` (valueCode, Kindred's own workflow status).
- CarePlan: `enrolment-status` (valueCode).
- Communication: `parent-informed` (valueBoolean), `concern-feedback` (valueCode); the legal basis as `reasonCode`.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.communication import Communication
from fhir.resources.R4B.consent import Consent
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.relatedperson import RelatedPerson
from fhir.resources.R4B.servicerequest import ServiceRequest

from kindred.fhir import IDENTIFIER_SYSTEMS, PATIENT_PROFILES, canonical_base, patient_reference

INTERPRETER_URL = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
LANGUAGE_SYSTEM = "urn:ietf:bcp:47"


def code_system(name: str) -> str:
    return f"{canonical_base()}/CodeSystem/{name}"


def extension_url(name: str) -> str:
    return f"{canonical_base()}/StructureDefinition/{name}"


def _dump(model_class, data: dict) -> dict:
    return model_class.model_validate(data).model_dump(mode="json", exclude_none=True)


def _compact(data: dict) -> dict:
    """Drop empty values, so a resource never carries an element without content (ele-1)."""
    return {key: value for key, value in data.items() if value not in (None, "", [], {})}


def _day(value) -> str | None:
    return value.isoformat() if value else None


def _instant(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _concept(system: str, code: str, display: str = "", text: str = "") -> dict:
    return _compact({"coding": [_compact({"system": system, "code": code, "display": str(display)})], "text": text})


# --- Persons ----------------------------------------------------------------------------------------------------


def _demographics(person) -> dict:
    """What Patient and RelatedPerson share: identifier, name, gender, birth date, language."""
    system = IDENTIFIER_SYSTEMS.get(person.id_kind or "")
    identifier = (
        [{"use": "official", "system": system, "value": person.national_id}] if system and person.national_id else []
    )
    name = _compact({"family": person.family_name, "given": [person.given_name] if person.given_name else []})
    if person.birth_date:
        birth = person.birth_date.isoformat()
    else:
        birth = f"{person.birth_year:04d}" if person.birth_year else None
    language = (
        [{"language": {"coding": [{"system": LANGUAGE_SYSTEM, "code": person.preferred_language}]}, "preferred": True}]
        if person.preferred_language
        else []
    )
    return _compact(
        {
            "identifier": identifier,
            "name": [name] if name else [],
            "gender": person.sex or None,
            "birthDate": birth,
            "communication": language,
        }
    )


def patient_profile(person) -> str:
    """no-basis for Norwegian ids, dk-core for CPR; without an id, the country of the organisation that registered
    the person (Norway when unknown)."""
    if person.id_kind == "cpr":
        return PATIENT_PROFILES["DK"]
    if person.id_kind in ("fnr", "dnr"):
        return PATIENT_PROFILES["NO"]
    organisation = person.registered_by if person.registered_by_id else None
    return PATIENT_PROFILES.get(getattr(organisation, "country", "NO"), PATIENT_PROFILES["NO"])


def patient(person) -> dict:
    """A person as a Patient: national identifier when known (persons without one are lawful and common)."""
    data = {
        "resourceType": "Patient",
        "id": str(person.pk),
        "meta": {"profile": [patient_profile(person)]},
        **_demographics(person),
    }
    if person.interpreter_needed:
        data["extension"] = [{"url": INTERPRETER_URL, "valueBoolean": True}]
    return _dump(Patient, data)


# The relation as seen from the patient: (Kindred code, display, HL7 v3 RoleCode or "").
# Relationship(person, other, kind): `person` is <kind> of `other`.
_FROM_PERSON = {  # the patient is `person`, the related person is `other`
    "parent_of": ("child", "child", "CHILD"),
    "partner": ("partner", "partner", "SIGOTHR"),
    "sibling": ("sibling", "sibling", "SIB"),
    "other_close": ("other-close", "other close person", ""),
}
_FROM_OTHER = {  # the patient is `other`, the related person is `person`
    "parent_of": ("parent", "parent", "PRN"),
    "partner": ("partner", "partner", "SIGOTHR"),
    "sibling": ("sibling", "sibling", "SIB"),
    "other_close": ("other-close", "other close person", ""),
}
RELATION_CODES = ("child", "parent", "partner", "sibling", "other-close")


def related_person_id(relationship, related) -> str:
    """`<relationship id>-<related person id>`: the same relationship seen from either of its two persons."""
    return f"{relationship.pk}-{related.pk}"


def related_person(relationship, related) -> dict:
    """`related` (one side of the relationship) as a RelatedPerson of the person on the other side."""
    if related.pk == relationship.other_id:
        patient_person, (code, display, v3) = relationship.person, _FROM_PERSON[relationship.kind]
    else:
        patient_person, (code, display, v3) = relationship.other, _FROM_OTHER[relationship.kind]
    codings = [{"system": code_system("relationship"), "code": code, "display": display}]
    if v3:
        codings.append({"system": ROLE_CODE, "code": v3})
    extensions = []
    if relationship.kind == "parent_of" and relationship.parental_responsibility:
        extensions.append(
            {"url": extension_url("parental-responsibility"), "valueCode": relationship.parental_responsibility}
        )
    if relationship.lives_together is not None:
        extensions.append({"url": extension_url("lives-together"), "valueBoolean": relationship.lives_together})
    if relationship.contact_arrangement:
        extensions.append(
            {"url": extension_url("contact-arrangement"), "valueString": relationship.contact_arrangement}
        )
    data = {
        "resourceType": "RelatedPerson",
        "id": related_person_id(relationship, related),
        "extension": extensions,
        "active": True,
        "patient": patient_reference(patient_person),
        "relationship": [_compact({"coding": codings, "text": relationship.description})],
        **_demographics(related),
    }
    return _dump(RelatedPerson, _compact(data))


# --- Care -------------------------------------------------------------------------------------------------------


def children_observation_id(episode) -> str:
    return f"children-{episode.pk}"


def _answer(code_name: str, value: str, label: str) -> dict:
    if value == "not_asked":
        return {"dataAbsentReason": _concept(DATA_ABSENT, "not-asked", "Not Asked")}
    return {"valueCodeableConcept": _concept(code_system(code_name), value, label, label)}


def children_observation(episode) -> dict:
    """The children question of an episode: minor children (has, none, declined), minor siblings as a component;
    `registered` while not yet asked."""
    kinds = code_system("kindred-observation")
    data = {
        "resourceType": "Observation",
        "id": children_observation_id(episode),
        "status": "final" if episode.children_answer != "not_asked" else "registered",
        "category": [_concept(OBSERVATION_CATEGORY, "social-history", "Social History")],
        "code": _concept(kinds, "minor-children", "Minor children", "Minor children"),
        "subject": patient_reference(episode.patient),
        "effectiveDateTime": _instant(episode.answered_at),
        **_answer("children-answer", episode.children_answer, episode.get_children_answer_display()),
        "component": [
            {
                "code": _concept(kinds, "minor-siblings", "Minor siblings", "Minor siblings"),
                **_answer("siblings-answer", episode.siblings_answer, episode.get_siblings_answer_display()),
            }
        ],
    }
    return _dump(Observation, _compact(data))


def communication(report) -> dict:
    """A concern report to child welfare as a completed Communication about the child, with its legal basis."""
    extensions = [{"url": extension_url("parent-informed"), "valueBoolean": report.parent_informed}]
    if report.feedback_status:
        extensions.append({"url": extension_url("concern-feedback"), "valueCode": report.feedback_status})
    data = {
        "resourceType": "Communication",
        "id": str(report.pk),
        "extension": extensions,
        "status": "completed",
        "category": [_concept(code_system("communication-category"), "concern-report", "Concern report")],
        "subject": patient_reference(report.child),
        "sent": _day(report.sent_on),
        "received": _day(report.feedback_on),
        "recipient": [{"display": report.recipient}],
        "sender": {"display": report.episode.organisation.name},
        "reasonCode": [_concept(code_system("concern-basis"), report.basis, report.get_basis_display())],
        "payload": [{"contentString": report.reason}],
        "note": [{"text": report.parent_not_informed_reason}] if report.parent_not_informed_reason else [],
    }
    return _dump(Communication, _compact(data))


# --- Cooperation ------------------------------------------------------------------------------------------------

_CONSENT_STATUS = {"valid": "active", "future": "proposed", "expired": "inactive", "revoked": "inactive"}


def consent(consent) -> dict:
    """A consent to share: what (provision.code), to whom (provision.actor), when (provision.period), why."""
    from kindred.consent.models import Category

    labels = dict(Category.choices)
    ends_on = consent.revoked_on if consent.revoked_at and consent.revoked_on else consent.valid_until
    performer = (
        {"display": consent.guardian_name or str(consent.get_given_by_display())}
        if consent.given_by == "guardian"
        else patient_reference(consent.person)
    )
    data = {
        "resourceType": "Consent",
        "id": str(consent.pk),
        "extension": [{"url": extension_url("consent-purpose"), "valueString": consent.purpose}],
        "status": _CONSENT_STATUS[consent.state],
        "scope": _concept("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", "Privacy Consent"),
        "category": [_concept("http://loinc.org", "59284-0", "Patient Consent")],
        "patient": patient_reference(consent.person),
        "dateTime": _instant(consent.recorded_at),
        "performer": [performer],
        "organization": [{"display": consent.organisation.name}],
        "policyRule": _concept("http://terminology.hl7.org/CodeSystem/v3-ActCode", "OPTIN", "opt-in"),
        "provision": {
            "type": "permit",
            "period": {"start": _day(consent.valid_from), "end": _day(ends_on)},
            "actor": [
                {
                    "role": _concept(
                        "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP", "information recipient"
                    ),
                    "reference": {"display": str(consent.recipient_label)},
                }
            ],
            "code": [
                _concept(code_system("consent-category"), category, labels.get(category, category))
                for category in consent.categories
            ],
        },
    }
    return _dump(Consent, _compact(data))


_REFERRAL_STATUS = {
    "draft": "draft",
    "sent": "active",
    "received": "active",
    "accepted": "active",
    "declined": "revoked",
    "withdrawn": "revoked",
    "completed": "completed",
}


def service_request(referral) -> dict:
    """A referral as a ServiceRequest (SNOMED CT 3457005 Patient referral) from one organisation to another."""
    data = {
        "resourceType": "ServiceRequest",
        "id": str(referral.pk),
        "extension": [{"url": extension_url("referral-status"), "valueCode": referral.status}],
        "status": _REFERRAL_STATUS[referral.status],
        "intent": "order",
        "category": [_concept("http://snomed.info/sct", "3457005", "Patient referral")],
        "priority": "urgent" if referral.urgency == "urgent" else "routine",
        "subject": patient_reference(referral.person),
        "authoredOn": _instant(referral.sent_at or referral.created_at),
        "requester": {"display": referral.from_organisation.name},
        "performer": [{"display": referral.to_organisation.name}],
        "reasonCode": [{"text": referral.reason}],
    }
    return _dump(ServiceRequest, _compact(data))


# --- Programmes -------------------------------------------------------------------------------------------------

_ENROLMENT_STATUS = {
    "interview": "draft",
    "waiting": "draft",
    "enrolled": "active",
    "completed": "completed",
    "not_completed": "completed",
    "withdrawn": "revoked",
    "referred": "revoked",
}


def care_plan(enrolment) -> dict:
    """A person's participation in a programme run as a CarePlan; each session an activity."""
    run = enrolment.run
    today = timezone.localdate()
    activities = [
        {
            "detail": {
                "status": "cancelled" if s.cancelled else ("completed" if s.date < today else "scheduled"),
                "scheduledString": f"{s.date.isoformat()} {s.start_time:%H:%M}",
                "description": f"{s.number}. {s.title}",
            }
        }
        for s in run.sessions.all()
    ]
    data = {
        "resourceType": "CarePlan",
        "id": str(enrolment.pk),
        "extension": [{"url": extension_url("enrolment-status"), "valueCode": enrolment.status}],
        "status": _ENROLMENT_STATUS[enrolment.status],
        "intent": "plan",
        "category": [_concept(code_system("programme-kind"), run.template.kind, run.template.get_kind_display())],
        "title": run.title,
        "description": run.template.name,
        "subject": patient_reference(enrolment.participant.person),
        "period": _compact(
            {
                "start": _day(run.starts_on),
                "end": _day(timezone.localtime(enrolment.ended_at).date()) if enrolment.ended_at else None,
            }
        ),
        "created": _instant(enrolment.created_at),
        "author": {"display": run.organisation.name},
        "activity": activities,
    }
    return _dump(CarePlan, _compact(data))


# --- Audit ------------------------------------------------------------------------------------------------------

_AUDIT_ACTION = {"view": "R", "export": "R", "create": "C", "change": "U", "delete": "D"}


def audit_event(row) -> dict:
    """One row of a person's access log: who (and in which organisation and role) did what, when, and why."""
    agent = _compact(
        {
            "who": {"display": row.user_label or "Kindred"},
            "requestor": True,
            "role": [{"text": row.role}] if row.role else [],
        }
    )
    entities = [
        {
            "what": patient_reference(row.subject),
            "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "1"},
            "role": {"system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "1"},
        }
    ]
    if row.object_type:
        entities.append(
            {
                "what": {"display": f"{row.object_type} {row.object_id}".strip()},
                "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "2"},
            }
        )
    data = {
        "resourceType": "AuditEvent",
        "id": str(row.pk),
        "type": {
            "system": "http://dicom.nema.org/resources/ontology/DCM",
            "code": "110110",
            "display": "Patient Record",
        },
        "subtype": [{"system": code_system("access-action"), "code": row.action}],
        "action": _AUDIT_ACTION.get(row.action, "E"),
        "recorded": _instant(row.at),
        "outcome": "0",
        "purposeOfEvent": [{"text": row.reason}] if row.reason else None,
        "agent": [agent]
        + ([{"who": {"display": row.organisation.name}, "requestor": False}] if row.organisation_id else []),
        "source": {
            "site": "Kindred",
            "observer": {"display": "Kindred"},
            "type": [{"system": "http://terminology.hl7.org/CodeSystem/security-source-type", "code": "4"}],
        },
        "entity": entities,
    }
    return _dump(AuditEvent, _compact(data))


# --- The server's own resources ---------------------------------------------------------------------------------


def operation_outcome(diagnostics: str, *, code: str = "invalid", severity: str = "error", expression=()) -> dict:
    issue = _compact(
        {"severity": severity, "code": code, "diagnostics": str(diagnostics), "expression": list(expression)}
    )
    return _dump(OperationOutcome, {"resourceType": "OperationOutcome", "issue": [issue]})


def searchset(entries: list[tuple[str, dict]], *, total: int, links: dict[str, str]) -> dict:
    """A searchset Bundle: (fullUrl, resource) per match, the total, and self/next/previous links."""
    data = {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": timezone.now().isoformat(timespec="seconds"),
        "total": total,
        "link": [{"relation": relation, "url": url} for relation, url in links.items()],
        "entry": [{"fullUrl": url, "resource": resource, "search": {"mode": "match"}} for url, resource in entries],
    }
    return _dump(Bundle, _compact(data))


def transaction_response(entries: list[tuple[str, str]]) -> dict:
    """A transaction-response Bundle: (status, location) per entry, in the order of the request."""
    data = {
        "resourceType": "Bundle",
        "type": "transaction-response",
        "timestamp": timezone.now().isoformat(timespec="seconds"),
        "entry": [{"response": {"status": status, "location": location}} for status, location in entries],
    }
    return _dump(Bundle, data)


def capability_statement(base_url: str, resources: list[dict]) -> dict:
    """What this server does: each resource type's interactions and search parameters; JSON only; bearer tokens."""
    data = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.now().isoformat(timespec="seconds"),
        "publisher": "Kindred",
        "kind": "instance",
        "software": {"name": "Kindred"},
        "implementation": {"description": _("Kindred FHIR R4 API"), "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": _(
                    "Personal API tokens (Authorization: Bearer kdr_…), scoped to one organisation and role. Every "
                    "read and every search result is recorded in the access log."
                ),
                "security": {"cors": False, "description": _("Bearer tokens are made in Kindred at /org/tokens/.")},
                "resource": resources,
                "interaction": [{"code": "transaction"}],
            }
        ],
    }
    return _dump(CapabilityStatement, data)
