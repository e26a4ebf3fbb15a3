"""Every instrument page and every public self-test page, for every role in the own organisation, an outsider
and an anonymous visitor: the expected status, an audit row for every personal-data response, none for a refused
one, and no audit row or stored response from the public pages. A new URL without an entry in PAGES fails
`test_every_page_is_in_the_matrix`."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from kindred.audit.models import AccessLog
from kindred.care.tests.factories import patient_with_children
from kindred.instruments import services
from kindred.instruments.models import Response
from kindred.orgs.models import Capability as C

pytestmark = pytest.mark.django_db

MEMBER = "member"  # any role in an organisation
PUBLIC = "public"  # anyone, no login
# url name -> (what the visitor needs, whether the page is about one person's data)
PAGES = {
    "instruments:list": (MEMBER, False),
    "instruments:upload": (C.MANAGE_ORGANISATION, False),
    "instruments:history": (C.VIEW_PERSONAL_DATA, True),
    "instruments:choose": (C.VIEW_PERSONAL_DATA, True),
    "instruments:fill_in": (C.VIEW_PERSONAL_DATA, True),
    "selftest:list": (PUBLIC, False),
    "selftest:take": (PUBLIC, False),
}
PERSONAS = [
    "clinician",
    "child_responsible",
    "coordinator",
    "group_leader",
    "analyst",
    "admin",
    "outsider",
    "anonymous",
]


def test_every_page_is_in_the_matrix():
    names = set()
    for namespace in ("instruments", "selftest"):
        resolver = get_resolver().namespace_dict[namespace][1]
        names |= {f"{namespace}:{name}" for name in resolver.reverse_dict if isinstance(name, str)}
    assert names == set(PAGES)


@pytest.fixture
def case(world):
    cora = world.actor(world.clinician)
    episode, _children = patient_with_children(cora)
    audit = next(i for i in services.instruments_for(cora) if i.key == "audit")
    services.record_response(cora, audit, episode.patient, {f"q{n}": 0 for n in range(1, 11)}, episode=episode)
    return {"episode": episode, "patient": episode.patient, "audit": audit}


def _url(name: str, case) -> str:
    patient = case["patient"].pk
    args = {
        "instruments:history": [patient],
        "instruments:choose": [patient],
        "instruments:fill_in": [patient, case["audit"].pk],
        "selftest:take": ["audit"],
    }.get(name, [])
    return reverse(name, args=args)


def _expected(world, persona: str, name: str) -> int:
    need, about_person = PAGES[name]
    if need == PUBLIC:
        return 200
    if persona == "anonymous":
        return 302  # to the login page
    membership = getattr(world, persona).memberships.get()
    if need != MEMBER and not membership.can(need):
        return 403
    if about_person and persona in ("outsider", "group_leader"):
        return 404  # no episode of theirs: the person is "not found"
    return 200


@pytest.mark.parametrize("persona", PERSONAS)
def test_matrix(world, case, persona):
    if persona == "anonymous":
        user, client = None, Client()
    else:
        user = getattr(world, persona)
        client = world.client_for(user)
    responses_before = Response.objects.count()
    failures = []
    for name in PAGES:
        url = _url(name, case)
        last_id = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
        response = client.get(url)
        expected = _expected(world, persona, name)
        if response.status_code != expected:
            failures.append(f"{name}: {response.status_code} != {expected}")
            continue
        if expected == 302 and "/login/" not in response.url:
            failures.append(f"{name}: redirected to {response.url}, not to the login page")
        written = AccessLog.objects.filter(id__gt=last_id).exclude(action="login")
        about = written.filter(subject=case["patient"])
        if expected == 200 and PAGES[name][1] and not about.filter(user=user, action="view").exists():
            failures.append(f"{name}: no audit row for a personal-data response")
        if expected != 200 and about.exists():
            failures.append(f"{name}: an audit row about a person was written for a refused request")
        if PAGES[name][0] == PUBLIC and written.exists():
            failures.append(f"{name}: a public page wrote an audit row")
    assert failures == []
    assert Response.objects.count() == responses_before
