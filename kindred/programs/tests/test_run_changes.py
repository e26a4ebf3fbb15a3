"""Changing a planned run moves its sessions with it, and acting on an enrolment checks the access rule."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.http import Http404

from kindred.orgs.models import Role
from kindred.programs import services
from kindred.programs.tests import factories as f
from kindred.testing import make_user

pytestmark = pytest.mark.django_db


def data_for(run, **changes) -> services.RunData:
    values = {
        "title": run.title,
        "starts_on": run.starts_on,
        "start_time": run.start_time,
        "venue": run.venue,
        "online": run.online,
        "capacity": run.capacity,
        "duration_minutes": run.duration_minutes,
        "leader_ids": list(run.leaders.values_list("pk", flat=True)),
    }
    values.update(changes)
    return services.RunData(**values)


def test_a_new_first_date_and_time_move_the_sessions(world):
    run = f.run(world, key="stress-strain-coping-support")
    dates = list(run.sessions.values_list("date", flat=True))
    moved_alone = run.sessions.get(number=5)
    moved_alone.start_time = time(10, 0)
    moved_alone.save()

    services.update_run(
        world.actor(world.coordinator),
        run,
        data_for(run, starts_on=run.starts_on + timedelta(days=14), start_time=time(19, 30)),
    )

    run.refresh_from_db()
    assert list(run.sessions.values_list("date", flat=True)) == [d + timedelta(days=14) for d in dates]
    assert list(run.sessions.values_list("start_time", flat=True)) == [time(19, 30)] * 4 + [time(10, 0)]
    assert run.start_time == time(19, 30)


def test_a_leader_cannot_act_on_another_leaders_enrolment(world):
    other_leader = make_user("gro@example.no", "Gro Leder", world.unit, Role.GROUP_LEADER)
    run = f.run(world, key="stress-strain-coping-support", leaders=[other_leader])
    enrolment = services.enrol(world.actor(world.coordinator), run, f.participant(world))
    grete = world.actor(world.group_leader)

    with pytest.raises(Http404):
        services.complete(grete, enrolment)
    with pytest.raises(Http404):
        services.save_note(grete, enrolment, run.sessions.get(number=1), {"text": "x"})
    assert not enrolment.notes.exists()


def test_head_count_refuses_true(world):
    run = f.run(world, key="meeting-place")
    with pytest.raises(Exception) as error:
        services.record_head_count(world.actor(world.group_leader), run.sessions.get(number=1), True)
    assert "head_count" in error.value.message_dict
