"""What a person's instrument history shows: responses grouped by instrument, a line chart of the primary score
drawn as SVG on the server, and the first and latest response compared.

Presentation only: every score and zone here was computed by the engine when the response was recorded; this
module looks labels up in the definition and places things on the page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kindred.instruments.models import Response
from kindred.instruments.schema import Definition, Zone
from kindred.instruments.services import parsed_definition

# The SVG's own coordinate system (viewBox); CSS scales it to the page.
WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 490, 30, 250
LABEL_X = 518
LINE_HEIGHT = 14
LABEL_CHARS = 27
# Points are marked by the level of their zone, so the chart reads without colour.
SHAPES = ("circle", "square", "triangle", "diamond")


@dataclass
class Row:
    """One response as a table row."""

    response: Response
    date: str
    score: int | None
    zone_label: str
    level: int | None
    other_scores: list[int | None]


@dataclass
class ChartPoint:
    x: float
    y: float
    value: int
    label_y: float
    marker: str


@dataclass
class ChartBand:
    y: float
    height: float
    bottom: float
    level: int
    boundary: bool
    label_lines: list[str]
    label_y: float
    marker: str


@dataclass
class Tick:
    position: float
    label: str


@dataclass
class Chart:
    id: str
    title: str
    desc: str
    axis_label: str
    points: list[ChartPoint]
    polyline: str
    bands: list[ChartBand]
    y_ticks: list[Tick]
    x_labels: list[Tick]
    show_values: bool
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP
    bottom: int = BOTTOM
    label_x: int = LABEL_X

    @property
    def plot_width(self) -> int:
        return self.right - self.left

    @property
    def x_label_y(self) -> int:
        return self.bottom + 20


@dataclass
class ScoreChange:
    label: str
    first: int | None
    latest: int | None
    difference: str


@dataclass
class Comparison:
    first: Row
    latest: Row
    scores: list[ScoreChange]
    zone_change: str


@dataclass
class InstrumentHistory:
    key: str
    title: str
    score_label: str
    other_score_labels: list[str]
    rows: list[Row]
    chart: Chart | None
    comparison: Comparison | None
    max_score: int
    placeholders: bool = False
    zones: list[Zone] = field(default_factory=list)


def shape_for(level: int | None) -> str:
    return SHAPES[min(level or 0, len(SHAPES) - 1)]


def marker_path(shape: str, x: float, y: float, r: float = 5.0) -> str:
    """An SVG path for a point marker: circle, square, triangle or diamond."""
    if shape == "square":
        return f"M{x - r:.1f},{y - r:.1f}h{2 * r:.1f}v{2 * r:.1f}h{-2 * r:.1f}Z"
    if shape == "triangle":
        return f"M{x:.1f},{y - 1.3 * r:.1f}L{x + 1.2 * r:.1f},{y + r:.1f}L{x - 1.2 * r:.1f},{y + r:.1f}Z"
    if shape == "diamond":
        return (
            f"M{x:.1f},{y - 1.4 * r:.1f}L{x + 1.4 * r:.1f},{y:.1f}L{x:.1f},{y + 1.4 * r:.1f}L{x - 1.4 * r:.1f},{y:.1f}Z"
        )
    return f"M{x - r:.1f},{y:.1f}a{r:.1f},{r:.1f} 0 1,0 {2 * r:.1f},0a{r:.1f},{r:.1f} 0 1,0 {-2 * r:.1f},0Z"


def _matches(zone: Zone, context: dict) -> bool:
    when = zone.when
    if when is None:
        return False
    if when.sex is not None and when.sex != context.get("sex", ""):
        return False
    return when.pregnant is None or when.pregnant == bool(context.get("pregnant"))


def response_zone(definition: Definition, response: Response) -> Zone | None:
    """The zone the engine stored for the response, looked up by key (keys repeat across sexes; prefer the
    one that matches the response's context)."""
    candidates = [z for z in definition.zones if z.key == response.zone and z.score == definition.primary_score]
    context = response.context or {}
    return next((z for z in candidates if _matches(z, context)), candidates[0] if candidates else None)


def band_zones(definition: Definition, context: dict) -> list[Zone]:
    """The zones of the primary score to draw as bands: those for the person's sex or pregnancy, else the general."""
    zones = [z for z in definition.zones if z.score == definition.primary_score]
    specific = [z for z in zones if _matches(z, context)]
    return sorted(specific or [z for z in zones if z.when is None], key=lambda z: z.min)


def _wrap(text: str, width: int = LABEL_CHARS) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _y(value: float, maximum: int) -> float:
    share = min(max(value / maximum, 0.0), 1.0) if maximum else 0.0
    return BOTTOM - share * (BOTTOM - TOP)


def _bands(zones: list[Zone], maximum: int, language: str) -> list[ChartBand]:
    bands = []
    for zone in zones:
        low = 0.0 if zone.min == 0 else zone.min - 0.5
        high = min(float(maximum), zone.max + 0.5)
        top, bottom = _y(high, maximum), _y(low, maximum)
        bands.append(
            ChartBand(
                y=round(top, 1),
                height=round(max(bottom - top, 0.5), 1),
                bottom=round(bottom, 1),
                level=min(zone.level, 3),
                boundary=zone.min > 0,
                label_lines=_wrap(f"{zone.label.get(language)} ({zone.min}–{zone.max})"),
                label_y=0.0,
                marker="",
            )
        )
    # Labels sit beside their band; where bands are thin, labels are pushed apart so none overlaps.
    limit = HEIGHT - 4.0
    tops: list[float] = []
    for band in bands:  # bottom band first
        height = len(band.label_lines) * LINE_HEIGHT
        top = min(band.y + band.height / 2 - height / 2, limit - height)
        tops.append(top)
        limit = top - 4
    floor = 4.0
    for n in range(len(bands) - 1, -1, -1):  # top band first
        tops[n] = max(tops[n], floor)
        floor = tops[n] + len(bands[n].label_lines) * LINE_HEIGHT + 4
    for band, top, zone in zip(bands, tops, zones, strict=True):
        band.label_y = round(top + 11, 1)
        band.marker = marker_path(shape_for(zone.level), LABEL_X - 10, top + 7, 4)
    return bands


def _y_ticks(zones: list[Zone], maximum: int) -> list[Tick]:
    values = sorted({0, maximum, *(z.min for z in zones if 0 < z.min < maximum)})
    kept: list[int] = []
    for value in values:
        if not kept or _y(kept[-1], maximum) - _y(value, maximum) >= LINE_HEIGHT:
            kept.append(value)
        elif value == maximum and kept[-1] != 0:
            kept[-1] = value
    return [Tick(position=round(_y(v, maximum), 1), label=str(v)) for v in kept]


def build_chart(
    key: str, title: str, score_label: str, rows: list[Row], zones: list[Zone], maximum: int, language: str
) -> Chart | None:
    scored = [r for r in rows if r.score is not None]
    if not scored:
        return None
    n = len(scored)
    step = (RIGHT - LEFT - 40) / (n - 1) if n > 1 else 0
    points = []
    for i, row in enumerate(scored):
        x = (LEFT + RIGHT) / 2 if n == 1 else LEFT + 20 + i * step
        y = _y(row.score, maximum)
        points.append(
            ChartPoint(
                x=round(x, 1),
                y=round(y, 1),
                value=row.score,
                label_y=round(y - 10, 1),
                marker=marker_path(shape_for(row.level), x, y),
            )
        )
    every = math.ceil(n / 5)
    shown = [i for i in range(n) if i % every == 0]
    if shown[-1] != n - 1:
        shown[-1] = n - 1
    x_labels = [Tick(position=points[i].x, label=scored[i].date) for i in shown]
    first, last = scored[0], scored[-1]
    zone_text = "; ".join(f"{z.label.get(language)} {z.min}–{z.max}" for z in zones)
    if n == 1:
        desc = _("One response on %(date)s: %(score)s (%(zone)s), on a scale from 0 to %(max)s.") % {
            "date": first.date,
            "score": first.score,
            "zone": first.zone_label or _("no zone"),
            "max": maximum,
        }
    else:
        desc = ngettext(
            "%(count)s response from %(first_date)s to %(last_date)s.",
            "%(count)s responses from %(first_date)s to %(last_date)s.",
            n,
        ) % {"count": n, "first_date": first.date, "last_date": last.date}
        desc += " " + _(
            "First %(first)s (%(first_zone)s), latest %(last)s (%(last_zone)s), on a scale from 0 to %(max)s."
        ) % {
            "first": first.score,
            "first_zone": first.zone_label or _("no zone"),
            "last": last.score,
            "last_zone": last.zone_label or _("no zone"),
            "max": maximum,
        }
    if zone_text:
        desc += " " + _("Zones: %(zones)s.") % {"zones": zone_text}
    return Chart(
        id=f"chart-{key}",
        title=_("%(instrument)s: %(score)s over time") % {"instrument": title, "score": score_label},
        desc=desc,
        axis_label=f"{score_label} (0–{maximum})",
        points=points,
        polyline=" ".join(f"{p.x},{p.y}" for p in points),
        bands=_bands(zones, maximum, language),
        y_ticks=_y_ticks(zones, maximum),
        x_labels=x_labels,
        show_values=n <= 12,
    )


def _difference(first: int | None, latest: int | None) -> str:
    if first is None or latest is None:
        return "—"
    change = latest - first
    return f"+{change}" if change > 0 else (f"−{-change}" if change < 0 else "0")


def _zone_change(first: int | None, latest: int | None) -> str:
    if first is None or latest is None:
        return "—"
    if latest == first:
        return _("Same level of concern")
    return _("Lower level of concern") if latest < first else _("Higher level of concern")


def history_by_instrument(responses: list[Response], language: str) -> list[InstrumentHistory]:
    """The responses (oldest first) grouped by instrument key, each group labelled by its newest definition."""
    groups: dict[str, list[Response]] = {}
    for response in responses:
        groups.setdefault(response.instrument.key, []).append(response)
    result = []
    for key, group in groups.items():
        definition = parsed_definition(group[-1].instrument)
        primary = definition.primary_score
        others = [s for s in definition.scores if s.key != primary]
        rows = []
        for response in group:
            zone = response_zone(parsed_definition(response.instrument), response)
            rows.append(
                Row(
                    response=response,
                    date=date_format(response.answered_on, "SHORT_DATE_FORMAT"),
                    score=response.scores.get(primary),
                    zone_label=zone.label.get(language) if zone else "",
                    level=response.zone_level,
                    other_scores=[response.scores.get(s.key) for s in others],
                )
            )
        title = definition.title.get(language)
        score_label = next(s.label.get(language) for s in definition.scores if s.key == primary)
        maximum = definition.max_score(primary)
        zones = band_zones(definition, group[-1].context or {})
        comparison = None
        if len(rows) > 1:
            first, latest = rows[0], rows[-1]
            comparison = Comparison(
                first=first,
                latest=latest,
                scores=[
                    ScoreChange(
                        label=s.label.get(language),
                        first=first.response.scores.get(s.key),
                        latest=latest.response.scores.get(s.key),
                        difference=_difference(first.response.scores.get(s.key), latest.response.scores.get(s.key)),
                    )
                    for s in definition.scores
                ],
                zone_change=_zone_change(first.level, latest.level),
            )
        result.append(
            InstrumentHistory(
                key=key,
                title=title,
                score_label=score_label,
                other_score_labels=[s.label.get(language) for s in others],
                rows=rows,
                chart=build_chart(key, title, score_label, rows, zones, maximum, language),
                comparison=comparison,
                max_score=maximum,
                placeholders=definition.has_placeholders,
                zones=zones,
            )
        )
    return sorted(result, key=lambda h: h.title)
