"""Relatives as clients in their own right: the web intake, the episode page and the care API.

A relative's episode (kind `relative`) belongs to the relative, is linked to the person whose substance or
gambling problem affects them (`affected_by`), records who referred them, and is related to that person in
the family."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kindred.audit.models import AccessLog
from kindred.care import services
from kindred.care.models import Episode
from kindred.care.tests.factories import patient_with_children, second_clinician, today, years_ago
from kindred.instruments.models import Instrument
from kindred.people.models import Person, Relationship
from kindred.people.services import PersonData

pytestmark = pytest.mark.django_db

API = "/api/v1"


def english(client):
    client.cookies["django_language"] = "en"
    return client


def counts() -> tuple[int, int, int]:
    return Person.objects.count(), Episode.objects.count(), Relationship.objects.count()


@pytest.fixture
def pia(world) -> Episode:
    """Pia, a patient of Cora (the clinician) with a gambling problem."""
    episode, _children = patient_with_children(world.actor(world.clinician), given_name="Pia", children=())
    return episode


def form_data(**changes) -> dict:
    data = {
        "person-given_name": "Rita",
        "person-family_name": "Relativ",
        "person-birth_year": "1982",
        "person-sex": "female",
        "episode-referred_by": "gp",
        "episode-started_on": today().isoformat(),
        "episode-responsible": "",
        "episode-relation": "partner",
        "episode-description": "",
        "episode-affected": "",
        "episode-affected_given_name": "",
        "episode-affected_family_name": "",
        "episode-affected_birth_year": "",
        "episode-problem_areas": ["gambling"],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def page_text(response) -> str:
    return response.content.decode()


# --- The web intake ----------------------------------------------------------------------------------


def test_the_page_offers_the_actors_patients(world, pia):
    client = english(world.client_for(world.clinician))
    response = client.get(reverse("care:relative_intake"))
    assert response.status_code == 200
    text = page_text(response)
    assert "New relative as client" in text
    assert f'<option value="{pia.patient_id}">Pia Parent' in text
    # Showing the patient's name in the list is a view of personal data.
    assert AccessLog.objects.filter(user=world.clinician, action="view", subject=pia.patient).exists()


def test_the_page_does_not_offer_patients_outside_the_caseload(world, pia):
    dan = second_clinician(world.unit)
    text = page_text(english(world.client_for(dan)).get(reverse("care:relative_intake")))
    assert "Pia Parent" not in text


def test_intake_with_a_patient_the_actor_may_see(world, pia):
    client = english(world.client_for(world.clinician))
    before = AccessLog.objects.count()
    response = client.post(
        reverse("care:relative_intake"),
        form_data(**{"episode-affected": str(pia.patient_id), "episode-responsible": str(world.clinician.pk)}),
    )
    episode = Episode.objects.get(kind=Episode.Kind.RELATIVE)
    assert response.status_code == 302
    assert response["Location"] == reverse("care:children_answer", args=[episode.pk])
    rita = episode.patient
    assert (rita.given_name, rita.family_name, rita.birth_year, rita.sex) == ("Rita", "Relativ", 1982, "female")
    assert (episode.affected_by, episode.referred_by, episode.status) == (pia.patient, "gp", Episode.Status.INTAKE)
    assert (episode.organisation, episode.responsible, episode.started_on) == (world.unit, world.clinician, today())
    assert episode.problem_areas == ["gambling"]
    relationship = Relationship.objects.get(kind=Relationship.Kind.PARTNER)
    assert (relationship.person, relationship.other) == (rita, pia.patient)
    rows = set(AccessLog.objects.order_by("id")[before:].values_list("action", "object_type", "subject"))
    assert {
        ("create", "people.person", rita.pk),
        ("create", "people.relationship", rita.pk),
        ("create", "care.episode", rita.pk),
    } <= rows
    users = set(AccessLog.objects.order_by("id")[before:].values_list("user", flat=True))
    assert users == {world.clinician.pk}


def test_intake_with_a_new_affected_person_as_the_clients_parent(world):
    client = english(world.client_for(world.clinician))
    before = counts()
    response = client.post(
        reverse("care:relative_intake"),
        form_data(
            **{
                "person-given_name": "Ung",
                "person-family_name": "Voksen",
                "person-birth_year": str(today().year - 22),
                "episode-relation": "child",
                "episode-referred_by": "self",
                "episode-affected_given_name": "Far",
                "episode-affected_family_name": "Voksen",
                "episode-affected_birth_year": "1960",
                "episode-problem_areas": ["alcohol"],
            }
        ),
    )
    assert response.status_code == 302
    assert counts() == (before[0] + 2, before[1] + 1, before[2] + 1)
    episode = Episode.objects.get(kind=Episode.Kind.RELATIVE)
    father = episode.affected_by
    assert (father.given_name, father.family_name, father.birth_year) == ("Far", "Voksen", 1960)
    assert (episode.patient.given_name, episode.referred_by, episode.responsible) == ("Ung", "self", world.clinician)
    # "child": the client is the child of the person with the problem.
    relationship = Relationship.objects.get()
    assert (relationship.person, relationship.kind, relationship.other) == (
        father,
        Relationship.Kind.PARENT_OF,
        episode.patient,
    )
    assert AccessLog.objects.filter(action="create", object_type="people.person", subject=father).exists()


def test_the_relation_description_is_kept(world, pia):
    client = english(world.client_for(world.clinician))
    client.post(
        reverse("care:relative_intake"),
        form_data(
            **{
                "episode-affected": str(pia.patient_id),
                "episode-relation": "other",
                "episode-description": "Bestemor",
            }
        ),
    )
    relationship = Relationship.objects.get(kind=Relationship.Kind.OTHER_CLOSE)
    assert relationship.description == "Bestemor"


def assert_refused(response, message: str, before) -> None:
    assert response.status_code == 200
    assert message in page_text(response)
    assert counts() == before
    assert not Episode.objects.filter(kind=Episode.Kind.RELATIVE).exists()


def test_an_affected_person_is_required(world, pia):
    client = english(world.client_for(world.clinician))
    before = counts()
    response = client.post(reverse("care:relative_intake"), form_data())
    assert_refused(response, "Name the person whose problem affects the client, or choose one.", before)


def test_both_a_chosen_and_a_new_affected_person_is_refused(world, pia):
    client = english(world.client_for(world.clinician))
    before = counts()
    response = client.post(
        reverse("care:relative_intake"),
        form_data(**{"episode-affected": str(pia.patient_id), "episode-affected_given_name": "Per"}),
    )
    assert_refused(response, "Name the person whose problem affects the client, or choose one.", before)


@pytest.mark.parametrize("relation", ["cousin", ""])
def test_a_bad_relation_is_refused(world, pia, relation):
    client = english(world.client_for(world.clinician))
    before = counts()
    response = client.post(
        reverse("care:relative_intake"),
        form_data(**{"episode-affected": str(pia.patient_id), "episode-relation": relation}),
    )
    assert_refused(response, "Choose how the client is related to the person with the problem.", before)


def test_an_affected_person_the_actor_may_not_see_is_refused(world):
    dan = second_clinician(world.unit)
    other_patient, _children = patient_with_children(world.actor(dan), given_name="Dina", children=())
    client = english(world.client_for(world.clinician))
    before = counts()
    rows = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.post(
        reverse("care:relative_intake"), form_data(**{"episode-affected": str(other_patient.patient_id)})
    )
    assert_refused(response, "Choose a person you have access to.", before)
    assert "Dina" not in page_text(response)
    assert not AccessLog.objects.filter(id__gt=rows, subject=other_patient.patient).exists()


def test_an_affected_person_of_another_organisation_is_refused(world):
    outsiders_patient, _children = patient_with_children(world.actor(world.outsider), given_name="Olga", children=())
    client = english(world.client_for(world.clinician))
    before = counts()
    response = client.post(
        reverse("care:relative_intake"), form_data(**{"episode-affected": str(outsiders_patient.patient_id)})
    )
    assert_refused(response, "Choose a person you have access to.", before)


def test_a_bad_birth_year_of_the_new_affected_person_is_shown_on_its_field(world):
    client = english(world.client_for(world.clinician))
    before = counts()
    response = client.post(
        reverse("care:relative_intake"),
        form_data(**{"episode-affected_given_name": "Far", "episode-affected_birth_year": str(today().year + 1)}),
    )
    assert_refused(response, "Give a birth year between 1900 and this year.", before)
    assert 'id="id_episode-affected_birth_year_error"' in page_text(response)


def test_the_relatives_own_person_fields_are_checked(world, pia):
    client = english(world.client_for(world.clinician))
    before = counts()
    response = client.post(
        reverse("care:relative_intake"),
        form_data(**{"episode-affected": str(pia.patient_id), "person-national_id": "12345678901"}),
    )
    assert response.status_code == 200
    assert 'id="id_person-national_id_error"' in page_text(response)
    assert counts() == before


def test_a_possible_duplicate_is_shown_before_registering(world, pia):
    birth = years_ago(40)
    services.register_patient(
        world.actor(world.clinician),
        PersonData(given_name="Rita", family_name="Relativ", birth_date=birth),
        services.EpisodeData(kind="outpatient", started_on=today()),
    )
    client = english(world.client_for(world.clinician))
    data = form_data(
        **{"episode-affected": str(pia.patient_id), "person-birth_year": None, "person-birth_date": birth.isoformat()}
    )
    response = client.post(reverse("care:relative_intake"), data)
    assert response.status_code == 200
    assert 'data-testid="duplicate-warning"' in page_text(response)
    assert not Episode.objects.filter(kind=Episode.Kind.RELATIVE).exists()
    response = client.post(reverse("care:relative_intake"), {**data, "confirm_new": "1"})
    assert response.status_code == 302
    assert Episode.objects.filter(kind=Episode.Kind.RELATIVE).count() == 1


@pytest.mark.parametrize("persona", ["group_leader", "analyst", "admin"])
def test_roles_that_do_not_edit_cases_may_not_open_the_page(world, persona):
    client = world.client_for(getattr(world, persona))
    assert client.get(reverse("care:relative_intake")).status_code == 403
    assert client.post(reverse("care:relative_intake"), form_data()).status_code == 403
    assert not Person.objects.exists()


def test_the_intake_and_my_work_pages_link_to_the_relative_intake(world):
    client = english(world.client_for(world.clinician))
    link = reverse("care:relative_intake")
    assert link in page_text(client.get(reverse("care:intake")))
    assert link in page_text(client.get(reverse("care:my_work")))


def test_the_ordinary_intake_records_who_referred(world):
    client = world.client_for(world.clinician)
    response = client.post(
        reverse("care:intake"),
        {
            "person-given_name": "Ola",
            "person-family_name": "Normann",
            "person-birth_year": "1975",
            "episode-kind": "outpatient",
            "episode-started_on": today().isoformat(),
            "episode-pregnancy": "unknown",
            "episode-referred_by": "other_service",
        },
    )
    assert response.status_code == 302
    assert Episode.objects.get().referred_by == "other_service"


# --- The episode page --------------------------------------------------------------------------------


@pytest.fixture
def relative_episode(world, pia) -> Episode:
    return services.register_relative_patient(
        world.actor(world.clinician),
        PersonData(given_name="Rita", family_name="Relativ", birth_year=1982),
        services.EpisodeData(kind="", started_on=today(), referred_by="gp"),
        affected_id=pia.patient_id,
        relation="partner",
    )


def test_the_episode_page_shows_whom_the_relative_is_helped_with(world, pia, relative_episode):
    client = english(world.client_for(world.clinician))
    rows = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.get(reverse("care:episode", args=[relative_episode.pk]))
    assert response.status_code == 200
    text = page_text(response)
    assert "Helps a relative of" in text
    assert f'href="{reverse("people:person", args=[pia.patient_id])}">Pia Parent</a>' in text
    assert "General practitioner" in text
    assert AccessLog.objects.filter(id__gt=rows, action="view", subject=pia.patient).exists()
    assert AccessLog.objects.filter(id__gt=rows, action="view", subject=relative_episode.patient).exists()


def test_the_episode_page_links_to_the_relatives_measures(world, relative_episode):
    client = english(world.client_for(world.clinician))
    text = page_text(client.get(reverse("care:episode", args=[relative_episode.pk])))
    assert 'data-testid="relative-measures"' in text
    for key in ("coping_questionnaire", "family_member_impact", "symptom_rating"):
        instrument = Instrument.objects.filter(key=key, organisation__isnull=True).latest("version")
        url = reverse("instruments:fill_in", args=[relative_episode.patient_id, instrument.pk])
        link = f"{url}?episode={relative_episode.pk}"
        assert f'href="{link}"' in text, key
        assert client.get(link).status_code == 200


def test_an_ordinary_episode_page_has_no_relative_section(world, pia):
    text = page_text(english(world.client_for(world.clinician)).get(reverse("care:episode", args=[pia.pk])))
    assert "Helps a relative of" not in text
    assert 'data-testid="relative-measures"' not in text
    assert 'data-testid="referred-by"' not in text


def test_the_episode_page_of_a_relative_without_a_linked_person(world):
    # Converted from a self-referral: a relative's episode, not (yet) linked to anyone.
    episode = services.register_patient(
        world.actor(world.clinician),
        PersonData(given_name="Sara", birth_year=1990),
        services.EpisodeData(kind="relative", started_on=today(), referred_by="self"),
    )
    text = page_text(english(world.client_for(world.clinician)).get(reverse("care:episode", args=[episode.pk])))
    assert "Helps a relative of" in text and "Self-referral" in text


# --- The API -----------------------------------------------------------------------------------------


def post(client, path, data):
    return client.post(API + path, data, content_type="application/json")


def api_payload(**changes) -> dict:
    payload = {
        "person": {"given_name": "Rita", "family_name": "Relativ", "birth_year": 1982},
        "episode": {"started_on": today().isoformat(), "referred_by": "self", "problem_areas": ["gambling"]},
        "relation": "partner",
    }
    payload.update(changes)
    return payload


def test_api_creates_a_relatives_episode_for_a_visible_person(world, pia):
    client = world.client_for(world.clinician)
    response = post(client, "/relative-episodes", api_payload(affected_by_id=pia.patient_id))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["affected_by_id"], body["referred_by"]) == ("relative", pia.patient_id, "self")
    assert (body["patient"]["given_name"], body["status"], body["responsible_id"]) == (
        "Rita",
        "intake",
        world.clinician.pk,
    )
    episode = Episode.objects.get(pk=body["id"])
    assert episode.affected_by == pia.patient
    assert Relationship.objects.filter(person=episode.patient, other=pia.patient, kind="partner").exists()
    assert AccessLog.objects.filter(action="create", object_type="care.episode", object_id=str(episode.pk)).exists()

    read = client.get(f"{API}/episodes/{episode.pk}").json()
    assert (read["affected_by_id"], read["referred_by"]) == (pia.patient_id, "self")
    listed = {e["id"]: e for e in client.get(f"{API}/episodes").json()["items"]}
    assert listed[episode.pk]["affected_by_id"] == pia.patient_id
    assert listed[pia.pk]["affected_by_id"] is None and listed[pia.pk]["referred_by"] == ""


def test_api_creates_a_relatives_episode_with_a_new_affected_person(world):
    client = world.client_for(world.clinician)
    payload = api_payload(
        relation="parent",
        description="Mor",
        affected_person={"given_name": "Sønn", "family_name": "Relativ", "birth_year": 2001},
    )
    response = post(client, "/relative-episodes", payload)
    assert response.status_code == 201, response.content
    episode = Episode.objects.get(pk=response.json()["id"])
    son = episode.affected_by
    assert son.given_name == "Sønn" and response.json()["affected_by_id"] == son.pk
    relationship = Relationship.objects.get()
    assert (relationship.person, relationship.kind, relationship.other, relationship.description) == (
        episode.patient,
        "parent_of",
        son,
        "Mor",
    )


def test_api_refuses_an_affected_person_outside_what_the_actor_sees(world):
    dan = second_clinician(world.unit)
    other, _children = patient_with_children(world.actor(dan), given_name="Dina", children=())
    before = counts()
    response = post(
        world.client_for(world.clinician), "/relative-episodes", api_payload(affected_by_id=other.patient_id)
    )
    assert response.status_code == 422, response.content
    assert list(response.json()["errors"]) == ["affected"]
    assert counts() == before


@pytest.mark.parametrize(
    "changes",
    [
        {},  # neither an id nor a new person
        {"affected_by_id": 1, "affected_person": {"given_name": "Per"}},  # both
        {"affected_person": {"given_name": "Per"}, "relation": "cousin"},
        {"affected_person": {"given_name": "Per"}, "episode": {"started_on": "2024-01-01", "referred_by": "police"}},
    ],
)
def test_api_refuses_invalid_relative_intakes(world, changes):
    before = counts()
    response = post(world.client_for(world.clinician), "/relative-episodes", api_payload(**changes))
    assert response.status_code == 422, response.content
    assert counts() == before


def test_api_relative_intake_needs_edit_cases(world):
    response = post(
        world.client_for(world.group_leader), "/relative-episodes", api_payload(affected_person={"given_name": "Per"})
    )
    assert response.status_code == 403
    assert not Person.objects.exists()


def test_api_ordinary_intake_accepts_referred_by(world):
    payload = {
        "person": {"given_name": "Ola", "birth_year": 1975},
        "episode": {"kind": "outpatient", "started_on": today().isoformat(), "referred_by": "gp"},
    }
    response = post(world.client_for(world.clinician), "/episodes", payload)
    assert response.status_code == 201, response.content
    assert response.json()["referred_by"] == "gp" and response.json()["affected_by_id"] is None
    assert Episode.objects.get().referred_by == "gp"


def test_openapi_lists_the_relative_intake(client):
    paths = client.get(API + "/openapi.json").json()["paths"]
    operation = paths["/api/v1/relative-episodes"]["post"]
    assert operation["summary"]
    assert {"201", "401", "403", "422"} <= set(operation["responses"])
