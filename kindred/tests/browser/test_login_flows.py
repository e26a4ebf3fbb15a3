import base64
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from kindred.audit.models import AccessLog
from kindred.orgs.models import Membership, Role
from kindred.tests.browser.helpers import log_in, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_in_switch_organisation_switch_language_log_out(world, page):
    Membership.objects.create(user=world.clinician, organisation=world.other, role=Role.COORDINATOR)
    log_in(page, "cora@example.no")
    expect(page.get_by_test_id("active-role")).to_be_visible()
    first = page.get_by_test_id("active-role").inner_text()
    # Switch to the other membership with the header form.
    select = page.locator("#switch-membership")
    other_value = select.locator("option:not([selected])").first.get_attribute("value")
    select.select_option(other_value)
    page.wait_for_load_state("load")
    expect(page.get_by_test_id("active-role")).not_to_have_text(first)
    # Switch language to English, then Danish.
    page.locator("#language").select_option("en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("#language").select_option("da")
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Velkommen")
    page.locator("header").get_by_role("button", name="Log ud").click()
    page.wait_for_url("**/login/")
    page.goto("/")
    page.wait_for_url("**/login/")


def test_failed_logins_lock_the_account(world, page):
    for _attempt in range(5):
        log_in(page, "cora@example.no", "wrong-password")
    expect(page.get_by_role("heading", level=1)).to_contain_text("For mange mislykkede forsøk")
    # Even the right password is refused while locked.
    log_in(page, "cora@example.no")
    expect(page.get_by_role("heading", level=1)).to_contain_text("For mange mislykkede forsøk")
    assert not AccessLog.objects.filter(action="login").exists()
    assert AccessLog.objects.filter(action="failed_login", user=world.clinician).count() >= 5


def test_two_factor_enrolment_and_login(world, page):
    log_in(page, "cora@example.no")
    page.goto("/account/two-factor/setup/")
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    totp = TOTP(base64.b32decode(secret))
    page.fill("input[name=token]", f"{totp.token():06d}")
    page.locator("main button[type=submit]").click()
    expect(page.get_by_test_id("two-factor-status")).to_contain_text("på")
    page.locator("header").get_by_role("button", name="Logg ut").click()
    # Log in again: password, a wrong code, then the next unused code.
    log_in(page, "cora@example.no")
    page.wait_for_url("**/login/verify/")
    page.fill("input[name=token]", "000000" if totp.token() != 0 else "111111")
    page.locator("main button[type=submit]").click()
    expect(page.locator(".ds-validation-message")).to_be_visible()
    # django-otp throttles after a wrong code (1 s after the first failure).
    page.wait_for_timeout(1100)
    page.fill("input[name=token]", next_code_for(TOTPDevice.objects.get(user=world.clinician, confirmed=True)))
    page.locator("main button[type=submit]").click()
    expect(page.get_by_test_id("active-role")).to_be_visible()


def next_code_for(device: TOTPDevice) -> str:
    """The code the authenticator shows next, as the server will count it.

    The server accepts steps t-1..t+1 around its clock shifted by the device's drift, and
    never a step at or before the last one used. Enrolment that crossed a 30-second
    boundary leaves a drift of -1, so "the code 30 seconds from now" may be out of reach.
    """
    now = (int(time.time()) - device.t0) // device.step + device.drift
    step = max(device.last_t + 1, now)
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    totp.time = device.t0 + step * device.step + device.step // 2
    return f"{totp.token():06d}"


def test_login_and_start_pages_are_accessible(world, page):
    page.goto("/login/")
    assert serious_accessibility_violations(page) == []
    log_in(page, "cora@example.no")
    expect(page.get_by_test_id("active-role")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    page.goto("/account/")
    assert serious_accessibility_violations(page) == []
