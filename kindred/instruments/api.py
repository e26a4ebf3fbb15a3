"""Instruments in the API: the definitions (also as FHIR Questionnaires), staff responses about a person, and a
response with its score as a FHIR Bundle.

The same services as the web: definitions from kindred.instruments.services, persons and episodes through the
access rule in kindred.people.access (which writes the audit rows), scoring by the one engine."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import Http404
from django.utils.translation import get_language
from ninja import Field, Query, Router, Schema, Status
from pydantic import JsonValue, WithJsonSchema

from kindred.api_schemas import DbId, PageIn, PageOut, PathId, errors, page_of, text
from kindred.audit.services import Action, record_many
from kindred.fhir import instruments as fhir
from kindred.instruments import services
from kindred.instruments.models import Instrument, Response
from kindred.instruments.schema import LANGUAGES, Definition
from kindred.orgs.models import Capability
from kindred.people.access import get_episode, get_person

router = Router(tags=["instruments"])

FHIR_SPEC = "https://hl7.org/fhir/R4B/"


def _fhir_json(resource_type: str, description: str) -> Any:
    """A FHIR resource as JSON: documented in OpenAPI by its resourceType, with a link to the specification."""
    schema = {
        "type": "object",
        "title": f"FHIR {resource_type}",
        "description": description,
        "properties": {"resourceType": {"type": "string", "enum": [resource_type]}},
        "required": ["resourceType"],
        "additionalProperties": True,
        "externalDocs": {"url": f"{FHIR_SPEC}{resource_type.lower()}.html"},
    }
    return Annotated[dict[str, Any], WithJsonSchema(schema)]


QuestionnaireJson = _fhir_json(
    "Questionnaire",
    "The instrument as a FHIR R4 (R4B) Questionnaire: one `choice` item per question, each answer option a Coding "
    "whose code is the option's value and whose `ordinalValue` extension is its score; the scoring in the "
    "description; the other languages as `translation` extensions.",
)
BundleJson = _fhir_json(
    "Bundle",
    "A FHIR R4 (R4B) Bundle of type `collection`: the QuestionnaireResponse (answers as Codings) and the score "
    "Observation (category `survey`, the primary score as `valueInteger`, the zone as `interpretation`, the other "
    "scores as components, `derivedFrom` the QuestionnaireResponse).",
)
Language = Literal[LANGUAGES]
# Any JSON value reaches the engine, which alone decides what is an answer: pydantic's lax int would turn `true`
# into 1 and so a wrong answer into a valid one. Documented as what a client should send.
AnswerValue = Annotated[
    JsonValue,
    WithJsonSchema({"anyOf": [{"type": "integer"}, {"type": "string", "pattern": "^[0-9]+$"}, {"type": "null"}]}),
]


# --- Schemas ----------------------------------------------------------------------------------------------------


class InstrumentFilter(Schema):
    audience: Literal["staff", "public"] | None = Field(
        None, description="Only instruments for staff (or the public); those for both are always included."
    )


class InstrumentOut(Schema):
    id: int
    key: str
    version: int
    own: bool = Field(description="Your organisation's own instrument; false for the built-in ones.")
    active: bool
    title: str = Field(description="In the language of the request.")
    description: str
    audience: str = Field(description="staff, public or both.")
    primary_score: str
    item_count: int
    has_placeholders: bool = Field(description="Some item texts are placeholders for the organisation to fill in.")
    questionnaire_url: str = Field(description="The canonical URL of the FHIR Questionnaire (with `version`).")

    @classmethod
    def of(cls, instrument: Instrument, **extra):
        definition = instrument.parsed()
        language = get_language() or "nb"
        return cls(
            id=instrument.pk,
            key=instrument.key,
            version=instrument.version,
            own=instrument.organisation_id is not None,
            active=instrument.active,
            title=definition.title.get(language),
            description=definition.description.get(language),
            audience=definition.audience,
            primary_score=definition.primary_score,
            item_count=len(definition.items),
            has_placeholders=definition.has_placeholders,
            questionnaire_url=fhir.questionnaire_url(instrument),
            **extra,
        )


class InstrumentDetailOut(InstrumentOut):
    definition: Definition = Field(
        description="The whole definition: items and their options (values and labels in nb, da and en), scores, "
        "zones with their cut-offs and feedback."
    )


class QuestionnaireQuery(Schema):
    language: Language | None = Field(None, description="nb, da or en; the language of the request when left out.")


class ResponseIn(Schema):
    """Answers to an instrument about a person, scored by the instrument's own rules."""

    instrument_id: DbId = Field(description="A built-in instrument or one of your organisation's own.")
    answers: dict[text(41), AnswerValue] = Field(
        max_length=200,
        description='The value of the chosen option by item key, e.g. {"q1": 2}. Every required item needs an '
        "answer; a 422 names each item that is missing or has a value that is not one of its options.",
    )
    episode_id: DbId | None = Field(None, description="The person's episode the answers belong to, if any.")


class ResponseOut(Schema):
    id: int
    instrument_id: int
    instrument_key: str
    instrument_version: int
    instrument_title: str
    person_id: int
    episode_id: int | None
    answers: dict[str, int] = Field(description="The value of the chosen option by item key.")
    scores: dict[str, int] = Field(description="Every score of the instrument (total, subscales) by key.")
    primary_score: str
    score: int = Field(description="The value of the primary score.")
    zone: str = Field(description="The key of the primary score's zone; empty for instruments without zones.")
    zone_label: str
    zone_level: int | None = Field(description="0 no risk … 3 highest.")
    feedback: str = Field(description="The zone's feedback, in the language of the request.")
    language: str = Field(description="The language the answers were given in.")
    answered_on: date
    created_at: datetime | None
    created_by_id: int | None

    @classmethod
    def of(cls, response: Response) -> ResponseOut:
        instrument = response.instrument
        definition = instrument.parsed()
        language = get_language() or "nb"
        zone = fhir.zones_of(response, definition).get(definition.primary_score)
        scores = {key: int(value) for key, value in (response.scores or {}).items()}
        return cls(
            id=response.pk,
            instrument_id=instrument.pk,
            instrument_key=instrument.key,
            instrument_version=instrument.version,
            instrument_title=definition.title.get(language),
            person_id=response.person_id,
            episode_id=response.episode_id,
            answers=response.answers or {},
            scores=scores,
            primary_score=definition.primary_score,
            score=scores.get(definition.primary_score, 0),
            zone=response.zone,
            zone_label=zone.label.get(language) if zone else "",
            zone_level=response.zone_level,
            feedback=zone.feedback.get(language) if zone else "",
            language=response.language,
            answered_on=response.answered_on,
            created_at=response.created_at,
            created_by_id=response.created_by_id,
        )


class ResponsePage(PageOut):
    items: list[ResponseOut]


class ResponseFilter(PageIn):
    instrument: text(41) = Field("", description="Only responses to the instrument with this key.")


# --- Helpers ----------------------------------------------------------------------------------------------------


def _require_personal_data(actor) -> None:
    # Checked before any lookup: a role without personal data gets 403 whatever the id, so ids leak nothing.
    if not actor.can(Capability.VIEW_PERSONAL_DATA):
        raise PermissionError(Capability.VIEW_PERSONAL_DATA)


# --- Definitions ------------------------------------------------------------------------------------------------


@router.get(
    "/instruments",
    response={200: list[InstrumentOut], **errors()},
    summary="The instruments you may use",
    description="The newest active version of each built-in instrument and of your organisation's own, sorted by "
    "title in the language of the request. Definitions hold no personal data: every role may read them.",
)
def list_instruments(request, filters: Query[InstrumentFilter]):
    return [InstrumentOut.of(i) for i in services.instruments_for(request.actor, audience=filters.audience)]


@router.get(
    "/instruments/{instrument_id}",
    response={200: InstrumentDetailOut, **errors(404)},
    summary="One instrument with its whole definition",
    description="Any version of a built-in instrument or of your organisation's own (older and inactive versions "
    "too, for reading old responses); another organisation's instrument is not found (404).",
)
def read_instrument(request, instrument_id: PathId):
    instrument = services.get_instrument(request.actor, instrument_id)
    return InstrumentDetailOut.of(instrument, definition=instrument.parsed())


@router.get(
    "/instruments/{instrument_id}/questionnaire",
    response={200: QuestionnaireJson, **errors(404)},
    summary="One instrument as a FHIR Questionnaire",
    description="The definition as a FHIR R4 Questionnaire (built with the R4B classes, wire-compatible with R4) "
    "in the language asked for, the other two languages as translation extensions. The canonical URL is "
    "`<FHIR_CANONICAL_BASE>/Questionnaire/<key>` with the version in `version`.",
)
def read_questionnaire(request, instrument_id: PathId, query: Query[QuestionnaireQuery]):
    instrument = services.get_instrument(request.actor, instrument_id)
    return fhir.questionnaire(instrument, query.language or get_language() or "nb")


# --- Responses --------------------------------------------------------------------------------------------------


@router.post(
    "/persons/{person_id}/responses",
    response={201: ResponseOut, **errors(400, 404)},
    summary="Record a person's answers to an instrument",
    description="Scores the answers and finds the zone (cut-offs may depend on the person's sex, and on a "
    "pregnancy recorded on the episode). Refused (422) with a message per item when an answer is missing or not "
    "one of the item's options, and when the instrument is no longer active; nothing is recorded then. Needs a "
    "role that sees personal data (403 otherwise); a person or episode outside what you may see is 404.",
)
def record_response(request, person_id: PathId, payload: ResponseIn):
    actor = request.actor
    _require_personal_data(actor)
    person = get_person(actor, person_id)
    instrument = services.get_instrument(actor, payload.instrument_id)
    episode = get_episode(actor, payload.episode_id) if payload.episode_id is not None else None
    response = services.record_response(actor, instrument, person, payload.answers, episode=episode)
    return Status(201, ResponseOut.of(response))


@router.get(
    "/persons/{person_id}/responses",
    response={200: ResponsePage, **errors(404)},
    summary="A person's responses",
    description="The responses about the person recorded at your organisation, oldest first (for following a "
    "score over time). The person and each response on the page are recorded in the audit trail. Needs a role "
    "that sees personal data (403 otherwise).",
)
def list_responses(request, person_id: PathId, filters: Query[ResponseFilter]):
    actor = request.actor
    _require_personal_data(actor)
    person = get_person(actor, person_id)
    count, items = page_of(services.history(actor, person, filters.instrument or None), filters)
    record_many(actor, Action.VIEW, items)
    return ResponsePage(
        count=count, limit=filters.limit, offset=filters.offset, items=[ResponseOut.of(r) for r in items]
    )


@router.get(
    "/responses/{response_id}/fhir",
    response={200: BundleJson, **errors(404)},
    summary="A response and its score as FHIR",
    description="A FHIR R4 Bundle (type `collection`) with the QuestionnaireResponse and the score Observation, "
    "the subject `Patient/<person id>` with the national identifier (fødselsnummer, D-number or CPR) when known. "
    "Only responses recorded at your organisation about persons you may see (404 otherwise); the export is "
    "recorded in the audit trail. Needs a role that sees personal data (403 otherwise).",
)
def response_fhir(request, response_id: PathId):
    actor = request.actor
    _require_personal_data(actor)
    try:
        response = Response.objects.select_related("instrument", "person").get(
            pk=response_id, organisation=actor.organisation, person__isnull=False
        )
    except Response.DoesNotExist:
        raise Http404 from None
    get_person(actor, response.person_id, action=Action.EXPORT, obj=response)
    return fhir.response_bundle(response)
