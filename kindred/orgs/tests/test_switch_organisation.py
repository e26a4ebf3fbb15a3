import pytest
from django.urls import reverse

from kindred.orgs.models import Membership, Role

pytestmark = pytest.mark.django_db


def test_user_switches_between_own_memberships(world):
    Membership.objects.create(user=world.clinician, organisation=world.other, role=Role.COORDINATOR)
    client = world.client_for(world.clinician)
    default = client.get(reverse("start")).context["active_membership"]
    other = Membership.objects.for_user(world.clinician).exclude(pk=default.pk).get()
    response = client.post(reverse("orgs:switch"), {"membership": other.pk})
    assert response.status_code == 302
    page = client.get(reverse("start"))
    assert page.context["active_membership"] == other
    assert other.organisation.name in page.content.decode()


def test_switching_to_someone_elses_membership_is_not_found(world):
    foreign = Membership.objects.get(user=world.outsider)
    client = world.client_for(world.clinician)
    assert client.post(reverse("orgs:switch"), {"membership": foreign.pk}).status_code == 404
    assert client.post(reverse("orgs:switch"), {"membership": "not-a-number"}).status_code == 404
    assert client.get(reverse("start")).context["active_membership"].organisation == world.unit


def test_start_page_differs_per_role(world):
    headings = {
        Role.CLINICIAN: "My patients",
        Role.CHILD_RESPONSIBLE: "Children in the unit",
        Role.COORDINATOR: "Coordination",
        Role.GROUP_LEADER: "My groups",
        Role.ANALYST: "Statistics",
        Role.ORG_ADMIN: "Manage members and roles",
    }
    for role, user in world.by_role.items():
        client = world.client_for(user)
        client.cookies["django_language"] = "en"
        assert headings[role] in client.get(reverse("start")).content.decode(), role


def test_anonymous_start_redirects_to_login(client):
    response = client.get(reverse("start"))
    assert response.status_code == 302 and response.url == reverse("accounts:login")
