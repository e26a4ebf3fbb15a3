"""The children overview's stored summary (ChildFollowUp) stays equal to what the facts say, after every use case."""

import threading
import time

import pytest
from django.db import connection, transaction

from kindred.care.follow_up import COLUMNS, rebuild_follow_up, refresh_follow_up
from kindred.care.models import ChildFollowUp
from kindred.care.services import record_concern_feedback, record_information
from kindred.care.tests.factories import patient_with_children, today, years_ago
from kindred.care.tests.test_overviews import report, sheet, unit  # noqa: F401 (fixture)
from kindred.people.models import Relationship
from kindred.people.services import PersonData, register_person, relate

pytestmark = pytest.mark.django_db


def stored() -> list[tuple]:
    return sorted(ChildFollowUp.objects.values_list(*COLUMNS))


def test_the_stored_rows_equal_a_rebuild_from_the_facts(unit):  # noqa: F811
    # The fixture went through every use case that changes a fact: children recorded before and after an episode
    # opened, sheets, information, concern reports and feedback, a discharge, an episode in another organisation.
    before = stored()
    assert len(before) == 9  # Pia's Kim, Kari, Anna here and elsewhere; Per's Liv; Dora's Dag; Siri's Sol
    assert rebuild_follow_up() == 9
    assert stored() == before


def test_an_episode_opened_for_a_parent_already_on_record_gets_rows_for_the_children(unit):  # noqa: F811
    elsewhere = ChildFollowUp.objects.filter(episode=unit["elsewhere"]).values_list("child__given_name", flat=True)
    assert sorted(elsewhere) == ["Anna", "Kari", "Kim"]
    # The facts belong to the episode: Kim's sheet and report here say nothing about the other organisation's.
    kim = ChildFollowUp.objects.get(episode=unit["elsewhere"], child=unit["kim"])
    assert (kim.has_sheet, kim.informed, kim.concern, kim.open_reports) == (False, False, None, 0)


def test_each_use_case_updates_its_row(world):
    actor = world.actor(world.clinician)
    episode, (child,) = patient_with_children(actor, given_name="Ola", family_name="Olsen", children=[("Ida", 7)])

    def row():
        item = ChildFollowUp.objects.get(episode=episode, child=child)
        return (item.has_sheet, item.informed, item.concern, item.concern_rank, item.open_reports)

    assert row() == (False, False, None, 0, 0)
    sheet(actor, episode, child, "some")
    assert row() == (True, False, "some", 1, 0)
    sheet(actor, episode, child, "serious")
    assert row() == (True, False, "serious", 2, 0)
    record_information(actor, episode, child, given_on=today(), form="talk")
    assert row() == (True, True, "serious", 2, 0)
    sent = report(actor, episode, child)
    assert row() == (True, True, "serious", 2, 1)
    record_concern_feedback(actor, sent, feedback_on=today(), status="received")
    assert row() == (True, True, "serious", 2, 0)
    # A child recorded later, through the people use case, joins the open episode.
    sibling = register_person(actor, PersonData(given_name="Even", family_name="Olsen", birth_date=years_ago(3)))
    relate(actor, episode.patient, sibling, Relationship.Kind.PARENT_OF)
    assert ChildFollowUp.objects.filter(episode=episode, child=sibling).exists()
    # Other relations are not children.
    partner = register_person(actor, PersonData(given_name="Pål", family_name="Olsen", birth_date=years_ago(40)))
    relate(actor, episode.patient, partner, Relationship.Kind.PARTNER)
    assert ChildFollowUp.objects.filter(episode=episode).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_of_one_episode_at_once_both_succeed(world):
    """The second waits for the first to commit, then replaces its rows (without the episode lock its insert
    collided with the first one's: the benchmark's concurrent sheet saves found it)."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite runs one writer at a time anyway; this race needs PostgreSQL's row locks.")
    actor = world.actor(world.clinician)
    episode, (child,) = patient_with_children(actor, given_name="Ola", family_name="Olsen", children=[("Ida", 7)])
    first_done, let_first_commit = threading.Event(), threading.Event()
    errors = []

    def first():
        try:
            with transaction.atomic():
                refresh_follow_up([episode.pk])
                first_done.set()
                let_first_commit.wait(10)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    def second():
        try:
            first_done.wait(10)
            with transaction.atomic():
                sheet(actor, episode, child, "serious")  # inserts a sheet, then refreshes: waits for the first
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_done.wait(10)
    time.sleep(0.3)  # the second is now waiting for the lock
    let_first_commit.set()
    for thread in threads:
        thread.join(20)
    assert errors == []
    row = ChildFollowUp.objects.get(episode=episode, child=child)
    assert (row.has_sheet, row.concern) == (True, "serious")
