"""Kindred's PostgreSQL connections carry the planner settings that the benchmark was measured with, and the
system checks (models and database) pass without warnings on either database."""

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL planner settings")
def test_postgresql_connections_have_the_planner_settings():
    with connection.cursor() as cursor:
        shown = {}
        for name in ("random_page_cost", "max_parallel_workers_per_gather", "jit"):
            cursor.execute(f"SHOW {name}")
            shown[name] = cursor.fetchone()[0]
    assert shown == {"random_page_cost": "1.1", "max_parallel_workers_per_gather": "0", "jit": "off"}


def test_system_checks_pass_without_warnings_on_this_database():
    # e.g. models.W040: SQLite builds covering indexes on their key columns only (silenced in settings for SQLite).
    call_command("check", "--database", "default", "--fail-level", "WARNING", verbosity=0)
