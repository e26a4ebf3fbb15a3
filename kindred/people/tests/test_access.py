"""The one access rule: caseload, the whole unit for child-responsible staff, break-the-glass, nothing else."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from kindred.audit.models import AccessLog
from kindred.care.models import Episode
from kindred.care.services import EpisodeData, open_episode
from kindred.care.tests.factories import patient_with_children, second_clinician
from kindred.people.access import (
    break_the_glass,
    get_person,
    grants_to_review,
    review_grant,
    visible_among,
    visible_episodes,
    visible_persons,
)
from kindred.people.models import AccessGrant, Person, Relationship
from kindred.people.services import PersonData, register_person

pytestmark = pytest.mark.django_db

REASON = "Patient acutely unwell on the ward at night"


@pytest.fixture
def caseloads(world):
    """Cora's patient Pia with Kim and Kari; Dan's patient Per with Liv; Otto's patient elsewhere with Ola."""
    dan = second_clinician(world.unit)
    cora_episode, cora_children = patient_with_children(
        world.actor(world.clinician), given_name="Pia", family_name="Parent", children=[("Kim", 8), ("Kari", 12)]
    )
    dan_episode, dan_children = patient_with_children(
        world.actor(dan), given_name="Per", family_name="Pedersen", children=[("Liv", 4)]
    )
    other_episode, other_children = patient_with_children(
        world.actor(world.outsider), given_name="Olga", family_name="Other", children=[("Ola", 6)]
    )
    return {
        "dan": dan,
        "cora_episode": cora_episode,
        "cora_family": {cora_episode.patient, *cora_children},
        "dan_episode": dan_episode,
        "dan_family": {dan_episode.patient, *dan_children},
        "other_episode": other_episode,
        "other_family": {other_episode.patient, *other_children},
    }


def visible(actor) -> set[Person]:
    return set(visible_persons(actor))


# --- Clinicians: their own caseload ------------------------------------------------------------


def test_clinician_sees_own_patient_and_the_patients_children(world, caseloads):
    actor = world.actor(world.clinician)
    assert visible(actor) == caseloads["cora_family"]
    assert list(visible_episodes(actor)) == [caseloads["cora_episode"]]


def test_clinician_does_not_see_another_clinicians_patient_in_the_same_unit(world, caseloads):
    actor = world.actor(world.clinician)
    assert not visible(actor) & caseloads["dan_family"]
    assert caseloads["dan_episode"] not in visible_episodes(actor)
    with pytest.raises(Http404):
        get_person(actor, caseloads["dan_episode"].patient.pk)


def test_child_responsible_contact_sees_the_patient_and_children(world, caseloads):
    dan = caseloads["dan"]
    episode, (liv,) = patient_with_children(
        world.actor(dan), given_name="Siri", family_name="Contact", children=[("Liv", 5)], child_contact=world.clinician
    )
    actor = world.actor(world.clinician)
    assert {episode.patient, liv} <= visible(actor)
    assert episode in visible_episodes(actor)


def test_clinician_sees_a_person_they_registered_before_any_episode(world, caseloads):
    person = register_person(world.actor(world.clinician), PersonData(given_name="New", family_name="Client"))
    assert person in visible(world.actor(world.clinician))
    assert person not in visible(world.actor(caseloads["dan"]))


def test_registered_person_leaves_the_registrars_view_once_another_clinician_opens_the_episode(world, caseloads):
    person = register_person(world.actor(world.clinician), PersonData(given_name="New", family_name="Client"))
    open_episode(
        world.actor(caseloads["dan"]),
        person,
        EpisodeData(kind=Episode.Kind.OUTPATIENT, started_on=timezone.localdate()),
    )
    assert person not in visible(world.actor(world.clinician))
    assert person in visible(world.actor(caseloads["dan"]))


# --- Break the glass ---------------------------------------------------------------------------


def test_break_the_glass_opens_the_patient_the_children_and_the_episode(world, caseloads):
    actor = world.actor(world.clinician)
    break_the_glass(actor, caseloads["dan_episode"].patient.pk, REASON)
    assert caseloads["dan_family"] <= visible(actor)
    assert caseloads["dan_episode"] in visible_episodes(actor)
    assert get_person(actor, caseloads["dan_episode"].patient.pk) == caseloads["dan_episode"].patient


def test_break_the_glass_is_logged_with_its_reason(world, caseloads):
    patient = caseloads["dan_episode"].patient
    grant = break_the_glass(world.actor(world.clinician), patient.pk, f"  {REASON}  ")
    assert grant.reason == REASON
    row = AccessLog.objects.filter(object_type="people.accessgrant").get()
    assert (row.user, row.subject, row.object_id, row.reason) == (world.clinician, patient, str(grant.pk), REASON)
    assert row.details == {"break_the_glass": True}


@pytest.mark.parametrize("reason", ["", "   ", "too short", "  123456789  "])
def test_break_the_glass_needs_a_reason_of_at_least_ten_characters(world, caseloads, reason):
    actor = world.actor(world.clinician)
    with pytest.raises(ValidationError) as caught:
        break_the_glass(actor, caseloads["dan_episode"].patient.pk, reason)
    assert set(caught.value.message_dict) == {"reason"}
    assert not AccessGrant.objects.exists()
    assert not visible(actor) & caseloads["dan_family"]


def test_ten_characters_are_enough_reason(world, caseloads):
    assert break_the_glass(world.actor(world.clinician), caseloads["dan_episode"].patient.pk, "1234567890")


def test_break_the_glass_expires_after_the_configured_hours(world, caseloads, settings):
    settings.BREAK_GLASS_HOURS = 5
    before = timezone.now()
    grant = break_the_glass(world.actor(world.clinician), caseloads["dan_episode"].patient.pk, REASON)
    assert before + timedelta(hours=5) <= grant.expires_at <= timezone.now() + timedelta(hours=5)


def test_expired_grant_gives_no_access(world, caseloads):
    actor = world.actor(world.clinician)
    patient = caseloads["dan_episode"].patient
    grant = break_the_glass(actor, patient.pk, REASON)
    AccessGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert not visible(actor) & caseloads["dan_family"]
    assert caseloads["dan_episode"] not in visible_episodes(actor)
    with pytest.raises(Http404):
        get_person(actor, patient.pk)


def test_grant_is_personal(world, caseloads):
    break_the_glass(world.actor(world.clinician), caseloads["dan_episode"].patient.pk, REASON)
    other_clinician = second_clinician(world.unit, "eva@example.no")
    assert not visible(world.actor(other_clinician)) & caseloads["dan_family"]


def test_break_the_glass_cannot_reach_another_organisations_patient(world, caseloads):
    with pytest.raises(Http404):
        break_the_glass(world.actor(world.clinician), caseloads["other_episode"].patient.pk, REASON)
    with pytest.raises(Http404):
        break_the_glass(world.actor(world.outsider), caseloads["dan_episode"].patient.pk, REASON)
    assert not AccessGrant.objects.exists()


def test_break_the_glass_opens_patients_only_not_a_child_directly(world, caseloads):
    liv = next(p for p in caseloads["dan_family"] if p.given_name == "Liv")
    with pytest.raises(Http404):
        break_the_glass(world.actor(world.clinician), liv.pk, REASON)
    assert not AccessGrant.objects.exists()


@pytest.mark.parametrize("garbage", ["abc", "", None, "1.5"])
def test_break_the_glass_with_a_garbage_id_is_not_found(world, caseloads, garbage):
    with pytest.raises(Http404):
        break_the_glass(world.actor(world.clinician), garbage, REASON)


@pytest.mark.parametrize("persona", ["analyst", "admin"])
def test_roles_without_personal_data_cannot_break_the_glass(world, caseloads, persona):
    with pytest.raises(Http404):
        break_the_glass(world.actor(getattr(world, persona)), caseloads["cora_episode"].patient.pk, REASON)
    assert not AccessGrant.objects.exists()


# --- The whole unit, and nothing --------------------------------------------------------------


@pytest.mark.parametrize("persona", ["child_responsible", "coordinator"])
def test_child_responsible_and_coordinator_see_the_whole_unit(world, caseloads, persona):
    unregistered = register_person(world.actor(world.clinician), PersonData(given_name="New", family_name="Client"))
    actor = world.actor(getattr(world, persona))
    assert visible(actor) == caseloads["cora_family"] | caseloads["dan_family"] | {unregistered}
    assert set(visible_episodes(actor)) == {caseloads["cora_episode"], caseloads["dan_episode"]}


@pytest.mark.parametrize("persona", ["analyst", "admin", "outsider"])
def test_analyst_admin_and_outsider_see_nothing_of_the_unit(world, caseloads, persona):
    actor = world.actor(getattr(world, persona))
    unit_people = caseloads["cora_family"] | caseloads["dan_family"]
    assert not visible(actor) & unit_people
    assert not set(visible_episodes(actor)) & {caseloads["cora_episode"], caseloads["dan_episode"]}
    for person in unit_people:
        with pytest.raises(Http404):
            get_person(actor, person.pk)
    assert not AccessLog.objects.filter(user=getattr(world, persona), action=AccessLog.Action.VIEW).exists()


@pytest.mark.parametrize("persona", ["analyst", "admin"])
def test_roles_without_personal_data_see_no_persons_at_all(world, caseloads, persona):
    actor = world.actor(getattr(world, persona))
    assert not visible_persons(actor).exists()
    assert not visible_episodes(actor).exists()


def test_outsider_sees_only_their_own_organisations_people(world, caseloads):
    assert visible(world.actor(world.outsider)) == caseloads["other_family"]


# --- get_person ------------------------------------------------------------------------------


def test_get_person_writes_a_view_row_about_the_person(world, caseloads):
    patient = caseloads["cora_episode"].patient
    before = AccessLog.objects.count()
    assert get_person(world.actor(world.clinician), str(patient.pk)) == patient
    assert AccessLog.objects.count() == before + 1
    row = AccessLog.objects.first()
    assert (row.action, row.subject, row.user, row.organisation) == ("view", patient, world.clinician, world.unit)
    assert (row.object_type, row.object_id) == ("people.person", str(patient.pk))


def test_get_person_records_the_given_action_and_reason(world, caseloads):
    patient = caseloads["cora_episode"].patient
    get_person(world.actor(world.clinician), patient.pk, action=AccessLog.Action.EXPORT, reason="Court order")
    row = AccessLog.objects.first()
    assert (row.action, row.reason, row.subject) == ("export", "Court order", patient)


def test_get_person_of_an_invisible_person_is_not_found_and_not_logged(world, caseloads):
    before = AccessLog.objects.count()
    for person in caseloads["dan_family"] | caseloads["other_family"]:
        with pytest.raises(Http404):
            get_person(world.actor(world.clinician), person.pk)
    assert AccessLog.objects.count() == before


@pytest.mark.parametrize("garbage", ["abc", "", None, "1.5", "-1", "0", "1 OR 1=1", "99999999999999999999999"])
def test_get_person_with_a_garbage_id_is_not_found(world, caseloads, garbage):
    with pytest.raises(Http404):
        get_person(world.actor(world.child_responsible), garbage)


# --- Review of break-the-glass grants ----------------------------------------------------------


def test_child_responsible_reviews_the_units_grants(world, caseloads):
    grant = break_the_glass(world.actor(world.clinician), caseloads["dan_episode"].patient.pk, REASON)
    other = break_the_glass(world.actor(world.outsider), caseloads["other_episode"].patient.pk, REASON)
    actor = world.actor(world.child_responsible)
    assert list(grants_to_review(actor)) == [grant]

    reviewed = review_grant(actor, str(grant.pk))
    reviewed.refresh_from_db()
    assert reviewed.reviewed_by == world.child_responsible
    assert reviewed.reviewed_at is not None
    row = AccessLog.objects.first()
    assert (row.action, row.user, row.subject) == ("change", world.child_responsible, grant.person)
    assert row.details == {"reviewed": True}
    with pytest.raises(Http404):
        review_grant(actor, other.pk)
    other.refresh_from_db()
    assert other.reviewed_by is None


@pytest.mark.parametrize("persona", ["clinician", "group_leader", "analyst", "admin", "outsider"])
def test_others_cannot_review_grants(world, caseloads, persona):
    grant = break_the_glass(world.actor(world.clinician), caseloads["dan_episode"].patient.pk, REASON)
    actor = world.actor(getattr(world, persona))
    assert not grants_to_review(actor).exists()
    with pytest.raises(Http404):
        review_grant(actor, grant.pk)
    grant.refresh_from_db()
    assert grant.reviewed_by is None and grant.reviewed_at is None


@pytest.mark.parametrize("garbage", ["abc", "", None, "99999"])
def test_review_of_a_garbage_grant_id_is_not_found(world, garbage):
    with pytest.raises(Http404):
        review_grant(world.actor(world.child_responsible), garbage)


# --- The two forms of the rule agree ------------------------------------------------------------


def test_the_per_candidate_form_of_the_rule_agrees_with_the_set_form_for_every_persona(world, caseloads):
    """visible_among (EXISTS per candidate, used for single persons) must give exactly visible_persons (the set
    of ids, used for lists), for every persona and every person, including grants, relatives both ways and
    persons registered without an episode."""
    dan = caseloads["dan"]
    registered = register_person(world.actor(world.clinician), PersonData(given_name="Nina", family_name="Ny"))
    register_person(world.actor(dan), PersonData(given_name="Nils", family_name="Ny"))
    # Pia's own mother: a relationship that points at the patient from the other end.
    grandmother = Person.objects.create(given_name="Gro", family_name="Parent", registered_by=world.unit)
    Relationship.objects.create(person=grandmother, other=caseloads["cora_episode"].patient, kind="parent_of")
    break_the_glass(world.actor(world.clinician), caseloads["dan_episode"].patient_id, REASON)
    actors = [world.actor(user) for user in world.by_role.values()] + [world.actor(dan)]
    everyone = Person.objects.all()
    assert everyone.count() == 10
    for actor in actors:
        expected = set(visible_persons(actor).values_list("pk", flat=True))
        assert set(visible_among(actor, everyone).values_list("pk", flat=True)) == expected, actor
        for person in everyone:
            one = visible_among(actor, Person.objects.filter(pk=person.pk)).exists()
            assert one == (person.pk in expected), (actor, person)
    clinician = world.actor(world.clinician)
    assert registered.pk in set(visible_among(clinician, everyone).values_list("pk", flat=True))
    assert caseloads["dan_family"] <= set(visible_among(clinician, everyone))
    assert grandmother in set(visible_among(clinician, everyone))
