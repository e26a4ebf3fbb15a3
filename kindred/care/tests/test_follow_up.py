"""Follow-up of a child: information given (never its content), tasks with due dates, the task list."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import translation

from kindred.audit.models import AccessLog
from kindred.care.models import InformationGiven, Task
from kindred.care.services import create_task, get_task, record_information, set_task_status, task_list
from kindred.care.tests.factories import patient_with_children, second_clinician, today

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def family(world):
    episode, (kim,) = patient_with_children(world.actor(world.clinician), children=[("Kim", 8)])
    return episode, kim


@pytest.fixture
def stranger(world):
    """A child of another family in the same caseload."""
    _, (liv,) = patient_with_children(world.actor(world.clinician), given_name="Per", children=[("Liv", 4)])
    return liv


def task(world, episode, *, due_on=None, child=None, assignee=None, title="Call the school", user=None):
    return create_task(
        world.actor(user or world.clinician),
        episode,
        title=title,
        assignee_id=(assignee or world.clinician).pk,
        due_on=today() if due_on is None else due_on,
        child=child,
    )


def make_overdue(item: Task, days: int = 3) -> Task:
    Task.objects.filter(pk=item.pk).update(due_on=today() - timedelta(days=days))
    item.refresh_from_db()
    return item


# --- Information to the child ----------------------------------------------------------------


def test_record_information_stores_when_how_and_who_was_present(world, family):
    episode, kim = family
    given = today() - timedelta(days=2)
    item = record_information(
        world.actor(world.clinician), episode, kim, given_on=given, form="talk", present="  Kim and mother  "
    )
    item.refresh_from_db()
    assert (item.episode, item.child, item.given_on, item.form) == (episode, kim, given, "talk")
    assert (item.present, item.given_by) == ("Kim and mother", world.clinician)
    row = AccessLog.objects.first()
    assert (row.action, row.object_type, row.subject) == ("create", "care.informationgiven", kim)


def test_information_given_today_is_accepted(world, family):
    episode, kim = family
    assert record_information(world.actor(world.clinician), episode, kim, given_on=today(), form="leaflet")


def test_information_in_the_future_is_refused(world, family):
    episode, kim = family
    with pytest.raises(ValidationError) as caught:
        record_information(
            world.actor(world.clinician), episode, kim, given_on=today() + timedelta(days=1), form="talk"
        )
    assert caught.value.message_dict == {"given_on": ["The date cannot be in the future."]}
    assert not InformationGiven.objects.exists()


def test_information_needs_a_known_form(world, family):
    episode, kim = family
    with pytest.raises(ValidationError) as caught:
        record_information(world.actor(world.clinician), episode, kim, given_on=today(), form="telepathy")
    assert set(caught.value.message_dict) == {"form"}
    assert not InformationGiven.objects.exists()


def test_the_content_of_the_talk_has_no_place_to_be_stored(world, family):
    fields = {f.name for f in InformationGiven._meta.get_fields()}
    assert fields == {"id", "episode", "child", "given_on", "form", "present", "given_by", "created_at"}
    episode, kim = family
    with pytest.raises(TypeError):
        record_information(
            world.actor(world.clinician), episode, kim, given_on=today(), form="talk", content="What Kim said"
        )


def test_information_to_a_child_of_another_patient_is_not_found(world, family, stranger):
    episode, _ = family
    with pytest.raises(Http404):
        record_information(world.actor(world.clinician), episode, stranger, given_on=today(), form="talk")
    assert not InformationGiven.objects.exists()


def test_group_leader_cannot_record_information(world, family):
    episode, kim = family
    with pytest.raises(PermissionError):
        record_information(world.actor(world.group_leader), episode, kim, given_on=today(), form="talk")


# --- Tasks -------------------------------------------------------------------------------------


def test_create_task_for_a_child_assigned_to_a_member(world, family):
    episode, kim = family
    due = today() + timedelta(days=7)
    item = task(world, episode, child=kim, assignee=world.child_responsible, due_on=due, title="  Call the school ")
    item.refresh_from_db()
    assert (item.title, item.assignee, item.due_on) == ("Call the school", world.child_responsible, due)
    assert item.child == kim
    assert (item.status, item.created_by, item.done_at) == ("open", world.clinician, None)
    row = AccessLog.objects.first()
    assert (row.action, row.object_type, row.subject) == ("create", "care.task", kim)


def test_task_without_a_child_is_about_the_patient(world, family):
    episode, _ = family
    task(world, episode)
    assert AccessLog.objects.first().subject == episode.patient


def test_task_assignee_must_be_a_member_of_the_organisation(world, family):
    episode, _ = family
    with pytest.raises(ValidationError) as caught:
        task(world, episode, assignee=world.outsider)
    assert caught.value.message_dict == {"assignee": ["Choose a member of your organisation."]}
    assert not Task.objects.exists()


@pytest.mark.parametrize("days_ago", [1, 2, 365])
def test_task_due_in_the_past_is_refused(world, family, days_ago):
    episode, _ = family
    with pytest.raises(ValidationError) as caught:
        task(world, episode, due_on=today() - timedelta(days=days_ago))
    assert caught.value.message_dict == {"due_on": ["The due date cannot be in the past."]}
    assert not Task.objects.exists()


def test_task_needs_a_title(world, family):
    episode, _ = family
    with pytest.raises(ValidationError) as caught:
        task(world, episode, title="   ")
    assert set(caught.value.message_dict) == {"title"}


def test_task_for_a_child_of_another_patient_is_not_found(world, family, stranger):
    episode, _ = family
    with pytest.raises(Http404):
        task(world, episode, child=stranger)
    assert not Task.objects.exists()


def test_group_leader_cannot_create_tasks(world, family):
    episode, _ = family
    with pytest.raises(PermissionError):
        task(world, episode, user=world.group_leader)


def test_task_is_overdue_only_when_open_and_past_its_due_date(world, family):
    episode, _ = family
    assert not task(world, episode).is_overdue
    late = make_overdue(task(world, episode), days=1)
    assert late.is_overdue
    set_task_status(world.actor(world.clinician), late, "done")
    assert not late.is_overdue
    cancelled = make_overdue(task(world, episode))
    set_task_status(world.actor(world.clinician), cancelled, "cancelled")
    assert not cancelled.is_overdue


def test_task_list_shows_my_open_tasks_by_due_date(world, family):
    episode, kim = family
    later = task(world, episode, due_on=today() + timedelta(days=5), child=kim)
    sooner = task(world, episode, due_on=today() + timedelta(days=1))
    late = make_overdue(task(world, episode, due_on=today() + timedelta(days=9)))
    done = task(world, episode)
    set_task_status(world.actor(world.clinician), done, "done")
    others = task(world, episode, assignee=world.child_responsible)
    assert list(task_list(world.actor(world.clinician))) == [late, sooner, later]
    assert list(task_list(world.actor(world.clinician), mine=False)) == [late, others, sooner, later]


def test_task_list_leaves_out_tasks_of_episodes_the_actor_cannot_see(world, family):
    episode, _ = family
    dan = second_clinician(world.unit)
    dans_episode, _ = patient_with_children(world.actor(dan), given_name="Per", children=[])
    hidden = task(world, dans_episode, user=dan, assignee=world.clinician)
    mine = task(world, episode)
    assert list(task_list(world.actor(world.clinician))) == [mine]
    with pytest.raises(Http404):
        get_task(world.actor(world.clinician), hidden.pk)
    assert hidden in task_list(world.actor(world.child_responsible), mine=False)
    assert not task_list(world.actor(world.outsider), mine=False).exists()


@pytest.mark.parametrize("garbage", ["abc", None, "", "999999"])
def test_get_task_with_a_garbage_id_is_not_found(world, garbage):
    with pytest.raises(Http404):
        get_task(world.actor(world.clinician), garbage)


def test_set_task_status_done_stamps_the_time_and_reopening_clears_it(world, family):
    episode, _ = family
    item = task(world, episode)
    set_task_status(world.actor(world.clinician), item, "done")
    item.refresh_from_db()
    assert item.status == "done" and item.done_at is not None
    assert AccessLog.objects.first().details == {"status": "done"}
    set_task_status(world.actor(world.clinician), item, "open")
    item.refresh_from_db()
    assert item.status == "open" and item.done_at is None


def test_cancelled_task_has_no_done_time(world, family):
    episode, _ = family
    item = set_task_status(world.actor(world.clinician), task(world, episode), "cancelled")
    item.refresh_from_db()
    assert (item.status, item.done_at) == ("cancelled", None)


def test_set_task_status_refuses_an_unknown_status(world, family):
    episode, _ = family
    item = task(world, episode)
    before = AccessLog.objects.count()
    with pytest.raises(ValidationError) as caught:
        set_task_status(world.actor(world.clinician), item, "postponed")
    assert set(caught.value.message_dict) == {"status"}
    item.refresh_from_db()
    assert item.status == "open"
    assert AccessLog.objects.count() == before


def test_group_leader_cannot_change_a_task(world, family):
    episode, _ = family
    item = task(world, episode)
    with pytest.raises(PermissionError):
        set_task_status(world.actor(world.group_leader), item, "done")
    item.refresh_from_db()
    assert item.status == "open"
