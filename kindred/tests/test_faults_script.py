"""bench/faults.py's checks against database states built here: a half-written, lost or doubled registration is
found, a whole one passes, and the intake form is what the script assumes (its fields and its success answer)."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from pathlib import Path

import pytest
from django.db import connection

from kindred.audit.models import AccessLog
from kindred.care.models import Episode
from kindred.care.services import EpisodeData, register_patient
from kindred.people.models import Person
from kindred.people.services import PersonData, register_person

BENCH = Path(__file__).resolve().parents[2] / "bench"
PREFIX = "Faultabc123-"


def _load_faults():
    spec = importlib.util.spec_from_file_location("kindred_bench_faults", BENCH / "faults.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


faults = _load_faults()


def _register(world, name: str) -> Episode:
    actor = world.actor(world.clinician)
    episode_data = EpisodeData(kind=Episode.Kind.OUTPATIENT, started_on=date.today())
    return register_patient(actor, PersonData(given_name="Fault", family_name=name), episode_data)


def _state():
    with connection.cursor() as cursor:
        return faults.fetch_state(cursor, PREFIX)


def test_whole_registrations_pass_and_other_persons_are_ignored(world):
    first = _register(world, PREFIX + "00-00001")
    second = _register(world, PREFIX + "01-00001")
    _register(world, "Hansen")  # not the run's: no episode would not matter either
    Person.objects.create(given_name="Lone", family_name="FaultXabc123-00-00002", registered_by=world.unit)

    state = _state()

    assert sorted(state.persons.values()) == [PREFIX + "00-00001", PREFIX + "01-00001"]
    assert state.episodes == {first.pk: first.patient_id, second.pk: second.patient_id}
    acknowledged = [(PREFIX + "00-00001", first.pk), (PREFIX + "01-00001", second.pk)]
    assert faults.consistency_problems(acknowledged, state) == []


def test_a_person_without_its_episode_is_half_written(world):
    _register(world, PREFIX + "00-00001")
    person = register_person(world.actor(world.clinician), PersonData(given_name="Fault", family_name=PREFIX + "x"))

    problems = faults.consistency_problems([], _state())

    assert problems == [f"half-written: person {person.pk} ({PREFIX}x) has no episode"]


def test_rows_without_their_audit_rows_are_half_written(world):
    person = Person.objects.create(given_name="Fault", family_name=PREFIX + "y", registered_by=world.unit)
    episode = Episode.objects.create(
        patient=person, organisation=world.unit, kind=Episode.Kind.OUTPATIENT, started_on=date.today()
    )

    problems = faults.consistency_problems([(PREFIX + "y", episode.pk)], _state())

    assert problems == [
        f"half-written: person {person.pk} ({PREFIX}y) has no audit row for its creation",
        f"half-written: episode {episode.pk} has no audit row for its creation",
    ]
    AccessLog.objects.create(action="create", object_type="people.person", object_id=str(person.pk), subject=person)
    assert faults.consistency_problems([(PREFIX + "y", episode.pk)], _state()) == [
        f"half-written: episode {episode.pk} has no audit row for its creation"
    ]


def test_an_acknowledged_registration_that_is_missing_is_lost(world):
    episode = _register(world, PREFIX + "00-00001")

    problems = faults.consistency_problems(
        [(PREFIX + "00-00001", episode.pk), (PREFIX + "00-00002", episode.pk + 1000)], _state()
    )

    assert problems == [
        f"lost: {PREFIX}00-00002 was answered with episode {episode.pk + 1000}, which is not in the database"
    ]
    # The right episode id with another person's name is lost too.
    assert faults.consistency_problems([(PREFIX + "00-00009", episode.pk)], _state())[0].startswith("lost:")


def test_one_request_stored_twice_is_a_duplicate(world):
    _register(world, PREFIX + "00-00001")
    _register(world, PREFIX + "00-00001")

    problems = faults.consistency_problems([], _state())

    assert len(problems) == 1 and problems[0].startswith(f"duplicate: one request, 2 persons named {PREFIX}00-00001")


def test_the_intake_form_is_what_the_script_sends(world, settings):
    settings.LANGUAGE_CODE = "en"
    client = world.client_for(world.clinician)
    page = client.get(faults.INTAKE_PATH).content.decode()

    data = faults.intake_fields(page)
    data["person-family_name"] = PREFIX + "00-00001"
    response = client.post(faults.INTAKE_PATH, data)

    assert response.status_code == 302
    match = faults.SUCCESS_LOCATION.search(response["Location"])
    assert match is not None
    acknowledged = [(PREFIX + "00-00001", int(match.group(1)))]
    assert faults.consistency_problems(acknowledged, _state()) == []


def _attempt(started: float, ended: float, ok: bool):
    return faults.Attempt("n", started, ended, 302 if ok else 500, 1 if ok else None)


def test_error_window_runs_from_the_first_failure_to_the_next_success():
    attempts = [
        _attempt(9.0, 9.5, True),
        _attempt(10.1, 10.2, False),  # first failure after the restart began at 10.0
        _attempt(10.3, 13.0, True),  # sent before the restart was over: not the recovery
        _attempt(12.0, 12.5, False),
        _attempt(13.1, 13.4, True),  # the first success sent after the restart was over (13.0)
        _attempt(20.5, 21.0, True),
    ]
    restart = faults.Fault("db_restart", "restart", at=10.0, done=13.0)
    kill = faults.Fault("worker_kill", "kill", at=20.0, done=20.1)

    restart_window, kill_window = faults.fault_windows(attempts, [kill, restart], end=30.0)

    assert restart_window["failures"] == 2
    assert restart_window["error_window_s"] == pytest.approx(13.4 - 10.2)
    assert restart_window["recovered_after_s"] == pytest.approx(3.4)
    assert kill_window["failures"] == 0 and kill_window["error_window_s"] == 0.0
    assert kill_window["recovered_after_s"] == pytest.approx(1.0)
    never = faults.fault_windows([_attempt(10.1, 10.2, False)], [restart], end=30.0)[0]
    assert never["error_window_s"] is None and never["recovered_after_s"] is None


def test_faults_leave_time_to_recover_and_restart_at_most_twice():
    assert faults.schedule(75, 1) == [(25.0, "worker_kill"), (50.0, "db_restart")]
    assert [kind for _at, kind in faults.schedule(90, 2)] == ["worker_kill", "db_restart", "db_restart"]
    with pytest.raises(SystemExit):
        faults.parse_args(["--db-restarts", "3"])


@pytest.mark.parametrize("name", ["kindred_bench", "kindred_scale", "test_kindred", "postgres", "Bad-Name"])
def test_the_benchmark_databases_are_never_dropped(name):
    with pytest.raises(faults.BenchError):
        faults.fresh_database("postgres://nobody@127.0.0.1:1", name)
