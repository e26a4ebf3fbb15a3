"""The statistics as CSV and XLSX: the very tables the pages show, after suppression (a hidden number is
written as "–", never as its count), in the style of kindred.surveys.exports.

Sheets are (title, rows); CSV writes them one after the other, XLSX one worksheet each.
"""

from __future__ import annotations

import csv
import io
import re
from typing import TYPE_CHECKING

from django.http import HttpResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kindred.reports.youth import QUESTIONS

if TYPE_CHECKING:
    from kindred.reports.views import Filter, Section, TableView
    from kindred.reports.youth import YouthReport

Row = list[str | int | float]
Sheet = tuple[str, list[Row]]
HIDDEN = "–"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The questions with an average number of years.
YEAR_QUESTIONS = {key for key, _label, _yes, _no, years in QUESTIONS if years}


def _value(value):
    return HIDDEN if value is None else value


def _safe(text):
    # Labels come from users (organisation names): never let a spreadsheet read them as formulas.
    if isinstance(text, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _about(f: Filter, title: str) -> list[Row]:
    from kindred.reports.views import legend, threshold_note

    return [
        [title],
        [_("Scope"), f.scope.label],
        [_("Period"), str(f.period)],
        [_("From month"), f.period.first_month],
        [_("To month"), f.period.last_month],
        [_("Smallest number shown"), f.threshold],
        [threshold_note(f.threshold)],
        [legend(f.threshold)],
    ]


def table_rows(table: TableView) -> list[Row]:
    rows: list[Row] = [[table.caption], [table.row_heading, *table.columns, _("Total")]]
    for row in table.rows:
        rows.append([row["label"], *map(_value, row["cells"]), _value(row["total"])])
    if table.show_totals:
        rows.append([_("Total"), *map(_value, table.column_totals), _value(table.total)])
    return rows


def dashboard_sheets(
    f: Filter, sections: list[Section], zones: TableView, months: TableView | None = None
) -> list[Sheet]:
    sheets: list[Sheet] = [(_("About"), _about(f, _("Statistics")))]
    for section in sections:
        rows: list[Row] = []
        for item in section.figures:
            rows.append([str(item.metric.label)])
            rows += table_rows(item.table)[1:]
            if item.metric.share_of:
                rows.append([_("Share %(categories)s (%%)") % {"categories": item.share_label}, _value(item.share)])
            for median in item.medians:
                rows.append([median.label, _value(median.days)])
            rows.append([])
        if section.key == "programmes" and months is not None:
            rows += [[months.caption], *table_rows(months)[1:], []]
        sheets.append((section.title, rows))
    sheets.append((_("Instruments"), [*table_rows(zones), []]))
    return [(title, [[_safe(v) for v in row] for row in rows]) for title, rows in sheets]


def youth_sheets(f: Filter, report: YouthReport, respondents: str) -> list[Sheet]:
    rows: list[Row] = [
        *_about(f, _("Young people who contacted the service")),
        [_("Respondents"), _value(report.respondents)],
        [respondents],
        [],
        [_("Question"), _("Yes"), _("Share (%)"), _("No"), _("Did not answer"), _("Average years")],
    ]
    for row in report.rows:
        share = None if row.share is None else round(row.share * 100)
        rows.append(
            [str(row.label), _value(row.yes), _value(share), _value(row.no), _value(row.unanswered)]
            + ([_value(row.average_years)] if row.key in YEAR_QUESTIONS else [""])
        )
    return [(_("Young people"), [[_safe(v) for v in r] for r in rows])]


def filename(prefix: str, f: Filter, extension: str) -> str:
    scope = slugify(f"{f.scope.kind}-{f.scope.country}-{f.scope.key}") or "scope"
    return f"{prefix}-{scope}-{f.period.first_month}-{f.period.last_month}.{extension}"


def respond(sheets: list[Sheet], name: str, fmt: str) -> HttpResponse:
    return xlsx_response(sheets, name) if fmt == "xlsx" else csv_response(sheets, name)


def csv_response(sheets: list[Sheet], name: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # so that spreadsheet programs read the letters æ, ø and å right
    writer = csv.writer(response)
    for n, (title, rows) in enumerate(sheets):
        if n:
            writer.writerow([])
            writer.writerow([_safe(title)])
        writer.writerows(rows)
    return response


def _sheet_title(title: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", str(title)).strip()[:31] or "Sheet"
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f" {n}"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def xlsx_response(sheets: list[Sheet], name: str) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    used: set[str] = set()
    for title, rows in sheets:
        sheet = workbook.create_sheet(_sheet_title(title, used))
        for row in rows:
            sheet.append(row)
            if len(row) == 1:
                sheet.cell(row=sheet.max_row, column=1).font = bold
        sheet.column_dimensions["A"].width = 48
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
