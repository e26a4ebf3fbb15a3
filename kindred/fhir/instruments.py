"""Instruments as FHIR: the definition as a Questionnaire, a response as a QuestionnaireResponse, its score as an
Observation, and the two together as a collection Bundle.

Built with the FHIR **R4B** classes of fhir.resources (`fhir.resources.R4B`), not the package's default R5: R4B
is wire-compatible with R4 for these resources (R5 renamed the item type `choice` to `coding`, among others), and R4
is what the Norwegian and Danish health systems exchange. Every function validates through those classes and
returns a JSON-ready dict (`model_dump(mode="json", exclude_none=True)`).

Identity, all under the canonical base (setting FHIR_CANONICAL_BASE):
- Questionnaire.url `<base>/Questionnaire/<slug>` with `version` the definition's version; the slug is the key with
  hyphens for underscores (`audit-c-pregnancy`), and `org<id>.<slug>` for an organisation's own instrument, so two
  organisations' keys never share a URL. A response points to `<url>|<version>`.
- Each answer option is a Coding whose code is the option value as a string ("0", "2", "4") and whose display is
  the label; the value also rides in the R4 `ordinalValue` extension, so the scoring is machine-readable. The
  sums, ranges and zones are spelled out in the Questionnaire's description.
- Scores and zones are codes of Kindred's own code systems `<base>/CodeSystem/instrument-scores`
  (`audit.total`, `audit_c_pregnancy.during`) and `<base>/CodeSystem/instrument-zones` (`audit.total.zone_2`).
- Texts are in the requested language (a response's own language), with the other two languages as
  `translation` extensions on the Questionnaire's title, item texts and option displays.
"""

from __future__ import annotations

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from kindred.fhir import canonical_base, patient_reference
from kindred.instruments import engine
from kindred.instruments.schema import LANGUAGES, Definition, Option, Text, Zone

__all__ = [
    "observation_id",
    "patient_reference",
    "questionnaire",
    "questionnaire_response",
    "questionnaire_url",
    "response_bundle",
    "score_code",
    "score_observation",
    "zones_of",
]

TRANSLATION_URL = "http://hl7.org/fhir/StructureDefinition/translation"
ORDINAL_VALUE_URL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

# The few fixed words of the scoring note; the instrument texts themselves come from the definition.
_WORDS = {
    "scoring": {"nb": "Skåring", "da": "Scoring", "en": "Scoring"},
    "sum": {"nb": "summen av", "da": "summen af", "en": "the sum of"},
    "range": {"nb": "mulige verdier", "da": "mulige værdier", "en": "possible values"},
    "primary": {"nb": "hovedskåre", "da": "hovedscore", "en": "primary score"},
    "female": {"nb": "kvinner", "da": "kvinder", "en": "women"},
    "male": {"nb": "menn", "da": "mænd", "en": "men"},
    "pregnant": {"nb": "gravide", "da": "gravide", "en": "pregnant"},
    "not_pregnant": {"nb": "ikke gravide", "da": "ikke gravide", "en": "not pregnant"},
    "placeholders": {
        "nb": "Noen spørsmålstekster er plassholdere som organisasjonen skal fylle inn.",
        "da": "Nogle spørgsmålstekster er pladsholdere, som organisationen skal udfylde.",
        "en": "Some item texts are placeholders for the organisation to fill in.",
    },
}


def _language(language: str | None) -> str:
    code = (language or "")[:2].lower()
    return code if code in LANGUAGES else LANGUAGES[0]


def _word(key: str, language: str) -> str:
    return _WORDS[key][language]


# --- Identity ---------------------------------------------------------------------------------------------------


def _local_key(instrument) -> str:
    """The key, prefixed `org<id>.` for an organisation's own instrument (built-in keys never contain a dot)."""
    return f"org{instrument.organisation_id}.{instrument.key}" if instrument.organisation_id else instrument.key


def _slug(instrument) -> str:
    # FHIR ids allow letters, digits, '-' and '.', not '_'; keys have no '-', so the mapping stays one-to-one.
    return _local_key(instrument).replace("_", "-")


def _name(instrument) -> str:
    """A computer-friendly name (que-0: starts with a capital, letters, digits and '_' only)."""
    camel = "".join(part.capitalize() for part in instrument.key.split("_"))
    return f"Org{instrument.organisation_id}{camel}" if instrument.organisation_id else camel


def questionnaire_url(instrument) -> str:
    """The Questionnaire's canonical URL (without the version)."""
    return f"{canonical_base()}/Questionnaire/{_slug(instrument)}"


def _canonical(instrument) -> str:
    return f"{questionnaire_url(instrument)}|{instrument.version}"


def observation_id(response) -> str:
    return f"score-{response.pk}"


def score_code(instrument, definition: Definition, score_key: str, language: str) -> dict:
    """The CodeableConcept of one of the instrument's scores."""
    score = next(s for s in definition.scores if s.key == score_key)
    display = f"{definition.title.get(language)}: {score.label.get(language)}"
    coding = {
        "system": f"{canonical_base()}/CodeSystem/instrument-scores",
        "code": f"{_local_key(instrument)}.{score_key}",
        "display": display,
    }
    return {"coding": [coding], "text": display}


def _zone_concept(instrument, zone: Zone, language: str) -> dict:
    coding = {
        "system": f"{canonical_base()}/CodeSystem/instrument-zones",
        "code": f"{_local_key(instrument)}.{zone.score}.{zone.key}",
        "display": zone.label.get(language),
    }
    return {"coding": [coding], "text": zone.label.get(language)}


# --- Texts ------------------------------------------------------------------------------------------------------


def _translations(text: Text, language: str) -> dict:
    """The `_element` extension holding the text in the other languages."""
    return {
        "extension": [
            {
                "url": TRANSLATION_URL,
                "extension": [{"url": "lang", "valueCode": other}, {"url": "content", "valueString": text.get(other)}],
            }
            for other in LANGUAGES
            if other != language
        ]
    }


def _coding(option: Option, language: str, *, translated: bool = False) -> dict:
    coding = {
        "extension": [{"url": ORDINAL_VALUE_URL, "valueDecimal": option.value}],
        "code": str(option.value),
        "display": option.label.get(language),
    }
    if translated:
        coding["_display"] = _translations(option.label, language)
    return coding


def _condition(zone: Zone, language: str) -> str:
    when = zone.when
    if when is None:
        return ""
    parts = []
    if when.sex:
        parts.append(_word(when.sex, language))
    if when.pregnant is not None:
        parts.append(_word("pregnant" if when.pregnant else "not_pregnant", language))
    return f" ({', '.join(parts)})" if parts else ""


def _scoring_note(definition: Definition, language: str) -> str:
    """The scoring in words (markdown): each score, the items it sums, its range and its zones."""
    lines = [f"**{_word('scoring', language)}**", ""]
    for score in definition.scores:
        primary = f" ({_word('primary', language)})" if score.key == definition.primary_score else ""
        lines.append(
            f"- {score.label.get(language)}{primary}: {_word('sum', language)} {', '.join(score.items)}; "
            f"{_word('range', language)} 0–{definition.max_score(score.key)}."
        )
        zones = [z for z in definition.zones if z.score == score.key]
        # The general ladder first, then each condition's (e.g. women, men), each from the lowest cut-off.
        for zone in sorted(zones, key=lambda z: (_condition(z, language), z.min)):
            lines.append(f"  - {zone.min}–{zone.max}{_condition(zone, language)}: {zone.label.get(language)}")
    if definition.has_placeholders:
        lines += ["", _word("placeholders", language)]
    return "\n".join(lines)


def _datetime(response) -> str:
    """When the response was given: the recorded time for staff responses, the day only for anonymous ones."""
    if response.created_at is not None:
        return timezone.localtime(response.created_at).isoformat(timespec="seconds")
    return response.answered_on.isoformat()


# --- Resources --------------------------------------------------------------------------------------------------


def questionnaire(instrument, language: str = "nb") -> dict:
    """The instrument's definition as a FHIR R4 Questionnaire in `language` (nb, da or en)."""
    language = _language(language)
    definition: Definition = instrument.parsed()
    items = [
        {
            "linkId": item.key,
            "text": item.text.get(language),
            "_text": _translations(item.text, language),
            "type": "choice",
            "required": item.required,
            "answerOption": [
                {"valueCoding": _coding(option, language, translated=True)} for option in definition.options_of(item)
            ],
        }
        for item in definition.items
    ]
    resource = Questionnaire(
        id=f"{_slug(instrument)}-v{instrument.version}",
        language=language,
        url=questionnaire_url(instrument),
        version=str(instrument.version),
        name=_name(instrument),
        title=definition.title.get(language),
        title__ext=_translations(definition.title, language),
        status="active" if instrument.active else "retired",
        date=timezone.localtime(instrument.created_at).isoformat(timespec="seconds") if instrument.created_at else None,
        publisher=instrument.organisation.name if instrument.organisation_id else "Kindred",
        description=f"{definition.description.get(language)}\n\n{_scoring_note(definition, language)}",
        copyright=definition.source,
        item=items,
    )
    return resource.model_dump(mode="json", exclude_none=True)


def questionnaire_response(response) -> dict:
    """A recorded response as a completed QuestionnaireResponse, each answer a Coding of the option chosen."""
    instrument = response.instrument
    definition: Definition = instrument.parsed()
    language = _language(response.language)
    answers = response.answers or {}
    items = []
    for item in definition.items:
        value = answers.get(item.key)
        option = next((o for o in definition.options_of(item) if o.value == value), None)
        if option is None:
            continue  # an optional item left unanswered
        items.append(
            {
                "linkId": item.key,
                "text": item.text.get(language),
                "answer": [{"valueCoding": _coding(option, language)}],
            }
        )
    resource = QuestionnaireResponse(
        id=str(response.pk),
        language=language,
        questionnaire=_canonical(instrument),
        status="completed",
        subject=patient_reference(response.person) if response.person_id else None,
        authored=_datetime(response),
        item=items or None,
    )
    return resource.model_dump(mode="json", exclude_none=True)


def zones_of(response, definition: Definition | None = None) -> dict[str, Zone | None]:
    """The zone of every zoned score of a response, from its scores and the context it was scored in.

    The primary score's zone is the one stored on the response (the label may depend on sex or pregnancy, so it
    is looked up with the stored context, falling back to the first zone with the stored key)."""
    definition = definition or response.instrument.parsed()
    context = engine.Context(
        sex=(response.context or {}).get("sex", ""), pregnant=bool((response.context or {}).get("pregnant", False))
    )
    scores = response.scores or {}
    zoned = {z.score for z in definition.zones}
    zones = {key: engine.zone_for(definition, key, int(scores.get(key, 0)), context) for key in zoned}
    primary = definition.primary_score
    stored = response.zone or ""
    found = zones.get(primary)
    if (found.key if found else "") != stored:
        zones[primary] = next((z for z in definition.zones if z.score == primary and z.key == stored), None)
    return zones


def score_observation(response) -> dict:
    """The primary score of a response as a final survey Observation; the zone is its interpretation, the other
    scores (subscales, short forms) are components with their own zones."""
    instrument = response.instrument
    definition: Definition = instrument.parsed()
    language = _language(response.language)
    scores = response.scores or {}
    zones = zones_of(response, definition)
    primary = definition.primary_score
    zone = zones.get(primary)
    components = [
        {
            "code": score_code(instrument, definition, score.key, language),
            "valueInteger": int(scores[score.key]),
            "interpretation": [_zone_concept(instrument, zones[score.key], language)] if zones.get(score.key) else None,
        }
        for score in definition.scores
        if score.key != primary and score.key in scores
    ]
    resource = Observation(
        id=observation_id(response),
        language=language,
        status="final",
        category=[
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}], "text": "Survey"}
        ],
        code=score_code(instrument, definition, primary, language),
        subject=patient_reference(response.person) if response.person_id else None,
        effectiveDateTime=_datetime(response),
        issued=response.created_at.isoformat() if response.created_at else None,
        valueInteger=int(scores.get(primary, 0)),
        interpretation=[_zone_concept(instrument, zone, language)] if zone else None,
        derivedFrom=[{"reference": f"QuestionnaireResponse/{response.pk}"}],
        component=components or None,
    )
    return resource.model_dump(mode="json", exclude_none=True)


def response_bundle(response) -> dict:
    """A collection Bundle: the QuestionnaireResponse and its score Observation, with resolvable full URLs."""
    base = canonical_base()
    resource = Bundle(
        type="collection",
        timestamp=timezone.now().isoformat(),
        entry=[
            {
                "fullUrl": f"{base}/QuestionnaireResponse/{response.pk}",
                "resource": questionnaire_response(response),
            },
            {"fullUrl": f"{base}/Observation/{observation_id(response)}", "resource": score_observation(response)},
        ],
    )
    return resource.model_dump(mode="json", exclude_none=True)
