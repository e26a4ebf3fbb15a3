"""The people API: only visible persons, every read in the audit trail, family limited to the visible."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from kindred.audit.models import AccessLog
from kindred.care import services
from kindred.orgs.services import issue_api_token
from kindred.people.models import Relationship
from kindred.people.services import PersonData, relate

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def family(world):
    """The clinician's patient Per with two minor children, Anna and Bror."""
    actor = world.actor(world.clinician)
    year = timezone.localdate().year
    episode = services.register_patient(
        actor,
        PersonData(given_name="Per", family_name="Pasient", birth_year=1980),
        services.EpisodeData(kind="outpatient", started_on=timezone.localdate()),
    )
    services.record_children_answer(
        actor,
        episode,
        children_answer="has",
        siblings_answer="none",
        source="patient",
        children=[
            services.ChildInput(
                person=PersonData(given_name="Anna", birth_date=date(year - 10, 1, 2)),
                parental_responsibility="shared",
                lives_together=True,
            ),
            services.ChildInput(person=PersonData(given_name="Bror", birth_year=year - 3)),
        ],
    )
    children = {c.given_name: c for c in services.children_of(episode.patient)}
    return episode.patient, children["Anna"], children["Bror"]


def test_list_persons_shows_the_visible_and_audits_each(world, family):
    per, anna, bror = family
    client = world.client_for(world.clinician)
    before = AccessLog.objects.count()
    response = client.get(API + "/persons")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert {p["id"] for p in body["items"]} == {per.pk, anna.pk, bror.pk}
    rows = AccessLog.objects.order_by("pk")[before:]
    assert sorted(r.subject_id for r in rows) == sorted([per.pk, anna.pk, bror.pk])
    assert {(r.action, r.via, r.user_id) for r in rows} == {("view", "api", world.clinician.pk)}

    page = client.get(API + "/persons", {"limit": 1, "offset": 1}).json()
    assert page["count"] == 3 and len(page["items"]) == 1 and page["offset"] == 1
    assert client.get(API + "/persons", {"limit": 0}).status_code == 422
    assert client.get(API + "/persons", {"limit": "many"}).status_code == 422


def test_read_person_writes_an_audit_row(world, family):
    _per, anna, _bror = family
    client = world.client_for(world.clinician)
    response = client.get(f"{API}/persons/{anna.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["given_name"] == "Anna"
    assert body["age"] in (9, 10)
    assert body["birth_date"] == anna.birth_date.isoformat()
    row = AccessLog.objects.latest("pk")
    assert (row.action, row.subject_id, row.object_type, row.via) == ("view", anna.pk, "people.person", "api")


def test_family_of_the_patient_and_of_a_child(world, family):
    per, anna, bror = family
    client = world.client_for(world.clinician)
    response = client.get(f"{API}/persons/{per.pk}/family")
    assert response.status_code == 200
    rows = {row["person"]["id"]: row for row in response.json()}
    assert set(rows) == {anna.pk, bror.pk}
    assert rows[anna.pk]["kind"] == "parent_of"
    assert rows[anna.pk]["parental_responsibility"] == "shared"
    assert rows[anna.pk]["lives_together"] is True

    response = client.get(f"{API}/persons/{anna.pk}/family")
    assert [row["person"]["id"] for row in response.json()] == [per.pk]


def test_family_hides_relatives_outside_your_view(world, family):
    """Anna's other parent is a patient of another organisation: the clinician must not see him."""
    per, anna, _bror = family
    outsider = world.actor(world.outsider)
    other_episode = services.register_patient(
        outsider,
        PersonData(given_name="Ola", family_name="Annenforelder", birth_year=1978),
        services.EpisodeData(kind="home_service", started_on=timezone.localdate()),
    )
    relate(outsider, other_episode.patient, anna, Relationship.Kind.PARENT_OF)

    before = AccessLog.objects.count()
    response = world.client_for(world.clinician).get(f"{API}/persons/{anna.pk}/family")
    assert [row["person"]["id"] for row in response.json()] == [per.pk]
    audited = {r.subject_id for r in AccessLog.objects.order_by("pk")[before:]}
    assert other_episode.patient_id not in audited

    response = world.client_for(world.outsider).get(f"{API}/persons/{anna.pk}/family")
    assert [row["person"]["id"] for row in response.json()] == [other_episode.patient_id]


def test_outsider_and_analyst_see_no_one(world, family):
    per, anna, _bror = family
    for user in (world.outsider, world.analyst, world.admin):
        client = world.client_for(user)
        assert client.get(API + "/persons").json()["count"] == 0
        for path in (f"/persons/{per.pk}", f"/persons/{anna.pk}", f"/persons/{per.pk}/family"):
            response = client.get(API + path)
            assert response.status_code == 404, (user, path)
            assert set(response.json()) == {"detail"}
    assert not AccessLog.objects.filter(user=world.outsider, subject__isnull=False).exists()


def test_bad_person_ids(world, family):
    client = world.client_for(world.clinician)
    assert client.get(f"{API}/persons/{2**62}").status_code == 404
    for bad in ("abc", "0", str(2**70), "1.5"):
        assert client.get(f"{API}/persons/{bad}").status_code == 422, bad


def test_token_and_anonymous(world, family):
    per, _anna, _bror = family
    _token, plain = issue_api_token(world.actor(world.clinician), name="EPJ")
    client = Client()
    response = client.get(f"{API}/persons/{per.pk}", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200
    assert response.json()["given_name"] == "Per"
    assert client.get(f"{API}/persons/{per.pk}").status_code == 401


def test_openapi_lists_the_person_paths(client):
    paths = client.get(API + "/openapi.json").json()["paths"]
    for path in ("/api/v1/persons", "/api/v1/persons/{person_id}", "/api/v1/persons/{person_id}/family"):
        assert path in paths
        assert paths[path]["get"]["summary"]
    assert "404" in paths["/api/v1/persons/{person_id}"]["get"]["responses"]
