"""What one organisation records stays there: no reuse of persons across organisations by national id."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kindred.care import services
from kindred.care.models import Episode
from kindred.people.access import visible_persons
from kindred.people.models import Person
from kindred.people.services import PersonData, family_of
from kindred.people.synthetic import first_valid_fnr

pytestmark = pytest.mark.django_db


def _intake(actor, national_id, children=()):
    episode = services.register_patient(
        actor,
        PersonData(given_name="Pål", family_name="Pasient", national_id=national_id),
        services.EpisodeData(kind="outpatient", started_on=timezone.localdate()),
    )
    if children:
        services.record_children_answer(
            actor, episode, children_answer="has", siblings_answer="none", source="patient", children=list(children)
        )
    return episode


def test_another_organisation_does_not_reach_the_family_by_national_id(world):
    today = timezone.localdate()
    nid = first_valid_fnr(today.replace(year=today.year - 40), 5)
    child = services.ChildInput(person=PersonData(given_name="Siri", birth_date=today.replace(year=today.year - 9)))
    ours = _intake(world.actor(world.clinician), nid, [child])
    theirs = _intake(world.actor(world.outsider), nid)
    assert theirs.patient_id != ours.patient_id
    outsider_sees = visible_persons(world.actor(world.outsider))
    assert not outsider_sees.filter(given_name="Siri").exists()
    assert family_of(theirs.patient, visible=outsider_sees) == []
    # Within the organisation the same national id is the same person.
    again = _intake(world.actor(world.clinician), nid)
    assert again.patient_id == ours.patient_id
    assert Person.objects.filter(national_id=nid).count() == 2


def test_a_discharged_episode_refuses_changes(world):
    cora = world.actor(world.clinician)
    episode = _intake(cora, "")
    services.record_children_answer(cora, episode, children_answer="none", siblings_answer="none", source="patient")
    services.discharge(cora, episode, ended_on=timezone.localdate(), summaries={})
    with pytest.raises(ValidationError):
        services.record_children_answer(
            cora, episode, children_answer="declined", siblings_answer="none", source="patient"
        )
    episode.refresh_from_db()
    assert (episode.status, episode.children_answer) == (Episode.Status.DISCHARGED, "none")
