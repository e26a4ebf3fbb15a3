"""Cooperation in a real Chromium: a specialist unit records a consent, refers a patient's child to the
school health service, the health nurse accepts and sees only the consented parts until the consent is
withdrawn; and an anonymous consultation is asked and answered (one naming a national id is refused)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kindred.care.tests.factories import patient_with_children, years_ago
from kindred.consent.models import Consent
from kindred.orgs.models import Organisation, Role
from kindred.people.synthetic import first_valid_fnr
from kindred.referrals.models import ChildAgreement, Consultation, ConsultationReply, Referral
from kindred.testing import make_user
from kindred.tests.browser.helpers import log_in, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _page(browser, live_server, email: str):
    context = browser.new_context(base_url=live_server.url, locale="nb-NO")
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, email)
    page.wait_for_url(lambda url: "/login/" not in url)
    return context, page


def _no_violations(page) -> None:
    assert serious_accessibility_violations(page) == [], page.url


@pytest.fixture
def school(world):
    school = Organisation.objects.create(
        name="Solberg skolehelsetjeneste", kind=Organisation.Kind.SCHOOL_HEALTH, municipality_number="1103"
    )
    make_user("helle@example.no", "Helle Helsesøster", school, Role.CLINICIAN)
    return school


def _fill_referral(page, school, child) -> None:
    page.select_option("#id_to_organisation", str(school.pk))
    page.fill("#id_reason", "Kim trenger en trygg voksen på skolen mens mor er i behandling.")
    page.check("input[name=urgency][value=normal]")
    page.check("input[name=categories][value=children]")
    page.check(f"input[name=children][value='{child.pk}']")
    page.fill("#id_contact_person", "Cora Clinician, tlf. 51 00 00 00")
    page.get_by_test_id("referral-form").locator("button[type=submit]").click()


def test_consent_referral_acceptance_and_revocation(world, school, browser, live_server):
    episode, (kim,) = patient_with_children(world.actor(world.clinician), children=[("Kim", 9)])
    patient = episode.patient
    cora_context, cora = _page(browser, live_server, "cora@example.no")

    # From the person page to a referral: without a consent the form offers to record one.
    cora.goto(f"/people/{patient.pk}/")
    cora.get_by_test_id("refer").click()
    cora.wait_for_url(f"**/cooperation/referrals/new/{patient.pk}/")
    _no_violations(cora)
    _fill_referral(cora, school, kim)
    expect(cora.get_by_test_id("no-consent")).to_be_visible()
    assert not Referral.objects.exists()
    _no_violations(cora)

    # The consent: the children's situation, to the school health service (chosen already).
    cora.get_by_test_id("record-consent").click()
    cora.wait_for_url(f"**/consent/people/{patient.pk}/new/?to={school.pk}")
    expect(cora.locator("#id_recipient_organisation")).to_have_value(str(school.pk))
    cora.check("input[name=categories][value=children]")
    cora.fill("#id_purpose", "Oppfølging av Kim på skolen")
    cora.locator("main form button[type=submit]").click()
    cora.wait_for_url(f"**/people/{patient.pk}/")
    consent = Consent.objects.get(person=patient)
    assert (consent.recipient_organisation, consent.categories) == (school, ["children"])

    # The referral goes through now.
    cora.get_by_test_id("refer").click()
    _fill_referral(cora, school, kim)
    cora.wait_for_url("**/cooperation/referrals/*/")
    referral = Referral.objects.get()
    expect(cora.get_by_test_id("referral-status")).to_have_attribute("data-status", "sent")
    expect(cora.get_by_test_id("referral-children")).to_contain_text("Kim")
    _no_violations(cora)

    # The health nurse: a notification, the inbox, the referral (now received), accept.
    helle_context, helle = _page(browser, live_server, "helle@example.no")
    expect(helle.get_by_test_id("unread-count")).to_contain_text("1")
    helle.get_by_test_id("nav-notifications").click()
    helle.wait_for_url("**/cooperation/notifications/")
    expect(helle.locator("[data-testid=notification][data-unread=true]")).to_have_count(1)
    _no_violations(helle)
    helle.get_by_test_id("mark-read").click()
    expect(helle.locator("[data-testid=notification][data-unread=true]")).to_have_count(0)
    expect(helle.get_by_test_id("unread-count")).to_have_count(0)

    helle.get_by_test_id("nav-referrals").click()
    helle.wait_for_url("**/cooperation/referrals/")
    expect(helle.get_by_test_id("referral-row")).to_have_count(1)
    expect(helle.get_by_test_id("waiting")).to_have_count(1)
    _no_violations(helle)
    helle.get_by_test_id("referral-row").locator("a").click()
    helle.wait_for_url(f"**/cooperation/referrals/{referral.pk}/")
    expect(helle.get_by_test_id("referral-status")).to_have_attribute("data-status", "received")
    expect(helle.get_by_test_id("referral-reason")).to_contain_text("trygg voksen")
    _no_violations(helle)
    helle.get_by_test_id("status-accepted").click()
    expect(helle.get_by_test_id("referral-status")).to_have_attribute("data-status", "accepted")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED

    # Only the consented parts: the children's situation, no episodes.
    helle.get_by_test_id("shared-child-link").click()
    helle.wait_for_url(f"**/consent/shared/{kim.pk}/")
    expect(helle.get_by_test_id("shared-child")).to_have_count(1)
    expect(helle.get_by_test_id("shared-episodes")).to_have_count(0)
    _no_violations(helle)

    # Who does what: the nurse takes the talks with Kim.
    helle.get_by_test_id("agreements-link").click()
    helle.wait_for_url(f"**/cooperation/children/{kim.pk}/agreements/")
    _no_violations(helle)
    helle.select_option("#id_task", "talks")
    helle.select_option("#id_responsible_organisation", str(school.pk))
    helle.get_by_test_id("agreement-form").locator("button[type=submit]").click()
    expect(helle.locator("[data-task=talks] [data-testid=agreement-responsible]")).to_contain_text(school.name)
    assert ChildAgreement.objects.get().responsible_organisation == school

    # The clinician sees the agreement on the episode page, then withdraws the consent.
    cora.goto(f"/care/episodes/{episode.pk}/")
    expect(cora.get_by_test_id("child-agreements")).to_contain_text(school.name)
    _no_violations(cora)
    cora.goto(f"/people/{patient.pk}/")
    cora.locator(f"form[action$='/consent/{consent.pk}/revoke/'] button").click()
    cora.wait_for_url(f"**/people/{patient.pk}/")
    consent.refresh_from_db()
    assert consent.revoked_at is not None

    # The nurse's next request of the shared page is "not found".
    response = helle.goto(f"/consent/shared/{kim.pk}/")
    assert response.status == 404
    expect(helle.get_by_test_id("shared-child")).to_have_count(0)
    cora_context.close()
    helle_context.close()


def test_anonymous_consultation_asked_and_answered(world, school, browser, live_server):
    patient_with_children(world.actor(world.clinician), children=[("Kim", 9)])
    cora_context, cora = _page(browser, live_server, "cora@example.no")
    cora.get_by_test_id("nav-consultations").click()
    cora.wait_for_url("**/cooperation/consultations/")
    _no_violations(cora)
    cora.get_by_test_id("new-consultation").click()
    cora.wait_for_url("**/cooperation/consultations/new/")
    _no_violations(cora)

    # A national id makes it identifiable: refused, with the message on the question.
    fnr = first_valid_fnr(years_ago(34, days=40))
    cora.select_option("#id_to_organisation", str(school.pk))
    cora.fill("#id_title", "Mor i aktiv rus, barn på 9 år")
    cora.fill("#id_question", f"Gjelder {fnr}. Hvordan snakker vi med barnet?")
    cora.get_by_test_id("consultation-form").locator("button[type=submit]").click()
    expect(cora.locator("#id_question_error")).to_be_visible()
    expect(cora.locator("#id_question")).to_have_attribute("aria-invalid", "true")
    assert not Consultation.objects.exists()
    _no_violations(cora)

    # Without it the question goes.
    cora.fill("#id_question", "Mor er i aktiv rus. Hvordan snakker vi med et barn på 9 år om det?")
    cora.get_by_test_id("consultation-form").locator("button[type=submit]").click()
    cora.wait_for_url("**/cooperation/consultations/*/")
    consultation = Consultation.objects.get()
    assert consultation.person is None
    expect(cora.get_by_test_id("consultation-status")).to_have_attribute("data-status", "open")
    _no_violations(cora)

    # The health nurse answers.
    helle_context, helle = _page(browser, live_server, "helle@example.no")
    helle.get_by_test_id("nav-consultations").click()
    expect(helle.get_by_test_id("consultation-row")).to_have_count(1)
    helle.get_by_test_id("consultation-row").locator("a").click()
    helle.wait_for_url(f"**/cooperation/consultations/{consultation.pk}/")
    expect(helle.get_by_test_id("close-consultation")).to_have_count(0)
    helle.fill("#id_text", "Bruk enkle ord, og fortell at det ikke er barnets skyld.")
    helle.get_by_test_id("reply-form").locator("button[type=submit]").click()
    expect(helle.get_by_test_id("consultation-reply")).to_have_count(1)
    expect(helle.get_by_test_id("consultation-status")).to_have_attribute("data-status", "answered")
    _no_violations(helle)
    assert ConsultationReply.objects.get().organisation == school

    # The clinician reads the answer and closes the consultation.
    cora.reload()
    expect(cora.get_by_test_id("consultation-reply")).to_contain_text("ikke er barnets skyld")
    cora.get_by_test_id("close-consultation").click()
    expect(cora.get_by_test_id("consultation-status")).to_have_attribute("data-status", "closed")
    expect(cora.get_by_test_id("reply-form")).to_have_count(0)
    cora_context.close()
    helle_context.close()
