from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from kindred.middleware import IdleSessionMiddleware
from kindred.testing import PASSWORD

pytestmark = pytest.mark.django_db


def test_logout_everywhere_ends_other_sessions(world):
    laptop = world.client_for(world.clinician)
    phone = world.client_for(world.clinician)
    assert phone.get(reverse("start")).status_code == 200
    response = laptop.post(reverse("accounts:logout_everywhere"))
    assert response.status_code == 302
    assert phone.get(reverse("start")).url == reverse("accounts:login")
    assert laptop.get(reverse("start")).url == reverse("accounts:login")


def test_logout_needs_post(world):
    client = world.client_for(world.clinician)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("start")).status_code == 302


def test_sessions_expire_after_idle_timeout():
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60 == 30 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def _session_row(client):
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_requests_renew_the_session_at_most_once_per_renew_interval(world):
    client = world.client_for(world.clinician)
    assert client.get(reverse("start")).status_code == 200
    first = _session_row(client).expire_date
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("start")).status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert _session_row(client).expire_date == first
    # Once the last renewal is older than SESSION_RENEW_SECONDS, the next request renews it.
    session = client.session
    session[IdleSessionMiddleware.RENEWED] -= settings.SESSION_RENEW_SECONDS
    session.save()
    assert client.get(reverse("start")).status_code == 200
    assert _session_row(client).expire_date > first


def test_an_idle_session_ends(world):
    client = world.client_for(world.clinician)
    assert client.get(reverse("start")).status_code == 200
    Session.objects.filter(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(reverse("start")).url == reverse("accounts:login")


def test_anonymous_visitors_get_no_session(client):
    assert client.get(reverse("directory:search")).status_code == 200
    assert settings.SESSION_COOKIE_NAME not in client.cookies
    assert not Session.objects.exists()


def test_open_redirect_after_login_is_refused(world):
    response = world.client_for(world.clinician)
    client = response
    client.logout()
    response = client.post(
        reverse("accounts:login") + "?next=https://evil.example/",
        {"email": "cora@example.no", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.url == reverse("start")


def test_user_with_two_factor_must_give_a_code(world):
    device = TOTPDevice.objects.create(user=world.clinician, name="phone", confirmed=True)
    client = world.client_for(world.clinician)
    client.logout()
    response = client.post(reverse("accounts:login"), {"email": "cora@example.no", "password": PASSWORD})
    assert response.url == reverse("accounts:two_factor_verify")
    assert client.get(reverse("start")).status_code == 302  # not logged in yet
    response = client.post(reverse("accounts:two_factor_verify"), {"token": "abc"})
    assert "Enter the six digits" in response.content.decode() or response.context["form"].errors
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    response = client.post(reverse("accounts:two_factor_verify"), {"token": f"{totp.token():06d}"})
    assert response.status_code == 302
    assert client.get(reverse("start")).status_code == 200


def test_organisation_requiring_two_factor_sends_personal_data_roles_to_setup(world):
    world.unit.require_two_factor = True
    world.unit.save()
    clinician = world.client_for(world.clinician)
    assert clinician.get(reverse("start")).url == reverse("accounts:two_factor_setup")
    assert clinician.get(reverse("accounts:two_factor_setup")).status_code == 200
    assert clinician.get(reverse("api:me")).status_code == 403
    # An analyst sees no personal data and is not forced.
    assert world.client_for(world.analyst).get(reverse("start")).status_code == 200
