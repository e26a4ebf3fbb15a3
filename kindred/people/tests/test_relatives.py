import pytest
from django.urls import reverse
from django.utils import timezone

from kindred.care import services
from kindred.people.models import Person, Relationship
from kindred.people.services import PersonData

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(world):
    episode = services.register_patient(
        world.actor(world.clinician),
        PersonData(given_name="Pål", family_name="Pasient", birth_year=1980),
        services.EpisodeData(kind="outpatient", started_on=timezone.localdate()),
    )
    return episode.patient


def test_clinician_adds_partner_and_neighbour_shown_in_family_view(world, patient):
    client = world.client_for(world.clinician)
    client.cookies["django_language"] = "en"
    url = reverse("people:relative_new", args=[patient.pk])
    assert client.post(url, {"kind": "partner", "given_name": "Per", "lives_together": "true"}).status_code == 302
    assert client.post(url, {"kind": "other_close", "given_name": "Nina", "description": "nabo"}).status_code == 302
    assert client.post(url, {"kind": "parent_of", "given_name": "Mor"}).status_code == 302
    page = client.get(reverse("people:person", args=[patient.pk]))
    labels = sorted(str(label) for label, _rel, _other in page.context["family"])
    assert labels == ["Other close person", "Parent", "Partner"]
    assert Relationship.objects.get(other__given_name="Per").lives_together is True
    assert Relationship.objects.get(kind="parent_of").person.given_name == "Mor"


def test_a_relative_without_a_name_is_refused_and_nothing_is_stored(world, patient):
    before = Person.objects.count()
    response = world.client_for(world.clinician).post(
        reverse("people:relative_new", args=[patient.pk]), {"kind": "partner"}
    )
    assert response.status_code == 200 and "given_name" in response.context["form"].errors
    assert Person.objects.count() == before


def test_outsider_cannot_add_relatives(world, patient):
    response = world.client_for(world.outsider).post(
        reverse("people:relative_new", args=[patient.pk]), {"kind": "partner", "given_name": "X"}
    )
    assert response.status_code == 404
    assert not Person.objects.filter(given_name="X").exists()


def test_api_adds_a_relative_and_refuses_bad_input(world, patient):
    client = world.client_for(world.clinician)
    url = f"/api/v1/persons/{patient.pk}/relatives"
    ok = client.post(url, {"kind": "sibling", "person": {"given_name": "Siv"}}, content_type="application/json")
    assert ok.status_code == 201 and ok.json()["given_name"] == "Siv"
    before = Person.objects.count()
    bad = client.post(url, {"kind": "enemy", "person": {"given_name": "X"}}, content_type="application/json")
    nameless = client.post(url, {"kind": "partner", "person": {}}, content_type="application/json")
    assert (bad.status_code, nameless.status_code) == (422, 422)
    assert Person.objects.count() == before
    foreign = world.client_for(world.outsider).post(
        url, {"kind": "sibling", "person": {"given_name": "Y"}}, content_type="application/json"
    )
    assert foreign.status_code == 404
