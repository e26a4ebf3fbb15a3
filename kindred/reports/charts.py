"""Horizontal bar charts of published numbers, drawn as SVG on the server (the approach of
kindred.instruments.charts): one colour, every bar labelled with its category and its number, a <title> and a
<desc> that say the same in words, and the table next to it as the full text alternative.

Presentation only: the numbers come already suppressed; a hidden number is written as such and gets no bar.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

# The SVG's own coordinate system (viewBox); CSS scales it to the page.
WIDTH = 640
LABEL_WIDTH = 230
BAR_MAX = 300
LINE_HEIGHT = 15
ROW_PADDING = 12
LABEL_CHARS = 30


@dataclass
class Bar:
    label_lines: list[str]
    value: int | None
    value_text: str
    y: float  # top of the row
    line_ys: list[float]
    bar_y: float
    bar_height: float
    width: float
    value_x: float
    value_y: float

    @property
    def hidden(self) -> bool:
        return self.value is None

    @property
    def label_rows(self) -> list[tuple[str, float]]:
        return list(zip(self.label_lines, self.line_ys, strict=True))


@dataclass
class BarChart:
    id: str
    title: str
    desc: str
    bars: list[Bar]
    width: int
    height: int
    bar_x: int
    axis_y2: float

    @property
    def label_x(self) -> int:
        return self.bar_x - 8

    @property
    def hidden_x(self) -> int:
        return self.bar_x + 6


def wrap(text: str, width: int = LABEL_CHARS) -> list[str]:
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def bar_chart(chart_id: str, title: str, items: list[tuple[str, int | None]], hidden_text: str) -> BarChart:
    """`items` are (label, published number or None when hidden), drawn top to bottom in the given order."""
    largest = max((v for _label, v in items if v), default=0)
    bars: list[Bar] = []
    y = 0.0
    for label, value in items:
        lines = wrap(label)
        row_height = max(len(lines) * LINE_HEIGHT, 20) + ROW_PADDING
        middle = y + row_height / 2
        first_line = middle - (len(lines) - 1) * LINE_HEIGHT / 2 + 4
        width = 0.0
        if value:
            width = max(2.0, round(BAR_MAX * value / largest, 1))
        bar_height = min(20.0, row_height - ROW_PADDING)
        bars.append(
            Bar(
                label_lines=lines,
                value=value,
                value_text=hidden_text if value is None else str(value),
                y=round(y, 1),
                line_ys=[round(first_line + n * LINE_HEIGHT, 1) for n in range(len(lines))],
                bar_y=round(middle - bar_height / 2, 1),
                bar_height=bar_height,
                width=width,
                value_x=round(LABEL_WIDTH + width + 6, 1),
                value_y=round(middle + 4, 1),
            )
        )
        y += row_height
    parts = [f"{label}: {hidden_text if value is None else value}" for label, value in items]
    desc = _("Bar chart. %(values)s.") % {"values": "; ".join(parts)} if parts else _("No numbers.")
    return BarChart(
        id=chart_id,
        title=title,
        desc=desc,
        bars=bars,
        width=WIDTH,
        height=max(int(y), 20),
        bar_x=LABEL_WIDTH,
        axis_y2=max(round(y, 1), 20.0),
    )
