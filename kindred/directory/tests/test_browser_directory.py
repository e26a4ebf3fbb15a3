"""The help directory in a real Chromium: a young person finds a low-threshold service in her municipality
and asks it for help without logging in; the service's coordinator triages the request in the inbox and signs
her up for a group. Axe checks every public page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kindred.directory import services
from kindred.directory.models import SelfReferral, YouthIntake
from kindred.programs.tests import factories
from kindred.tests.browser.helpers import log_in, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_violations(page) -> None:
    assert serious_accessibility_violations(page) == [], page.url


def test_a_young_person_finds_help_and_sends_a_request(world, page):
    stavanger = factories.municipality()
    factories.municipality("0301", "Oslo", "Oslo")
    fyrlykta = factories.offer(
        world.unit, municipalities=[stavanger], youth_intake=True, name="Fyrlykta lavterskeltilbud"
    )
    factories.offer(
        world.unit,
        municipalities=[],
        nationwide=True,
        name="Foreldrekurs",
        for_young_people=False,
        for_parents=True,
        min_age=None,
        max_age=None,
    )

    page.goto("/help/")
    _no_violations(page)
    page.select_option("select[name=municipality]", str(stavanger.pk))
    page.check("input[name=audience][value=young_people]")
    page.fill("input[name=age]", "19")
    page.get_by_test_id("search-form").locator("button[type=submit]").click()
    page.wait_for_url("**/help/?*")
    offers = page.get_by_test_id("offer")
    expect(offers).to_have_count(1)
    expect(offers.first).to_contain_text("Fyrlykta lavterskeltilbud")
    _no_violations(page)

    offers.first.get_by_role("link", name="Fyrlykta lavterskeltilbud").click()
    page.wait_for_url(f"**/help/{fyrlykta.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fyrlykta lavterskeltilbud")
    _no_violations(page)

    page.get_by_test_id("contact-us").click()
    page.wait_for_url(f"**/help/{fyrlykta.pk}/contact/")
    _no_violations(page)

    # Sending without answers names the problems and stores nothing.
    form = page.get_by_test_id("self-referral-form")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    assert not SelfReferral.objects.exists()
    _no_violations(page)

    page.fill("textarea[name=help_wanted]", "Pappa drikker, og jeg vil snakke med noen.")
    page.fill("input[name=age]", "19")
    page.check("input[name=relation][value=parent]")
    page.fill("input[name=name]", "Ingrid")
    page.check("input[name=contact_method][value=sms]")
    page.fill("input[name=phone]", "912 34 567")
    page.fill("input[name=safe_times]", "Etter klokka 16")
    page.check("input[name=father_problem][value=yes]")
    page.check("input[name=talked_to][value=friend]")
    page.check("input[name=consent]")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/help/receipt/")
    referral = SelfReferral.objects.get()
    expect(page.get_by_test_id("reference")).to_have_text(referral.reference)
    _no_violations(page)

    assert referral.offer == fyrlykta and referral.name == "Ingrid" and referral.age == 19
    intake = YouthIntake.objects.get()
    assert intake.father_problem is True and intake.talked_to_friend and intake.mother_problem is None
    assert referral.reference not in page.url


def test_the_service_triages_and_enrols_her(world, page):
    offer = factories.offer(world.unit, nationwide=True, name="Fyrlykta lavterskeltilbud")
    referral = services.submit_self_referral(
        offer,
        services.SelfReferralData(
            help_wanted="Mamma spiller bort alle pengene.",
            age=22,
            relation="parent",
            contact_method="call",
            phone="912 34 567",
            name="Ingrid",
            consent=True,
        ),
    )
    run = factories.run(world)

    log_in(page, "cato@example.no")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto("/help/inbox/")
    row = page.get_by_test_id("inbox-row")
    expect(row).to_have_count(1)
    _no_violations(page)
    row.get_by_role("link", name=referral.reference).click()
    page.wait_for_url(f"**/help/inbox/{referral.pk}/")
    expect(page.get_by_test_id("help-wanted")).to_have_text("Mamma spiller bort alle pengene.")
    _no_violations(page)

    assign = page.get_by_test_id("assign-form")
    assign.locator("select[name=assigned_to]").select_option(str(world.coordinator.pk))
    assign.locator("button[type=submit]").click()
    page.wait_for_url(f"**/help/inbox/{referral.pk}/")
    expect(page.get_by_test_id("assigned-to")).to_have_text("Cato Coordinator")
    referral.refresh_from_db()
    assert referral.status == SelfReferral.Status.ASSIGNED

    page.get_by_test_id("contacted-form").locator("button[type=submit]").click()
    page.wait_for_url(f"**/help/inbox/{referral.pk}/")
    referral.refresh_from_db()
    assert referral.status == SelfReferral.Status.CONTACTED

    enrol = page.get_by_test_id("enrol-form")
    enrol.locator("select[name=run]").select_option(str(run.pk))
    enrol.locator("button[type=submit]").click()
    page.wait_for_url(f"**/help/inbox/{referral.pk}/")
    expect(page.get_by_test_id("enrolment-run")).to_have_text(run.title)
    _no_violations(page)

    referral.refresh_from_db()
    assert referral.status == SelfReferral.Status.CONVERTED
    enrolment = run.enrolments.get()
    assert enrolment.participant.name == "Ingrid" and referral.converted_enrolment == enrolment
