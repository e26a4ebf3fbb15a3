"""A backup restores: the README's pg_dump -Fc / pg_restore into a fresh database serves the same data.

PostgreSQL only (the backups are of the production database); the test database's data is committed
(transaction=True) so pg_dump, another session, sees it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from datetime import date

import psycopg
import pytest
from django.apps import apps
from django.db import connection

from kindred.care.models import ChildrenAnswer, ChildSheet, Episode, SiblingsAnswer
from kindred.care.services import (
    ChildInput,
    EpisodeData,
    children_of,
    record_children_answer,
    register_patient,
    save_child_sheet,
    sheet_for,
)
from kindred.people.models import Person, Relationship
from kindred.people.services import PersonData

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="backup and restore are of PostgreSQL (pg_dump/pg_restore); run with DATABASE_URL=postgres://…",
)


def _libpq_env(settings_dict: dict) -> dict:
    env = {**os.environ, "PGHOST": settings_dict["HOST"] or "localhost", "PGPORT": str(settings_dict["PORT"] or 5432)}
    if settings_dict["USER"]:
        env["PGUSER"] = settings_dict["USER"]
    if settings_dict["PASSWORD"]:
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return env


def _run(command: list[str], env: dict) -> None:
    tool = shutil.which(command[0])
    if tool is None:
        pytest.fail(f"{command[0]} is not installed: the PostgreSQL client tools are needed for backups (README)")
    result = subprocess.run([tool, *command[1:]], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(command)} failed: {result.stderr}"


def _kindred_tables() -> list[str]:
    tables = set()
    for config in apps.get_app_configs():
        if not config.name.startswith("kindred."):
            continue
        for model in config.get_models(include_auto_created=True):
            if model._meta.managed and not model._meta.proxy:
                tables.add(model._meta.db_table)
    return sorted(tables)


def _read(conninfo: dict, tables: list[str]) -> dict[str, list[tuple]]:
    """Every row of the tables in primary-key order, read over a connection of its own (so committed data only)."""
    with psycopg.connect(**conninfo) as conn, conn.cursor() as cursor:
        out = {}
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')  # table names from the models
            out[table] = cursor.fetchall()
        return out


def _family(world) -> tuple[Episode, Person, ChildSheet]:
    actor = world.actor(world.clinician)
    episode = register_patient(
        actor,
        PersonData(given_name="Lars", family_name="Hansen", national_id="15076500565"),
        EpisodeData(kind=Episode.Kind.OUTPATIENT, started_on=date(2026, 1, 5), problem_areas=["alcohol"]),
    )
    record_children_answer(
        actor,
        episode,
        children_answer=ChildrenAnswer.HAS,
        siblings_answer=SiblingsAnswer.NONE,
        source=Episode.Source.PATIENT,
        children=[
            ChildInput(
                person=PersonData(given_name="Emma", family_name="Hansen", birth_year=2016),
                parental_responsibility=Relationship.ParentalResponsibility.SHARED,
                lives_together=True,
            )
        ],
    )
    child = children_of(episode.patient).get()
    keys = [question["key"] for _section, question in sheet_for(actor, episode, child).template.questions()]
    sheet = save_child_sheet(
        actor,
        episode,
        child,
        answers={keys[0]: "Emma bor hos mor annenhver uke; «trygg» på skolen – æøå", keys[1]: "Nei"},
        concern_level=ChildSheet.Concern.SOME,
        who_informs=ChildSheet.Informer.THIS_SERVICE,
    )
    return episode, child, sheet


@pytest.mark.django_db(transaction=True)
def test_a_dump_restored_into_a_fresh_database_serves_the_same_data(world, tmp_path):
    episode, child, sheet = _family(world)
    source = connection.settings_dict
    env = _libpq_env(source)
    dump = tmp_path / "kindred.dump"
    restored_name = f"{source['NAME']}_restored_{secrets.token_hex(3)}"[:63]

    _run(["pg_dump", "--format=custom", "--file", str(dump), source["NAME"]], env)
    assert dump.stat().st_size > 0
    _run(["createdb", "--template=template0", restored_name], env)
    try:
        _run(
            ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", restored_name, str(dump)],
            env,
        )
        tables = _kindred_tables()
        assert {"people_person", "care_episode", "care_childsheet", "audit_accesslog"} <= set(tables)
        conninfo = {
            "host": env["PGHOST"],
            "port": env["PGPORT"],
            "user": source["USER"],
            "password": source["PASSWORD"],
        }
        original = _read({**conninfo, "dbname": source["NAME"]}, tables)
        restored = _read({**conninfo, "dbname": restored_name}, tables)

        assert {t: len(rows) for t, rows in restored.items()} == {t: len(rows) for t, rows in original.items()}
        assert len(original["care_childsheet"]) == 1 and len(original["audit_accesslog"]) >= 4
        assert restored == original  # every row, every field of every Kindred table
        with psycopg.connect(**conninfo, dbname=restored_name) as conn:
            patient = conn.execute(
                "SELECT given_name, family_name, national_id FROM people_person WHERE id = %s", [episode.patient_id]
            ).fetchone()
            assert patient == ("Lars", "Hansen", "15076500565")
            answers, concern, child_id = conn.execute(
                "SELECT answers, concern_level, child_id FROM care_childsheet WHERE id = %s", [sheet.pk]
            ).fetchone()
            assert (answers, concern, child_id) == (sheet.answers, ChildSheet.Concern.SOME, child.pk)
            actions = conn.execute(
                "SELECT action, object_type FROM audit_accesslog WHERE subject_id = %s ORDER BY id", [child.pk]
            ).fetchall()
            assert ("create", "care.childsheet") in actions
            # The sequences came along: a new row in the restored database takes an unused id.
            next_id = conn.execute("SELECT nextval(pg_get_serial_sequence('people_person', 'id'))").fetchone()[0]
            assert next_id > max(Person.objects.values_list("pk", flat=True))
    finally:
        _run(["dropdb", "--if-exists", "--force", restored_name], env)
