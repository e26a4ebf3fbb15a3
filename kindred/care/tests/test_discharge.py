"""Discharge: no episode ends without a handover summary for every minor child."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kindred.audit.models import AccessLog
from kindred.care.models import ChildSheet, Episode
from kindred.care.services import discharge, save_child_sheet
from kindred.care.tests.factories import patient_with_children, today, years_ago
from kindred.people.models import Relationship
from kindred.people.services import PersonData, register_person, relate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def family(world):
    episode, (kim, kari) = patient_with_children(
        world.actor(world.clinician), children=[("Kim", 8), ("Kari", 12)], started_on=today() - timedelta(days=30)
    )
    return episode, kim, kari


def unchanged(episode: Episode) -> bool:
    episode.refresh_from_db()
    return episode.status != Episode.Status.DISCHARGED and episode.ended_on is None and not ChildSheet.objects.exists()


def test_discharge_stores_each_summary_on_the_childs_sheet(world, family):
    episode, kim, kari = family
    discharge(
        world.actor(world.clinician),
        episode,
        ended_on=today(),
        summaries={kim.pk: "  Follow-up by the school nurse. ", kari.pk: "Group at Fyrlykta."},
    )
    episode.refresh_from_db()
    assert (episode.status, episode.ended_on) == (Episode.Status.DISCHARGED, today())
    sheets = {s.child: s for s in ChildSheet.objects.filter(episode=episode)}
    assert sheets[kim].discharge_summary == "Follow-up by the school nurse."
    assert sheets[kari].discharge_summary == "Group at Fyrlykta."
    assert sheets[kim].updated_by == world.clinician
    rows = AccessLog.objects.filter(details__discharge_summary=True)
    assert {row.subject for row in rows} == {kim, kari}
    assert AccessLog.objects.filter(object_type="care.episode", details__status="discharged").count() == 1


def test_discharge_keeps_what_the_sheet_already_says(world, family):
    episode, kim, kari = family
    save_child_sheet(
        world.actor(world.clinician),
        episode,
        kim,
        answers={"lives_where": "With the grandmother"},
        concern_level="some",
        who_informs="parent",
    )
    discharge(world.actor(world.clinician), episode, ended_on=today(), summaries={kim.pk: "Done.", kari.pk: "Done."})
    sheet = ChildSheet.objects.get(child=kim)
    assert (sheet.answers, sheet.concern_level, sheet.discharge_summary) == (
        {"lives_where": "With the grandmother"},
        "some",
        "Done.",
    )
    assert ChildSheet.objects.filter(episode=episode).count() == 2


def test_discharge_without_a_summary_for_every_minor_child_is_refused(world, family):
    episode, kim, kari = family
    with pytest.raises(ValidationError) as caught:
        discharge(world.actor(world.clinician), episode, ended_on=today(), summaries={kim.pk: "Done.", kari.pk: "  "})
    assert caught.value.message_dict == {"summaries": ["Write a handover summary for: Kari Parent."]}
    assert unchanged(episode)


def test_missing_summaries_name_every_child(world, family):
    episode, _kim, _kari = family
    with pytest.raises(ValidationError) as caught:
        discharge(world.actor(world.clinician), episode, ended_on=today(), summaries={})
    assert caught.value.message_dict == {"summaries": ["Write a handover summary for: Kari Parent, Kim Parent."]}
    assert unchanged(episode)


def test_adult_children_need_no_summary(world):
    actor = world.actor(world.clinician)
    episode, (kim,) = patient_with_children(actor, children=[("Kim", 8)], started_on=today() - timedelta(days=30))
    adult = register_person(actor, PersonData(given_name="Anna", family_name="Parent", birth_date=years_ago(20)))
    relate(actor, episode.patient, adult, Relationship.Kind.PARENT_OF)
    discharge(actor, episode, ended_on=today(), summaries={kim.pk: "Done."})
    assert not ChildSheet.objects.filter(child=adult).exists()


def test_episode_without_children_is_discharged_without_summaries(world):
    actor = world.actor(world.clinician)
    episode, _ = patient_with_children(actor, children=[], started_on=today() - timedelta(days=3))
    discharge(world.actor(world.clinician), episode, ended_on=today(), summaries={})
    episode.refresh_from_db()
    assert episode.status == Episode.Status.DISCHARGED


def test_end_before_the_start_is_refused(world, family):
    episode, kim, kari = family
    with pytest.raises(ValidationError) as caught:
        discharge(
            world.actor(world.clinician),
            episode,
            ended_on=episode.started_on - timedelta(days=1),
            summaries={kim.pk: "Done.", kari.pk: "Done."},
        )
    assert caught.value.message_dict == {"ended_on": ["The end date cannot be before the start date."]}
    assert unchanged(episode)


def test_end_on_the_start_date_is_accepted(world, family):
    episode, kim, kari = family
    discharge(
        world.actor(world.clinician),
        episode,
        ended_on=episode.started_on,
        summaries={kim.pk: "Done.", kari.pk: "Done."},
    )
    episode.refresh_from_db()
    assert episode.ended_on == episode.started_on


def test_end_in_the_future_is_refused(world, family):
    episode, kim, kari = family
    with pytest.raises(ValidationError) as caught:
        discharge(
            world.actor(world.clinician),
            episode,
            ended_on=today() + timedelta(days=1),
            summaries={kim.pk: "Done.", kari.pk: "Done."},
        )
    assert caught.value.message_dict == {"ended_on": ["The end date cannot be in the future."]}
    assert unchanged(episode)


def test_discharge_before_the_children_question_is_answered_is_refused(world):
    episode, _ = patient_with_children(world.actor(world.clinician), answered=False)
    with pytest.raises(ValidationError) as caught:
        discharge(world.actor(world.clinician), episode, ended_on=today(), summaries={})
    assert set(caught.value.message_dict) == {"ended_on"}
    assert unchanged(episode)


def test_an_episode_is_discharged_only_once(world, family):
    episode, kim, kari = family
    summaries = {kim.pk: "Done.", kari.pk: "Done."}
    discharge(world.actor(world.clinician), episode, ended_on=today(), summaries=summaries)
    before = AccessLog.objects.count()
    with pytest.raises(ValidationError):
        discharge(world.actor(world.clinician), episode, ended_on=today(), summaries=summaries)
    assert AccessLog.objects.count() == before


def test_group_leader_cannot_discharge(world, family):
    episode, kim, kari = family
    with pytest.raises(PermissionError):
        discharge(world.actor(world.group_leader), episode, ended_on=today(), summaries={kim.pk: "x", kari.pk: "x"})
    assert unchanged(episode)
