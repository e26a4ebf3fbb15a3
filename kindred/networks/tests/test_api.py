"""The networks and library API: the same rules as the web pages."""

from __future__ import annotations

import pytest
from django.test import Client

from kindred.audit.models import AccessLog
from kindred.library.models import Audience, Item, Language
from kindred.library.tests.factories import item
from kindred.networks.models import SharedItem, SharedTemplate
from kindred.networks.tests.factories import network, template

pytestmark = pytest.mark.django_db


@pytest.fixture
def net(world):
    return network(world.unit)


def test_members_read_their_networks_with_contacts(world, net):
    client = world.client_for(world.clinician)
    listed = client.get("/api/v1/networks")
    assert listed.status_code == 200 and [n["id"] for n in listed.json()] == [net.pk]
    detail = client.get(f"/api/v1/networks/{net.pk}").json()
    assert detail["members"][0]["contacts"][0]["email"] == f"kontakt{world.unit.pk}@example.no"


def test_others_do_not_find_the_network(world, net):
    assert world.client_for(world.outsider).get(f"/api/v1/networks/{net.pk}").status_code == 404
    assert world.client_for(world.outsider).get("/api/v1/networks").json() == []
    assert Client().get("/api/v1/networks").status_code == 401
    assert world.client_for(world.clinician).get("/api/v1/networks/99999999999999999999").status_code == 422


def test_share_and_unshare_through_the_api(world, net):
    own = template(world.unit)
    shared_item = item("Vår", organisation=world.unit, public=False)
    client = world.client_for(world.admin)
    response = client.post(
        f"/api/v1/networks/{net.pk}/templates", {"template_id": own.pk}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["shared_templates"][0]["sessions"] == ["Bli kjent", "Grensesetting"]
    response = client.post(
        f"/api/v1/networks/{net.pk}/items", {"item_id": shared_item.pk}, content_type="application/json"
    )
    assert response.status_code == 201
    assert client.delete(f"/api/v1/networks/{net.pk}/templates/{own.pk}").status_code == 204
    assert client.delete(f"/api/v1/networks/{net.pk}/items/{shared_item.pk}").status_code == 204
    assert client.delete(f"/api/v1/networks/{net.pk}/items/{shared_item.pk}").status_code == 404
    assert not SharedTemplate.objects.exists() and not SharedItem.objects.exists()
    assert AccessLog.objects.filter(object_type__startswith="networks.shared", via="api").count() == 4


def test_sharing_needs_the_role_and_an_own_template(world, net):
    foreign = template(world.other)
    response = world.client_for(world.clinician).post(
        f"/api/v1/networks/{net.pk}/templates",
        {"template_id": template(world.unit).pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    response = world.client_for(world.admin).post(
        f"/api/v1/networks/{net.pk}/templates", {"template_id": foreign.pk}, content_type="application/json"
    )
    assert response.status_code == 422 and "template" in response.json()["errors"]
    assert not SharedTemplate.objects.exists()


def test_public_library_api_filters_by_age_and_language():
    item("Til 6–12", audiences=[Audience.CHILDREN_6_12], languages=[Language.NB, Language.EN])
    item("Pjece", audiences=[Audience.CHILDREN_6_12], languages=[Language.DA])
    item("Intern", audiences=[Audience.CHILDREN_6_12], public=False)
    item("For ungdom", audiences=[Audience.CHILDREN_13_17])
    client = Client()
    titles = {i["title"] for i in client.get("/api/v1/library/items", {"age": 9}).json()["items"]}
    assert titles == {"Til 6–12", "Pjece"}
    titles = {i["title"] for i in client.get("/api/v1/library/items", {"age": 9, "language": "da"}).json()["items"]}
    assert titles == {"Pjece"}
    assert client.get("/api/v1/library/items", {"age": "ni"}).status_code == 422
    assert client.get("/api/v1/library/items", {"audience": "aliens"}).status_code == 422
    hidden = Item.objects.get(title="Intern")
    assert client.get(f"/api/v1/library/items/{hidden.pk}").status_code == 404


def test_organisation_admins_add_and_change_items(world):
    client = world.client_for(world.admin)
    payload = {"kind": "leaflet", "title": "Ny", "audiences": ["parents"], "languages": ["nb"], "public": False}
    created = client.post("/api/v1/library/my-items", payload, content_type="application/json")
    assert created.status_code == 201 and created.json()["audiences"] == ["parents"]
    pk = created.json()["id"]
    changed = client.put(
        f"/api/v1/library/my-items/{pk}",
        {**payload, "title": "Endret", "languages": []},
        content_type="application/json",
    )
    assert changed.status_code == 422 and "languages" in changed.json()["errors"]
    assert Item.objects.get(pk=pk).title == "Ny"
    assert (
        world.client_for(world.clinician)
        .post("/api/v1/library/my-items", payload, content_type="application/json")
        .status_code
        == 403
    )
    assert (
        world.client_for(world.outsider)
        .put(f"/api/v1/library/my-items/{pk}", payload, content_type="application/json")
        .status_code
        == 403
    )
    available = world.client_for(world.clinician).get("/api/v1/library/available-items").json()
    assert [i["title"] for i in available["items"]] == ["Ny"]
