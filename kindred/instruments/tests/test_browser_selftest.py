"""Instruments in a real Chromium: a member of the public takes the alcohol self-test in Norwegian and in English
and gets the feedback of the zone their answers fall in, with no session cookie; a clinician fills in AUDIT
twice for a patient and follows the score in the history chart and the comparison. Every page is checked with axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kindred.care.tests.factories import patient_with_children
from kindred.instruments.loader import builtin_definitions
from kindred.instruments.models import Response
from kindred.tests.browser.helpers import log_in, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# AUDIT answers: items 1-8 score 0-4, items 9-10 score 0, 2 or 4.
ZONE_II = {**{f"q{n}": 1 for n in range(1, 9)}, "q9": 2, "q10": 2}  # 12
ZONE_IV = {**{f"q{n}": 2 for n in range(1, 9)}, "q9": 2, "q10": 2}  # 20


def _no_violations(page) -> None:
    assert serious_accessibility_violations(page) == [], page.url


def _answer(page, answers: dict[str, int]) -> None:
    for key, value in answers.items():
        page.check(f"input[name='item-{key}'][value='{value}']")


def _zone(key: str):
    return next(z for z in builtin_definitions()["audit"].zones if z.key == key)


def _fragment(text: str) -> str:
    """A zone-specific part of a feedback text: its first sentence."""
    return text.split(".")[0]


def test_public_alcohol_self_test_in_norwegian_and_english(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="nb-NO")
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "django_language", "value": "nb", "url": live_server.url}])
    page = context.new_page()

    page.goto("/self-test/")
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.get_by_test_id("selftest")).not_to_have_count(0)
    _no_violations(page)
    page.locator("[data-testid=selftest][data-key=audit] a").click()
    page.wait_for_url("**/self-test/audit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("AUDIT – test av alkoholvaner")
    expect(page.locator("input[name=keep]")).not_to_be_checked()
    _no_violations(page)

    # Sending without answers shows the form again with a message at every question.
    page.get_by_test_id("selftest-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    expect(page.locator(".ds-validation-message")).to_have_count(10)
    _no_violations(page)

    # Zone II in Norwegian.
    _answer(page, ZONE_II)
    page.get_by_test_id("selftest-form").locator("button[type=submit]").click()
    zone = _zone("zone_2")
    expect(page.get_by_test_id("zone")).to_have_text(zone.label.nb)
    expect(page.get_by_test_id("feedback")).to_contain_text(_fragment(zone.feedback.nb))
    expect(page.get_by_test_id("scores")).to_contain_text("12")
    expect(page.get_by_test_id("offer").first).to_contain_text("Rustelefonen")
    _no_violations(page)

    # The header switcher changes the language; zone IV in English, and this time the answers may be kept.
    page.locator("#language").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("AUDIT – Alcohol Use Disorders Identification Test")
    _no_violations(page)
    _answer(page, ZONE_IV)
    page.check("input[name=keep]")
    page.get_by_test_id("selftest-form").locator("button[type=submit]").click()
    zone = _zone("zone_4")
    expect(page.get_by_test_id("zone")).to_have_text(zone.label.en)
    expect(page.get_by_test_id("feedback")).to_contain_text(_fragment(zone.feedback.en))
    expect(page.get_by_test_id("feedback")).not_to_contain_text(_fragment(_zone("zone_2").feedback.en))
    expect(page.get_by_test_id("kept")).to_be_visible()
    _no_violations(page)

    assert "sessionid" not in {c["name"] for c in context.cookies()}
    kept = Response.objects.get()
    assert kept.scores["total"] == 20 and kept.person_id is None and kept.created_by_id is None
    context.close()


def test_clinician_fills_in_audit_twice_and_follows_the_score(world, browser, live_server):
    episode, _children = patient_with_children(world.actor(world.clinician))
    patient = episode.patient
    context = browser.new_context(base_url=live_server.url, locale="nb-NO")
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, "cora@example.no")
    page.wait_for_url(lambda url: "/login/" not in url)

    for answers in (ZONE_IV, ZONE_II):
        page.goto(f"/people/{patient.pk}/")
        page.get_by_test_id("fill-in-instrument").click()
        page.locator("[data-testid=choose-instrument][data-key=audit] a").click()
        page.wait_for_url(f"**/instruments/people/{patient.pk}/new/*/")
        _no_violations(page)
        _answer(page, answers)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"**/instruments/people/{patient.pk}/#instrument-audit")

    group = page.locator("[data-testid=history-group][data-key=audit]")
    chart = group.get_by_test_id("chart")
    expect(chart).to_be_visible()
    expect(chart.locator("title")).to_have_count(1)
    expect(chart.locator("desc")).to_contain_text("Sone IV")
    expect(chart.locator(".k-chart-value")).to_have_text(["20", "12"])
    expect(group.get_by_test_id("history-row")).to_have_count(2)
    expect(group.get_by_test_id("difference").first).to_have_text("−8")
    expect(group.get_by_test_id("comparison")).to_contain_text(_zone("zone_2").label.nb)
    _no_violations(page)
    assert Response.objects.filter(person=patient, created_by=world.clinician).count() == 2
    context.close()
