"""The leader enrols a child-responsible staff member in the standard course, records the completion and sees the
gap close in the overview, in a real Chromium. Axe checks every page on the way."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kindred.competence.models import Enrolment
from kindred.competence.tests.factories import course
from kindred.tests.browser.helpers import log_in, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_violations(page) -> None:
    assert serious_accessibility_violations(page) == [], page.url


def test_the_leader_closes_a_training_gap(world, page):
    basic = course()
    log_in(page, "ada@example.no")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto("/competence/overview/")
    expect(page.locator("[data-testid=training-row][data-state=missing]")).to_have_count(1)
    _no_violations(page)

    page.goto("/competence/")
    expect(page.get_by_test_id("course-row")).to_have_count(1)
    _no_violations(page)
    page.get_by_role("link", name=basic.title).click()
    page.wait_for_url(f"**/competence/courses/{basic.pk}/")
    _no_violations(page)
    page.select_option("#id_user", str(world.child_responsible.pk))
    page.locator("[data-testid=enrol-staff-form] button[type=submit]").click()
    page.wait_for_url(f"**/competence/courses/{basic.pk}/")
    expect(page.get_by_test_id("enrolment-row")).to_have_count(1)
    enrolment = Enrolment.objects.get()
    page.fill(f"#id_c{enrolment.pk}-completed_on", timezone.localdate().isoformat())
    page.locator("[data-testid=completion-form] button[type=submit]").click()
    page.wait_for_url(f"**/competence/courses/{basic.pk}/")
    expect(page.get_by_test_id("enrolment-row")).to_contain_text("Ada Admin")
    _no_violations(page)

    page.goto("/competence/overview/")
    expect(page.locator("[data-testid=training-row][data-state=valid]")).to_have_count(1)
    _no_violations(page)
    page.goto("/competence/courses/new/")
    page.locator("[data-testid=course-form] button[type=submit]").click()
    expect(page.locator("[data-testid=course-form] .ds-validation-message").first).to_be_visible()
    _no_violations(page)
