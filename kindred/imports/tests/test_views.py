"""The import pages: who may use them (a matrix of roles and organisations), and the flow upload → checking in
htmx steps → report → import → the imported persons, with and without JavaScript."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import get_resolver, reverse

from kindred.audit.models import AccessLog
from kindred.care.models import Episode
from kindred.imports import services
from kindred.imports.models import ImportBatch
from kindred.imports.tests.helpers import csv_bytes, valid_rows, xlsx_bytes
from kindred.orgs.models import Role
from kindred.people.models import Person
from kindred.testing import make_user

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
NONE, BATCH = "none", "batch"
# url name -> (what the URL is about, method, what the uploader gets)
PAGES = {
    "imports:upload": (NONE, "get", 200),
    "imports:template_csv": (NONE, "get", 200),
    "imports:template_xlsx": (NONE, "get", 200),
    "imports:batch": (BATCH, "get", 200),
    "imports:check": (BATCH, "post", 302),
    "imports:start": (BATCH, "post", 302),
    "imports:run": (BATCH, "post", 302),
    "imports:check_again": (BATCH, "post", 302),  # after the import: refused with a message
}
PERSONAS = [
    "clinician",
    "child_responsible",
    "coordinator",
    "second_coordinator",
    "group_leader",
    "analyst",
    "admin",
    "outsider",
    "foreign_coordinator",
    "anonymous",
]


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def test_every_page_is_in_the_matrix():
    resolver = get_resolver().namespace_dict["imports"][1]
    assert {f"imports:{name}" for name in resolver.reverse_dict if isinstance(name, str)} == set(PAGES)


def _persona(world, persona: str):
    if persona == "anonymous":
        return Client(), None
    if persona == "foreign_coordinator":
        user = make_user("fc@example.no", "Fredrik Coordinator", world.other, Role.COORDINATOR)
    elif persona == "second_coordinator":
        user = make_user("cecilie@example.no", "Cecilie Coordinator", world.unit, Role.COORDINATOR)
    else:
        user = getattr(world, persona)
    return world.client_for(user), user


@pytest.mark.parametrize("persona", PERSONAS)
def test_matrix(world, persona):
    """Only coordinators may import (403 for other roles); an upload is seen only by its uploader (404 for
    another coordinator, in the unit or elsewhere); anonymous visitors go to the login page."""
    actor = world.actor(world.coordinator)
    batch = services.check_all(actor, services.upload(actor, "f.csv", csv_bytes(valid_rows())))
    client, user = _persona(world, persona)
    coordinates = user is not None and user.memberships.get().role == Role.COORDINATOR
    failures = []
    for name, (about, method, allowed) in PAGES.items():
        url = reverse(name) if about == NONE else reverse(name, args=[batch.pk])
        response = client.post(url) if method == "post" else client.get(url)
        if user is None:
            expected = 302
        elif not coordinates:
            expected = 403
        elif about == BATCH and user != world.coordinator:
            expected = 404
        else:
            expected = allowed
        if response.status_code != expected:
            failures.append(f"{name}: {response.status_code} != {expected}")
        if user is None and "/login/" not in response.url:
            failures.append(f"{name}: not sent to the login page")
    assert failures == []
    batch.refresh_from_db()
    imported = batch.status == ImportBatch.Status.IMPORTED
    assert imported == (user == world.coordinator)
    assert Episode.objects.exists() == imported


def test_the_whole_flow_with_htmx_steps(world, settings):
    settings.IMPORT_CHUNK_ROWS = 2
    client = world.client_for(world.coordinator)
    page = client.get(reverse("imports:upload"))
    assert b'data-testid="template-xlsx"' in page.content and b"given_name" in page.content

    rows = valid_rows()
    rows[2]["birth_date"] = "not a date"
    response = client.post(reverse("imports:upload"), {"file": SimpleUploadedFile("f.csv", csv_bytes(rows))})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == reverse("imports:batch", args=[batch.pk])
    page = client.get(response.url)
    assert b'data-testid="checking"' in page.content and b'hx-trigger="load delay:100ms"' in page.content

    step = client.post(reverse("imports:check", args=[batch.pk]), headers=HTMX)
    assert step.status_code == 200 and b"Checked 2 of 4 rows." in step.content
    step = client.post(reverse("imports:check", args=[batch.pk]), headers=HTMX)
    assert step.status_code == 204 and step["HX-Redirect"] == reverse("imports:batch", args=[batch.pk])

    page = client.get(reverse("imports:batch", args=[batch.pk])).content.decode()
    assert "1 of 4 rows has problems." in page
    assert 'data-row="4" data-column="birth_date"' in page
    assert 'data-testid="import-form"' not in page
    assert page.count('data-testid="preview-row"') == 4 and "Kari Nordmann" in page
    assert client.post(reverse("imports:start", args=[batch.pk])).status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.INVALID and not Person.objects.exists()

    rows[2]["birth_date"] = ""
    rows[2]["birth_year"] = "2022"
    response = client.post(reverse("imports:upload"), {"file": SimpleUploadedFile("f.xlsx", xlsx_bytes(rows))})
    batch = ImportBatch.objects.get(file_name="f.xlsx")
    client.post(reverse("imports:check", args=[batch.pk]))  # without JavaScript: every row at once
    page = client.get(reverse("imports:batch", args=[batch.pk])).content.decode()
    assert "All 4 rows are valid and can be imported." in page and 'data-testid="import-form"' in page

    assert client.post(reverse("imports:start", args=[batch.pk])).status_code == 302
    page = client.get(reverse("imports:batch", args=[batch.pk])).content.decode()
    assert 'data-testid="importing"' in page and reverse("imports:run", args=[batch.pk]) in page
    run = client.post(reverse("imports:run", args=[batch.pk]), headers=HTMX)
    assert run.status_code == 204 and run["HX-Redirect"] == reverse("imports:batch", args=[batch.pk])

    logs = AccessLog.objects.count()
    page = client.get(reverse("imports:batch", args=[batch.pk])).content.decode()
    assert (
        "Import complete" in page and "Imported: 2 episodes, 2 children linked to their parent, 4 new persons." in page
    )
    assert page.count('data-testid="imported-person"') == 2 and "Per Hansen" in page
    viewed = AccessLog.objects.order_by("pk")[logs:]
    assert sorted(log.subject.given_name for log in viewed if log.object_type == "people.person") == ["Kari", "Per"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.4\x00\x00", "This is not a CSV or XLSX file. Save the spreadsheet as .xlsx or CSV."),
        (b"family,role\n1,patient\n", "The header row lacks the columns given_name, family_name."),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_clear_message(world, content, message):
    client = world.client_for(world.coordinator)
    response = client.post(reverse("imports:upload"), {"file": SimpleUploadedFile("f.csv", content)})
    assert response.status_code == 200 and message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_uploading_without_a_file_asks_for_one(world):
    response = world.client_for(world.coordinator).post(reverse("imports:upload"), {})
    assert response.status_code == 200 and "This field is required." in response.content.decode()


def test_the_templates_download_as_files(world):
    client = world.client_for(world.coordinator)
    csv = client.get(reverse("imports:template_csv"))
    assert csv["Content-Type"].startswith("text/csv") and "attachment" in csv["Content-Disposition"]
    assert csv.content.decode("utf-8-sig").startswith("family,role,given_name,family_name,national_id")
    xlsx = client.get(reverse("imports:template_xlsx"))
    assert xlsx.content.startswith(b"PK\x03\x04")


def test_the_menu_shows_import_to_coordinators_only(world):
    assert b'data-testid="nav-import"' in world.client_for(world.coordinator).get("/").content
    assert b'data-testid="nav-import"' not in world.client_for(world.admin).get("/").content
    assert b'data-testid="nav-import"' not in world.client_for(world.clinician).get("/").content


@pytest.mark.parametrize("name", [n for n, (_, method, _) in PAGES.items() if method == "post"])
def test_actions_refuse_get(world, name):
    actor = world.actor(world.coordinator)
    batch = services.upload(actor, "f.csv", csv_bytes(valid_rows()))
    assert world.client_for(world.coordinator).get(reverse(name, args=[batch.pk])).status_code == 405
