"""Importing a spreadsheet in a real Chromium: a coordinator uploads a file with a mistake, sees the row and
column in the report, uploads the corrected file, imports it, watches the progress complete and finds the
patients listed. Axe checks each page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kindred.care.models import Episode
from kindred.care.tests.factories import years_ago
from kindred.imports.tests.helpers import csv_bytes, family, xlsx_bytes
from kindred.people.models import Person
from kindred.tests.browser.helpers import log_in, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_violations(page) -> None:
    assert serious_accessibility_violations(page) == [], page.url


def _rows() -> list[dict]:
    """Ten families, each a patient and two children: 30 rows."""
    rows = []
    for n in range(1, 11):
        rows += family(
            str(n),
            {"given_name": f"Pasient{n}", "family_name": "Berg", "birth_date": years_ago(30 + n).isoformat()},
            {"given_name": f"Barn{n}a", "family_name": "Berg", "birth_date": years_ago(5).isoformat()},
            {"given_name": f"Barn{n}b", "family_name": "Berg", "birth_year": str(years_ago(9).year)},
        )
    return rows


def test_a_coordinator_imports_a_spreadsheet(world, page, settings):
    settings.IMPORT_CHUNK_ROWS = 4  # several htmx steps for 30 rows
    log_in(page, world.coordinator.email)
    page.wait_for_url("**/")
    page.get_by_test_id("nav-import").click()
    page.wait_for_url("**/import/")
    _no_violations(page)

    rows = _rows()
    rows[4]["birth_date"] = years_ago(20).isoformat()  # row 6: a "child" who is an adult
    page.set_input_files(
        "input[name=file]", files=[{"name": "familier.csv", "mimeType": "text/csv", "buffer": csv_bytes(rows)}]
    )
    page.get_by_test_id("upload-form").locator("button[type=submit]").click()
    page.wait_for_url("**/import/*/")
    expect(page.get_by_test_id("checking")).to_be_visible()
    expect(page.get_by_test_id("invalid-summary")).to_be_visible()
    problem = page.get_by_test_id("problem")
    expect(problem).to_have_count(1)
    expect(problem).to_have_attribute("data-row", "6")
    expect(problem).to_have_attribute("data-column", "birth_date")
    expect(page.get_by_test_id("import-form")).to_have_count(0)
    expect(page.get_by_test_id("preview-row")).to_have_count(20)
    _no_violations(page)
    assert not Person.objects.exists()

    rows[4]["birth_date"] = years_ago(12).isoformat()
    page.goto("/import/")
    page.set_input_files(
        "input[name=file]",
        files=[
            {
                "name": "familier.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": xlsx_bytes(rows),
            }
        ],
    )
    page.get_by_test_id("upload-form").locator("button[type=submit]").click()
    page.wait_for_url("**/import/*/")
    expect(page.get_by_test_id("valid-summary")).to_be_visible()
    _no_violations(page)

    page.get_by_test_id("import-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("imported")).to_be_visible()
    expect(page.locator("#import-done")).to_have_attribute("value", "100")
    expect(page.get_by_test_id("imported-person")).to_have_count(10)
    expect(page.get_by_test_id("imported-persons")).to_contain_text("Pasient1 Berg")
    _no_violations(page)
    assert Episode.objects.count() == 10 and Person.objects.count() == 30

    page.get_by_role("link", name="Pasient1 Berg").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pasient1 Berg")
