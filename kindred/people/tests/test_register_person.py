"""Registering a person: one person per national id, duplicate warnings within the organisation, audit."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kindred.audit.models import AccessLog
from kindred.care.tests.factories import patient_with_children, second_clinician
from kindred.people.models import Person
from kindred.people.services import PersonData, clean_person_data, possible_duplicates, register_person

pytestmark = pytest.mark.django_db

PIA = {"given_name": "Pia", "family_name": "Parent", "national_id": "15076500565"}


def test_register_person_creates_the_person_with_cleaned_identity(world):
    person = register_person(world.actor(world.clinician), PersonData(**{**PIA, "national_id": "150765 00565"}))
    person.refresh_from_db()
    assert (person.given_name, person.family_name) == ("Pia", "Parent")
    assert (person.national_id, person.id_kind) == ("15076500565", Person.IdKind.FNR)
    assert (person.birth_date, person.birth_year) == (date(1965, 7, 15), 1965)
    assert person.registered_by == world.unit
    assert person.created_by == world.clinician


def test_register_person_writes_a_create_row_about_the_person(world):
    person = register_person(world.actor(world.clinician), PersonData(**PIA))
    row = AccessLog.objects.get()
    assert row.action == AccessLog.Action.CREATE
    assert row.subject == person
    assert (row.object_type, row.object_id) == ("people.person", str(person.pk))
    assert (row.user, row.organisation, row.role) == (world.clinician, world.unit, "clinician")
    assert row.request_id == "test-request"


def test_register_person_strips_the_names(world):
    person = register_person(world.actor(world.clinician), PersonData(given_name="  Pia ", family_name=" Parent  "))
    assert (person.given_name, person.family_name) == ("Pia", "Parent")


def test_register_person_records_a_d_number_as_such(world):
    person = register_person(world.actor(world.clinician), PersonData(national_id="55076510007"))
    assert person.id_kind == Person.IdKind.DNR


def test_same_national_id_reuses_the_existing_person(world):
    actor = world.actor(world.clinician)
    first = register_person(actor, PersonData(**PIA))
    again = register_person(actor, PersonData(given_name="Pia Maria", national_id="150765-00565"))
    assert again.pk == first.pk
    assert Person.objects.count() == 1
    assert Person.objects.get().given_name == "Pia"
    assert AccessLog.objects.filter(action=AccessLog.Action.CREATE).count() == 1


def test_invalid_person_data_creates_nothing(world):
    with pytest.raises(ValidationError) as caught:
        register_person(world.actor(world.clinician), PersonData(given_name="Pia", national_id="15076500566"))
    assert set(caught.value.message_dict) == {"national_id"}
    assert Person.objects.count() == 0
    assert AccessLog.objects.count() == 0


def test_anonymous_person_without_identifiers_is_allowed(world):
    person = register_person(world.actor(world.clinician), PersonData())
    person.refresh_from_db()
    assert (person.given_name, person.family_name, person.national_id, person.id_kind) == ("", "", "", "")
    assert person.birth_date is None and person.birth_year is None
    with translation.override("en"):
        assert str(person) == f"Anonymous person {person.pk}"
    assert AccessLog.objects.get().subject == person


def test_anonymous_persons_are_never_merged(world):
    actor = world.actor(world.clinician)
    assert register_person(actor, PersonData()).pk != register_person(actor, PersonData()).pk
    assert Person.objects.count() == 2


def test_person_with_birth_year_only_is_allowed(world):
    person = register_person(world.actor(world.clinician), PersonData(given_name="Ola", birth_year=1980))
    assert (person.birth_date, person.birth_year) == (None, 1980)


# --- Duplicate warnings -----------------------------------------------------------------------


def checked(**fields) -> PersonData:
    return clean_person_data(PersonData(**fields))


def test_possible_duplicates_finds_the_same_national_id(world):
    actor = world.actor(world.clinician)
    person = register_person(actor, PersonData(**PIA))
    assert list(possible_duplicates(actor, checked(given_name="Someone", national_id="15076500565"))) == [person]


def test_possible_duplicates_finds_the_same_name_and_birth_date_ignoring_case(world):
    actor = world.actor(world.clinician)
    person = register_person(actor, PersonData(given_name="Pia", family_name="Parent", birth_date=date(1965, 7, 15)))
    found = possible_duplicates(actor, checked(given_name="pia", family_name="PARENT", birth_date=date(1965, 7, 15)))
    assert list(found) == [person]


def test_possible_duplicates_falls_back_to_name_and_birth_date_when_the_id_is_new(world):
    actor = world.actor(world.clinician)
    person = register_person(actor, PersonData(given_name="Pia", family_name="Parent", birth_date=date(1965, 7, 15)))
    found = possible_duplicates(actor, checked(**PIA))
    assert list(found) == [person]


def test_possible_duplicates_ignores_other_birth_dates_and_names(world):
    actor = world.actor(world.clinician)
    register_person(actor, PersonData(given_name="Pia", family_name="Parent", birth_date=date(1965, 7, 15)))
    assert not possible_duplicates(actor, checked(given_name="Pia", family_name="Parent", birth_date=date(1965, 7, 16)))
    assert not possible_duplicates(actor, checked(given_name="Pia", family_name="Other", birth_date=date(1965, 7, 15)))
    assert not possible_duplicates(actor, checked(given_name="Pia", birth_date=date(1965, 7, 15)))


def test_possible_duplicates_covers_the_whole_organisation_not_only_the_caseload(world):
    dan = second_clinician(world.unit)
    episode, (kim,) = patient_with_children(world.actor(dan), children=[("Kim", 8)])
    cora = world.actor(world.clinician)
    same_parent = checked(given_name="Pia", family_name="Parent", birth_date=episode.patient.birth_date)
    same_child = checked(given_name="Kim", family_name="Parent", birth_date=kim.birth_date)
    assert list(possible_duplicates(cora, same_parent)) == [episode.patient]
    assert list(possible_duplicates(cora, same_child)) == [kim]


def test_possible_duplicates_leaves_out_persons_held_only_by_another_organisation(world):
    register_person(world.actor(world.outsider), PersonData(**PIA))
    patient_with_children(world.actor(world.outsider), given_name="Olga", family_name="Other", children=[("Ola", 5)])
    actor = world.actor(world.clinician)
    assert not possible_duplicates(actor, checked(**PIA))
    assert not possible_duplicates(actor, checked(given_name="Pia", family_name="Parent", birth_date=date(1965, 7, 15)))
    olga = Person.objects.get(given_name="Olga")
    assert not possible_duplicates(actor, checked(given_name="Olga", family_name="Other", birth_date=olga.birth_date))
    # The organisation that holds them is warned.
    assert possible_duplicates(world.actor(world.outsider), checked(**PIA)).count() == 1


def test_possible_duplicates_is_empty_without_enough_to_compare(world):
    actor = world.actor(world.clinician)
    register_person(actor, PersonData())
    assert not possible_duplicates(actor, PersonData())
