"""Reading an uploaded file into rows, by its content (never by its name), and writing the template files.

A file is an XLSX workbook when it is a ZIP archive holding `xl/workbook.xml`; anything else must be text (UTF-8,
or Windows-1252 as older Excel versions save CSV) separated by commas, semicolons or tabs. The first row holds the
headers (see kindred.imports.columns); empty rows are skipped. The size limits are checked before anything is
unpacked, so a small archive that would unpack to something huge is refused too.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kindred.imports.columns import BY_KEY, CHILD, COLUMNS, PATIENT, header_names, normalise

# An XLSX file unpacks to far more than its size; more than this much is refused without reading it.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class ReadFile:
    file_format: str  # "csv" or "xlsx"
    rows: list[dict[str, str]] = field(default_factory=list)  # by column key; every value a string
    ignored_headers: list[str] = field(default_factory=list)


def read_file(content: bytes) -> ReadFile:
    """The rows of a CSV or XLSX file; ValidationError with one clear message when the file cannot be used."""
    if not content:
        raise ValidationError(_("The file is empty."))
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            _("The file is too large: at most %(mb)s MB.") % {"mb": round(settings.IMPORT_MAX_BYTES / 1024 / 1024, 1)}
        )
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(content)
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationError(_("Old Excel files (.xls) cannot be read. Save the file as .xlsx or CSV."))
    return _read_csv(content)


def _decode(content: bytes) -> str:
    if b"\x00" in content:
        raise ValidationError(_("This is not a CSV or XLSX file. Save the spreadsheet as .xlsx or CSV."))
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        raise ValidationError(
            _("The file's characters cannot be read. Save it as CSV with UTF-8 encoding, or as .xlsx.")
        ) from None


def _read_csv(content: bytes) -> ReadFile:
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    if first_line.count(delimiter) == 0:
        raise ValidationError(
            _("This is not a CSV or XLSX file with the import columns. Download the template and fill it in.")
        )
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error:
        raise ValidationError(_("The CSV file is damaged: check quotes and line breaks.")) from None
    return _rows_from(records, "csv")


def _read_xlsx(content: bytes) -> ReadFile:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise ValidationError(_("The XLSX file is damaged and cannot be read.")) from None
    if "xl/workbook.xml" not in names:
        raise ValidationError(_("This is not a CSV or XLSX file. Save the spreadsheet as .xlsx or CSV."))
    if unpacked > MAX_UNPACKED_BYTES:
        raise ValidationError(_("The XLSX file holds too much data for one import. Split it into smaller files."))
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        records = []
        for values in sheet.iter_rows(values_only=True):
            records.append(list(values))
            if len(records) > settings.IMPORT_MAX_ROWS + 1:
                break
        workbook.close()
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, IndexError):
        raise ValidationError(_("The XLSX file is damaged and cannot be read.")) from None
    except Exception as error:  # defusedxml refuses entity tricks with its own exception types
        if type(error).__module__.startswith("defusedxml") or "xml" in type(error).__module__:
            raise ValidationError(_("The XLSX file is damaged and cannot be read.")) from None
        raise
    return _rows_from(records, "xlsx")


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# A national id the spreadsheet stored as a number lost its leading zero; the row says so (see services).
NUMERIC_ID = "_numeric_id"


def _rows_from(records: list[list], file_format: str) -> ReadFile:
    raw = [record for record in records if any(_cell_text(value).strip() for value in record)]
    records = [[_cell_text(value).replace("\x00", "").strip() for value in record] for record in raw]
    if not records:
        raise ValidationError(_("The file is empty."))
    headers = records[0]
    names = header_names()
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for position, header in enumerate(headers):
        key = names.get(normalise(header))
        if key is None:
            if header:
                ignored.append(header)
            continue
        if key in positions:
            raise ValidationError(
                _("The column %(column)s appears twice in the header row.") % {"column": BY_KEY[key].key}
            )
        positions[key] = position
    missing = [column.key for column in COLUMNS if column.required and column.key not in positions]
    if missing:
        raise ValidationError(
            _("The header row lacks the columns %(columns)s. Download the template to see the columns.")
            % {"columns": ", ".join(missing)}
        )
    data = records[1:]
    if not data:
        raise ValidationError(_("The file has a header row but no rows of persons."))
    if len(data) > settings.IMPORT_MAX_ROWS:
        raise ValidationError(
            _("The file has more than %(n)s rows. Split it into smaller files.") % {"n": settings.IMPORT_MAX_ROWS}
        )
    rows = [
        {key: (record[position] if position < len(record) else "")[:500] for key, position in positions.items()}
        for record in data
    ]
    if "national_id" in positions:
        position = positions["national_id"]
        for row, record in zip(rows, raw[1:], strict=True):
            value = record[position] if position < len(record) else None
            if isinstance(value, int | float) and len(row["national_id"]) < 11:
                row[NUMERIC_ID] = "1"
    return ReadFile(file_format=file_format, rows=rows, ignored_headers=ignored)


# --- Templates ------------------------------------------------------------------------------------------------


def template_rows() -> list[list[str]]:
    """The header row and one example family (a patient and a child)."""
    return [
        [column.key for column in COLUMNS],
        [column.example_patient if column.rows != CHILD else "" for column in COLUMNS],
        [column.example_child if column.rows != PATIENT else "" for column in COLUMNS],
    ]


def template_csv() -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(template_rows())
    return out.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Kindred"
    for row in template_rows():
        sheet.append(row)
    for cells in sheet.iter_cols(min_row=1, max_row=sheet.max_row):
        sheet.column_dimensions[cells[0].column_letter].width = max(14, len(str(cells[0].value)) + 2)
        for cell in cells:
            cell.number_format = "@"  # text: a national id keeps its leading zero, a date stays as written
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
