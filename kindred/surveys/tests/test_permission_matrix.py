"""Every page of survey campaigns and of the respondents, for every role of the unit, an outsider, an analyst
of another organisation and an anonymous visitor: the expected status. A new page without an entry in PAGES
fails `test_every_page_is_in_the_matrix`.

Who runs surveys: roles with VIEW_STATISTICS or MANAGE_ORGANISATION (analyst, organisation admin). Pages
without a campaign answer 403 to other members; pages about a campaign answer 404 to everyone but the
owning organisation's survey runners; respondents' pages are public."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from kindred.orgs.models import Role
from kindred.surveys import services
from kindred.surveys.tests.factories import GOOD, answer_many, campaign
from kindred.testing import make_user

pytestmark = pytest.mark.django_db

LIST = "list"  # no campaign: every survey runner of any organisation
CAMPAIGN = "campaign"  # one campaign: the owning organisation's survey runners only
PUBLIC = "public"  # the respondents' pages: anyone, signed in or not

# url name -> (kind, which campaign, method, what a survey runner of the owner gets)
PAGES = {
    "surveys:list": (LIST, None, "get", 200),
    "surveys:new": (LIST, None, "get", 200),
    "surveys:detail": (CAMPAIGN, "open", "get", 200),
    "surveys:codes": (CAMPAIGN, "open", "get", 200),
    "surveys:codes_csv": (CAMPAIGN, "open", "post", 200),
    "surveys:report": (CAMPAIGN, "closed", "get", 200),
    "surveys:report_csv": (CAMPAIGN, "closed", "get", 200),
    "surveys:report_xlsx": (CAMPAIGN, "closed", "get", 200),
    "survey:start": (PUBLIC, "open", "get", 200),
    "survey:answer": (PUBLIC, "link", "get", 200),
    # POST that change the campaign, last: opening an open campaign is refused (and redirects); closing it is
    # the very last request.
    "surveys:open": (CAMPAIGN, "open", "post", 302),
    "surveys:close": (CAMPAIGN, "open", "post", 302),
}
PERSONAS = [
    "clinician",
    "child_responsible",
    "coordinator",
    "group_leader",
    "analyst",
    "admin",
    "outsider",
    "foreign_analyst",
    "anonymous",
]


def test_every_page_is_in_the_matrix():
    names = set()
    for namespace in ("surveys", "survey"):
        resolver = get_resolver().namespace_dict[namespace][1]
        names |= {f"{namespace}:{name}" for name in resolver.reverse_dict if isinstance(name, str)}
    assert names == set(PAGES)


@pytest.fixture
def campaigns(world):
    ali = world.actor(world.analyst)
    made = {
        "open": campaign(ali, access="codes", title="Åpen"),
        "link": campaign(ali, title="Lenke"),
        "closed": campaign(ali, title="Lukket"),
    }
    answer_many(made["closed"], {(GOOD, "A"): 5})
    services.close_campaign(ali, made["closed"])
    return made


def _client(world, persona: str) -> tuple[Client, bool, bool]:
    """The client, whether the persona runs surveys, and whether it belongs to the unit."""
    if persona == "anonymous":
        return Client(), False, False
    if persona == "foreign_analyst":
        user = make_user("fia@example.no", "Fia Foreign", world.other, Role.ANALYST)
    else:
        user = getattr(world, persona)
    membership = user.memberships.get()
    runs = services.can_run_surveys(world.actor(user))
    return world.client_for(user), runs, membership.organisation_id == world.unit.pk


def _expected(kind: str, owner_status: int, persona: str, runs: bool, own: bool) -> int:
    if kind == PUBLIC:
        return 200
    if persona == "anonymous":
        return 302  # to the login page
    if kind == LIST:
        return 200 if runs else 403
    return owner_status if runs and own else 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_matrix(world, campaigns, persona):
    client, runs, own = _client(world, persona)
    failures = []
    for name, (kind, which, method, owner_status) in PAGES.items():
        target = campaigns.get(which)
        if kind == LIST:
            url = reverse(name)
        elif kind == PUBLIC:
            url = reverse(name, args=[target.token])
        else:
            url = reverse(name, args=[target.pk])
        response = client.post(url, {"codes": ""}) if method == "post" else client.get(url)
        expected = _expected(kind, owner_status, persona, runs, own)
        if response.status_code != expected:
            failures.append(f"{name}: {response.status_code} != {expected}")
        if persona == "anonymous" and expected == 302 and "/login/" not in response.url:
            failures.append(f"{name}: redirected to {response.url}, not to the login page")
    assert failures == []
    campaigns["open"].refresh_from_db()
    closed_by_this_persona = campaigns["open"].status == "closed"
    assert closed_by_this_persona == (runs and own)
