"""A manager opens the statistics, drills down into a sub-unit, changes the period and exports to Excel."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from kindred.audit.models import AccessLog
from kindred.reports.scopes import Period
from kindred.reports.tests.test_views import episodes, sub_unit
from kindred.tests.browser.helpers import log_in, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def figures(world, settings):
    settings.STATS_SUPPRESSION_THRESHOLD = 3
    sub = sub_unit(world)
    day = Period.default().end.replace(day=1)
    episodes(world.unit, within=5, later=3, on=day)
    episodes(sub, within=4, unanswered=1, on=day)
    return sub


def test_manager_drills_down_changes_period_and_exports(world, figures, page):
    log_in(page, "ali@example.no")
    page.goto("/statistics/")
    expect(page.get_by_test_id("scope-heading")).to_contain_text(world.unit.name)
    card = page.get_by_test_id("metric-children_question")
    expect(card.get_by_test_id("total")).to_contain_text("13")
    expect(card.locator("svg title")).to_have_count(1)
    expect(card.locator("td[data-suppressed=true]").first).to_be_visible()
    assert serious_accessibility_violations(page) == []

    # Drill down into the sub-unit, and back up through the trail.
    card.get_by_role("link", name=figures.name).click()
    expect(page.get_by_test_id("scope-heading")).to_contain_text(figures.name)
    expect(page.get_by_test_id("scope-trail").get_by_role("link", name=world.unit.name)).to_be_visible()
    page.get_by_test_id("scope-trail").get_by_role("link", name=world.unit.name).click()
    expect(page.get_by_test_id("scope-heading")).to_contain_text(world.unit.name)

    # Another period: nothing happened in 2020, and the page says which period it shows.
    page.get_by_test_id("from-month").fill("2020-01")
    page.get_by_test_id("to-month").fill("2020-12")
    page.get_by_test_id("filter-submit").click()
    page.wait_for_url("**from_month=2020-01**")
    expect(page.get_by_test_id("period")).to_contain_text("2020")
    expect(page.get_by_test_id("metric-children_question").get_by_test_id("total")).to_have_text(re.compile(r"^0 "))
    assert "to_month=2020-12" in page.url

    # Back to the default period and export it.
    page.goto("/statistics/")
    with page.expect_download() as download:
        page.get_by_test_id("export-xlsx").click()
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(path, "rb") as file:
        book = load_workbook(io.BytesIO(file.read()))
    values = [v for sheet in book.worksheets[1:] for row in sheet.iter_rows(values_only=True) for v in row]
    assert 13 in values
    assert "–" in values
    assert all(v == 0 or v >= 3 for v in values if isinstance(v, int | float))
    assert AccessLog.objects.filter(user=world.analyst, action="export", object_type="reports.kpis").count() == 1


def test_metric_and_youth_pages_are_accessible(world, figures, page):
    log_in(page, "ali@example.no")
    page.goto("/statistics/metric/children_question/")
    expect(page.get_by_test_id("previous-table")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    page.goto("/statistics/young-people/")
    expect(page.get_by_test_id("youth-table")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    page.goto("/statistics/?print=1")
    expect(page.get_by_test_id("filter-form")).to_have_count(0)
    assert serious_accessibility_violations(page) == []
