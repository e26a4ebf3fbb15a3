"""Agendas and minutes refuse personal data of clients: national ids (checked by python-stdnum, also in groups)
and full names of persons the writer's organisation holds (found with one query). Ordinary text is kept."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kindred.audit.models import AccessLog
from kindred.care.tests.factories import fnr_for, patient_with_children
from kindred.forums import privacy, services
from kindred.forums.tests.factories import network, series
from kindred.people.models import Person

pytestmark = pytest.mark.django_db

FNR = fnr_for(date(1985, 3, 15))
ORDINARY = (
    "Sak 1: Erfaringer med barnesamtaler i Stavanger Kommune.\n"
    "Sak 2: Neste møte 10.03.2026 kl. 13. Ring 915 08 588 ved forfall. Budsjett 1 250 000 kroner.\n"
    "Tema: Barn Som Pårørende, veilederen fra Helsedirektoratet."
)


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def meeting(world):
    return series(world, network(world)).meetings.order_by("date").first()


@pytest.fixture
def kari(world):
    """A patient of the unit (Kari Nordmann) with a child (Emil Nordmann)."""
    episode, _children = patient_with_children(
        world.actor(world.clinician), given_name="Kari", family_name="Nordmann", children=(("Emil", 9),)
    )
    return episode.patient


def _refused(world, meeting, **texts) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        services.update_meeting(world.actor(world.child_responsible), meeting, texts)
    meeting.refresh_from_db()
    assert meeting.agenda == "" and meeting.minutes == "", "nothing is saved"
    return error.value.message_dict


@pytest.mark.parametrize(
    "written",
    [FNR, f"{FNR[:6]} {FNR[6:]}", f"{FNR[:6]}-{FNR[6:]}", f"{FNR[:2]} {FNR[2:4]} {FNR[4:6]} {FNR[6:9]} {FNR[9:]}"],
)
def test_a_norwegian_national_id_is_refused_however_it_is_written(world, meeting, written):
    errors = _refused(world, meeting, minutes=f"Vi drøftet saken til pasienten med fnr. {written} i dag.")
    assert list(errors) == ["minutes"]
    assert "national id" in errors["minutes"][0] and written in errors["minutes"][0]


def test_a_danish_cpr_number_is_refused(world, meeting):
    errors = _refused(world, meeting, agenda="Sag: barnet med CPR 010190-1234 skal drøftes.")
    assert "national id" in errors["agenda"][0]


def test_the_name_of_a_client_of_the_organisation_is_refused(world, meeting, kari):
    errors = _refused(world, meeting, minutes="Bekymring for Kari Nordmann og barna. Emil Nordmanns skole er varslet.")
    assert len(errors["minutes"]) == 2
    assert "“Emil Nordmann” is the name of a person registered with your organisation" in " ".join(errors["minutes"])
    assert "Kari Nordmann" in " ".join(errors["minutes"])


def test_names_are_matched_whatever_their_case_in_the_register(world, meeting):
    Person.objects.create(given_name="ANNE-LISE", family_name="BERG HANSEN", registered_by=world.unit)
    errors = _refused(world, meeting, agenda="Oppfølging av Anne-Lise Berg Hansen.")
    assert "ANNE-LISE BERG HANSEN" in errors["agenda"][0]


def test_a_name_held_only_by_another_organisation_is_not_looked_at(world, meeting):
    Person.objects.create(given_name="Ola", family_name="Nordmann", registered_by=world.other)
    services.update_meeting(
        world.actor(world.child_responsible), meeting, {"minutes": "Ola Nordmann var foredragsholder."}
    )
    meeting.refresh_from_db()
    assert meeting.minutes == "Ola Nordmann var foredragsholder."


def test_ordinary_text_is_kept_with_an_audit_row_without_the_text(world, meeting, kari):
    services.update_meeting(world.actor(world.child_responsible), meeting, {"agenda": ORDINARY, "minutes": "Kari kom."})
    meeting.refresh_from_db()
    assert meeting.agenda == ORDINARY and meeting.updated_by == world.child_responsible
    row = AccessLog.objects.filter(object_type="forums.meeting", object_id=str(meeting.pk)).get()
    assert row.action == AccessLog.Action.CHANGE and row.details == {"changed": ["agenda", "minutes"]}
    assert "Kari" not in str(row.details)


def test_the_name_check_is_one_query_however_long_the_text(world, kari):
    text = " ".join(f"Møte {n} I Stavanger Med Kari Nordmann Og Per Hansen." for n in range(40))
    with CaptureQueriesContext(connection) as queries:
        found = privacy.registered_names(text, world.unit)
    assert found == ["Kari Nordmann"]
    assert len(queries) == 1


def test_document_titles_are_checked_too(world, meeting, kari):
    with pytest.raises(ValidationError) as error:
        services.add_document(
            world.actor(world.child_responsible), meeting, title="Plan for Kari Nordmann", url="https://example.no/a"
        )
    assert "title" in error.value.message_dict
    assert not meeting.documents.exists()


def test_the_web_form_shows_the_message_and_saves_nothing(world, meeting, kari):
    client = world.client_for(world.child_responsible)
    url = reverse("forums:meeting_edit", args=[meeting.pk])
    minutes = f"Drøftet Kari Nordmann, fnr {FNR}."
    schedule = {"schedule-date": "2026-01-13", "schedule-start_time": "13:00", "schedule-place": "Møterom Fjorden"}
    response = client.post(url, {"agenda": "Erfaringsdeling", "minutes": minutes, **schedule})
    assert response.status_code == 200
    page = response.content.decode()
    assert "looks like a national id number" in page and "is the name of a person registered" in page
    assert minutes in page, "the text is shown again to be corrected"
    meeting.refresh_from_db()
    assert meeting.agenda == "" and meeting.minutes == ""
    assert not AccessLog.objects.filter(object_type="forums.meeting").exists()


def test_the_api_refuses_with_422_and_saves_nothing(world, meeting, kari):
    client = world.client_for(world.child_responsible)
    response = client.patch(
        f"/api/v1/forums/meetings/{meeting.pk}",
        {"minutes": "Kari Nordmann har det bedre."},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "minutes" in response.json()["errors"]
    meeting.refresh_from_db()
    assert meeting.minutes == ""
    response = client.patch(
        f"/api/v1/forums/meetings/{meeting.pk}", {"minutes": "Godt møte."}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["minutes"] == "Godt møte."
