"""Overviews: every minor child of the unit's open episodes with its state, and the clinician's own patients."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kindred.care.models import ConcernReport, Episode, Task
from kindred.care.services import (
    ConcernData,
    EpisodeData,
    children_overview,
    create_task,
    discharge,
    my_patients,
    open_episode,
    record_concern_feedback,
    record_information,
    save_child_sheet,
    send_concern_report,
)
from kindred.care.tests.factories import patient_with_children, second_clinician, today, years_ago
from kindred.people.models import Person, Relationship
from kindred.people.services import PersonData, register_person, relate

pytestmark = pytest.mark.django_db

CONCERN = ConcernData(
    recipient="Barneverntjenesten",
    basis=ConcernReport.Basis.OWN_INITIATIVE,
    reason="Left alone.",
    parent_informed=True,
    sent_on=None,
)


def sheet(actor, episode, child, concern_level="none"):
    save_child_sheet(actor, episode, child, answers={}, concern_level=concern_level, who_informs="")


def overdue_task(actor, episode, child=None, days=3):
    task = create_task(actor, episode, title="Follow up", assignee_id=actor.user.pk, due_on=today(), child=child)
    Task.objects.filter(pk=task.pk).update(due_on=today() - timedelta(days=days))
    return task


def report(actor, episode, child):
    return send_concern_report(actor, episode, child, replace(CONCERN, sent_on=today()))


@pytest.fixture
def unit(world):
    """Cora's Pia (Kim 8: serious, informed, overdue, report; Kari 12: nothing; Anna 20: adult),
    Cora's Per (Liv 4: some concern, report answered), a discharged episode (Dag), Dan's Siri (Sol),
    and an episode elsewhere."""
    cora = world.actor(world.clinician)
    pia, (kim, kari) = patient_with_children(
        cora,
        given_name="Pia",
        family_name="Parent",
        children=[("Kim", 8), ("Kari", 12)],
        started_on=today() - timedelta(days=20),
    )
    anna = register_person(cora, PersonData(given_name="Anna", family_name="Parent", birth_date=years_ago(20)))
    relate(cora, pia.patient, anna, Relationship.Kind.PARENT_OF)
    sheet(cora, pia, kim, "serious")
    record_information(cora, pia, kim, given_on=today(), form="talk")
    overdue_task(cora, pia, kim)
    create_task(cora, pia, title="Not yet due", assignee_id=world.clinician.pk, due_on=today(), child=kim)
    done = overdue_task(cora, pia, kim)
    Task.objects.filter(pk=done.pk).update(status=Task.Status.DONE)
    overdue_task(cora, pia)  # about the patient, not a child
    report(cora, pia, kim)

    per, (liv,) = patient_with_children(cora, given_name="Per", family_name="Pedersen", children=[("Liv", 4)])
    sheet(cora, per, liv, "some")
    answered = report(cora, per, liv)
    record_concern_feedback(cora, answered, feedback_on=today(), status="received")

    old, (dag,) = patient_with_children(
        cora, given_name="Dora", family_name="Done", children=[("Dag", 6)], started_on=today() - timedelta(days=40)
    )
    discharge(cora, old, ended_on=today(), summaries={dag.pk: "Handed over."})

    dan = second_clinician(world.unit)
    siri, (sol,) = patient_with_children(
        world.actor(dan), given_name="Siri", family_name="Sand", children=[("Sol", 10)]
    )
    # Pia also has an open episode in another organisation, which must not add rows here.
    elsewhere = open_episode(
        world.actor(world.outsider), pia.patient, EpisodeData(kind=Episode.Kind.HOME_SERVICE, started_on=today())
    )
    return {
        "pia": pia,
        "per": per,
        "old": old,
        "siri": siri,
        "elsewhere": elsewhere,
        "kim": kim,
        "kari": kari,
        "anna": anna,
        "liv": liv,
        "dag": dag,
        "sol": sol,
    }


def pairs(rows) -> list[tuple[int, str]]:
    return [(row.episode_id, row.child.given_name) for row in rows]


# --- children_overview ------------------------------------------------------------------------


def test_one_row_per_open_episode_and_minor_child(world, unit):
    rows = children_overview(world.actor(world.child_responsible))
    assert sorted(pairs(rows)) == sorted(
        [
            (unit["pia"].pk, "Kim"),
            (unit["pia"].pk, "Kari"),
            (unit["per"].pk, "Liv"),
            (unit["siri"].pk, "Sol"),
        ]
    )


def test_rows_carry_the_parent_child_and_episode(world, unit):
    row = next(r for r in children_overview(world.actor(world.clinician)) if r.child == unit["kim"])
    assert row.parent == unit["pia"].patient
    assert (row.episode_id, row.episode.started_on, row.episode.status) == (
        unit["pia"].pk,
        unit["pia"].started_on,
        Episode.Status.INTAKE,
    )


def test_each_row_knows_the_childs_state(world, unit):
    rows = {row.child.given_name: row for row in children_overview(world.actor(world.clinician))}
    state = {name: (r.has_sheet, r.informed, r.concern, r.overdue_tasks, r.open_reports) for name, r in rows.items()}
    assert state == {
        "Kim": (True, True, "serious", 1, 1),
        "Kari": (False, False, None, 0, 0),
        "Liv": (True, False, "some", 0, 0),
    }


def test_discharged_episodes_and_adult_children_are_left_out(world, unit):
    names = {row.child.given_name for row in children_overview(world.actor(world.coordinator))}
    assert "Dag" not in names and "Anna" not in names
    everyone = {row.child.given_name for row in children_overview(world.actor(world.coordinator), minors_only=False)}
    assert "Anna" in everyone and "Dag" not in everyone


def test_a_child_turning_18_today_is_an_adult(world):
    actor = world.actor(world.clinician)
    episode, _ = patient_with_children(actor, children=[])
    for name, fields in {
        "Eighteen today": {"birth_date": years_ago(18)},
        "Eighteen tomorrow": {"birth_date": years_ago(18, days=-1)},
        "Born 18 years ago": {"birth_year": today().year - 18},
        "Born 17 years ago": {"birth_year": today().year - 17},
    }.items():
        relate(actor, episode.patient, register_person(actor, PersonData(given_name=name, **fields)), "parent_of")
    names = {row.child.given_name for row in children_overview(actor)}
    assert names == {"Eighteen tomorrow", "Born 17 years ago"}


def test_the_overview_works_on_29_february(world, monkeypatch):
    leap_day = date(2028, 2, 29)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: leap_day)
    actor = world.actor(world.clinician)
    episode, _ = patient_with_children(actor, children=[])
    minor = register_person(actor, PersonData(given_name="Seventeen", birth_date=date(2010, 3, 1)))
    adult = register_person(actor, PersonData(given_name="Eighteen", birth_date=date(2010, 2, 28)))
    for child in (minor, adult):
        relate(actor, episode.patient, child, Relationship.Kind.PARENT_OF)
    assert (minor.age_on(leap_day), adult.age_on(leap_day)) == (17, 18)
    assert [row.child for row in children_overview(actor)] == [minor]


def test_the_overview_follows_the_access_rule(world, unit):
    cora = {row.child.given_name for row in children_overview(world.actor(world.clinician))}
    assert cora == {"Kim", "Kari", "Liv"}
    assert {row.child.given_name for row in children_overview(world.actor(world.coordinator))} == cora | {"Sol"}
    for persona in ("analyst", "admin"):
        assert not children_overview(world.actor(getattr(world, persona))).exists()
    # The other organisation sees Pia's children only through its own episode with her.
    assert sorted(pairs(children_overview(world.actor(world.outsider)))) == [
        (unit["elsewhere"].pk, "Kari"),
        (unit["elsewhere"].pk, "Kim"),
    ]
    outsider_rows = {row.child.given_name: row for row in children_overview(world.actor(world.outsider))}
    assert not outsider_rows["Kim"].has_sheet and outsider_rows["Kim"].open_reports == 0


@pytest.mark.parametrize(
    ("state", "names"),
    [
        ("sheet_missing", {"Kari", "Sol"}),
        ("not_informed", {"Kari", "Liv", "Sol"}),
        ("serious", {"Kim"}),
        ("some_concern", {"Kim", "Liv"}),
        ("overdue", {"Kim"}),
        ("open_reports", {"Kim"}),
        ("", {"Kim", "Kari", "Liv", "Sol"}),
        ("nonsense", {"Kim", "Kari", "Liv", "Sol"}),
    ],
)
def test_the_overview_filters_by_state(world, unit, state, names):
    rows = children_overview(world.actor(world.child_responsible), state=state)
    assert {row.child.given_name for row in rows} == names


@pytest.mark.parametrize(
    ("order", "names"),
    [
        ("child", ["Kari", "Kim", "Liv", "Sol"]),
        ("parent", ["Kim", "Kari", "Liv", "Sol"]),
        ("concern", ["Kim", "Liv", "Kari", "Sol"]),
        ("overdue", ["Kim", "Kari", "Liv", "Sol"]),
        ("started", ["Liv", "Sol", "Kim", "Kari"]),
        ("nonsense", ["Kari", "Kim", "Liv", "Sol"]),
    ],
)
def test_the_overview_orders(world, unit, order, names):
    rows = children_overview(world.actor(world.child_responsible), order=order)
    assert [row.child.given_name for row in rows] == names


def build_families(world, count: int) -> None:
    actor = world.actor(world.clinician)
    for n in range(count):
        episode, (first, second) = patient_with_children(
            actor, given_name=f"Parent{n}", family_name=f"Family{n}", children=[(f"A{n}", 5), (f"B{n}", 9)]
        )
        sheet(actor, episode, first, "some")
        record_information(actor, episode, second, given_on=today(), form="leaflet")
        overdue_task(actor, episode, first)
        report(actor, episode, second)


def overview_queries(actor) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        rows = list(children_overview(actor, order="concern"))
        shown = [
            (
                row.parent.display_name,
                row.child.display_name,
                row.child.age,
                row.has_sheet,
                row.informed,
                row.concern,
                row.overdue_tasks,
                row.open_reports,
                row.episode_id,
            )
            for row in rows
        ]
    return len(queries), len(shown)


def test_the_overview_takes_the_same_queries_for_3_or_10_families(world):
    build_families(world, 3)
    few, rows = overview_queries(world.actor(world.child_responsible))
    assert rows == 6
    build_families(world, 7)
    many, rows = overview_queries(world.actor(world.child_responsible))
    assert rows == 20
    # The rows with their children, then the parents of those rows.
    assert many == few == 2


# --- my_patients ------------------------------------------------------------------------------


def test_my_patients_counts_children_and_overdue_tasks(world, unit):
    rows = {e.patient.given_name: e for e in my_patients(world.actor(world.clinician))}
    # Two overdue open tasks for Pia: Kim's and the one about Pia herself; the done one does not count.
    assert (rows["Pia"].n_overdue, rows["Per"].n_overdue) == (2, 0)
    assert rows["Per"].n_children == 1
    assert rows["Pia"].n_children >= 2


def test_my_patients_are_only_my_open_episodes(world, unit):
    dan = Person.objects.get(given_name="Siri").episodes.get().responsible
    assert [e.patient.given_name for e in my_patients(world.actor(dan))] == ["Siri"]
    assert not my_patients(world.actor(world.child_responsible)).exists()
    contact, _ = patient_with_children(
        world.actor(world.clinician), given_name="Tor", family_name="Contact", child_contact=world.child_responsible
    )
    assert list(my_patients(world.actor(world.child_responsible))) == [contact]


def test_my_patients_is_ordered_by_name(world, unit):
    assert [e.patient.given_name for e in my_patients(world.actor(world.clinician))] == ["Pia", "Per"]


def my_patients_queries(actor) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        shown = [
            (episode.patient.display_name, episode.n_children, episode.n_overdue, episode.get_kind_display())
            for episode in my_patients(actor)
        ]
    return len(queries), len(shown)


def test_my_patients_takes_the_same_queries_for_3_or_10_families(world):
    build_families(world, 3)
    few, rows = my_patients_queries(world.actor(world.clinician))
    assert rows == 3
    build_families(world, 7)
    many, rows = my_patients_queries(world.actor(world.clinician))
    assert rows == 10
    assert many == few == 1
    assert {e.n_children for e in my_patients(world.actor(world.clinician))} == {2}
    assert {e.n_overdue for e in my_patients(world.actor(world.clinician))} == {1}
