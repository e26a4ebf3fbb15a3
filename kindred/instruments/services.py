"""Use cases for instruments: the built-in and own definitions, staff responses, anonymous self-tests."""

from __future__ import annotations

import json
import time
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kindred.audit.services import Action, record
from kindred.instruments import engine
from kindred.instruments.loader import builtin_definitions
from kindred.instruments.models import Instrument, Response
from kindred.instruments.schema import Definition, DefinitionError, parse_definition
from kindred.orgs.actors import Actor
from kindred.orgs.models import Capability
from kindred.people.models import Person

MAX_UPLOAD_BYTES = 512 * 1024


def _require(actor: Actor, capability: str) -> None:
    if not actor.can(capability):
        raise PermissionError(capability)


def sync_builtin_instruments() -> None:
    """Make sure every built-in definition file has its row (one per key and version)."""
    existing = set(Instrument.objects.filter(organisation__isnull=True).values_list("key", "version"))
    missing = [
        Instrument(key=d.key, version=d.version, definition=d.model_dump(mode="json"))
        for d in builtin_definitions().values()
        if (d.key, d.version) not in existing
    ]
    if missing:
        Instrument.objects.bulk_create(missing, ignore_conflicts=True)
        forget_public_instruments()  # bulk_create sends no post_save


@lru_cache(maxsize=256)
def _parse(pk: int, version: int, raw: str) -> Definition:
    return parse_definition(json.loads(raw), origin=f"instrument {pk}")


def parsed_definition(instrument: Instrument) -> Definition:
    # Kept on the instance too (for the same definition object): a self-test answer asks four times.
    memo = instrument.__dict__.get("_parsed")
    if memo is not None and memo[0] is instrument.definition:
        return memo[1]
    parsed = _parse(instrument.pk, instrument.version, json.dumps(instrument.definition, sort_keys=True))
    instrument.__dict__["_parsed"] = (instrument.definition, parsed)
    return parsed


def instruments_for(actor: Actor | None, *, audience: str | None = None) -> list[Instrument]:
    """The newest active version of each instrument the organisation may use (built-in and its own)."""
    sync_builtin_instruments()
    rows = Instrument.objects.filter(active=True)
    rows = (
        rows.filter(Q(organisation__isnull=True) | Q(organisation=actor.organisation))
        if actor
        else rows.filter(organisation__isnull=True)
    )
    newest: dict[tuple[int | None, str], Instrument] = {}
    for row in rows.order_by("key", "-version"):
        newest.setdefault((row.organisation_id, row.key), row)
    result = list(newest.values())
    if audience is not None:
        result = [i for i in result if parsed_definition(i).audience in (audience, "both")]
    return sorted(result, key=lambda i: str(parsed_definition(i).title.get(get_language() or "nb")))


# The public self-tests' instruments, kept per process: key -> (instrument, expiry on time.monotonic()). Under a
# burst of anonymous answers, fetching the same row for every answer cost a quarter of the throughput. Any save or
# delete of an instrument clears it in the process that made it (signals connected in InstrumentsConfig.ready,
# and sync_builtin_instruments after its bulk insert); other processes follow within
# PUBLIC_INSTRUMENT_CACHE_SECONDS. Only instruments offered to the public are kept, never a 404.
_public: dict[str, tuple[Instrument, float]] = {}


def forget_public_instruments(**_signal) -> None:
    _public.clear()


def public_instrument(key: str) -> Instrument:
    """A built-in instrument offered to the public as a self-test, by key; 404 otherwise. (The newest active
    version of that key only: a public self-test answer must not load and parse every instrument.)"""
    key = str(key)
    seconds = settings.PUBLIC_INSTRUMENT_CACHE_SECONDS
    kept = _public.get(key) if seconds > 0 else None
    if kept is not None and kept[1] > time.monotonic():
        return kept[0]
    instrument = _newest_public_instrument(key)
    if seconds > 0:
        _public[key] = (instrument, time.monotonic() + seconds)
    return instrument


def _newest_public_instrument(key: str) -> Instrument:
    builtin = builtin_definitions().get(key)
    if builtin is None:
        raise Http404

    def newest() -> Instrument | None:
        return Instrument.objects.filter(active=True, organisation__isnull=True, key=key).order_by("-version").first()

    # One query on the public self-test's hot path: the rows are synced only when this key's shipped version
    # is not in the database yet.
    instrument = newest()
    if instrument is None or instrument.version < builtin.version:
        sync_builtin_instruments()
        instrument = newest()
    if instrument is None:
        raise Http404
    definition = parsed_definition(instrument)
    if definition.audience not in ("public", "both") or definition.has_placeholders:
        raise Http404
    return instrument


def get_instrument(actor: Actor, pk) -> Instrument:
    try:
        return Instrument.objects.filter(Q(organisation__isnull=True) | Q(organisation=actor.organisation)).get(
            pk=int(pk)
        )
    except (Instrument.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


@transaction.atomic
def upload_instrument(actor: Actor, content: bytes | str) -> Instrument:
    """An organisation's own instrument from a JSON definition, validated like the built-in ones."""
    _require(actor, Capability.MANAGE_ORGANISATION)
    if isinstance(content, bytes):
        if len(content) > MAX_UPLOAD_BYTES:
            raise ValidationError({"file": _("The file is too large (at most 512 kB).")})
        try:
            content = content.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError({"file": _("The file must be UTF-8 encoded JSON.")}) from None
    try:
        data = json.loads(content)
    except json.JSONDecodeError as error:
        raise ValidationError(
            {
                "file": _("The file is not valid JSON (line %(line)s): %(message)s")
                % {"line": error.lineno, "message": error.msg}
            }
        ) from None
    try:
        definition = parse_definition(data, origin=_("the uploaded file"))
    except DefinitionError as error:
        raise ValidationError({"file": str(error)}) from None
    if definition.key in builtin_definitions():
        raise ValidationError(
            {
                "file": _("The key %(key)s belongs to a built-in instrument; choose another key.")
                % {"key": definition.key}
            }
        )
    latest = Instrument.objects.filter(organisation=actor.organisation, key=definition.key).order_by("-version").first()
    version = max(definition.version, (latest.version + 1) if latest else 1)
    instrument = Instrument.objects.create(
        key=definition.key,
        version=version,
        organisation=actor.organisation,
        definition={**definition.model_dump(mode="json"), "version": version},
    )
    record(actor, Action.CREATE, instrument)
    return instrument


def _context(person: Person | None, episode=None, *, sex: str = "", pregnant: bool | None = None) -> engine.Context:
    if person is not None and not sex:
        sex = person.sex
    if pregnant is None:
        pregnant = bool(episode is not None and episode.pregnancy == "yes")
    return engine.Context(sex=sex, pregnant=pregnant)


def _row(instrument: Instrument, result: engine.Result, context: engine.Context, **fields) -> Response:
    zone = result.zone
    return Response(
        instrument=instrument,
        answers=result.answers,
        scores=result.scores,
        zone=zone.key if zone else "",
        zone_level=zone.level if zone else None,
        context={"sex": context.sex, "pregnant": context.pregnant},
        language=(get_language() or "nb")[:2],
        answered_on=timezone.localdate(),
        **fields,
    )


@transaction.atomic
def record_response(actor: Actor, instrument: Instrument, person: Person, raw: dict, *, episode=None) -> Response:
    """A staff-administered response about a person the actor may see (the caller used the access rule)."""
    _require(actor, Capability.VIEW_PERSONAL_DATA)
    if not instrument.active:
        raise ValidationError({"instrument_id": _("This instrument is no longer in use.")})
    if episode is not None and episode.patient_id != person.pk:
        raise ValidationError({"episode": _("The episode is not this person's.")})
    context = _context(person, episode)
    result = engine.score(parsed_definition(instrument), raw, context)
    response = _row(
        instrument,
        result,
        context,
        organisation=actor.organisation,
        person=person,
        episode=episode,
        created_at=timezone.now(),
        created_by=actor.user,
    )
    response.save()
    record(actor, Action.CREATE, response)
    return response


def history(actor: Actor, person: Person, instrument_key: str | None = None) -> QuerySet[Response]:
    """The person's responses recorded at the actor's organisation, oldest first."""
    # The person too: audit rows name each response's subject, which would otherwise be one query per row.
    rows = Response.objects.filter(person=person, organisation=actor.organisation)
    rows = rows.select_related("instrument", "person")
    if instrument_key:
        rows = rows.filter(instrument__key=instrument_key)
    return rows.order_by("answered_on", "id")


def score_anonymously(
    instrument: Instrument, raw: dict, *, sex: str = "", keep: bool = False, campaign=None, background=None
) -> tuple[engine.Result, Response | None]:
    """Score a self-test or survey answer; store an anonymous row only when the respondent agrees (or the
    campaign collects answers). Nothing identifying is stored: no account, no IP address, no time of day."""
    context = engine.Context(sex=sex if sex in ("female", "male") else "")
    result = engine.score(parsed_definition(instrument), raw, context)
    row = None
    if keep or campaign is not None:
        row = _row(
            instrument,
            result,
            context,
            campaign=campaign,
            background=background or {},
            organisation=campaign.organisation if campaign else None,
        )
        row.save()
    return result, row
