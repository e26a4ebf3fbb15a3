"""Every page of the information library, for every role of the unit, an outsider, an organisation admin of
another organisation and an anonymous visitor: the expected status. A new page without an entry in PAGES fails
`test_every_page_is_in_the_matrix`.

Browsing is public. The organisation's own items need MANAGE_ORGANISATION (organisation admin): without it 403;
another organisation's item 404; anonymous to the login page. No page here touches personal data of clients,
so none writes an audit row about a person."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from kindred.audit.models import AccessLog
from kindred.library.models import Item
from kindred.library.tests.factories import item
from kindred.orgs.models import Capability, Role
from kindred.testing import make_user

pytestmark = pytest.mark.django_db

PUBLIC = None
NONE = "none"
PUBLIC_ITEM = "public_item"
OWN_ITEM = "own_item"  # the unit's own, not public

PAGES = {
    "library:browse": (PUBLIC, NONE, 200),
    "library:item": (PUBLIC, PUBLIC_ITEM, 200),
    "library:manage": (Capability.MANAGE_ORGANISATION, NONE, 200),
    "library:item_new": (Capability.MANAGE_ORGANISATION, NONE, 200),
    "library:item_edit": (Capability.MANAGE_ORGANISATION, OWN_ITEM, 200),
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
    resolver = get_resolver().namespace_dict["library"][1]
    assert {f"library:{name}" for name in resolver.reverse_dict if isinstance(name, str)} == set(PAGES)


@pytest.fixture
def objects(world):
    return {PUBLIC_ITEM: item("Offentlig"), OWN_ITEM: item("Vår egen", public=False, organisation=world.unit)}


def _client(world, persona: str):
    if persona == "anonymous":
        return Client(), None
    if persona == "foreign_admin":
        user = make_user("fa@example.no", "Frida Admin", world.other, Role.ORG_ADMIN)
    else:
        user = getattr(world, persona)
    return world.client_for(user), world.actor(user)


def _expected(capability, about, allowed, actor, own) -> int:
    if capability is PUBLIC:
        return 200
    if actor is None:
        return 302
    if not actor.can(capability):
        return 403
    if about != NONE and not own:
        return 404
    return allowed


@pytest.mark.parametrize("persona", PERSONAS)
def test_matrix(world, objects, persona):
    client, actor = _client(world, persona)
    own = actor is not None and actor.organisation == world.unit
    failures = []
    for name, (capability, about, allowed) in PAGES.items():
        url = reverse(name) if about == NONE else reverse(name, args=[objects[about].pk])
        response = client.get(url)
        expected = _expected(capability, about, allowed, actor, own)
        if response.status_code != expected:
            failures.append(f"{name}: {response.status_code} != {expected}")
        if expected == 302 and "/login/" not in response.url:
            failures.append(f"{name}: redirected to {response.url}")
    assert failures == []
    assert not AccessLog.objects.filter(subject__isnull=False).exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_organisation_admin_saves_items(world, objects, persona):
    client, actor = _client(world, persona)
    data = {"kind": "leaflet", "title": "Ny brosjyre", "audiences": ["parents"], "languages": ["nb"], "public": "on"}
    new = client.post(reverse("library:item_new"), data)
    edit = client.post(reverse("library:item_edit", args=[objects[OWN_ITEM].pk]), {**data, "title": "Endret"})
    admin_here = actor is not None and actor.organisation == world.unit and actor.can(Capability.MANAGE_ORGANISATION)
    created = Item.objects.filter(title="Ny brosjyre")
    objects[OWN_ITEM].refresh_from_db()
    if admin_here:
        assert (new.status_code, edit.status_code) == (302, 302)
        assert created.get().organisation == world.unit
        assert objects[OWN_ITEM].title == "Endret"
        assert AccessLog.objects.filter(object_type="library.item", action="create", user=actor.user).count() == 1
        assert AccessLog.objects.filter(object_type="library.item", action="change", user=actor.user).count() == 1
    else:
        assert objects[OWN_ITEM].title == "Vår egen"
        if persona == "foreign_admin":
            assert (new.status_code, edit.status_code) == (302, 404)
            assert created.get().organisation == world.other
        else:
            assert new.status_code == edit.status_code == (302 if actor is None else 403)
            assert not created.exists()


def test_a_bad_item_gets_messages_and_changes_nothing(world, objects):
    client = world.client_for(world.admin)
    response = client.post(
        reverse("library:item_edit", args=[objects[OWN_ITEM].pk]),
        {"kind": "poster", "title": "", "url": "not a link", "audiences": ["aliens"], "languages": []},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"kind", "title", "url", "audiences", "languages"}
    objects[OWN_ITEM].refresh_from_db()
    assert objects[OWN_ITEM].title == "Vår egen"
