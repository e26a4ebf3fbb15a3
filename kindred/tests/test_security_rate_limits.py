"""Rate limits: login (django-axes per account and address, and failed logins per address), the public self-test
and self-referral, and the API (per token or user, and per address). Over the limit: 429, nothing stored."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kindred.care.models import Task
from kindred.care.tests.factories import patient_with_children, today
from kindred.directory.models import SelfReferral
from kindred.instruments.loader import builtin_definitions
from kindred.instruments.models import Response
from kindred.instruments.tests.test_builtin_definitions import answers_totalling
from kindred.orgs.services import issue_api_token
from kindred.programs.tests import factories
from kindred.testing import PASSWORD

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.9"


def _english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def _log_in(client: Client, email: str, password: str):
    return client.post(reverse("accounts:login"), {"email": email, "password": password}, REMOTE_ADDR=ADDRESS)


# --- login -----------------------------------------------------------------------------------------------------


def test_an_account_is_locked_after_the_configured_failures(world, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = _english(Client())
    for _attempt in range(3):
        _log_in(client, world.clinician.email, "wrong password")
    locked = _log_in(client, world.clinician.email, PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_failed_logins_from_one_address_across_accounts_are_limited(world, settings):
    """django-axes counts per account and address; this limit stops one address trying many accounts."""
    settings.LOGIN_RATE = "3/10m"
    client = _english(Client())
    for number in range(3):
        assert _log_in(client, f"nobody{number}@example.no", "guess").status_code == 200
    refused = _log_in(client, world.clinician.email, PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed logins from your network." in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address is not affected.
    other = client.post(
        reverse("accounts:login"), {"email": world.clinician.email, "password": PASSWORD}, REMOTE_ADDR="198.51.100.1"
    )
    assert other.status_code == 302


def test_successful_logins_do_not_count(world, settings):
    settings.LOGIN_RATE = "2/10m"
    for _attempt in range(4):
        assert _log_in(Client(), world.clinician.email, PASSWORD).status_code == 302


# --- public self-test and self-referral ---------------------------------------------------------------------


def test_self_test_answers_are_limited_per_address_and_the_refused_one_is_not_kept(settings):
    settings.SELF_TEST_RATE = "2/h"
    answers = answers_totalling(builtin_definitions()["audit"], "total", 12)
    data = {**{f"item-{k}": str(v) for k, v in answers.items()}, "keep": "on"}
    client = _english(Client(REMOTE_ADDR=ADDRESS))
    url = reverse("selftest:take", args=["audit"])
    assert [client.post(url, data).status_code for _ in range(2)] == [200, 200]
    refused = client.post(url, data)
    assert refused.status_code == 429
    assert "Many answers have been sent from your network" in refused.content.decode()
    assert Response.objects.count() == 2


def test_self_test_mistakes_do_not_count(settings):
    settings.SELF_TEST_RATE = "1/h"
    client = Client(REMOTE_ADDR=ADDRESS)
    url = reverse("selftest:take", args=["audit"])
    for _attempt in range(3):
        assert client.post(url, {"item-q1": "99"}).status_code == 200
    answers = answers_totalling(builtin_definitions()["audit"], "total", 3)
    assert client.post(url, {f"item-{k}": str(v) for k, v in answers.items()}).status_code == 200


def _referral(**changes) -> dict:
    return {
        "help_wanted": "Pappa spiller bort alle pengene.",
        "age": "17",
        "relation": "parent",
        "name": "Sara",
        "contact_method": "sms",
        "phone": "912 34 567",
        "safe_times": "Etter skolen",
        "consent": "on",
        "website": "",
        **changes,
    }


def test_self_referrals_are_limited_per_address_on_the_web_and_the_api_together(world, settings):
    settings.SELF_REFERRAL_RATE = "2/h"
    offer = factories.offer(world.unit, municipalities=[factories.municipality()], youth_intake=True)
    client = Client(REMOTE_ADDR=ADDRESS)
    assert client.post(reverse("directory:self_refer", args=[offer.pk]), _referral()).status_code == 302
    api_body = {
        "help_wanted": "Mamma drikker.",
        "age": 16,
        "relation": "parent",
        "contact_method": "sms",
        "phone": "912 34 567",
        "consent": True,
    }
    api_url = f"/api/v1/directory/offers/{offer.pk}/self-referrals"
    assert client.post(api_url, api_body, content_type="application/json").status_code == 201
    assert client.post(reverse("directory:self_refer", args=[offer.pk]), _referral()).status_code == 429
    refused = client.post(api_url, api_body, content_type="application/json", headers={"Accept-Language": "en"})
    assert refused.status_code == 429 and refused.json()["detail"]
    assert SelfReferral.objects.count() == 2


# --- API -------------------------------------------------------------------------------------------------------


def test_api_is_limited_per_token_with_a_translated_json_answer(world, settings):
    settings.API_RATE = "3/m"
    _token, plain = issue_api_token(world.actor(world.clinician), name="EPJ")
    client = Client()
    headers = {"Authorization": f"Bearer {plain}", "Accept-Language": "en"}
    assert [client.get(reverse("api:me"), headers=headers).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(reverse("api:me"), headers=headers)
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/json"
    assert refused.json() == {"detail": "Too many requests. Wait a moment and try again."}
    assert 1 <= int(refused["Retry-After"]) <= 60
    # Another token has its own allowance.
    _other, other_plain = issue_api_token(world.actor(world.coordinator), name="Other")
    assert client.get(reverse("api:me"), headers={"Authorization": f"Bearer {other_plain}"}).status_code == 200


def test_a_refused_api_change_stores_nothing(world, settings):
    settings.API_RATE = "1/m"
    episode, _children = patient_with_children(world.actor(world.clinician))
    _token, plain = issue_api_token(world.actor(world.clinician), name="EPJ")
    headers = {"Authorization": f"Bearer {plain}"}
    url = f"/api/v1/episodes/{episode.pk}/tasks"
    body = {"title": "Ring skolen", "due_on": today().isoformat()}
    before = Task.objects.count()
    assert Client().post(url, body, content_type="application/json", headers=headers).status_code == 201
    assert Client().post(url, body, content_type="application/json", headers=headers).status_code == 429
    assert Task.objects.count() == before + 1


def test_api_with_the_session_is_limited_per_user(world, settings):
    settings.API_RATE = "2/m"
    client = world.client_for(world.clinician)
    assert [client.get(reverse("api:me")).status_code for _ in range(3)] == [200, 200, 429]
    assert world.client_for(world.coordinator).get(reverse("api:me")).status_code == 200


def test_one_address_cannot_escape_the_limit_by_trying_many_tokens(world, settings):
    settings.API_RATE = "100/m"
    settings.API_IP_RATE = "3/m"
    statuses = [
        Client(REMOTE_ADDR=ADDRESS)
        .get(reverse("api:me"), headers={"Authorization": f"Bearer kdr_guess{n}"})
        .status_code
        for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]


def test_an_empty_rate_turns_the_api_limit_off(world, settings):
    settings.API_RATE = ""
    settings.API_IP_RATE = ""
    client = world.client_for(world.clinician)
    assert {client.get(reverse("api:me")).status_code for _ in range(5)} == {200}
