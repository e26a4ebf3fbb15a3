"""The schema every instrument definition must satisfy, checked on load and on upload.

A definition is data: items with their response options and values, scores (sums over
items: totals and subscales), zones with cut-offs that may depend on sex or pregnancy, and
feedback per zone, in nb, da and en. Items scored differently simply carry different option
values (AUDIT items 9-10 score 0/2/4; TWEAK's tolerance item scores 2). The one engine in
`kindred.instruments.engine` scores every instrument; no instrument has code of its own.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, model_validator

LANGUAGES = ("nb", "da", "en")
Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,40}$")]


class Text(BaseModel):
    """A text in each language Kindred speaks."""

    model_config = ConfigDict(extra="forbid")
    nb: str = Field(min_length=1)
    da: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, language: str) -> str:
        return getattr(self, language[:2], None) or self.nb


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: int = Field(ge=0, le=100)
    label: Text


# Tagged so that a mistake inside inline options is reported as such, not as "Input should be a valid string".
ItemOptions = Annotated[
    Annotated[str, Tag("set")] | Annotated[list[Option], Tag("list")],
    Discriminator(lambda v: "set" if isinstance(v, str) else "list"),
]


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: Key
    text: Text
    options: ItemOptions = Field(description="An option set's key, or the options themselves.")
    required: bool = True
    placeholder: bool = Field(False, description="The text is a placeholder for the organisation to fill in.")


class Score(BaseModel):
    """A sum over items: the total, a subscale, or a short form (AUDIT-C inside AUDIT)."""

    model_config = ConfigDict(extra="forbid")
    key: Key
    label: Text
    items: list[Key] = Field(min_length=1)


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sex: Literal["female", "male"] | None = None
    pregnant: bool | None = None


class Zone(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: Key
    score: Key
    min: int = Field(ge=0)
    max: int = Field(ge=0)
    when: Condition | None = None
    label: Text
    feedback: Text
    level: int = Field(0, ge=0, le=3, description="0 no risk … 3 highest; used for colour-free ordering.")


class Definition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: Key
    version: int = Field(ge=1)
    title: Text
    description: Text
    source: str = Field(min_length=3, description="Where the instrument comes from, and its licence.")
    audience: Literal["staff", "public", "both"] = "both"
    option_sets: dict[Key, list[Option]] = {}
    items: list[Item] = Field(min_length=1)
    scores: list[Score] = Field(min_length=1)
    primary_score: Key
    zones: list[Zone] = []

    @model_validator(mode="after")
    def _consistent(self) -> Definition:
        item_keys = [i.key for i in self.items]
        _unique(item_keys, "item")
        _unique([s.key for s in self.scores], "score")
        for item in self.items:
            if isinstance(item.options, str) and item.options not in self.option_sets:
                raise ValueError(f"item {item.key!r} uses the option set {item.options!r}, which is not defined")
            options = self.options_of(item)
            if not options:
                raise ValueError(f"item {item.key!r} has no response options")
            _unique([str(o.value) for o in options], f"option value of item {item.key!r}")
        for score in self.scores:
            for key in score.items:
                if key not in item_keys:
                    raise ValueError(f"score {score.key!r} sums the item {key!r}, which does not exist")
            # An item listed twice would silently count double.
            twice = [k for n, k in enumerate(score.items) if k in score.items[:n]]
            if twice:
                raise ValueError(f"score {score.key!r} sums the item {twice[0]!r} twice")
        score_keys = {s.key for s in self.scores}
        if self.primary_score not in score_keys:
            raise ValueError(f"primary_score {self.primary_score!r} is not one of the scores")
        for zone in self.zones:
            if zone.score not in score_keys:
                raise ValueError(f"zone {zone.key!r} is for the score {zone.score!r}, which does not exist")
            if zone.min > zone.max:
                raise ValueError(f"zone {zone.key!r} has min {zone.min} above max {zone.max}")
            if zone.max > self.max_score(zone.score):
                raise ValueError(
                    f"zone {zone.key!r} goes to {zone.max}, above the highest possible {zone.score} score "
                    f"({self.max_score(zone.score)})"
                )
        _check_zone_overlaps(self.zones)
        return self

    def options_of(self, item: Item) -> list[Option]:
        return self.option_sets[item.options] if isinstance(item.options, str) else item.options

    def item(self, key: str) -> Item:
        return next(i for i in self.items if i.key == key)

    def max_score(self, score_key: str) -> int:
        score = next(s for s in self.scores if s.key == score_key)
        return sum(max(o.value for o in self.options_of(self.item(k))) for k in score.items)

    @property
    def has_placeholders(self) -> bool:
        return any(i.placeholder for i in self.items)


def _unique(keys: list[str], what: str) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"the {what} {key!r} is defined twice")
        seen.add(key)


def _check_zone_overlaps(zones: list[Zone]) -> None:
    # Two zones of the same score and the same condition must not overlap.
    groups: dict[tuple, list[Zone]] = {}
    for zone in zones:
        cond = (zone.when.sex, zone.when.pregnant) if zone.when else (None, None)
        groups.setdefault((zone.score, cond), []).append(zone)
    for group in groups.values():
        ordered = sorted(group, key=lambda z: z.min)
        for a, b in pairwise(ordered):
            if b.min <= a.max:
                raise ValueError(f"zones {a.key!r} and {b.key!r} overlap ({a.min}-{a.max} and {b.min}-{b.max})")


class DefinitionError(Exception):
    """A definition file is broken; the message names the exact problem and where."""


def parse_definition(data: object, *, origin: str = "definition") -> Definition:
    try:
        return Definition.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the top level"
        message = re.sub(r"^Value error, ", "", first["msg"])
        raise DefinitionError(f"{origin}: {where}: {message}") from None
