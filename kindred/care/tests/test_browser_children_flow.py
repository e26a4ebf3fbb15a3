"""The whole children flow in a real Chromium: intake with two children, both child sheets, a talk,
a follow-up task that turns overdue on the child-responsible's overview, and a concern report whose
three-week reminder appears."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kindred.care.models import ChildSheet, ConcernReport, Episode, InformationGiven, Task
from kindred.people.synthetic import first_valid_fnr
from kindred.tests.browser.helpers import log_in, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _years_ago(years: int, days: int = 0):
    today = timezone.localdate()
    return today.replace(year=today.year - years) - timedelta(days=days)


def test_clinician_intake_to_concern_report(world, browser, live_server):
    today = timezone.localdate()
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, "cora@example.no")

    # Intake of a new patient.
    page.goto("/care/intake/")
    page.fill("#id_person-given_name", "Tone")
    page.fill("#id_person-family_name", "Testesen")
    page.fill("#id_person-national_id", first_valid_fnr(_years_ago(38, 12), 77))
    page.select_option("#id_episode-kind", "outpatient")
    page.check("input[name='episode-problem_areas'][value='alcohol']")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/children-answer/")
    assert serious_accessibility_violations(page) == []

    # The children question with two children.
    page.check("input[name=children_answer][value=has]")
    page.check("input[name=siblings_answer][value=none]")
    page.fill("#id_child-0-given_name", "Lea")
    page.fill("#id_child-0-family_name", "Testesen")
    page.fill("#id_child-0-birth_date", _years_ago(7, 30).isoformat())
    page.fill("#id_child-1-given_name", "Magnus")
    page.fill("#id_child-1-family_name", "Testesen")
    page.fill("#id_child-1-birth_date", _years_ago(14, 30).isoformat())
    page.select_option("#id_child-1-parental_responsibility", "shared")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/care/episodes/*/")
    expect(page.get_by_test_id("child-card")).to_have_count(2)
    episode = Episode.objects.get(patient__given_name="Tone")
    lea = episode.patient.relationships_from.get(other__given_name="Lea").other
    magnus = episode.patient.relationships_from.get(other__given_name="Magnus").other
    assert serious_accessibility_violations(page) == []

    # Both child sheets.
    for child, concern in ((lea, "some"), (magnus, "none")):
        page.locator(f"a[href$='/children/{child.pk}/sheet/']").click()
        assert serious_accessibility_violations(page) == []
        page.fill("#id_q_lives_where", "Hjemme med mor")
        page.select_option("#id_concern_level", concern)
        page.select_option("#id_who_informs", "this_service")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"**/care/episodes/{episode.pk}/")
    assert ChildSheet.objects.filter(episode=episode).count() == 2

    # A talk with the older child.
    page.locator(f"a[href$='/children/{magnus.pk}/information/']").click()
    page.fill("#id_given_on", today.isoformat())
    page.select_option("#id_form", "talk")
    page.fill("#id_present", "Magnus og mor")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/care/episodes/{episode.pk}/")
    assert InformationGiven.objects.filter(child=magnus).count() == 1

    # A follow-up task for the younger child, assigned to the child-responsible.
    page.locator(f"a[href$='/tasks/new/?child={lea.pk}']").click()
    page.fill("#id_title", "Følge opp Lea i barnehagen")
    page.select_option("#id_assignee", str(world.child_responsible.pk))
    page.fill("#id_due_on", today.isoformat())
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/care/episodes/{episode.pk}/")
    page.locator("main form[action$='/leave-intake/'] button").click()
    expect(page.get_by_test_id("episode-status")).not_to_have_text("Inntak")
    context.close()

    # The child-responsible sees both children; the task turns overdue.
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, "bo@example.no")
    page.goto("/care/children/")
    rows = page.get_by_test_id("child-row")
    expect(rows).to_have_count(2)
    assert serious_accessibility_violations(page) == []
    expect(rows.filter(has_text="Lea").get_by_test_id("overdue-count")).to_have_text("0")
    Task.objects.filter(child=lea).update(due_on=today - timedelta(days=1))
    page.reload()
    expect(rows.filter(has_text="Lea").get_by_test_id("overdue-count")).to_have_text("1")
    page.goto("/care/tasks/")
    expect(page.locator("[data-overdue=true]")).to_have_count(1)
    assert serious_accessibility_violations(page) == []

    # A concern report is sent; after three weeks without feedback the reminder appears.
    page.goto(f"/care/episodes/{episode.pk}/children/{lea.pk}/concern-report/")
    page.fill("#id_recipient", "Barneverntjenesten i Stavanger")
    page.select_option("#id_basis", "own_initiative")
    page.fill("#id_reason", "Barnet er mye alene om kveldene.")
    page.check("input[name=parent_informed][value=true]")
    page.fill("#id_sent_on", today.isoformat())
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/care/episodes/{episode.pk}/")
    expect(page.get_by_test_id("feedback-reminder")).to_have_count(0)
    ConcernReport.objects.filter(child=lea).update(sent_on=today - timedelta(days=22))
    page.reload()
    expect(page.get_by_test_id("feedback-reminder")).to_have_count(1)
    context.close()
