"""Use cases for survey campaigns: create, open and close, single-use codes, anonymous answers, the report.

Who runs campaigns: members whose role has Capability.VIEW_STATISTICS or Capability.MANAGE_ORGANISATION
(analysts and organisation admins in the role table), and only for their own organisation. Everyone else
finds no campaign at all: `get_campaign` answers 404 for missing and forbidden alike.

Privacy, as DOMAIN.md section 5 asks:
- an answer stores no account, IP address or time of day (the instrument engine keeps the date only), and
  nothing links a used code to the answers it let in;
- the report exists only once the campaign is closed, and a closed campaign never reopens: comparing two
  reports taken a few answers apart would otherwise show what those few answered;
- every table in the report goes through small-cell suppression (`kindred.reports.suppression`) with the
  campaign's threshold, and tables that share totals are suppressed together.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kindred.audit.services import Action, record
from kindred.instruments import engine
from kindred.instruments.models import Instrument, Response
from kindred.instruments.schema import Definition
from kindred.instruments.services import instruments_for, parsed_definition, score_anonymously
from kindred.orgs.actors import Actor
from kindred.orgs.models import Capability
from kindred.reports.suppression import SuppressedTable, suppress_table
from kindred.surveys.models import Campaign, CampaignCode, hash_code

MAX_CODES = 2000
MAX_QUESTIONS = 10
MAX_OPTIONS = 20
MAX_THRESHOLD = 100
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to mix up
CODE_LENGTH = 10
BACKGROUND_KEY = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
SEXES = ("female", "male")
# Score distributions list every score up to this; wider ranges are grouped into about 20 bands.
MAX_SINGLE_SCORES = 40


def _language() -> str:
    return (get_language() or "nb")[:2]


# --- who may -----------------------------------------------------------------------------------------------


def can_run_surveys(actor: Actor) -> bool:
    return actor.can(Capability.VIEW_STATISTICS) or actor.can(Capability.MANAGE_ORGANISATION)


def _require(actor: Actor) -> None:
    if not can_run_surveys(actor):
        raise PermissionError(Capability.VIEW_STATISTICS)


def _require_owner(actor: Actor, campaign: Campaign) -> None:
    _require(actor)
    if campaign.organisation_id != actor.organisation.pk:
        raise PermissionError("campaign of another organisation")


def campaigns_for(actor: Actor) -> QuerySet[Campaign]:
    if not can_run_surveys(actor):
        return Campaign.objects.none()
    return Campaign.objects.filter(organisation=actor.organisation)


def get_campaign(actor: Actor, pk) -> Campaign:
    """The actor's organisation's campaign; 404 for missing and forbidden alike."""
    try:
        return campaigns_for(actor).get(pk=int(pk))
    except (Campaign.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def eligible_instruments(actor: Actor) -> list[Instrument]:
    """What a campaign may ask: the organisation's instruments for respondents themselves, without
    placeholder texts (staff-administered instruments write their feedback for staff, not respondents)."""
    return [i for i in instruments_for(actor, audience="public") if not parsed_definition(i).has_placeholders]


# --- creating and running ----------------------------------------------------------------------------------


def clean_background_questions(questions: object) -> list[dict]:
    """A validated list of {"key", "label", "options"}; one clear message for the first problem."""

    def fail(message: str):
        raise ValidationError({"background_questions": message})

    if questions is None or questions == "" or questions == ():
        return []
    if not isinstance(questions, list | tuple):
        fail(_("The background questions must be a list."))
    if len(questions) > MAX_QUESTIONS:
        fail(_("At most %(n)s background questions.") % {"n": MAX_QUESTIONS})
    cleaned: list[dict] = []
    for number, question in enumerate(questions, start=1):
        if not isinstance(question, Mapping) or set(question) != {"key", "label", "options"}:
            fail(_("Question %(n)s must have a key, a label and options.") % {"n": number})
        key, label, options = question["key"], question["label"], question["options"]
        if not isinstance(key, str) or not BACKGROUND_KEY.match(key):
            fail(
                _(
                    "Question %(n)s: the key must start with a small letter a-z and hold only small letters, "
                    "digits and _ (at most 31 characters)."
                )
                % {"n": number}
            )
        if key in {q["key"] for q in cleaned}:
            fail(_("Question %(n)s: the key %(key)s is used twice.") % {"n": number, "key": key})
        if not isinstance(label, str) or not label.strip() or len(label.strip()) > 200:
            fail(_("Question %(n)s needs a label of at most 200 characters.") % {"n": number})
        if not isinstance(options, list | tuple) or not all(isinstance(o, str) for o in options):
            fail(_("Question %(n)s: the options must be a list of texts.") % {"n": number})
        options = [o.strip() for o in options]
        if not 2 <= len(options) <= MAX_OPTIONS:
            fail(_("Question %(n)s needs between 2 and %(max)s options.") % {"n": number, "max": MAX_OPTIONS})
        if any(not o or len(o) > 100 for o in options):
            fail(_("Question %(n)s: every option needs a text of at most 100 characters.") % {"n": number})
        if len(set(options)) != len(options):
            fail(_("Question %(n)s: an option is listed twice.") % {"n": number})
        cleaned.append({"key": key, "label": label.strip(), "options": options})
    return cleaned


@transaction.atomic
def create_campaign(
    actor: Actor,
    *,
    title: str,
    instrument_ids: Iterable[int],
    description: str = "",
    background_questions: object = (),
    access: str = Campaign.Access.LINK,
    threshold: int | None = None,
) -> Campaign:
    _require(actor)
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("Give the campaign a title.")
    elif len(title) > 200:
        errors["title"] = _("The title can be at most 200 characters.")
    eligible = {i.pk: i for i in eligible_instruments(actor)}
    try:
        wanted = list(dict.fromkeys(int(pk) for pk in instrument_ids))
    except (TypeError, ValueError):
        wanted = [-1]
    if not wanted:
        errors["instruments"] = _("Choose at least one instrument.")
    elif any(pk not in eligible for pk in wanted):
        errors["instruments"] = _("Choose among the instruments offered.")
    if access not in Campaign.Access.values:
        errors["access"] = _("Choose how respondents get in.")
    threshold = settings.STATS_SUPPRESSION_THRESHOLD if threshold is None else threshold
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 1 <= threshold <= MAX_THRESHOLD:
        errors["threshold"] = _("The smallest number shown must be a whole number from 1 to %(max)s.") % {
            "max": MAX_THRESHOLD
        }
    try:
        questions = clean_background_questions(background_questions)
    except ValidationError as error:
        errors.update({k: v[0] for k, v in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    campaign = Campaign.objects.create(
        organisation=actor.organisation,
        title=title,
        description=(description or "").strip(),
        background_questions=questions,
        access=access,
        threshold=threshold,
        created_by=actor.user,
    )
    campaign.instruments.set([eligible[pk] for pk in wanted])
    record(actor, Action.CREATE, campaign)
    return campaign


@transaction.atomic
def open_campaign(actor: Actor, campaign: Campaign) -> Campaign:
    _require_owner(actor, campaign)
    if campaign.status != Campaign.Status.DRAFT:
        raise ValidationError(_("Only a draft campaign can be opened; a closed campaign stays closed."))
    campaign.status = Campaign.Status.OPEN
    campaign.opened_at = timezone.now()
    campaign.save(update_fields=["status", "opened_at"])
    record(actor, Action.CHANGE, campaign, details={"status": campaign.status})
    return campaign


@transaction.atomic
def close_campaign(actor: Actor, campaign: Campaign) -> Campaign:
    _require_owner(actor, campaign)
    if campaign.status != Campaign.Status.OPEN:
        raise ValidationError(_("Only an open campaign can be closed."))
    campaign.status = Campaign.Status.CLOSED
    campaign.closed_at = timezone.now()
    campaign.save(update_fields=["status", "closed_at"])
    record(actor, Action.CHANGE, campaign, details={"status": campaign.status})
    return campaign


def normalise_code(raw: str) -> str:
    """What a respondent types, without spaces and dashes, in capitals."""
    return re.sub(r"[\s-]+", "", raw or "").upper()


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


@transaction.atomic
def generate_codes(actor: Actor, campaign: Campaign, n: int) -> list[str]:
    """`n` new single-use codes, returned in plain text this once; only their hashes are stored."""
    _require_owner(actor, campaign)
    if campaign.access != Campaign.Access.CODES:
        raise ValidationError(_("This campaign is open to anyone with the link; it uses no codes."))
    if campaign.status == Campaign.Status.CLOSED:
        raise ValidationError(_("The campaign is closed."))
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_CODES:
        raise ValidationError({"count": _("Make between 1 and %(max)s codes at a time.") % {"max": MAX_CODES}})
    codes: dict[str, str] = {}
    while len(codes) < n:
        batch = {hash_code(c): c for c in (_new_code() for _ in range(n - len(codes)))}
        taken = set(CampaignCode.objects.filter(code_hash__in=batch).values_list("code_hash", flat=True))
        codes.update({h: c for h, c in batch.items() if h not in taken})
    CampaignCode.objects.bulk_create(CampaignCode(campaign=campaign, code_hash=h) for h in codes)
    record(actor, Action.CREATE, campaign, details={"codes": n})
    return [format_code(c) for c in codes.values()]


def code_counts(campaign: Campaign) -> dict[str, int]:
    counts = dict(campaign.codes.values_list("used").annotate(n=Count("id")).order_by())
    return {"total": sum(counts.values()), "used": counts.get(True, 0)}


def known_codes(actor: Actor, campaign: Campaign, codes: Iterable[str]) -> list[str]:
    """Those of `codes` that belong to the campaign (for downloading the codes just shown)."""
    _require_owner(actor, campaign)
    wanted = {hash_code(normalise_code(c)): format_code(normalise_code(c)) for c in codes if normalise_code(c)}
    found = set(campaign.codes.filter(code_hash__in=wanted).values_list("code_hash", flat=True))
    return [code for h, code in wanted.items() if h in found]


# --- answering ---------------------------------------------------------------------------------------------


def campaign_for_token(token: str) -> Campaign:
    """The campaign behind a public link, whatever its status; 404 for an unknown link."""
    try:
        return Campaign.objects.select_related("organisation").get(token=str(token))
    except Campaign.DoesNotExist:
        raise Http404 from None


def campaign_instruments(campaign: Campaign) -> list[Instrument]:
    return list(campaign.instruments.order_by("key", "organisation_id", "-version"))


def asks_sex(instruments: Iterable[Instrument]) -> bool:
    """Whether a cut-off depends on sex, so that the questionnaire asks it (optionally)."""
    return any(z.when is not None and z.when.sex for i in instruments for z in parsed_definition(i).zones)


def item_field(instrument: Instrument, item_key: str) -> str:
    """The name of an item's answer in forms and error messages."""
    return f"i{instrument.pk}_{item_key}"


def background_field(key: str) -> str:
    return f"bg_{key}"


def _refuse_unless_open(campaign: Campaign) -> None:
    if campaign.status == Campaign.Status.DRAFT:
        raise ValidationError(_("This survey has not opened yet."))
    if campaign.status == Campaign.Status.CLOSED:
        raise ValidationError(_("This survey is closed; no more answers are taken."))


def check_code(campaign: Campaign, code: str) -> None:
    """Whether a code lets a respondent in (without using it up); ValidationError on the field `code`."""
    _refuse_unless_open(campaign)
    normalised = normalise_code(code)
    if not normalised:
        raise ValidationError({"code": _("Type the code you were given.")})
    if not CampaignCode.objects.filter(campaign=campaign, code_hash=hash_code(normalised), used=False).exists():
        raise ValidationError({"code": _("The code is not valid for this survey, or it has been used already.")})


def _clean_background(campaign: Campaign, raw: Mapping[str, object]) -> tuple[dict[str, str], dict[str, str]]:
    questions = {q["key"]: q for q in campaign.background_questions}
    errors: dict[str, str] = {}
    answers: dict[str, str] = {}
    for key, value in raw.items():
        if key not in questions:
            errors["__all__"] = _("The answers name background questions that are not in this survey.")
            continue
        if value in (None, ""):
            continue  # background questions may always be left unanswered
        if value not in questions[key]["options"]:
            errors[background_field(key)] = _("Choose one of the answers.")
            continue
        answers[key] = value
    return answers, errors


@dataclass(frozen=True)
class Feedback:
    """What a respondent sees about one instrument after answering."""

    instrument: Instrument
    title: str
    zone_label: str
    feedback: str
    level: int | None
    scores: list[tuple[str, int, int]]


def respond(
    campaign: Campaign,
    *,
    answers: Mapping[int, Mapping[str, object]],
    background: Mapping[str, object] | None = None,
    sex: str = "",
    code: str = "",
) -> list[Feedback]:
    """One respondent's answers to every instrument of an open campaign, stored anonymously (no account,
    IP address or time of day); a code campaign uses up the code in the same transaction. Any bad input
    raises ValidationError and stores nothing."""
    _refuse_unless_open(campaign)
    instruments = campaign_instruments(campaign)
    errors: dict[str, str] = {}
    background_answers, background_errors = _clean_background(campaign, background or {})
    errors.update(background_errors)
    if sex not in ("", *SEXES):
        errors["sex"] = _("Choose one of the answers.")
    if set(answers) - {i.pk for i in instruments}:
        errors["__all__"] = _("The answers name instruments that are not in this survey.")
    context = engine.Context(sex=sex)
    for instrument in instruments:
        try:
            engine.score(parsed_definition(instrument), dict(answers.get(instrument.pk, {})), context)
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                name = "__all__" if key == "__all__" else item_field(instrument, key)
                errors.setdefault(name, messages[0])
    if campaign.access == Campaign.Access.CODES:
        try:
            check_code(campaign, code)
        except ValidationError as error:
            errors.update({k: v[0] for k, v in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)

    results = []
    with transaction.atomic():
        if not Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.OPEN).exists():
            raise ValidationError(_("This survey is closed; no more answers are taken."))
        if campaign.access == Campaign.Access.CODES:
            row = (
                CampaignCode.objects.select_for_update()
                .filter(campaign=campaign, code_hash=hash_code(normalise_code(code)), used=False)
                .first()
            )
            # The conditional update is what makes the code single-use even where SELECT ... FOR UPDATE is not.
            if row is None or CampaignCode.objects.filter(pk=row.pk, used=False).update(used=True) != 1:
                raise ValidationError(
                    {"code": _("The code is not valid for this survey, or it has been used already.")}
                )
        for instrument in instruments:
            result, _row = score_anonymously(
                instrument,
                dict(answers.get(instrument.pk, {})),
                sex=sex,
                campaign=campaign,
                background=background_answers,
            )
            results.append((instrument, result))
    return [_feedback(instrument, result) for instrument, result in results]


def _feedback(instrument: Instrument, result: engine.Result) -> Feedback:
    definition = parsed_definition(instrument)
    language = _language()
    zone = result.zone
    return Feedback(
        instrument=instrument,
        title=definition.title.get(language),
        zone_label=zone.label.get(language) if zone else "",
        feedback=zone.feedback.get(language) if zone else "",
        level=zone.level if zone else None,
        scores=[(s.label.get(language), result.scores[s.key], definition.max_score(s.key)) for s in definition.scores],
    )


# --- the report --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One published table: labels and the suppressed counts. A table with `cells_shown` False publishes
    only its row totals (the score distribution: its columns are the zones, already shown elsewhere)."""

    key: str
    caption: str
    row_heading: str
    row_labels: list[str]
    column_labels: list[str]
    data: SuppressedTable
    cells_shown: bool = True

    @property
    def rows(self) -> list[tuple[str, tuple[int | None, ...], int | None]]:
        return [
            (label, cells, total)
            for label, cells, total in zip(self.row_labels, self.data.cells, self.data.row_totals, strict=True)
        ]


@dataclass(frozen=True)
class ZoneShare:
    key: str
    label: str
    level: int | None
    count: int | None
    percent: int | None


@dataclass(frozen=True)
class InstrumentReport:
    instrument: Instrument
    title: str
    respondents: int | None
    zones: list[ZoneShare]
    scores: Table
    crosstabs: list[Table] = field(default_factory=list)

    @property
    def tables(self) -> list[Table]:
        return [self.scores, *self.crosstabs]


@dataclass(frozen=True)
class Report:
    campaign: Campaign
    threshold: int
    available: bool  # only a closed campaign has a report
    respondents: int | None  # None: fewer than the threshold
    instruments: list[InstrumentReport]

    @property
    def shown(self) -> bool:
        return self.available and bool(self.respondents)


def _zone_keys(definition: Definition, found: Iterable[str]) -> list[str]:
    zones = sorted((z for z in definition.zones if z.score == definition.primary_score), key=lambda z: (z.level, z.min))
    keys = list(dict.fromkeys(z.key for z in zones))
    extra = sorted(set(found) - set(keys))
    return keys + extra if keys else (extra or [""])


def _zone_label(definition: Definition, key: str) -> str:
    zone = next((z for z in definition.zones if z.key == key), None)
    return zone.label.get(_language()) if zone else _("No zone")


def _zone_level(definition: Definition, key: str) -> int | None:
    return next((z.level for z in definition.zones if z.key == key), None)


def _score_bands(maximum: int) -> list[tuple[int, int]]:
    if maximum <= MAX_SINGLE_SCORES:
        return [(s, s) for s in range(maximum + 1)]
    width = math.ceil((maximum + 1) / 20)
    return [(low, min(low + width - 1, maximum)) for low in range(0, maximum + 1, width)]


@dataclass
class _Counts:
    """One instrument's counts, straight from the database, before suppression."""

    instrument: Instrument
    definition: Definition
    zones: list[str]  # row keys of the cross-tabulations, columns of the score table ("" for no zone)
    bands: list[tuple[int, int]]
    by_score: list[list[int]]  # score band x zone
    by_question: dict[str, list[list[int]]] = field(default_factory=dict)  # key -> zone x (options, no answer)

    @property
    def zoned(self) -> bool:
        return self.zones != [""]


def _count(campaign: Campaign, instruments: list[Instrument]) -> list[_Counts]:
    """Aggregate queries only: one for the zones, one per instrument for the scores, one per background
    question; the loops below run over the groups they return, never over the answers."""
    rows = Response.objects.filter(campaign=campaign).order_by()
    found: dict[int, set[str]] = {}
    for instrument_id, zone in rows.values_list("instrument_id", "zone").distinct():
        found.setdefault(instrument_id, set()).add(zone)
    counts = []
    for instrument in instruments:
        definition = parsed_definition(instrument)
        zones = _zone_keys(definition, found.get(instrument.pk, set()))
        bands = _score_bands(definition.max_score(definition.primary_score))
        item = _Counts(instrument, definition, zones, bands, [[0] * len(zones) for _band in bands])
        by_score = (
            rows.filter(instrument=instrument)
            .annotate(score=Cast(KT(f"scores__{definition.primary_score}"), IntegerField()))
            .values_list("score", "zone")
            .annotate(n=Count("id"))
        )
        for score, zone, n in by_score:
            band = next((b for b, (low, high) in enumerate(bands) if low <= (score or 0) <= high), len(bands) - 1)
            if zone in zones:
                item.by_score[band][zones.index(zone)] += n
        counts.append(item)
    by_instrument = {c.instrument.pk: c for c in counts if c.zoned}
    for question in campaign.background_questions:
        options = question["options"]
        for c in by_instrument.values():
            c.by_question[question["key"]] = [[0] * (len(options) + 1) for _zone in c.zones]
        grouped = (
            rows.annotate(answer=KT(f"background__{question['key']}"))
            .values_list("instrument_id", "zone", "answer")
            .annotate(n=Count("id"))
        )
        for instrument_id, zone, answer, n in grouped:
            c = by_instrument.get(instrument_id)
            if c is not None and zone in c.zones:
                column = options.index(answer) if answer in options else len(options)
                c.by_question[question["key"]][c.zones.index(zone)][column] += n
    return counts


def _suppress_linked(counts: list[_Counts], threshold: int) -> dict[tuple[int, str], SuppressedTable]:
    """Suppress every table. The zone counts of an instrument are totals of its score table and of each of
    its cross-tabulations; the answers to a background question are totals of that question's table for
    every instrument. A total hidden in one of them is hidden in all, until no table hides anything new."""
    hidden_zones: dict[int, set[int]] = {c.instrument.pk: set() for c in counts}
    hidden_options: dict[str, set[int]] = {}
    while True:
        changed = False
        tables: dict[tuple[int, str], SuppressedTable] = {}
        for c in counts:
            zones = hidden_zones[c.instrument.pk]
            table = suppress_table(c.by_score, threshold, hidden_column_totals=zones)
            tables[(c.instrument.pk, "")] = table
            changed |= _grow(zones, table.hidden_column_totals)
            for key, cells in c.by_question.items():
                options = hidden_options.setdefault(key, set())
                table = suppress_table(cells, threshold, hidden_row_totals=zones, hidden_column_totals=options)
                tables[(c.instrument.pk, key)] = table
                changed |= _grow(zones, table.hidden_row_totals)
                changed |= _grow(options, table.hidden_column_totals)
        if not changed:
            return tables


def _grow(target: set[int], found: frozenset[int]) -> bool:
    new = found - target
    target |= new
    return bool(new)


def report(actor: Actor, campaign: Campaign) -> Report:
    """The campaign's aggregate report: counted in the database, every table suppressed with the campaign's
    threshold. The number of queries depends on the instruments and questions, not on the answers."""
    _require_owner(actor, campaign)
    threshold = max(1, campaign.threshold)
    if campaign.status != Campaign.Status.CLOSED:
        return Report(campaign, threshold, False, None, [])
    counts = _count(campaign, campaign_instruments(campaign))
    tables = _suppress_linked(counts, threshold)
    language = _language()
    parts = []
    for c in counts:
        pk, definition = c.instrument.pk, c.definition
        score_table = tables[(pk, "")]
        total = score_table.total
        shares = [
            ZoneShare(
                key,
                _zone_label(definition, key),
                _zone_level(definition, key),
                count,
                round(100 * count / total) if count is not None and total else None,
            )
            for key, count in zip(c.zones, score_table.column_totals, strict=True)
            if c.zoned
        ]
        title = definition.title.get(language)
        zone_labels = [_zone_label(definition, key) for key in c.zones]
        scores = Table(
            key=f"{c.instrument.key}-scores",
            caption=_("%(instrument)s: respondents by score") % {"instrument": title},
            row_heading=_("Score"),
            row_labels=[str(low) if low == high else f"{low}–{high}" for low, high in c.bands],
            column_labels=zone_labels,
            data=score_table,
            cells_shown=False,
        )
        crosstabs = [
            Table(
                key=f"{c.instrument.key}-{question['key']}",
                caption=_("%(instrument)s: zone by %(question)s")
                % {"instrument": title, "question": question["label"]},
                row_heading=_("Zone"),
                row_labels=zone_labels,
                column_labels=[*question["options"], _("No answer")],
                data=tables[(pk, question["key"])],
            )
            for question in campaign.background_questions
            if (pk, question["key"]) in tables
        ]
        parts.append(InstrumentReport(c.instrument, title, total, shares, scores, crosstabs))
    # Every respondent answers every instrument: the grand total of each instrument's tables.
    respondents = max((sum(map(sum, c.by_score)) for c in counts), default=0)
    return Report(campaign, threshold, True, None if 0 < respondents < threshold else respondents, parts)
