from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kindred.orgs.models import APIToken, Membership, Role
from kindred.orgs.services import issue_api_token, revoke_api_token

pytestmark = pytest.mark.django_db


def test_me_with_session(world):
    response = world.client_for(world.clinician).get(reverse("api:me"))
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "cora@example.no"
    assert body["active_membership"]["role"] == "clinician"
    assert "view_personal_data" in body["capabilities"]


def test_me_anonymous_is_401_with_a_clear_message(client):
    response = client.get(reverse("api:me"))
    assert response.status_code == 401
    assert response.json()["detail"]


def test_token_is_stored_hashed_and_scoped_to_one_organisation(world):
    Membership.objects.create(user=world.clinician, organisation=world.other, role=Role.ANALYST)
    token, plain = issue_api_token(world.actor(world.clinician, world.unit), name="EPJ")
    assert plain.startswith("kdr_") and plain not in token.key_hash
    response = Client().get(reverse("api:me"), headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200
    body = response.json()
    assert [m["organisation"] for m in body["memberships"]] == [world.unit.name]
    assert body["active_membership"]["organisation_id"] == world.unit.pk


def test_revoked_and_expired_tokens_are_refused(world, client):
    token, plain = issue_api_token(world.actor(world.clinician), name="EPJ")
    revoke_api_token(world.actor(world.clinician), token)
    assert client.get(reverse("api:me"), headers={"Authorization": f"Bearer {plain}"}).status_code == 401
    token2, plain2 = issue_api_token(world.actor(world.clinician), name="Old")
    APIToken.objects.filter(pk=token2.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("api:me"), headers={"Authorization": f"Bearer {plain2}"}).status_code == 401
    assert client.get(reverse("api:me"), headers={"Authorization": "Bearer rubbish"}).status_code == 401


def test_user_can_only_revoke_own_token(world):
    token, _plain = issue_api_token(world.actor(world.clinician), name="EPJ")
    response = world.client_for(world.outsider).post(reverse("accounts:revoke_token", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_profile_creates_token_shown_once(world):
    client = world.client_for(world.clinician)
    response = client.post(reverse("accounts:profile"), {"name": "EPJ", "days": "30"})
    assert response.context["new_token"].startswith("kdr_")
    assert client.get(reverse("accounts:profile")).context["new_token"] is None
    bad = client.post(reverse("accounts:profile"), {"name": "", "days": "9999"})
    assert set(bad.context["token_form"].errors) == {"name", "days"}
    assert APIToken.objects.count() == 1


def test_openapi_document_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/me" in response.json()["paths"]
