"""Every forum page for every role of the unit (a member of the network), a member of the partner organisation,
an outsider whose organisation is not in the network and an anonymous visitor: the expected status. A new page
without an entry in PAGES fails `test_every_page_is_in_the_matrix`.

- LIST: no series; 403 without the capability;
- NETWORK: a series, meeting or document of the network: 404 for staff of organisations outside it, then 403
  without the capability."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from kindred.forums import services
from kindred.forums.tests.factories import network, pia, series

pytestmark = pytest.mark.django_db

LIST, NETWORK = "list", "network"
ANY, TAKE_PART, PLAN = "any", "take_part", "plan"

# url name -> (who may: any member, those who take part, those who plan; scope; target; method; data; status)
PAGES = {
    "forums:list": (ANY, LIST, None, "get", None, 200),
    "forums:series_new": (PLAN, LIST, None, "get", None, 200),
    "forums:series": (ANY, NETWORK, "series", "get", None, 200),
    "forums:meeting": (ANY, NETWORK, "meeting", "get", None, 200),
    "forums:meeting_edit": (TAKE_PART, NETWORK, "meeting", "get", None, 200),
    "forums:attendance": (TAKE_PART, NETWORK, "meeting", "get", None, 200),
    "forums:print": (ANY, NETWORK, "meeting", "get", None, 200),
    # POSTs: an empty form is shown again with its errors; removing a document goes back to the meeting.
    "forums:meeting_add": (PLAN, NETWORK, "series", "post", {}, 200),
    "forums:document_add": (TAKE_PART, NETWORK, "meeting", "post", {}, 200),
    "forums:document_remove": (TAKE_PART, NETWORK, "document", "post", {}, 302),
}
PERSONAS = ["clinician", "child_responsible", "coordinator", "group_leader", "analyst", "admin", "outsider", "pia"]


def test_every_page_is_in_the_matrix():
    resolver = get_resolver().namespace_dict["forums"][1]
    names = {f"forums:{name}" for name in resolver.reverse_dict if isinstance(name, str)}
    assert names == set(PAGES)


@pytest.fixture
def targets(world) -> dict[str, list]:
    planned = series(world, network(world), first=date(2025, 1, 14))
    meeting = planned.meetings.order_by("date").first()
    document = services.add_document(
        world.actor(world.child_responsible), meeting, title="Veileder", url="https://example.no/veileder.pdf"
    )
    return {"series": [planned.pk], "meeting": [meeting.pk], "document": [document.pk]}


def _expected(who, scope, status, actor, member) -> int:
    allowed = {ANY: True, TAKE_PART: services.can_take_part(actor), PLAN: services.can_plan(actor)}[who]
    if scope == NETWORK and not member:
        return 404
    return status if allowed else 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_matrix(world, targets, persona):
    user = pia() if persona == "pia" else getattr(world, persona)
    actor = world.actor(user)
    member = persona != "outsider"
    client = world.client_for(user)
    failures = []
    for name, (who, scope, target, method, data, status) in PAGES.items():
        url = reverse(name, args=targets[target] if target else [])
        response = client.post(url, data) if method == "post" else client.get(url)
        expected = _expected(who, scope, status, actor, member)
        if response.status_code != expected:
            failures.append(f"{name}: {response.status_code} != {expected}")
    assert failures == []


def test_anonymous_visitors_are_sent_to_the_login_page(world, targets):
    client = Client()
    for name, (_who, _scope, target, method, data, _status) in PAGES.items():
        url = reverse(name, args=targets[target] if target else [])
        response = client.post(url, data) if method == "post" else client.get(url)
        assert response.status_code == 302 and "/login/" in response.url, name


def test_the_roles_in_the_matrix(world):
    """Analysts only read; clinicians and group leaders take part; child-responsible staff, coordinators and
    admins also plan."""
    roles = {persona: world.actor(getattr(world, persona)) for persona in PERSONAS if persona != "pia"}
    assert [p for p, a in roles.items() if not services.can_take_part(a)] == ["analyst"]
    assert sorted(p for p, a in roles.items() if services.can_plan(a)) == ["admin", "child_responsible", "coordinator"]


def test_the_api_hides_other_networks_meetings(world, targets):
    outsider = world.client_for(world.outsider)
    assert outsider.get(f"/api/v1/forums/meetings/{targets['meeting'][0]}").status_code == 404
    assert outsider.get(f"/api/v1/forums/series/{targets['series'][0]}").status_code == 404
    assert outsider.get("/api/v1/forums/series").json()["count"] == 0
    member = world.client_for(pia())
    assert member.get(f"/api/v1/forums/meetings/{targets['meeting'][0]}").status_code == 200
    assert member.get("/api/v1/forums/series").json()["count"] == 1
    analyst = world.client_for(world.analyst)
    response = analyst.patch(
        f"/api/v1/forums/meetings/{targets['meeting'][0]}", {"minutes": "Notat"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert Client().get("/api/v1/forums/series").status_code == 401
    document = f"/api/v1/forums/documents/{targets['document'][0]}"
    assert outsider.delete(document).status_code == 404
    assert analyst.delete(document).status_code == 403
    assert member.delete(document).status_code == 204
    assert member.delete(document).status_code == 404
