"""Instruments as FHIR: every built-in Questionnaire validates; an AUDIT response carries its answers, score, zone."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.utils import translation
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from kindred.care.tests.factories import fnr_for, patient_with_children
from kindred.fhir import instruments as fhir
from kindred.fhir import patient_reference
from kindred.instruments import services
from kindred.instruments.loader import builtin_definitions
from kindred.instruments.models import Instrument, Response
from kindred.people.models import Person

BASE = "https://kindred.example/fhir"
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
# AUDIT answers summing to 17 (WHO zone III, 16-19); AUDIT-C (q1-q3) is 4 + 3 + 2 = 9.
AUDIT_ANSWERS = {"q1": 4, "q2": 3, "q3": 2, "q4": 1, "q5": 1, "q6": 0, "q7": 1, "q8": 1, "q9": 2, "q10": 2}


def builtin(key: str) -> Instrument:
    services.sync_builtin_instruments()
    return Instrument.objects.get(organisation__isnull=True, key=key)


def translations(element: dict) -> dict[str, str]:
    """The `translation` extensions of a primitive's `_element`, by language."""
    found = {}
    for extension in element["extension"]:
        assert extension["url"] == TRANSLATION
        parts = {part["url"]: part for part in extension["extension"]}
        found[parts["lang"]["valueCode"]] = parts["content"]["valueString"]
    return found


def roundtrip(resource_class, data: dict) -> dict:
    """Parse the JSON back with the resource class, and check nothing was lost or added on the way."""
    parsed = resource_class.model_validate(data)
    assert parsed.get_resource_type() == data["resourceType"]
    assert parsed.model_dump(mode="json", exclude_none=True) == data
    return data


# --- Questionnaires -------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["nb", "da", "en"])
@pytest.mark.parametrize("key", sorted(builtin_definitions()))
def test_every_builtin_questionnaire_validates(key, language):
    instrument = builtin(key)
    definition = builtin_definitions()[key]
    data = roundtrip(Questionnaire, fhir.questionnaire(instrument, language))

    assert data["resourceType"] == "Questionnaire"
    assert data["url"] == f"{BASE}/Questionnaire/{key.replace('_', '-')}"
    assert data["version"] == str(definition.version)
    assert re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", data["id"])
    assert re.fullmatch(r"[A-Z][A-Za-z0-9_]{0,254}", data["name"])  # que-0
    assert data["status"] == "active"
    assert data["language"] == language
    assert data["title"] == definition.title.get(language)
    others = {lang: definition.title.get(lang) for lang in ("nb", "da", "en") if lang != language}
    assert translations(data["_title"]) == others
    assert data["description"].startswith(definition.description.get(language))
    assert data["copyright"] == definition.source

    assert [item["linkId"] for item in data["item"]] == [item.key for item in definition.items]
    for item, out in zip(definition.items, data["item"], strict=True):
        assert out["type"] == "choice"
        assert out["required"] is item.required
        assert out["text"] == item.text.get(language)
        assert set(translations(out["_text"])) == set(others)
        options = definition.options_of(item)
        codings = [answer["valueCoding"] for answer in out["answerOption"]]
        assert [c["code"] for c in codings] == [str(o.value) for o in options]
        assert [c["display"] for c in codings] == [o.label.get(language) for o in options]
        assert [c["extension"] for c in codings] == [[{"url": ORDINAL, "valueDecimal": o.value}] for o in options]

    # The scoring is spelled out: each score with its range, each zone with its cut-offs.
    for score in definition.scores:
        assert f"0–{definition.max_score(score.key)}" in data["description"]
        assert score.label.get(language) in data["description"]
    for zone in definition.zones:
        assert f"{zone.min}–{zone.max}" in data["description"]
        assert zone.label.get(language) in data["description"]


@pytest.mark.django_db
def test_audit_questionnaire_content():
    data = fhir.questionnaire(builtin("audit"), "en")
    assert data["id"] == "audit-v1"
    assert data["name"] == "Audit"
    assert data["publisher"] == "Kindred"
    q9 = next(item for item in data["item"] if item["linkId"] == "q9")
    assert [(c["valueCoding"]["code"], c["valueCoding"]["display"]) for c in q9["answerOption"]] == [
        ("0", "No"),
        ("2", "Yes, but not in the last year"),
        ("4", "Yes, during the last year"),
    ]
    assert (
        "- Total score (primary score): the sum of q1, q2, q3, q4, q5, q6, q7, q8, q9, q10; possible values 0–40."
        in (data["description"])
    )
    assert "  - 16–19: " in data["description"]
    assert "- AUDIT-C (items 1–3): the sum of q1, q2, q3; possible values 0–12." in data["description"]


@pytest.mark.django_db
def test_conditional_zones_and_placeholders_are_described():
    audit_c = fhir.questionnaire(builtin("audit_c"), "nb")["description"]
    assert "  - 0–3 (menn): " in audit_c
    assert "  - 0–2 (kvinner): " in audit_c
    cast = fhir.questionnaire(builtin("cast6"), "da")["description"]
    assert "pladsholdere" in cast


@pytest.mark.django_db
def test_unknown_language_falls_back_to_norwegian():
    data = fhir.questionnaire(builtin("pgsi"), "de")
    assert data["language"] == "nb"
    assert data["title"] == builtin_definitions()["pgsi"].title.nb


@pytest.mark.django_db
def test_canonical_base_comes_from_the_setting(settings):
    settings.FHIR_CANONICAL_BASE = "https://fhir.helse.example.no/kindred"
    data = fhir.questionnaire(builtin("tweak"), "nb")
    assert data["url"] == "https://fhir.helse.example.no/kindred/Questionnaire/tweak"


@pytest.mark.django_db
def test_own_instrument_gets_its_organisations_url_and_status(world):
    definition = builtin_definitions()["tweak"].model_dump(mode="json")
    instrument = Instrument.objects.create(
        key="my_scale", version=3, organisation=world.unit, definition={**definition, "key": "my_scale", "version": 3}
    )
    data = roundtrip(Questionnaire, fhir.questionnaire(instrument, "en"))
    assert data["url"] == f"{BASE}/Questionnaire/org{world.unit.pk}.my-scale"
    assert data["id"] == f"org{world.unit.pk}.my-scale-v3"
    assert data["name"] == f"Org{world.unit.pk}MyScale"
    assert data["version"] == "3"
    assert data["publisher"] == world.unit.name

    instrument.active = False
    assert fhir.questionnaire(instrument, "en")["status"] == "retired"


# --- Responses ------------------------------------------------------------------------------------------------


@pytest.fixture
def audit_response(world) -> Response:
    """Cora's patient Pia (with a fødselsnummer) answered the AUDIT in English: 17 points, zone III."""
    actor = world.actor(world.clinician)
    episode, _children = patient_with_children(actor)
    patient = episode.patient
    patient.national_id = fnr_for(date(1988, 4, 12))
    patient.id_kind = Person.IdKind.FNR
    patient.save()
    with translation.override("en"):
        return services.record_response(actor, builtin("audit"), patient, AUDIT_ANSWERS, episode=episode)


def test_audit_questionnaire_response(audit_response):
    data = roundtrip(QuestionnaireResponse, fhir.questionnaire_response(audit_response))
    person = audit_response.person
    assert data["id"] == str(audit_response.pk)
    assert data["status"] == "completed"
    assert data["questionnaire"] == f"{BASE}/Questionnaire/audit|1"
    assert data["language"] == "en"
    assert data["subject"] == {
        "reference": f"Patient/{person.pk}",
        "identifier": {"use": "official", "system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": person.national_id},
    }
    assert data["authored"].startswith(audit_response.answered_on.isoformat())
    answers = {item["linkId"]: item["answer"][0]["valueCoding"] for item in data["item"]}
    assert {key: int(coding["code"]) for key, coding in answers.items()} == AUDIT_ANSWERS
    assert [item["linkId"] for item in data["item"]] == [f"q{n}" for n in range(1, 11)]
    assert answers["q1"]["display"] == "4 or more times a week"
    assert answers["q10"]["display"] == "Yes, but not in the last year"
    assert answers["q10"]["extension"] == [{"url": ORDINAL, "valueDecimal": 2}]


def test_audit_score_observation(audit_response):
    data = roundtrip(Observation, fhir.score_observation(audit_response))
    assert audit_response.scores == {"total": 17, "audit_c": 9}
    assert data["status"] == "final"
    assert data["category"][0]["coding"] == [
        {"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "survey", "display": "Survey"}
    ]
    assert data["code"]["coding"][0]["system"] == f"{BASE}/CodeSystem/instrument-scores"
    assert data["code"]["coding"][0]["code"] == "audit.total"
    assert data["valueInteger"] == 17
    zone = builtin_definitions()["audit"].zones[2]
    assert (audit_response.zone, zone.key) == ("zone_3", "zone_3")
    assert data["interpretation"] == [
        {
            "coding": [
                {
                    "system": f"{BASE}/CodeSystem/instrument-zones",
                    "code": "audit.total.zone_3",
                    "display": zone.label.en,
                }
            ],
            "text": zone.label.en,
        }
    ]
    assert data["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{audit_response.pk}"}]
    assert data["subject"]["reference"] == f"Patient/{audit_response.person_id}"
    assert data["effectiveDateTime"].startswith(audit_response.answered_on.isoformat())
    assert "issued" in data
    # The AUDIT-C inside the AUDIT is a component (it has no zones of its own in the AUDIT).
    [component] = data["component"]
    assert component["code"]["coding"][0]["code"] == "audit.audit_c"
    assert component["valueInteger"] == 9
    assert "interpretation" not in component


def test_bundle_collects_both_and_the_reference_resolves(audit_response):
    data = roundtrip(Bundle, fhir.response_bundle(audit_response))
    assert data["type"] == "collection"
    assert "timestamp" in data
    response_entry, observation_entry = data["entry"]
    assert response_entry["resource"]["resourceType"] == "QuestionnaireResponse"
    assert observation_entry["resource"]["resourceType"] == "Observation"
    # derivedFrom is relative to the base of the Observation's fullUrl, so it names the entry above.
    base = observation_entry["fullUrl"].rsplit("/", 2)[0]
    assert f"{base}/{observation_entry['resource']['derivedFrom'][0]['reference']}" == response_entry["fullUrl"]
    assert observation_entry["fullUrl"].endswith(f"/Observation/{observation_entry['resource']['id']}")


def test_sex_specific_zone_in_the_observation(world):
    """AUDIT-C: 3 points is 'increased risk' for a woman and 'lower risk' for a man."""
    actor = world.actor(world.clinician)
    instrument = builtin("audit_c")
    codes = {}
    for given_name, sex in (("Wenche", "female"), ("Martin", "male")):
        episode, _children = patient_with_children(actor, given_name=given_name)
        patient = episode.patient
        patient.sex = sex
        patient.save()
        response = services.record_response(actor, instrument, patient, {"q1": 1, "q2": 1, "q3": 1})
        [interpretation] = fhir.score_observation(response)["interpretation"]
        codes[sex] = interpretation["coding"][0]["code"]
    assert codes == {"female": "audit_c.total.positive", "male": "audit_c.total.negative"}


def test_pregnancy_audit_c_components_have_their_own_zones(world):
    actor = world.actor(world.clinician)
    episode, _children = patient_with_children(actor)
    definition = builtin_definitions()["audit_c_pregnancy"]
    answers = {item.key: max(o.value for o in definition.options_of(item)) for item in definition.items}
    response = services.record_response(actor, builtin("audit_c_pregnancy"), episode.patient, answers)
    data = roundtrip(Observation, fhir.score_observation(response))
    assert data["code"]["coding"][0]["code"] == "audit_c_pregnancy.during"
    [before] = data["component"]
    assert before["code"]["coding"][0]["code"] == "audit_c_pregnancy.before"
    assert before["valueInteger"] == definition.max_score("before")
    assert before["interpretation"][0]["coding"][0]["code"] == "audit_c_pregnancy.before.before_risk"


@pytest.mark.django_db
def test_anonymous_response_has_no_subject_and_only_a_day():
    _result, row = services.score_anonymously(builtin("audit"), AUDIT_ANSWERS, keep=True)
    response = roundtrip(QuestionnaireResponse, fhir.questionnaire_response(row))
    observation = roundtrip(Observation, fhir.score_observation(row))
    assert "subject" not in response
    assert "subject" not in observation
    assert "issued" not in observation
    assert response["authored"] == row.answered_on.isoformat()
    assert observation["effectiveDateTime"] == row.answered_on.isoformat()


def test_optional_items_left_out_are_not_answered(world):
    definition = builtin_definitions()["tweak"].model_dump(mode="json")
    definition["items"][-1]["required"] = False
    instrument = Instrument.objects.create(
        key="tweak_optional", version=1, organisation=world.unit, definition={**definition, "key": "tweak_optional"}
    )
    actor = world.actor(world.clinician)
    episode, _children = patient_with_children(actor)
    answers = {item["key"]: 0 for item in definition["items"][:-1]}
    response = services.record_response(actor, instrument, episode.patient, answers)
    data = roundtrip(QuestionnaireResponse, fhir.questionnaire_response(response))
    assert [item["linkId"] for item in data["item"]] == list(answers)


@pytest.mark.parametrize(
    ("kind", "number", "system"),
    [
        ("fnr", "12048812345", "urn:oid:2.16.578.1.12.4.1.4.1"),
        ("dnr", "52048812345", "urn:oid:2.16.578.1.12.4.1.4.2"),
        ("cpr", "1204881234", "urn:oid:1.2.208.176.1.2"),
    ],
)
def test_patient_reference_carries_the_national_identifier(kind, number, system):
    person = Person(pk=7, national_id=number, id_kind=kind)
    assert patient_reference(person) == {
        "reference": "Patient/7",
        "identifier": {"use": "official", "system": system, "value": number},
    }
    assert fhir.patient_reference is patient_reference


def test_patient_reference_without_an_identifier():
    assert patient_reference(Person(pk=8)) == {"reference": "Patient/8"}
