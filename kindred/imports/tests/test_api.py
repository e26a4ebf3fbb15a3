"""The import API: upload and check, read the report, import; the same rules as the web pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kindred.audit.models import AccessLog
from kindred.care.models import Episode
from kindred.imports.models import ImportBatch
from kindred.imports.tests.helpers import csv_bytes, valid_rows, xlsx_bytes
from kindred.orgs.models import Role
from kindred.orgs.services import issue_api_token
from kindred.people.models import Person
from kindred.testing import make_user

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def token_client(world, user) -> Client:
    _token, plain = issue_api_token(world.actor(user), name="Test")
    return Client(headers={"Authorization": f"Bearer {plain}"})


def upload(client, content: bytes, name: str = "families.csv"):
    return client.post(f"{API}/imports", {"file": SimpleUploadedFile(name, content)})


def test_upload_checks_every_row_and_import_writes_the_file(world):
    client = token_client(world, world.coordinator)
    response = upload(client, xlsx_bytes(valid_rows()), "families.xlsx")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["file_format"], body["total_rows"], body["problem_rows"]) == ("valid", "xlsx", 4, 0)
    assert not Person.objects.exists()

    response = client.post(f"{API}/imports/{body['id']}/import")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "imported" and body["episodes_created"] == 2 and body["children_linked"] == 2
    assert set(body["patient_ids"]) == set(Episode.objects.values_list("patient_id", flat=True))
    assert body["file_deleted_at"] is not None
    assert AccessLog.objects.filter(via="api", object_type="care.episode", action="create").count() == 2
    assert client.get(f"{API}/imports/{body['id']}").json()["status"] == "imported"


def test_a_file_with_a_bad_row_is_reported_and_cannot_be_imported(world):
    client = token_client(world, world.coordinator)
    rows = valid_rows()
    rows[3]["episode_kind"] = "rehab"
    body = upload(client, csv_bytes(rows)).json()
    assert body["status"] == "invalid" and body["problem_rows"] == 1
    assert [(r["row"], [p["column"] for p in r["problems"]]) for r in body["rows"]] == [(5, ["episode_kind"])]
    response = client.post(f"{API}/imports/{body['id']}/import")
    assert response.status_code == 422
    assert response.json()["detail"] == "Only a file where every row is valid can be imported. Correct the file first."
    assert not Person.objects.exists() and not Episode.objects.exists()


def test_a_file_that_cannot_be_read_is_422_and_stores_nothing(world):
    response = upload(token_client(world, world.coordinator), b"\xd0\xcf\x11\xe0" + b"\x00" * 50, "old.xls")
    assert response.status_code == 422
    assert response.json()["detail"] == "Old Excel files (.xls) cannot be read. Save the file as .xlsx or CSV."
    assert not ImportBatch.objects.exists()


def test_upload_without_a_file_is_422(world):
    assert token_client(world, world.coordinator).post(f"{API}/imports").status_code == 422


@pytest.mark.parametrize("role", ["clinician", "child_responsible", "group_leader", "analyst", "admin"])
def test_other_roles_are_refused(world, role):
    client = token_client(world, getattr(world, role))
    response = upload(client, csv_bytes(valid_rows()))
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Your role does not allow this: Coordinate across units and answer consultations."
    )
    assert not ImportBatch.objects.exists()


def test_another_coordinator_cannot_read_or_import_the_upload(world):
    body = upload(token_client(world, world.coordinator), csv_bytes(valid_rows())).json()
    for user in (
        make_user("fc@example.no", "Fredrik Coordinator", world.other, Role.COORDINATOR),
        make_user("cecilie@example.no", "Cecilie Coordinator", world.unit, Role.COORDINATOR),
    ):
        client = token_client(world, user)
        assert client.get(f"{API}/imports/{body['id']}").status_code == 404
        assert client.post(f"{API}/imports/{body['id']}/import").status_code == 404
    assert not Episode.objects.exists()


def test_an_outsider_imports_into_their_own_organisation_only(world):
    coordinator = make_user("fc@example.no", "Fredrik Coordinator", world.other, Role.COORDINATOR)
    client = token_client(world, coordinator)
    body = upload(client, csv_bytes(valid_rows())).json()
    client.post(f"{API}/imports/{body['id']}/import")
    assert set(Episode.objects.values_list("organisation", flat=True)) == {world.other.pk}
    assert set(Person.objects.values_list("registered_by", flat=True)) == {world.other.pk}


def test_anonymous_is_401(world):
    assert upload(Client(), csv_bytes(valid_rows())).status_code == 401
    assert Client().get(f"{API}/imports/1").status_code == 401


def test_the_session_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.coordinator)
    assert upload(client, csv_bytes(valid_rows())).status_code == 403
    assert not ImportBatch.objects.exists()
