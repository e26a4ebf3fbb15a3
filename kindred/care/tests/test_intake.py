"""Intake: register the patient and open the episode, ask about minor children and siblings, leave intake."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kindred.audit.models import AccessLog
from kindred.care.models import ChildrenAnswer, Episode, SiblingsAnswer
from kindred.care.services import (
    ChildInput,
    EpisodeData,
    children_of,
    episodes_awaiting_answer,
    leave_intake,
    open_episode,
    record_children_answer,
    register_patient,
)
from kindred.care.tests.factories import (
    child,
    fnr_for,
    patient_with_children,
    second_clinician,
    today,
    years_ago,
)
from kindred.people.models import Person, Relationship
from kindred.people.services import PersonData, register_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def counts() -> tuple[int, int, int, int]:
    return Person.objects.count(), Relationship.objects.count(), AccessLog.objects.count(), Episode.objects.count()


def pia() -> PersonData:
    return PersonData(given_name="Pia", family_name="Parent", birth_date=years_ago(35))


def outpatient(**fields) -> EpisodeData:
    return EpisodeData(kind=Episode.Kind.OUTPATIENT, started_on=fields.pop("started_on", today()), **fields)


def refused(call, *args, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value.message_dict


# --- Opening the episode ----------------------------------------------------------------------


def test_register_patient_creates_person_and_episode_in_intake(world):
    actor = world.actor(world.clinician)
    episode = register_patient(actor, pia(), outpatient(problem_areas=["gambling", "alcohol", "alcohol"]))
    episode.refresh_from_db()
    assert episode.patient.given_name == "Pia"
    assert (episode.organisation, episode.status) == (world.unit, Episode.Status.INTAKE)
    assert episode.responsible == world.clinician
    assert episode.problem_areas == ["alcohol", "gambling"]
    assert (episode.children_answer, episode.siblings_answer) == (ChildrenAnswer.NOT_ASKED, SiblingsAnswer.NOT_ASKED)
    rows = {(r.action, r.object_type, r.subject_id) for r in AccessLog.objects.all()}
    assert rows == {("create", "people.person", episode.patient.pk), ("create", "care.episode", episode.patient.pk)}


def test_register_patient_reuses_the_person_with_the_same_national_id(world):
    actor = world.actor(world.clinician)
    person = register_person(actor, PersonData(given_name="Pia", national_id="15076500565"))
    episode = register_patient(actor, PersonData(given_name="Pia", national_id="15076500565"), outpatient())
    assert episode.patient == person
    assert Person.objects.count() == 1


def test_pregnancy_with_a_due_date_is_recorded(world):
    due = today() + timedelta(days=100)
    episode = register_patient(world.actor(world.clinician), pia(), outpatient(pregnancy="yes", due_date=due))
    episode.refresh_from_db()
    assert (episode.pregnancy, episode.due_date) == (Episode.Pregnancy.YES, due)


def test_due_date_in_the_past_is_refused_and_nothing_is_created(world):
    before = counts()
    errors = refused(
        register_patient,
        world.actor(world.clinician),
        pia(),
        outpatient(pregnancy="yes", due_date=today() - timedelta(days=1)),
    )
    assert errors == {"due_date": ["The due date cannot be in the past."]}
    assert counts() == before


@pytest.mark.parametrize("pregnancy", ["unknown", "no"])
def test_due_date_without_a_pregnancy_is_refused(world, pregnancy):
    before = counts()
    errors = refused(
        register_patient,
        world.actor(world.clinician),
        pia(),
        outpatient(pregnancy=pregnancy, due_date=today() + timedelta(days=30)),
    )
    assert errors == {"due_date": ["A due date is only recorded for a pregnancy."]}
    assert counts() == before


def test_due_date_more_than_ten_months_away_is_refused(world):
    errors = refused(
        register_patient,
        world.actor(world.clinician),
        pia(),
        outpatient(pregnancy="yes", due_date=today() + timedelta(days=301)),
    )
    assert set(errors) == {"due_date"}


def test_responsible_and_child_contact_must_be_members_of_the_organisation(world):
    before = counts()
    errors = refused(
        register_patient,
        world.actor(world.clinician),
        pia(),
        outpatient(responsible_id=world.outsider.pk, child_contact_id=world.outsider.pk),
    )
    assert errors == {
        "responsible": ["Choose a member of your organisation."],
        "child_contact": ["Choose a member of your organisation."],
    }
    assert counts() == before


def test_another_member_can_be_made_responsible_and_child_contact(world):
    dan = second_clinician(world.unit)
    episode = register_patient(
        world.actor(world.clinician),
        pia(),
        outpatient(responsible_id=dan.pk, child_contact_id=world.child_responsible.pk),
    )
    assert (episode.responsible, episode.child_contact) == (dan, world.child_responsible)


def test_unknown_kind_problem_area_and_pregnancy_are_named(world):
    errors = refused(
        open_episode,
        world.actor(world.clinician),
        register_person(world.actor(world.clinician), pia()),
        EpisodeData(kind="spa", started_on=today(), problem_areas=["chocolate"], pregnancy="maybe"),
    )
    assert set(errors) == {"kind", "problem_areas", "pregnancy"}
    assert not Episode.objects.exists()


def test_start_date_more_than_a_year_ahead_is_refused(world):
    too_late = outpatient(started_on=today() + timedelta(days=367))
    errors = refused(register_patient, world.actor(world.clinician), pia(), too_late)
    assert set(errors) == {"started_on"}


@pytest.mark.parametrize("persona", ["group_leader", "analyst", "admin"])
def test_roles_without_case_work_cannot_register_patients(world, persona):
    before = counts()
    with pytest.raises(PermissionError):
        register_patient(world.actor(getattr(world, persona)), pia(), outpatient())
    assert counts() == before


# --- The children answer ----------------------------------------------------------------------


@pytest.fixture
def episode(world) -> Episode:
    episode, _ = patient_with_children(world.actor(world.clinician), answered=False)
    return episode


def answer(world, episode, children=None, *, children_answer=ChildrenAnswer.HAS, siblings_answer=SiblingsAnswer.NONE):
    return record_children_answer(
        world.actor(world.clinician),
        episode,
        children_answer=children_answer,
        siblings_answer=siblings_answer,
        source=Episode.Source.PATIENT,
        children=children,
    )


def state(episode: Episode) -> tuple:
    """Everything a refused answer must leave untouched."""
    episode.refresh_from_db()
    return (*counts(), episode.children_answer, episode.siblings_answer, episode.answered_at, episode.answer_source)


def test_children_become_persons_related_as_children_of_the_patient(world, episode):
    answer(
        world,
        episode,
        [
            child("Kim", 8, "Parent", parental_responsibility="shared", lives_together=True),
            ChildInput(person=PersonData(given_name="Kari", birth_year=today().year - 3)),
        ],
    )
    kids = list(children_of(episode.patient))
    assert [k.given_name for k in kids] == ["Kim", "Kari"]
    kim = kids[0]
    assert (kim.registered_by, kim.created_by) == (world.unit, world.clinician)
    relation = Relationship.objects.get(person=episode.patient, other=kim)
    assert relation.kind == Relationship.Kind.PARENT_OF
    assert (relation.parental_responsibility, relation.lives_together) == ("shared", True)
    episode.refresh_from_db()
    assert (episode.children_answer, episode.siblings_answer, episode.answer_source) == ("has", "none", "patient")
    assert episode.answered_by == world.clinician and episode.answered_at is not None
    assert AccessLog.objects.filter(subject=kim, action="create").count() == 1
    assert AccessLog.objects.filter(object_type="people.relationship").count() == 2
    row = AccessLog.objects.filter(object_type="care.episode", action="change").get()
    assert row.details == {"children_answer": "has", "siblings": "none"}


def test_children_are_listed_oldest_first_also_when_only_the_birth_year_is_known(world, episode):
    answer(
        world,
        episode,
        [
            child("Kim", 8),
            ChildInput(person=PersonData(given_name="Kari", birth_year=today().year - 11)),
            ChildInput(person=PersonData(given_name="Ola", birth_year=today().year - 2)),
        ],
    )
    assert [k.given_name for k in children_of(episode.patient)] == ["Kari", "Kim", "Ola"]


def test_child_with_a_national_id_gets_its_birth_date_from_it(world, episode):
    born = years_ago(6, days=10)
    answer(world, episode, [ChildInput(person=PersonData(given_name="Kim", national_id=fnr_for(born)))])
    kim = children_of(episode.patient).get()
    assert (kim.birth_date, kim.id_kind) == (born, Person.IdKind.FNR)


def test_an_existing_visible_person_is_linked_not_copied(world, episode):
    kim = register_person(world.actor(world.clinician), PersonData(given_name="Kim", birth_date=years_ago(9)))
    persons = Person.objects.count()
    answer(world, episode, [ChildInput(existing_id=kim.pk, parental_responsibility="yes")])
    assert list(children_of(episode.patient)) == [kim]
    assert Person.objects.count() == persons


def test_a_child_already_known_through_the_other_parent_is_linked(world, episode):
    other_parent, (kim,) = patient_with_children(world.actor(world.clinician), given_name="Per", children=[("Kim", 8)])
    answer(world, episode, [ChildInput(existing_id=kim.pk)])
    assert list(children_of(episode.patient)) == [kim]
    assert list(children_of(other_parent.patient)) == [kim]


def test_none_or_declined_answer_is_recorded_without_children(world, episode):
    answer(world, episode, children_answer=ChildrenAnswer.DECLINED, siblings_answer=SiblingsAnswer.HAS)
    episode.refresh_from_db()
    assert (episode.children_answer, episode.siblings_answer) == ("declined", "has")
    assert not children_of(episode.patient).exists()


def test_a_child_of_17_is_accepted(world, episode):
    answer(world, episode, [ChildInput(person=PersonData(given_name="Kim", birth_date=years_ago(18, days=-1)))])
    assert children_of(episode.patient).get().age == 17


@pytest.mark.parametrize(
    "person",
    [
        PersonData(given_name="Kim", birth_date=years_ago(18)),
        PersonData(given_name="Kim", birth_date=years_ago(30)),
        PersonData(given_name="Kim", birth_year=today().year - 18),
    ],
    ids=["18 today", "30", "birth year 18 years ago"],
)
def test_a_child_of_18_or_older_is_refused_and_nothing_changes(world, episode, person):
    before = state(episode)
    errors = refused(answer, world, episode, [ChildInput(person=person)])
    assert errors == {"children": ["Child 1 is 18 or older and is not a minor child."]}
    assert state(episode) == before


def test_an_existing_adult_cannot_be_named_as_a_minor_child(world, episode):
    adult = register_person(world.actor(world.clinician), PersonData(given_name="Ada", birth_date=years_ago(20)))
    before = state(episode)
    errors = refused(answer, world, episode, [ChildInput(existing_id=adult.pk)])
    assert errors == {"children": ["Child 1 is 18 or older and is not a minor child."]}
    assert state(episode) == before


@pytest.mark.parametrize("children_answer", [ChildrenAnswer.NONE, ChildrenAnswer.DECLINED, ChildrenAnswer.NOT_ASKED])
def test_children_are_refused_when_the_answer_is_not_has(world, episode, children_answer):
    before = state(episode)
    errors = refused(answer, world, episode, [child("Kim", 8)], children_answer=children_answer)
    assert errors == {"children": ["Children can only be named when the answer is that there are minor children."]}
    assert state(episode) == before


def test_invalid_national_id_of_a_child_is_refused_and_nothing_changes(world, episode):
    before = state(episode)
    errors = refused(
        answer,
        world,
        episode,
        [
            child("Kim", 8),
            ChildInput(person=PersonData(given_name="Kari", national_id="15076500566")),
        ],
    )
    assert errors == {
        "children": ["Child 2: This is not a valid national id number. Check the digits, or leave the field empty."]
    }
    assert state(episode) == before


def test_a_child_without_any_age_is_refused(world, episode):
    before = state(episode)
    errors = refused(answer, world, episode, [ChildInput(person=PersonData(given_name="Kim")), ChildInput()])
    assert errors == {
        "children": [
            "Child 1: give a birth date, birth year or national id.",
            "Child 2: give the child's name and birth date or year.",
        ]
    }
    assert state(episode) == before


def test_a_person_outside_the_actors_view_cannot_be_linked(world, episode):
    _, (ola,) = patient_with_children(world.actor(world.outsider), given_name="Olga", children=[("Ola", 6)])
    before = state(episode)
    errors = refused(answer, world, episode, [ChildInput(existing_id=ola.pk)])
    assert errors == {"children": ["Child 1: no such person."]}
    assert state(episode) == before


def test_one_bad_child_stops_the_good_ones_too(world, episode):
    before = state(episode)
    refused(answer, world, episode, [child("Kim", 8), child("Kari", 19)])
    assert state(episode) == before
    assert not Person.objects.filter(given_name="Kim").exists()


@pytest.mark.parametrize("field", ["children_answer", "siblings_answer", "source"])
def test_invalid_answers_are_named(world, episode, field):
    values = {"children_answer": "none", "siblings_answer": "none", "source": "patient", field: "perhaps"}
    before = state(episode)
    errors = refused(record_children_answer, world.actor(world.clinician), episode, **values)
    assert set(errors) == {field}
    assert state(episode) == before


def test_group_leader_cannot_record_the_answer(world, episode):
    before = state(episode)
    with pytest.raises(PermissionError):
        record_children_answer(
            world.actor(world.group_leader), episode, children_answer="none", siblings_answer="none", source="patient"
        )
    assert state(episode) == before


# --- Leaving intake ---------------------------------------------------------------------------


def test_leave_intake_is_refused_until_both_answers_are_given(world, episode):
    actor = world.actor(world.clinician)
    with pytest.raises(ValidationError):
        leave_intake(actor, episode)
    answer(world, episode, children_answer=ChildrenAnswer.NONE, siblings_answer=SiblingsAnswer.NOT_ASKED)
    with pytest.raises(ValidationError):
        leave_intake(actor, episode)
    episode.refresh_from_db()
    assert episode.status == Episode.Status.INTAKE

    answer(world, episode, children_answer=ChildrenAnswer.NONE, siblings_answer=SiblingsAnswer.DECLINED)
    leave_intake(actor, episode)
    episode.refresh_from_db()
    assert episode.status == Episode.Status.ACTIVE
    assert AccessLog.objects.filter(object_type="care.episode", details__status="active").count() == 1


def test_children_answer_alone_is_not_enough_to_leave_intake(world, episode):
    answer(world, episode, children_answer=ChildrenAnswer.NOT_ASKED, siblings_answer=SiblingsAnswer.NONE)
    with pytest.raises(ValidationError):
        leave_intake(world.actor(world.clinician), episode)


def test_an_episode_leaves_intake_only_once(world, episode):
    answer(world, episode, children_answer=ChildrenAnswer.NONE)
    leave_intake(world.actor(world.clinician), episode)
    with pytest.raises(ValidationError):
        leave_intake(world.actor(world.clinician), episode)


# --- Episodes awaiting the answer --------------------------------------------------------------


def started(world, days_ago: int, name: str, **kwargs) -> Episode:
    episode, _ = patient_with_children(
        world.actor(world.clinician), given_name=name, started_on=today() - timedelta(days=days_ago), **kwargs
    )
    return episode


def test_episodes_awaiting_answer_flag_overdue_after_seven_days(world):
    eight, seven, new = (
        started(world, 8, "Eight", answered=False),
        started(world, 7, "Seven", answered=False),
        started(world, 0, "New", answered=False),
    )
    started(world, 30, "Answered")
    rows = list(episodes_awaiting_answer(world.actor(world.clinician)))
    assert [(e, e.answer_overdue) for e in rows] == [(eight, True), (seven, False), (new, False)]


def test_half_answered_episode_is_still_awaiting(world, episode):
    answer(world, episode, children_answer=ChildrenAnswer.NONE, siblings_answer=SiblingsAnswer.NOT_ASKED)
    assert list(episodes_awaiting_answer(world.actor(world.clinician))) == [episode]


def test_overdue_follows_the_configured_days(world, settings):
    settings.CHILDREN_QUESTION_DAYS = 3
    four, three = started(world, 4, "Four", answered=False), started(world, 3, "Three", answered=False)
    rows = {e: e.answer_overdue for e in episodes_awaiting_answer(world.actor(world.clinician))}
    assert rows == {four: True, three: False}


def test_episodes_awaiting_answer_only_shows_what_the_actor_may_see(world):
    dan = second_clinician(world.unit)
    mine = started(world, 10, "Mine", answered=False)
    patient_with_children(world.actor(dan), given_name="Dans", answered=False)
    patient_with_children(world.actor(world.outsider), given_name="Otto", answered=False)
    assert list(episodes_awaiting_answer(world.actor(world.clinician))) == [mine]
    assert len(episodes_awaiting_answer(world.actor(world.child_responsible))) == 2
    assert not episodes_awaiting_answer(world.actor(world.analyst)).exists()
