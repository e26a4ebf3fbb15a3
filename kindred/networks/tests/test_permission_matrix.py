"""Every network page, for every role of the unit, an outsider (another organisation, not a member), an
organisation admin of that organisation and an anonymous visitor. Members of a member organisation see the
network whatever their role; sharing needs the capability; others get 404, anonymous visitors the login page.
Actions are POSTed without data: refused with a message (422) or not found (404), nothing changed. No page
touches personal data of clients, so none writes an audit row about a person."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from kindred.audit.models import AccessLog
from kindred.networks.models import SharedItem, SharedTemplate
from kindred.networks.tests.factories import network
from kindred.orgs.models import Capability, Role
from kindred.testing import make_user

pytestmark = pytest.mark.django_db

MEMBER = "member"
TEMPLATES = (Capability.MANAGE_ORGANISATION, Capability.MANAGE_PROGRAMMES)
ITEMS = (Capability.MANAGE_ORGANISATION,)

# url name -> (capabilities needed, any one of them; MEMBER for any member), method, status for the allowed
PAGES = {
    "networks:list": (MEMBER, "get", 200),
    "networks:detail": (MEMBER, "get", 200),
    "networks:share_template": (TEMPLATES, "post", 422),
    "networks:unshare_template": (TEMPLATES, "post", 404),
    "networks:copy_template": (TEMPLATES, "post", 404),
    "networks:share_item": (ITEMS, "post", 422),
    "networks:unshare_item": (ITEMS, "post", 404),
}
PERSONAS = [
    "clinician",
    "child_responsible",
    "coordinator",
    "group_leader",
    "analyst",
    "admin",
    "outsider",
    "foreign_admin",
    "anonymous",
]


def test_every_page_is_in_the_matrix():
    resolver = get_resolver().namespace_dict["networks"][1]
    assert {f"networks:{name}" for name in resolver.reverse_dict if isinstance(name, str)} == set(PAGES)


def _client(world, persona: str):
    if persona == "anonymous":
        return Client(), None
    if persona == "foreign_admin":
        user = make_user("fa@example.no", "Frida Admin", world.other, Role.ORG_ADMIN)
    else:
        user = getattr(world, persona)
    return world.client_for(user), world.actor(user)


def _expected(name, needed, allowed, actor, member) -> int:
    if actor is None:
        return 302
    if name == "networks:list":
        return 200  # every organisation has its list, empty when it is in no network
    if not member:
        return 404
    if needed != MEMBER and not any(actor.can(c) for c in needed):
        return 403
    return allowed


@pytest.mark.parametrize("persona", PERSONAS)
def test_matrix(world, persona):
    net = network(world.unit)
    client, actor = _client(world, persona)
    member = actor is not None and actor.organisation == world.unit
    failures = []
    for name, (needed, method, allowed) in PAGES.items():
        url = reverse(name) if name == "networks:list" else reverse(name, args=[net.pk])
        response = client.post(url, {}) if method == "post" else client.get(url)
        expected = _expected(name, needed, allowed, actor, member)
        if response.status_code != expected:
            failures.append(f"{name}: {response.status_code} != {expected}")
        if expected == 302 and "/login/" not in response.url:
            failures.append(f"{name}: redirected to {response.url}")
    assert failures == []
    assert not SharedTemplate.objects.exists() and not SharedItem.objects.exists()
    assert not AccessLog.objects.filter(subject__isnull=False).exists()


@pytest.mark.parametrize("name", [n for n, (_, method, _) in PAGES.items() if method == "post"])
def test_actions_refuse_get(world, name):
    net = network(world.unit)
    assert world.client_for(world.admin).get(reverse(name, args=[net.pk])).status_code == 405
