"""Programme sessions in a real Chromium: the group leader records attendance for her group, and a head count
for a meeting-place gathering. Axe checks the run page and the session pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kindred.programs import services
from kindred.programs.models import Attendance
from kindred.programs.tests.factories import participant, run
from kindred.tests.browser.helpers import log_in, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_violations(page) -> None:
    assert serious_accessibility_violations(page) == [], page.url


def _log_in_as_grete(page) -> None:
    log_in(page, "grete@example.no")
    page.wait_for_url(lambda url: "/login/" not in url)


def test_the_group_leader_records_attendance(world, page):
    group = run(world, "stress-strain-coping-support", title="Pårørendegruppe tirsdag")
    run(world, "stress-strain-coping-support", title="Catos gruppe", leaders=[world.coordinator])
    cato = world.actor(world.coordinator)
    anna = services.enrol(cato, group, participant(world, "Anna"))
    berit = services.enrol(cato, group, participant(world, "Berit", email="berit@example.no"))

    _log_in_as_grete(page)
    page.goto("/programmes/")
    expect(page.get_by_test_id("run-row")).to_have_count(1)
    page.get_by_role("link", name="Pårørendegruppe tirsdag").click()
    page.wait_for_url(f"**/programmes/runs/{group.pk}/")
    expect(page.get_by_test_id("session-row")).to_have_count(5)
    expect(page.get_by_test_id("enrolled-row")).to_have_count(2)
    _no_violations(page)

    first = group.sessions.get(number=1)
    page.locator(f"a[href='/programmes/sessions/{first.pk}/']").click()
    page.wait_for_url(f"**/programmes/sessions/{first.pk}/")
    expect(page.get_by_test_id("attendance-row")).to_have_count(2)
    _no_violations(page)
    page.check(f"#attendance-{anna.pk}-present")
    page.check(f"#attendance-{berit.pk}-excused")
    page.locator("[data-testid=attendance-form] button[type=submit]").click()
    page.wait_for_url(f"**/programmes/sessions/{first.pk}/")
    expect(page.locator("main .ds-alert[data-color=success]")).to_be_visible()
    expect(page.locator(f"#attendance-{anna.pk}-present")).to_be_checked()
    expect(page.locator(f"#attendance-{berit.pk}-excused")).to_be_checked()
    assert dict(Attendance.objects.values_list("enrolment_id", "status")) == {anna.pk: "present", berit.pk: "excused"}
    _no_violations(page)

    # The run page counts who came.
    page.goto(f"/programmes/runs/{group.pk}/")
    expect(page.get_by_test_id("session-row").first.locator("td").nth(4)).to_have_text("1")


def test_a_head_count_at_the_meeting_place(world, page):
    gathering = run(world, key="meeting-place", title="Møteplass våren")
    session = gathering.sessions.get(number=1)

    _log_in_as_grete(page)
    page.goto(f"/programmes/runs/{gathering.pk}/")
    _no_violations(page)
    page.locator(f"a[href='/programmes/sessions/{session.pk}/']").click()
    page.wait_for_url(f"**/programmes/sessions/{session.pk}/")
    expect(page.get_by_test_id("attendance-form")).to_have_count(0)
    _no_violations(page)
    page.fill("#id_count-head_count", "17")
    page.locator("[data-testid=head-count-form] button[type=submit]").click()
    page.wait_for_url(f"**/programmes/sessions/{session.pk}/")
    expect(page.get_by_test_id("head-count")).to_contain_text("17")
    expect(page.locator("#id_count-head_count")).to_have_value("17")
    session.refresh_from_db()
    assert session.head_count == 17
    _no_violations(page)

    page.goto(f"/programmes/runs/{gathering.pk}/")
    expect(page.get_by_test_id("session-row").first.locator("td").nth(4)).to_have_text("17")


def test_the_other_programme_pages_are_accessible(world, page):
    """Axe on the coordinator's pages: lists, templates, planning, sign-up, the participant, notes, print."""
    group = run(world, "stress-strain-coping-support", title="Pårørendegruppe tirsdag")
    cato = world.actor(world.coordinator)
    anna = services.enrol(cato, group, participant(world, "Anna"))
    network = group.sessions.get(number=4)
    log_in(page, "cato@example.no")
    page.wait_for_url(lambda url: "/login/" not in url)
    for url in (
        "/programmes/",
        "/programmes/templates/",
        f"/programmes/templates/{group.template_id}/",
        f"/programmes/templates/{group.template_id}/plan/",
        "/programmes/templates/new/",
        f"/programmes/runs/{group.pk}/",
        f"/programmes/runs/{group.pk}/edit/",
        f"/programmes/runs/{group.pk}/print/",
        f"/programmes/sessions/{network.pk}/edit/",
        f"/programmes/enrolments/{anna.pk}/",
        f"/programmes/enrolments/{anna.pk}/sessions/{network.pk}/note/",
        f"/programmes/enrolments/{anna.pk}/measures/symptom_rating/baseline/",
    ):
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        _no_violations(page)
    # Errors shown on a form are accessible too.
    page.goto(f"/programmes/runs/{group.pk}/")
    page.locator("[data-testid=enrol-form] button[type=submit]").click()
    expect(page.locator("[data-testid=enrol-form] .ds-validation-message").first).to_be_visible()
    _no_violations(page)
