"""The FHIR R4 REST API under /fhir/r4/: JSON only (`application/fhir+json`), personal API tokens.

Plain Django views. Authentication is the JSON API's bearer token (kindred.orgs.services.membership_for_token, as
kindred.api_auth.TokenAuth), never the browser session, so the views are exempt from CSRF; without a valid token
everything but the CapabilityStatement is 401. The access rule and the audit trail are the ones every other view
uses: rows come from kindred.fhir.search (built on kindred.people.access) and every personal-data resource returned
by a read or a search is written to the access log (kindred.audit.services).

Errors are OperationOutcomes: 400 for a request the server cannot read, 401 without a token, 403 for a role that
cannot write, 404 for anything missing or not yours to see (the same answer), 406 for a format other than JSON,
422 for a write that breaks a rule (an unknown reference, an unknown questionnaire), 429 over the API rate limit.
"""

from __future__ import annotations

import json
from functools import wraps
from urllib.parse import urlencode

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from kindred.audit.services import Action, record, record_many
from kindred.fhir import resources
from kindred.fhir.instruments import questionnaire_response
from kindred.fhir.search import TYPES, SearchError, count_of
from kindred.fhir.writes import Refused, create_questionnaire_response, import_family
from kindred.orgs.actors import Actor
from kindred.orgs.services import membership_for_token

CONTENT_TYPE = "application/fhir+json; charset=utf-8"
DEFAULT_COUNT = 20
MAX_COUNT = 100
PAGING = ("_count", "_offset")
JSON_FORMATS = ("json", "application/json", "application/fhir+json", "application/json+fhir")
MAX_BODY_BYTES = 1024 * 1024


def fhir_response(data: dict, status: int = 200, **headers) -> HttpResponse:
    response = HttpResponse(json.dumps(data, ensure_ascii=False), content_type=CONTENT_TYPE, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def outcome(message: str, status: int, *, code: str = "invalid", expression: str = "", **headers) -> HttpResponse:
    data = resources.operation_outcome(message, code=code, expression=[expression] if expression else ())
    return fhir_response(data, status, **headers)


def not_found() -> HttpResponse:
    # The same words whether the resource does not exist or is not yours to see: ids leak nothing.
    return outcome(_("Not found."), 404, code="not-found")


def _content_length(request) -> int:
    # Checked before the body is read, so a huge body is refused without being loaded.
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return MAX_BODY_BYTES + 1


def _base_url(request) -> str:
    return request.build_absolute_uri(reverse("fhir:base"))


def fhir_view(view):
    """Token authentication, the API rate limit, JSON only, and OperationOutcomes for every refusal."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        from kindred.security import api_rate_limit

        limited = api_rate_limit(request)
        if limited is not None:
            return outcome(
                _("Too many requests. Wait a moment and try again."),
                429,
                code="throttled",
                Retry_After=limited["Retry-After"],
            )
        fmt = request.GET.get("_format", "json")
        if fmt not in JSON_FORMATS:
            return outcome(_("Only JSON is supported (_format=json)."), 406, code="not-supported")
        scheme, _sep, credential = request.headers.get("Authorization", "").partition(" ")
        api_token = membership_for_token(credential.strip()) if scheme.lower() == "bearer" and credential else None
        if api_token is None:
            return outcome(
                _("Send a valid API token: Authorization: Bearer kdr_…"), 401, code="login", WWW_Authenticate="Bearer"
            )
        request.user = api_token.user
        request.membership = api_token.membership
        request.actor = Actor(api_token.user, api_token.membership, getattr(request, "request_id", ""), via="fhir")
        if request.method == "POST" and _content_length(request) > MAX_BODY_BYTES:
            return outcome(_("The request body is too large (at most 1 MB)."), 413, code="too-costly")
        try:
            return view(request, *args, **kwargs)
        except Refused as refusal:
            return outcome(refusal.message, refusal.status, code=refusal.code, expression=refusal.expression)
        except SearchError as error:
            return outcome(error.message, 400, code=error.code, expression=error.parameter)

    return wrapper


def metadata(request):
    """The CapabilityStatement: public, so a client can learn what the server offers before it has a token."""
    if request.method != "GET":
        return outcome(_("Only GET is allowed here."), 405, code="not-supported")
    described = []
    for resource_type in TYPES.values():
        interactions = [{"code": "read"}, {"code": "search-type"}]
        if resource_type.writable:
            interactions.append({"code": "create"})
        described.append(
            {
                "type": resource_type.name,
                "interaction": interactions,
                "searchParam": [
                    {"name": name, "type": kind}
                    for name, kind in {**resource_type.params, "_count": "number", "_offset": "number"}.items()
                ],
            }
        )
    return fhir_response(resources.capability_statement(_base_url(request), described))


@fhir_view
def base(request):
    """POST a transaction Bundle (a Patient with RelatedPersons)."""
    if request.method != "POST":
        return outcome(_("POST a transaction Bundle here, or read /metadata."), 405, code="not-supported")
    return fhir_response(import_family(request.actor, request.body))


@fhir_view
def type_endpoint(request, resource_type: str):
    """GET: search; POST: create (QuestionnaireResponse only)."""
    handler = TYPES.get(resource_type)
    if handler is None:
        return outcome(
            _("Unknown resource type %(type)s; see /metadata for those served.") % {"type": resource_type[:60]},
            404,
            code="not-supported",
        )
    if request.method == "POST":
        if not handler.writable:
            return outcome(
                _("%(type)s cannot be created here; see /metadata.") % {"type": resource_type},
                405,
                code="not-supported",
            )
        response = create_questionnaire_response(request.actor, request.body)
        location = f"{_base_url(request)}QuestionnaireResponse/{response.pk}"
        return fhir_response(questionnaire_response(response), 201, Location=location)
    if request.method != "GET":
        return outcome(_("Only GET and POST are allowed here."), 405, code="not-supported")
    return _search(request, handler)


def _whole_number(request, name: str, default: int, maximum: int | None = None) -> int:
    raw = request.GET.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or len(raw) > 9:
        raise SearchError(
            _("%(name)s must be a whole number, not %(value)s.") % {"name": name, "value": raw[:20]}, name
        )
    return min(int(raw), maximum) if maximum is not None else int(raw)


def _search(request, handler) -> HttpResponse:
    actor: Actor = request.actor
    count = _whole_number(request, "_count", DEFAULT_COUNT, MAX_COUNT)
    offset = _whole_number(request, "_offset", 0)
    # PostgreSQL refuses NUL characters in text; no FHIR search value needs one.
    params = [
        (name, value.replace("\x00", ""))
        for name, values in request.GET.lists()
        for value in values
        if name not in (*PAGING, "_format")
    ]
    rows = handler.search(actor, params)
    if not any(name == "_snapshot" for name, _value in params):
        bound = handler.snapshot(rows)
        if bound is not None:
            params.append(("_snapshot", bound))
            rows = handler.narrow(rows, "_snapshot", bound, actor)
    total = count_of(rows)
    page = list(rows[offset : offset + count]) if count else []
    items = handler.items(page, params)
    if handler.personal and items:
        record_many(actor, Action.VIEW, [handler.audited(item) for item in items])
    base_url = _base_url(request)
    entries = []
    for item in items:
        resource = handler.resource(item)
        entries.append((f"{base_url}{handler.name}/{resource['id']}", resource))

    def link(at: int) -> str:
        query = [*params, ("_count", str(count)), ("_offset", str(at))]
        return f"{base_url}{handler.name}?{urlencode(query)}"

    links = {"self": link(offset)}
    if count and offset + count < total:
        links["next"] = link(offset + count)
    if offset > 0:
        links["previous"] = link(max(0, offset - count))
    return fhir_response(resources.searchset(entries, total=total, links=links))


@fhir_view
def read(request, resource_type: str, resource_id: str):
    handler = TYPES.get(resource_type)
    if handler is None:
        return outcome(
            _("Unknown resource type %(type)s; see /metadata for those served.") % {"type": resource_type[:60]},
            404,
            code="not-supported",
        )
    if request.method != "GET":
        return outcome(_("Only GET is allowed here."), 405, code="not-supported")
    actor: Actor = request.actor
    item = handler.find(actor, resource_id)
    if item is None:
        return not_found()
    if handler.personal:
        record(actor, Action.VIEW, handler.audited(item), details={"fhir": f"{resource_type}/{resource_id}"})
    return fhir_response(handler.resource(item))
