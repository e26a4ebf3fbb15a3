"""The retention page and a person's export in a real Chromium: they work and pass axe; the export prints."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kindred.retention.models import RecordType, RetentionRule
from kindred.retention.services import months_before
from kindred.retention.tests.helpers import clinical_record, self_referral
from kindred.tests.browser.helpers import log_in, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_sets_a_rule_and_sees_the_dry_run(world, page):
    self_referral(world.unit, received=months_before(timezone.localdate(), 8))
    log_in(page, "ada@example.no")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.get_by_test_id("nav-retention").click()
    page.wait_for_url("**/retention/")
    expect(page.get_by_test_id("due-self_referral")).to_have_text("0")
    assert serious_accessibility_violations(page) == []

    page.check("input[name=self_referral_mode][value=months]")
    page.fill("input[name=self_referral_months]", "6")
    page.get_by_test_id("retention-form").locator("button[type=submit]").click()
    page.wait_for_url("**/retention/")
    expect(page.get_by_test_id("due-self_referral")).to_have_text("1")
    assert RetentionRule.objects.get(organisation=world.unit).record_type == RecordType.SELF_REFERRAL

    page.check("input[name=clinical_mode][value=months]")
    page.fill("input[name=clinical_months]", "12")
    page.get_by_test_id("retention-form").locator("button[type=submit]").click()
    expect(page.locator("#id_clinical_months_error")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    assert RetentionRule.objects.count() == 1


def test_a_clinician_opens_the_export_from_the_persons_page_and_it_prints(world, page):
    episode, _kid = clinical_record(world, ended_on=timezone.localdate())
    log_in(page, "cora@example.no")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto(f"/people/{episode.patient.pk}/")
    page.get_by_test_id("person-export-link").click()
    page.wait_for_url("**/export/")
    expect(page.get_by_test_id("person-export")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    page.select_option("#export-language", "en")
    page.locator("form.k-noprint button[type=submit]").click()
    page.wait_for_url("**/export/?language=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.emulate_media(media="print")
    expect(page.locator(".k-header")).to_be_hidden()
    assert len(page.pdf()) > 1000
