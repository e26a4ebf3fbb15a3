"""Person search in a real Chromium: from "My patients" to a found person, and the pages pass axe."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kindred.care import services
from kindred.people.services import PersonData
from kindred.tests.browser.helpers import log_in, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_from_my_patients(world, browser, live_server):
    cora = world.actor(world.clinician)
    for given in ("Kari", "Karin"):
        services.register_patient(
            cora,
            PersonData(given_name=given, family_name="Nordmann", birth_year=1980),
            services.EpisodeData(kind="outpatient", started_on=timezone.localdate()),
        )
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, "cora@example.no")

    page.goto("/care/")
    assert serious_accessibility_violations(page) == []
    page.fill("#my-work-search-q", "kari nor")
    page.get_by_test_id("my-work-search").locator("button[type=submit]").click()
    page.wait_for_url("**/people/search/?q=*")
    expect(page.get_by_test_id("search-row")).to_have_count(2)
    assert serious_accessibility_violations(page) == []

    page.fill("#person-search-q", "karin")
    page.get_by_test_id("person-search-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("search-row")).to_have_count(1)
    page.get_by_test_id("search-row").get_by_role("link").click()
    page.wait_for_url("**/people/*/")
    expect(page.locator("h1")).to_have_text("Karin Nordmann")

    page.goto("/people/search/?q=k")
    expect(page.get_by_test_id("search-hint")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    context.close()
