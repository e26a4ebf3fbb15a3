"""The one scoring engine: validates answers against a definition, sums scores, finds the zone."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kindred.instruments.schema import Definition, Zone


@dataclass(frozen=True)
class Context:
    """What cut-offs may depend on."""

    sex: str = ""
    pregnant: bool = False


@dataclass
class Result:
    answers: dict[str, int]
    scores: dict[str, int]
    zone: Zone | None
    complete: bool
    # The zone of every score that has zones (e.g. "before" in the pregnancy AUDIT-C), not only the primary one.
    zones: dict[str, Zone | None] = field(default_factory=dict)


def clean_answers(definition: Definition, raw: dict[str, object]) -> dict[str, int]:
    """Answers as option values; one clear message per missing or out-of-range item."""
    errors: dict[str, str] = {}
    answers: dict[str, int] = {}
    for item in definition.items:
        value = raw.get(item.key)
        if value in (None, ""):
            if item.required:
                errors[item.key] = _("Answer this question.")
            continue
        number = _as_whole_number(value)
        if number is None or number not in {o.value for o in definition.options_of(item)}:
            errors[item.key] = _("Choose one of the answers.")
            continue
        answers[item.key] = number
    unknown = set(raw) - {i.key for i in definition.items}
    if unknown:
        errors["__all__"] = _("The answers name questions that are not in this instrument.")
    if errors:
        raise ValidationError(errors)
    return answers


def _as_whole_number(value: object) -> int | None:
    # int() alone would accept True as 1 and truncate 2.7 to 2, turning a wrong answer into a valid one.
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    # Bounded digits: int() raises ValueError on a string of thousands of digits (a tampered form).
    if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]{1,9}\s*", value):
        return int(value)
    return None


def zone_for(definition: Definition, score_key: str, value: int, context: Context) -> Zone | None:
    """The zone of a score; zones for the person's sex or pregnancy win over general ones."""
    candidates = [z for z in definition.zones if z.score == score_key and z.min <= value <= z.max]

    def applies(zone: Zone) -> bool:
        when = zone.when
        if when is None:
            return True
        if when.sex is not None and when.sex != context.sex:
            return False
        return not (when.pregnant is not None and when.pregnant != context.pregnant)

    matching = [z for z in candidates if applies(z)]
    specific = [z for z in matching if z.when is not None]
    return (specific or matching or [None])[0]


def score(definition: Definition, raw: dict[str, object], context: Context | None = None) -> Result:
    context = context or Context()
    answers = clean_answers(definition, raw)
    scores = {s.key: sum(answers.get(k, 0) for k in s.items) for s in definition.scores}
    complete = all(i.key in answers for i in definition.items)
    zoned = {z.score for z in definition.zones}
    zones = {key: zone_for(definition, key, value, context) for key, value in scores.items() if key in zoned}
    zone = zone_for(definition, definition.primary_score, scores[definition.primary_score], context)
    return Result(answers=answers, scores=scores, zone=zone, complete=complete, zones=zones)
