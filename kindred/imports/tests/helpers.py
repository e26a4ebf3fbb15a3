"""Import files for the tests: rows by column key, written as CSV or XLSX the way a spreadsheet saves them."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from kindred.care.tests.factories import fnr_for, years_ago
from kindred.imports.columns import COLUMNS

HEADER = [column.key for column in COLUMNS]


def csv_bytes(rows: list[dict], *, header: list[str] | None = None, delimiter: str = ",", encoding="utf-8") -> bytes:
    header = header or HEADER
    keys = HEADER if header is None else header
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(key, "") for key in _keys(keys)])
    return out.getvalue().encode(encoding)


def _keys(header: list[str]) -> list[str]:
    from kindred.imports.columns import header_names, normalise

    return [header_names().get(normalise(name), name) for name in header]


def xlsx_bytes(rows: list[dict], *, header: list[str] | None = None) -> bytes:
    header = header or HEADER
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(key, None) for key in _keys(header)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def family(ref: str, patient: dict | None = None, *children: dict) -> list[dict]:
    """A patient row and child rows sharing the family reference `ref`."""
    rows = [
        {
            "family": ref,
            "role": "patient",
            "episode_kind": "outpatient",
            "episode_start": "2026-01-05",
            **(patient or {}),
        }
    ]
    rows += [{"family": ref, "role": "child", **child} for child in children]
    return rows


def valid_rows() -> list[dict]:
    """Two families: Kari (fødselsnummer) with Emma and Jonas; Per (Danish CPR-less, birth date) with no children."""
    emma_born, jonas_born = years_ago(9, days=40), years_ago(4, days=10)
    return [
        *family(
            "1",
            {
                "given_name": "Kari",
                "family_name": "Nordmann",
                "national_id": fnr_for(years_ago(40, days=5)),
                "problem_areas": "alcohol, gambling",
                "sex": "female",
            },
            {
                "given_name": "Emma",
                "family_name": "Nordmann",
                "national_id": fnr_for(emma_born),
                "parental_responsibility": "shared",
                "lives_together": "yes",
            },
            {"given_name": "Jonas", "family_name": "Nordmann", "birth_date": jonas_born.strftime("%d.%m.%Y")},
        ),
        *family(
            "2",
            {
                "given_name": "Per",
                "family_name": "Hansen",
                "birth_date": years_ago(51).isoformat(),
                "episode_kind": "inpatient_detox",
                "children_answer": "none",
            },
        ),
    ]
