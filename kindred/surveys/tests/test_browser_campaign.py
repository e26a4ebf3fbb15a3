"""A survey campaign in a real Chromium: an analyst creates and opens it, eight respondents answer through
the link, each in a browser of their own that keeps no cookie, and the report after closing shows the
counts with the small ones hidden. Axe checks the respondents' pages and the report."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kindred.instruments.models import Instrument, Response
from kindred.surveys.models import Campaign
from kindred.tests.browser.helpers import log_in, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# (feelings thermometer value, group): six feel good in group A, two are in between in group B.
ANSWERS = [(8, "A")] * 6 + [(5, "B")] * 2


def _no_violations(page) -> None:
    assert serious_accessibility_violations(page) == [], page.url


def _respond(browser, live_server, link: str, thermometer: Instrument, value: int, group: str, *, check: bool):
    context = browser.new_context(base_url=live_server.url, locale="nb-NO")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Trivsel i gruppene")
    if check:
        _no_violations(page)
    page.get_by_test_id("start-survey").click()
    page.wait_for_url("**/answer/")
    if check:
        _no_violations(page)
        # Sending without the thermometer answer names the question and stores nothing.
        page.check(f"input[name=bg_group][value={group}]")
        page.locator("[data-testid=questionnaire] button[type=submit]").click()
        expect(page.get_by_test_id("error-summary")).to_be_visible()
        assert not Response.objects.exists()
        _no_violations(page)
    page.check(f"input[name=bg_group][value={group}]")
    page.check(f"input[name=i{thermometer.pk}_today][value='{value}']")
    page.locator("[data-testid=questionnaire] button[type=submit]").click()
    expect(page.get_by_test_id("feedback")).to_have_count(1)
    if check:
        _no_violations(page)
    assert context.cookies() == [], "a respondent's browser keeps no cookie"
    context.close()


def test_analyst_runs_a_campaign_that_respondents_answer(world, browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="nb-NO")
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, "ali@example.no")
    page.wait_for_url(lambda url: "/login/" not in url)

    # Create the campaign.
    page.get_by_test_id("nav-surveys").click()
    page.wait_for_url("**/surveys/")
    page.locator("a[href='/surveys/new/']").click()
    page.wait_for_url("**/surveys/new/")
    _no_violations(page)
    thermometer = Instrument.objects.get(key="feelings_thermometer", organisation__isnull=True)
    page.fill("#id_title", "Trivsel i gruppene")
    page.fill("#id_description", "Vi vil vite hvordan dere har det.")
    page.check(f"input[name=instruments][value='{thermometer.pk}']")
    page.fill("#id_background_questions", "group: Gruppe | A, B")
    page.check("input[name=access][value=link]")
    page.locator("[data-testid=campaign-form] button[type=submit]").click()
    page.wait_for_url("**/surveys/*/")
    campaign = Campaign.objects.get()
    assert campaign.status == "draft" and campaign.threshold == 5

    # Open it and take the link.
    page.locator("main form[action$='/open/'] button").click()
    page.wait_for_url(f"**/surveys/{campaign.pk}/")
    campaign.refresh_from_db()
    assert campaign.status == "open"
    _no_violations(page)
    link = page.get_by_test_id("share-link").input_value()
    assert link.endswith(f"/survey/{campaign.token}/")

    for n, (value, group) in enumerate(ANSWERS):
        _respond(browser, live_server, link, thermometer, value, group, check=n == 0)
    assert Response.objects.filter(campaign=campaign).count() == len(ANSWERS)

    # No report while open; after closing, the counts with the small ones hidden.
    page.locator(f"a[href='/surveys/{campaign.pk}/report/']").click()
    expect(page.get_by_test_id("report-not-ready")).to_be_visible()
    page.goto(f"/surveys/{campaign.pk}/")
    page.locator("main form[action$='/close/'] button").click()
    page.wait_for_url(f"**/surveys/{campaign.pk}/")
    page.locator(f"a[href='/surveys/{campaign.pk}/report/']").click()
    page.wait_for_url("**/report/")
    expect(page.get_by_test_id("respondents")).to_contain_text("8")
    assert page.locator("[data-suppressed=true]").count() >= 1
    expect(page.get_by_test_id("zone-chart")).to_have_count(1)
    expect(page.get_by_test_id("report-table").first).to_be_visible()
    _no_violations(page)
    context.close()
