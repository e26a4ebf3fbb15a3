"""Writes through FHIR: a transaction Bundle with a Patient and RelatedPersons (a hospital sending a patient and the
children), and a QuestionnaireResponse to a known Questionnaire.

Each is checked whole before anything is written (the resource classes of fhir.resources R4B first, then Kindred's
rules), then written by the same use cases as the web and the JSON API (kindred.people.services.register_person and
relate, kindred.instruments.services.record_response), inside one transaction: all or nothing. A refusal is a
`Refused` naming the problem and where it is (a FHIRPath-like expression), which the views answer as an
OperationOutcome.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticError

from kindred.fhir import SYSTEM_KINDS, resources
from kindred.fhir.search import instruments_for_canonical, person_of_reference
from kindred.orgs.actors import Actor
from kindred.orgs.models import Capability
from kindred.people.access import persons_held_by_organisation
from kindred.people.models import Person, Relationship
from kindred.people.services import PersonData, clean_person_data, parse_national_id, register_person, relate

MAX_ENTRIES = 50


class Refused(Exception):
    """The request cannot be carried out as sent; nothing was written."""

    def __init__(self, message: str, *, expression: str = "", status: int = 400, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.expression = expression
        self.status = status
        self.code = code


def parse_body(body: bytes, expected: str) -> dict:
    """The request body as a JSON object of resourceType `expected`, validated by its fhir.resources class."""
    try:
        text = body.decode("utf-8")
        if "\\u0000" in text.lower():  # PostgreSQL cannot store NUL characters; no FHIR value needs one
            raise Refused(_("The request body contains a NUL character (\\u0000)."))
        data = json.loads(text)
    except UnicodeDecodeError:
        raise Refused(_("The request body is not UTF-8 encoded JSON.")) from None
    except RecursionError:
        raise Refused(_("The request body is nested too deeply.")) from None
    except json.JSONDecodeError as error:
        raise Refused(
            _("The request body is not valid JSON (line %(line)s, column %(column)s): %(message)s")
            % {"line": error.lineno, "column": error.colno, "message": error.msg}
        ) from None
    if not isinstance(data, dict):
        raise Refused(_("The request body must be a JSON object (a FHIR resource)."))
    found = data.get("resourceType")
    if found != expected:
        raise Refused(
            _("Expected a resource of type %(expected)s, but resourceType is %(found)s.")
            % {"expected": expected, "found": json.dumps(found)[:60]},
            expression="resourceType",
        )
    return validated(data)


def validated(data: dict) -> dict:
    """The resource through its R4B class (structure, types, required elements), back as JSON."""
    from fhir.resources.R4B import get_fhir_model_class

    try:
        model_class = get_fhir_model_class(data["resourceType"])
        return model_class.model_validate(data).model_dump(mode="json", exclude_none=True)
    except PydanticError as error:
        first = error.errors()[0]
        # As a FHIRPath: Bundle.entry[0].resource.birthDate
        where = data["resourceType"] + "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]
        )
        raise Refused(
            _("The %(type)s is not a valid FHIR R4 resource at %(where)s: %(message)s")
            % {"type": data["resourceType"], "where": where, "message": first["msg"]},
            expression=where,
        ) from None
    except (KeyError, ValueError) as error:
        raise Refused(
            _("Unknown resourceType %(found)s.") % {"found": json.dumps(data.get("resourceType"))[:60]},
            expression="resourceType",
        ) from error


# --- Persons ----------------------------------------------------------------------------------------------------


@dataclass
class Incoming:
    """One person of the Bundle, read and checked, not yet written."""

    data: PersonData
    existing_id: int | None = None  # a Patient/<id> reference to a person the actor may see


def _extension(resource: dict, name: str):
    url = resources.extension_url(name)
    for extension in resource.get("extension", []):
        if extension.get("url") == url:
            return next((v for k, v in extension.items() if k.startswith("value")), None)
    return None


def person_data(resource: dict, where: str) -> PersonData:
    """A Patient's or RelatedPerson's demographics as PersonData; a national identifier must be valid and sent with
    the system of its kind (fødselsnummer, D-number, CPR). Identifiers of other systems are ignored."""
    national = [i for i in resource.get("identifier", []) if i.get("system") in SYSTEM_KINDS]
    if len(national) > 1:
        raise Refused(_("A person can have only one national identifier."), expression=f"{where}.identifier")
    national_id = ""
    if national:
        identifier = national[0]
        value = str(identifier.get("value", ""))
        try:
            parsed = parse_national_id(value)
        except ValidationError as error:
            raise Refused(
                _("The identifier %(value)s is not a valid national id: %(message)s")
                % {"value": value[:20], "message": error.messages[0]},
                expression=f"{where}.identifier",
            ) from None
        expected = SYSTEM_KINDS[identifier["system"]]
        if parsed.kind != expected:
            kinds = dict(Person.IdKind.choices)
            raise Refused(
                _(
                    "The identifier %(value)s is a %(kind)s, but it is sent with the system of a "
                    "%(expected)s (%(system)s)."
                )
                % {
                    "value": value[:20],
                    "kind": kinds[parsed.kind],
                    "expected": kinds[expected],
                    "system": identifier["system"],
                },
                expression=f"{where}.identifier",
            )
        national_id = parsed.number
    names = resource.get("name", [])
    name = next((n for n in names if n.get("use") in ("official", "usual")), names[0] if names else {})
    birth = resource.get("birthDate", "")
    birth_date, birth_year = None, None
    if len(birth) == 10:
        birth_date = date.fromisoformat(birth)
    elif birth:
        birth_year = int(birth[:4])
    language = ""
    for item in resource.get("communication", []):
        coding = next(iter(item.get("language", {}).get("coding", [])), {})
        if coding.get("code") and (item.get("preferred") or not language):
            language = coding["code"][:8]
    data = PersonData(
        given_name=" ".join(name.get("given", []))[:100],
        family_name=name.get("family", "")[:100],
        national_id=national_id,
        birth_date=birth_date,
        birth_year=birth_year,
        sex=resource.get("gender") if resource.get("gender") in ("female", "male") else "",
        preferred_language=language,
        interpreter_needed=_interpreter(resource),
    )
    try:
        return clean_person_data(data)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        element = {"national_id": "identifier", "birth_date": "birthDate", "birth_year": "birthDate"}.get(field, field)
        raise Refused(messages[0], expression=f"{where}.{element}") from None


def _interpreter(resource: dict) -> bool:
    return any(
        e.get("url") == resources.INTERPRETER_URL and e.get("valueBoolean") for e in resource.get("extension", [])
    )


# What the related person is to the patient → (kind, the related person is the relationship's `person`).
_RELATIONS = {
    "child": ("parent_of", False),
    "parent": ("parent_of", True),
    "partner": ("partner", False),
    "sibling": ("sibling", False),
    "other-close": ("other_close", False),
}
_V3_RELATIONS = {
    **dict.fromkeys(("CHILD", "CHLDADOPT", "CHLDFOST", "DAU", "SON", "NCHILD", "STPCHLD"), "child"),
    **dict.fromkeys(("PRN", "MTH", "FTH", "NPRN", "NMTH", "NFTH", "STPPRN", "FTHFOST", "MTHFOST"), "parent"),
    **dict.fromkeys(("SIGOTHR", "SPS", "HUSB", "WIFE", "DOMPART"), "partner"),
    **dict.fromkeys(("SIB", "BRO", "SIS", "NSIB", "HSIB", "STPSIB"), "sibling"),
    **dict.fromkeys(("FRND", "NBOR", "FAMMEMB", "EXT"), "other-close"),
}


def relation_of(resource: dict, where: str) -> str:
    for concept in resource.get("relationship", []):
        for coding in concept.get("coding", []):
            if coding.get("system") == resources.code_system("relationship") and coding.get("code") in _RELATIONS:
                return coding["code"]
            if coding.get("system") == resources.ROLE_CODE and coding.get("code") in _V3_RELATIONS:
                return _V3_RELATIONS[coding["code"]]
    raise Refused(
        _(
            "Say how the related person is related to the patient: a relationship coding child, parent, partner, "
            "sibling or other-close (or the HL7 v3 RoleCode CHILD, PRN, SIGOTHR, SIB or FRND)."
        ),
        expression=f"{where}.relationship",
    )


@dataclass
class Relative:
    where: str
    data: PersonData
    relation: str
    patient_ref: str
    description: str
    parental_responsibility: str
    lives_together: bool | None
    contact_arrangement: str


def _relative(resource: dict, where: str) -> Relative:
    data = person_data(resource, where)
    if not (data.given_name or data.family_name):
        raise Refused(_("Give the related person's name."), expression=f"{where}.name")
    relation = relation_of(resource, where)
    responsibility = _extension(resource, "parental-responsibility") or ""
    if responsibility not in Relationship.ParentalResponsibility.values:
        raise Refused(
            _("parental-responsibility is yes, shared or no, not %(value)s.") % {"value": str(responsibility)[:20]},
            expression=f"{where}.extension",
        )
    lives_together = _extension(resource, "lives-together")
    return Relative(
        where=where,
        data=data,
        relation=relation,
        patient_ref=resource.get("patient", {}).get("reference", ""),
        description=next((c.get("text", "") for c in resource.get("relationship", []) if c.get("text")), "")[:100],
        parental_responsibility=responsibility if relation in ("child", "parent") else "",
        lives_together=lives_together if isinstance(lives_together, bool) else None,
        contact_arrangement=str(_extension(resource, "contact-arrangement") or "")[:200],
    )


def import_family(actor: Actor, body: bytes) -> dict:
    """A transaction Bundle of at most one Patient (POST) and RelatedPersons (POST) whose `patient` is that Patient's
    fullUrl or `Patient/<id>` of a patient the actor may see. Returns the transaction-response Bundle."""
    if not actor.can(Capability.EDIT_CASES):
        raise Refused(_("Your role cannot register persons."), status=403, code="forbidden")
    bundle = parse_body(body, "Bundle")
    if bundle.get("type") != "transaction":
        raise Refused(
            _("Send a Bundle of type transaction, not %(type)s.") % {"type": bundle.get("type")},
            expression="Bundle.type",
        )
    entries = bundle.get("entry", [])
    if not entries:
        raise Refused(_("The Bundle has no entries."), expression="Bundle.entry")
    if len(entries) > MAX_ENTRIES:
        raise Refused(_("A Bundle can have at most %(n)s entries.") % {"n": MAX_ENTRIES}, expression="Bundle.entry")

    patient: PersonData | None = None
    patient_url = ""
    relatives: list[Relative] = []
    for index, entry in enumerate(entries):
        where = f"Bundle.entry[{index}]"
        resource = entry.get("resource") or {}
        kind = resource.get("resourceType")
        request = entry.get("request") or {}
        if request.get("method") != "POST" or request.get("url") != kind:
            raise Refused(
                _("Each entry must be a POST of its resource to its type (request.method POST, request.url %(type)s).")
                % {"type": kind},
                expression=f"{where}.request",
            )
        if kind == "Patient":
            if patient is not None:
                raise Refused(_("A Bundle can hold only one Patient."), expression=where)
            patient = person_data(resource, f"{where}.resource")
            patient_url = entry.get("fullUrl", "")
        elif kind == "RelatedPerson":
            relatives.append(_relative(resource, f"{where}.resource"))
        else:
            raise Refused(
                _("Only Patient and RelatedPerson can be sent in a transaction, not %(type)s.") % {"type": kind},
                expression=f"{where}.resource.resourceType",
            )

    existing: dict[str, Person] = {}
    for relative in relatives:
        if patient is not None and patient_url and relative.patient_ref == patient_url:
            continue
        person = person_of_reference(actor, relative.patient_ref)
        if person is None:
            raise Refused(
                _(
                    "Unknown reference %(reference)s: the patient must be the Bundle's Patient (its fullUrl) or a "
                    "patient you have access to."
                )
                % {"reference": relative.patient_ref[:100] or '""'},
                expression=f"{relative.where}.patient",
                status=422,
                code="not-found",
            )
        existing[relative.patient_ref] = person

    held = persons_held_by_organisation(actor.organisation)
    try:
        with transaction.atomic():
            results: list[tuple[str, str]] = []
            created_patient = None
            if patient is not None:
                reused = bool(patient.national_id) and held.filter(national_id=patient.national_id).exists()
                created_patient = register_person(actor, patient)
                results.append(("200 OK" if reused else "201 Created", f"Patient/{created_patient.pk}"))
            for relative in relatives:
                target = existing.get(relative.patient_ref) or created_patient
                reused = bool(relative.data.national_id) and held.filter(national_id=relative.data.national_id).exists()
                person = register_person(actor, relative.data)
                kind, related_is_person = _RELATIONS[relative.relation]
                first, second = (person, target) if related_is_person else (target, person)
                try:
                    relationship = relate(
                        actor,
                        first,
                        second,
                        kind,
                        parental_responsibility=relative.parental_responsibility,
                        lives_together=relative.lives_together,
                        contact_arrangement=relative.contact_arrangement,
                        description=relative.description,
                    )
                except ValidationError as error:
                    raise Refused(
                        error.messages[0], expression=relative.where, status=422, code="business-rule"
                    ) from None
                results.append(
                    (
                        "200 OK" if reused else "201 Created",
                        f"RelatedPerson/{resources.related_person_id(relationship, person)}",
                    )
                )
    except ValidationError as error:
        raise Refused(error.messages[0], status=422, code="business-rule") from None
    return resources.transaction_response(results)


# --- Questionnaire responses ------------------------------------------------------------------------------------


def _answer_value(item: dict, where: str):
    answers = item.get("answer", [])
    if len(answers) != 1:
        raise Refused(_("Question %(link)s needs exactly one answer.") % {"link": item.get("linkId")}, expression=where)
    answer = answers[0]
    if "valueCoding" in answer:
        return answer["valueCoding"].get("code")
    for key in ("valueInteger", "valueDecimal", "valueString"):
        if key in answer:
            return answer[key]
    raise Refused(
        _("Answer question %(link)s with valueCoding (the option's code) or valueInteger.")
        % {"link": item.get("linkId")},
        expression=where,
    )


def create_questionnaire_response(actor: Actor, body: bytes):
    """A completed QuestionnaireResponse about a patient the actor may see, to one of the organisation's
    instruments (its canonical `url|version`, or `url` for the newest version), scored by the instrument's rules."""
    from kindred.instruments.services import record_response

    if not actor.can(Capability.VIEW_PERSONAL_DATA):
        raise Refused(_("Your role cannot record instrument responses."), status=403, code="forbidden")
    resource = parse_body(body, "QuestionnaireResponse")
    if resource.get("status") != "completed":
        raise Refused(
            _("Only a completed QuestionnaireResponse can be recorded, not %(status)s.")
            % {"status": resource.get("status")},
            expression="QuestionnaireResponse.status",
        )
    canonical = resource.get("questionnaire", "")
    candidates = [i for i in instruments_for_canonical(actor, canonical) if i.active] if canonical else []
    if not candidates:
        raise Refused(
            _("Unknown questionnaire %(canonical)s: use the url (and version) of a Questionnaire this server lists.")
            % {"canonical": canonical[:200] or '""'},
            expression="QuestionnaireResponse.questionnaire",
            status=422,
            code="not-found",
        )
    subject = resource.get("subject", {}).get("reference", "")
    person = person_of_reference(actor, subject)
    if person is None:
        raise Refused(
            _("Unknown reference %(reference)s: the subject must be a patient you have access to.")
            % {"reference": subject[:100] or '""'},
            expression="QuestionnaireResponse.subject",
            status=422,
            code="not-found",
        )
    raw = {}
    for index, item in enumerate(resource.get("item", [])):
        raw[item.get("linkId", "")] = _answer_value(item, f"QuestionnaireResponse.item[{index}]")
    try:
        return record_response(actor, candidates[0], person, raw)
    except ValidationError as error:
        messages = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        field, problems = next(iter(messages.items()))
        label = "" if field == "__all__" else field
        raise Refused(
            (_("Question %(link)s: %(message)s") % {"link": label, "message": problems[0]}) if label else problems[0],
            expression="QuestionnaireResponse.item",
            status=422,
            code="business-rule",
        ) from None
