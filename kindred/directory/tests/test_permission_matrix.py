"""Every page of the help directory, for every role of the unit, an outsider, a coordinator and an
organisation admin of another organisation and an anonymous visitor: the expected status. A new page without
an entry in PAGES fails `test_every_page_is_in_the_matrix`.

Public pages (search, offer, self-referral form, receipt) answer everyone. The organisation's offers need
MANAGE_ORGANISATION (organisation admin); the inbox needs MANAGE_PROGRAMMES (coordinator). Without the
capability: 403; with it but in another organisation, a page about one offer or referral: 404; anonymous: to
the login page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from kindred.directory import services
from kindred.directory.models import SelfReferral
from kindred.orgs.models import Capability, Role
from kindred.programs.tests import factories
from kindred.testing import make_user

pytestmark = pytest.mark.django_db

PUBLIC = None
NONE = "none"  # no object in the URL
OFFER = "offer"  # the unit's offer
REFERRAL = "referral"  # a self-referral to the unit

# url name -> (capability needed or None for public, what the URL is about, method, what an allowed member gets)
PAGES = {
    "directory:search": (PUBLIC, NONE, "get", 200),
    "directory:offer": (PUBLIC, OFFER, "get", 200),
    "directory:self_refer": (PUBLIC, OFFER, "get", 200),
    "directory:receipt": (PUBLIC, NONE, "get", 200),
    "directory:offers": (Capability.MANAGE_ORGANISATION, NONE, "get", 200),
    "directory:offer_new": (Capability.MANAGE_ORGANISATION, NONE, "get", 200),
    "directory:offer_edit": (Capability.MANAGE_ORGANISATION, OFFER, "get", 200),
    "directory:inbox": (Capability.MANAGE_PROGRAMMES, NONE, "get", 200),
    "directory:inbox_detail": (Capability.MANAGE_PROGRAMMES, REFERRAL, "get", 200),
    # POSTs without data: the page again with the message at the field, nothing changed.
    "directory:inbox_assign": (Capability.MANAGE_PROGRAMMES, REFERRAL, "post", 200),
    "directory:inbox_close": (Capability.MANAGE_PROGRAMMES, REFERRAL, "post", 200),
    "directory:inbox_enrol": (Capability.MANAGE_PROGRAMMES, REFERRAL, "post", 200),
    "directory:inbox_client": (Capability.MANAGE_PROGRAMMES, REFERRAL, "post", 200),
    # The one that changes the referral, last.
    "directory:inbox_contacted": (Capability.MANAGE_PROGRAMMES, REFERRAL, "post", 302),
}
PERSONAS = [
    "clinician",
    "child_responsible",
    "coordinator",
    "group_leader",
    "analyst",
    "admin",
    "outsider",
    "foreign_coordinator",
    "foreign_admin",
    "anonymous",
]


def test_every_page_is_in_the_matrix():
    resolver = get_resolver().namespace_dict["directory"][1]
    names = {f"directory:{name}" for name in resolver.reverse_dict if isinstance(name, str)}
    assert names == set(PAGES)


@pytest.fixture
def objects(world):
    offer = factories.offer(world.unit, nationwide=True, name="Fyrlykta")
    referral = services.submit_self_referral(
        offer,
        services.SelfReferralData(
            help_wanted="Hjelp", age=20, relation="parent", contact_method="sms", phone="912 34 567", consent=True
        ),
    )
    return {OFFER: offer, REFERRAL: referral}


def _client(world, persona: str) -> tuple[Client, object]:
    """The client and the persona's actor (None when anonymous)."""
    if persona == "anonymous":
        return Client(), None
    if persona == "foreign_coordinator":
        user = make_user("fc@example.no", "Fredrik Coordinator", world.other, Role.COORDINATOR)
    elif persona == "foreign_admin":
        user = make_user("fa@example.no", "Frida Admin", world.other, Role.ORG_ADMIN)
    else:
        user = getattr(world, persona)
    return world.client_for(user), world.actor(user)


def _expected(capability, about: str, allowed_status: int, actor, own: bool) -> int:
    if capability is PUBLIC:
        return 200
    if actor is None:
        return 302  # to the login page
    if not actor.can(capability):
        return 403
    if about != NONE and not own:
        return 404
    return allowed_status


@pytest.mark.parametrize("persona", PERSONAS)
def test_matrix(world, objects, persona):
    client, actor = _client(world, persona)
    own = actor is not None and actor.organisation == world.unit
    failures = []
    for name, (capability, about, method, allowed_status) in PAGES.items():
        url = reverse(name) if about == NONE else reverse(name, args=[objects[about].pk])
        response = client.post(url, {}) if method == "post" else client.get(url)
        expected = _expected(capability, about, allowed_status, actor, own)
        if response.status_code != expected:
            failures.append(f"{name}: {response.status_code} != {expected}")
        if expected == 302 and actor is None and "/login/" not in response.url:
            failures.append(f"{name}: redirected to {response.url}, not to the login page")
    assert failures == []
    objects[REFERRAL].refresh_from_db()
    changed = objects[REFERRAL].status != SelfReferral.Status.NEW
    assert changed == (own and actor.can(Capability.MANAGE_PROGRAMMES))


@pytest.mark.parametrize("name", [n for n, (_, _, method, _) in PAGES.items() if method == "post"])
def test_actions_refuse_get(world, objects, name):
    client = world.client_for(world.coordinator)
    assert client.get(reverse(name, args=[objects[REFERRAL].pk])).status_code == 405
