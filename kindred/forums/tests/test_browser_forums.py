"""A network meeting is held in a real Chromium: the child-responsible writes the agenda and the minutes (a
client's name is refused first), records who attended from both organisations, and prints the minutes. Axe
checks every page on the way."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from kindred.care.tests.factories import patient_with_children
from kindred.forums.tests.factories import network, pia, series
from kindred.tests.browser.helpers import log_in, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_violations(page) -> None:
    assert serious_accessibility_violations(page) == [], page.url


def test_a_network_meeting_is_held_with_attendance_and_minutes(world, page):
    patient_with_children(world.actor(world.clinician), given_name="Kari", family_name="Nordmann")
    planned = series(world, network(world), first=date(2025, 1, 14), count=3)
    meeting = planned.meetings.order_by("date").first()

    log_in(page, "bo@example.no")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto("/forums/")
    expect(page.get_by_test_id("series-row")).to_have_count(1)
    _no_violations(page)
    page.get_by_role("link", name="Månedlig forum for barneansvarlige").click()
    page.wait_for_url(f"**/forums/series/{planned.pk}/")
    expect(page.get_by_test_id("meeting-row")).to_have_count(3)
    _no_violations(page)
    page.locator(f"a[href='/forums/meetings/{meeting.pk}/']").click()
    page.wait_for_url(f"**/forums/meetings/{meeting.pk}/")
    _no_violations(page)

    # The minutes name a client: refused, with the message on the field, and nothing saved.
    page.get_by_test_id("edit-link").click()
    page.wait_for_url(f"**/forums/meetings/{meeting.pk}/edit/")
    _no_violations(page)
    page.fill("#id_agenda", "1. Erfaringsdeling\n2. Nytt fra kompetansesenteret")
    page.fill("#id_minutes", "Vi drøftet Kari Nordmann og barna.")
    page.locator("[data-testid=meeting-form] button[type=submit]").click()
    expect(page.locator("#id_minutes_error")).to_be_visible()
    expect(page.locator("#id_minutes")).to_have_attribute("aria-invalid", "true")
    meeting.refresh_from_db()
    assert meeting.minutes == "" and meeting.agenda == ""
    _no_violations(page)

    page.fill("#id_minutes", "Vi drøftet en familie med tre barn, uten navn. Neste gang: barnesamtaler.")
    page.locator("[data-testid=meeting-form] button[type=submit]").click()
    page.wait_for_url(f"**/forums/meetings/{meeting.pk}/")
    expect(page.get_by_test_id("minutes")).to_contain_text("uten navn")
    expect(page.get_by_test_id("agenda")).to_contain_text("Erfaringsdeling")

    # Attendance: Bo from the unit and Pia from the partner municipality.
    page.get_by_test_id("attendance-link").click()
    page.wait_for_url(f"**/forums/meetings/{meeting.pk}/attendance/")
    _no_violations(page)
    page.check(f"#present-{world.child_responsible.pk}")
    page.check(f"#present-{pia().pk}")
    page.locator("[data-testid=attendance-form] button[type=submit]").click()
    page.wait_for_url(f"**/forums/meetings/{meeting.pk}/")
    expect(page.locator("main .ds-alert[data-color=success]")).to_be_visible()
    expect(page.get_by_test_id("attendance-list").locator("li")).to_have_count(2)
    expect(page.get_by_test_id("attendance-list")).to_contain_text("Pia Partner")
    _no_violations(page)
    assert set(meeting.attendance.values_list("user_id", flat=True)) == {world.child_responsible.pk, pia().pk}

    page.get_by_test_id("print-link").click()
    page.wait_for_url(f"**/forums/meetings/{meeting.pk}/print/")
    expect(page.get_by_test_id("print-minutes")).to_contain_text("uten navn")
    expect(page.get_by_test_id("print-attendance").locator("li")).to_have_count(2)
    _no_violations(page)

    # Planning a new series is accessible too, also with its errors shown.
    page.goto("/forums/new/")
    _no_violations(page)
    page.locator("[data-testid=series-form] button[type=submit]").click()
    expect(page.locator("[data-testid=series-form] .ds-validation-message").first).to_be_visible()
    _no_violations(page)
