"""API tokens expire after a configurable lifetime and can be revoked by their owner or an admin of their
organisation; the API refuses a revoked, expired or unknown token with 401 and says which."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kindred.audit.models import AccessLog
from kindred.orgs.models import APIToken
from kindred.orgs.services import issue_api_token

pytestmark = pytest.mark.django_db


def _me(plain: str):
    return Client().get(reverse("api:me"), headers={"Authorization": f"Bearer {plain}", "Accept-Language": "en"})


def test_a_new_token_lives_for_the_configured_number_of_days(world, settings):
    settings.API_TOKEN_DAYS = 10
    token, _plain = issue_api_token(world.actor(world.clinician), name="EPJ")
    assert abs(token.expires_at - (timezone.now() + timedelta(days=10))) < timedelta(minutes=1)


def test_the_account_page_offers_the_configured_lifetime(world, settings):
    settings.API_TOKEN_DAYS = 30
    response = world.client_for(world.clinician).get(reverse("accounts:profile"))
    assert response.context["token_form"]["days"].value() == 30


def test_the_api_says_why_a_token_is_refused(world):
    actor = world.actor(world.clinician)
    revoked, revoked_plain = issue_api_token(actor, name="Revoked")
    # The owner revokes it on the account page.
    world.client_for(world.clinician).post(reverse("accounts:revoke_token", args=[revoked.pk]))
    expired, expired_plain = issue_api_token(actor, name="Expired")
    APIToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    _token, deactivated_plain = issue_api_token(world.actor(world.coordinator), name="Gone")
    world.coordinator.is_active = False
    world.coordinator.save()

    answers = {
        revoked_plain: "The API token has been revoked. Create a new one on your account page.",
        expired_plain: "The API token has expired. Create a new one on your account page.",
        deactivated_plain: "The account this API token belongs to is deactivated.",
        "kdr_no-such-token": "The API token is not known. Check that it was copied whole.",
    }
    for plain, detail in answers.items():
        response = _me(plain)
        assert (response.status_code, response.json()) == (401, {"detail": detail})


def test_a_token_stops_working_the_moment_it_expires(world):
    token, plain = issue_api_token(world.actor(world.clinician), name="EPJ")
    assert _me(plain).status_code == 200
    APIToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    assert _me(plain).status_code == 401


def test_an_admin_sees_and_revokes_the_tokens_of_the_organisations_members(world):
    token, plain = issue_api_token(world.actor(world.clinician), name="EPJ-integrasjon")
    _foreign, _foreign_plain = issue_api_token(world.actor(world.outsider), name="Annen kommune")
    admin = world.client_for(world.admin)
    page = admin.get(reverse("orgs:tokens"))
    assert page.status_code == 200
    assert [t.name for t in page.context["tokens"]] == ["EPJ-integrasjon"]

    response = admin.post(reverse("orgs:revoke_token", args=[token.pk]))
    assert response.status_code == 302 and response.url == reverse("orgs:tokens")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _me(plain).status_code == 401
    row = AccessLog.objects.get(object_type="orgs.apitoken", object_id=str(token.pk), action="change")
    assert row.user == world.admin and row.details == {"revoked": True}


def test_an_admin_cannot_revoke_another_organisations_token(world):
    foreign, plain = issue_api_token(world.actor(world.outsider), name="Annen kommune")
    response = world.client_for(world.admin).post(reverse("orgs:revoke_token", args=[foreign.pk]))
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None and _me(plain).status_code == 200


@pytest.mark.parametrize("persona", ["clinician", "child_responsible", "coordinator", "group_leader", "analyst"])
def test_only_admins_may_see_the_organisations_tokens(world, persona):
    token, _plain = issue_api_token(world.actor(world.admin), name="Admin")
    client = world.client_for(getattr(world, persona))
    assert client.get(reverse("orgs:tokens")).status_code == 403
    assert client.post(reverse("orgs:revoke_token", args=[token.pk])).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("orgs:tokens"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_the_admin_page_lists_tokens_in_a_fixed_number_of_queries(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = world.client_for(world.admin)
    counts = []
    for tokens in (1, 6):
        while APIToken.objects.count() < tokens:
            issue_api_token(world.actor(world.clinician), name="Integrasjon")
        with CaptureQueriesContext(connection) as queries:
            response = admin.get(reverse("orgs:tokens"))
        assert len(response.context["tokens"]) == tokens
        counts.append(len(queries))
    assert counts[0] == counts[1]
