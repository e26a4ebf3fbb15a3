"""Reading uploads by their content: every refusal of a whole file, header names in three languages, and the
templates (which read back as a valid file)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from kindred.imports import reader
from kindred.imports.columns import COLUMNS
from kindred.imports.tests.helpers import HEADER, csv_bytes, valid_rows, xlsx_bytes


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def refusal(content: bytes) -> str:
    with pytest.raises(ValidationError) as error:
        reader.read_file(content)
    return error.value.messages[0]


def test_an_empty_file_is_refused():
    assert refusal(b"") == "The file is empty."
    assert (
        refusal(b"\r\n\r\n")
        == "This is not a CSV or XLSX file with the import columns. Download the template and fill it in."
    )


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    assert refusal(b"x" * (1024 * 1024 + 1)) == "The file is too large: at most 1.0 MB."


def test_an_old_excel_file_is_refused_by_its_content():
    assert refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100) == (
        "Old Excel files (.xls) cannot be read. Save the file as .xlsx or CSV."
    )


def test_binary_content_is_refused_whatever_the_file_is_called():
    assert refusal(b"%PDF-1.7\n\x00\x01\x02") == "This is not a CSV or XLSX file. Save the spreadsheet as .xlsx or CSV."


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert refusal(out.getvalue()) == "This is not a CSV or XLSX file. Save the spreadsheet as .xlsx or CSV."


def test_a_damaged_workbook_is_refused():
    content = xlsx_bytes(valid_rows())
    assert refusal(content[: len(content) // 2]) == "The XLSX file is damaged and cannot be read."


def test_a_workbook_that_unpacks_to_too_much_is_refused(monkeypatch):
    monkeypatch.setattr(reader, "MAX_UNPACKED_BYTES", 100)
    assert refusal(xlsx_bytes(valid_rows())) == (
        "The XLSX file holds too much data for one import. Split it into smaller files."
    )


def test_text_without_columns_is_refused():
    assert refusal(b"just some words\nand more") == (
        "This is not a CSV or XLSX file with the import columns. Download the template and fill it in."
    )


def test_missing_required_columns_are_named():
    assert refusal(b"family,role,given_name\n1,patient,Kari\n") == (
        "The header row lacks the columns family_name. Download the template to see the columns."
    )


def test_a_column_given_twice_is_refused():
    content = csv_bytes([], header=[*HEADER, "Fornavn"]) + b"1,patient\r\n"
    assert refusal(content) == "The column given_name appears twice in the header row."


def test_a_header_without_rows_is_refused():
    assert refusal(csv_bytes([])) == "The file has a header row but no rows of persons."


def test_too_many_rows_are_refused(settings):
    settings.IMPORT_MAX_ROWS = 3
    assert refusal(csv_bytes(valid_rows())) == "The file has more than 3 rows. Split it into smaller files."
    assert refusal(xlsx_bytes(valid_rows())) == "The file has more than 3 rows. Split it into smaller files."


def test_a_damaged_csv_is_refused():
    assert refusal(b'family,role,given_name,family_name\n1,"patient\n') == (
        "The CSV file is damaged: check quotes and line breaks."
    )


def test_windows_1252_semicolon_csv_with_norwegian_headers_is_read():
    content = "Familie;Rolle;Fornavn;Etternavn;Kjønn\n1;pasient;Åse;Ødegård;kvinne\n".encode("cp1252")
    read = reader.read_file(content)
    assert read.file_format == "csv"
    assert read.rows == [
        {"family": "1", "role": "pasient", "given_name": "Åse", "family_name": "Ødegård", "sex": "kvinne"}
    ]


def test_unknown_columns_are_left_out_and_named():
    content = b"family,role,given_name,family_name,Notes\n1,patient,Kari,Nordmann,secret\n"
    read = reader.read_file(content)
    assert read.ignored_headers == ["Notes"] and "Notes" not in read.rows[0]


def test_empty_rows_are_skipped():
    read = reader.read_file(b"family,role,given_name,family_name\n\n,,,\n1,patient,Kari,Nordmann\n")
    assert len(read.rows) == 1


@pytest.mark.parametrize("make", [reader.template_csv, reader.template_xlsx])
def test_the_templates_have_every_column_and_one_example_family(make):
    read = reader.read_file(make())
    assert list(read.rows[0]) == [column.key for column in COLUMNS]
    assert [row["role"] for row in read.rows] == ["patient", "child"]


@pytest.mark.django_db
@pytest.mark.parametrize("make", [reader.template_csv, reader.template_xlsx])
def test_the_template_example_is_a_valid_file(world, make):
    from kindred.imports import services

    actor = world.actor(world.coordinator)
    batch = services.check_all(actor, services.upload(actor, "template", make()))
    assert batch.status == "valid", batch.report
