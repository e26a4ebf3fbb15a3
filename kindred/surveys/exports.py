"""A campaign report as rows for CSV and XLSX: the same tables, with the same numbers hidden."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kindred.surveys.services import Report, Table

Row = list[str | int]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def hidden_text() -> str:
    return _("hidden")


def legend(threshold: int) -> str:
    return _(
        "a count under %(threshold)s, or a count hidden along with one so that it cannot be worked out from the totals."
    ) % {"threshold": threshold}


def _value(value: int | None) -> str | int:
    return hidden_text() if value is None else value


def _safe(text: str | int) -> str | int:
    # Labels come from users (titles, background options): never let a spreadsheet read them as formulas.
    if isinstance(text, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _table_rows(table: Table) -> list[Row]:
    data = table.data
    rows: list[Row] = [[table.caption]]
    if table.cells_shown:
        rows.append([table.row_heading, *table.column_labels, _("Total")])
        for label, cells, total in table.rows:
            rows.append([label, *map(_value, cells), _value(total)])
        rows.append([_("Total"), *map(_value, data.column_totals), _value(data.total)])
    else:
        rows.append([table.row_heading, _("Respondents")])
        for label, _cells, total in table.rows:
            rows.append([label, _value(total)])
        rows.append([_("Total"), _value(data.total)])
    return rows


def report_rows(report: Report) -> list[Row]:
    rows: list[Row] = [
        [_("Campaign"), report.campaign.title],
        [_("Respondents"), _value(report.respondents)],
        [_("Smallest number shown"), report.threshold],
        [hidden_text(), legend(report.threshold)],
    ]
    if not report.shown:
        return rows
    for part in report.instruments:
        rows += [[], [part.title]]
        if part.zones:
            rows.append([_("Zone"), _("Respondents"), _("Share (%)")])
            rows += [[z.label, _value(z.count), _value(z.percent)] for z in part.zones]
            rows.append([])
        for table in part.tables:
            rows += [*_table_rows(table), []]
    return [[_safe(v) for v in row] for row in rows]


def _filename(report: Report, extension: str) -> str:
    return f"{slugify(report.campaign.title) or 'survey'}-{report.campaign.pk}.{extension}"


def csv_response(report: Report) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "csv")}"'
    response.write("\ufeff")  # so that spreadsheet programs read the letters æ, ø and å right
    csv.writer(response).writerows(report_rows(report))
    return response


def xlsx_response(report: Report) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Report")[:31]
    bold = Font(bold=True)
    for row in report_rows(report):
        sheet.append(row)
        if len(row) == 1:
            sheet.cell(row=sheet.max_row, column=1).font = bold
    sheet.column_dimensions["A"].width = 40
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "xlsx")}"'
    return response


def codes_csv_response(campaign, codes: list[str]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{slugify(campaign.title) or 'survey'}-{campaign.pk}-codes.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow([_("Code")])
    writer.writerows([c] for c in codes)
    return response
