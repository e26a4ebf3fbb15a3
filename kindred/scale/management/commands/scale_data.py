"""manage.py scale_data: a believable national data set for benchmarks (see kindred/scale/generator.py)."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from kindred.scale import generator
from kindred.scale.generator import PERSONA_PASSWORD, PERSONAS, ScaleGenerator


class Command(BaseCommand):
    help = (
        "Generate scale data straight into the database: 1,000,000 persons by default (the national size), "
        "--small for 100,000, or --persons N; deterministic from --seed. Never in production."
    )

    def add_arguments(self, parser):
        size = parser.add_mutually_exclusive_group()
        size.add_argument("--persons", type=int, help=f"Number of persons (default {generator.NATIONAL_PERSONS:,}).")
        size.add_argument(
            "--small", action="store_true", help=f"{generator.SMALL_PERSONS:,} persons (for SQLite on a laptop)."
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same data.")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="First delete every row of the tables scale data writes (and of tables pointing at them).",
        )
        parser.add_argument(
            "--i-know-this-is-not-production",
            action="store_true",
            dest="not_production",
            help="Run even though KINDRED_PRODUCTION is set.",
        )

    def handle(self, *args, persons, small, seed, reset, not_production, **options):
        if settings.PRODUCTION and not not_production:
            raise CommandError(
                "Scale data is synthetic and --reset deletes real rows: it is never generated with production "
                "settings (KINDRED_PRODUCTION=1). Pass --i-know-this-is-not-production if this database is not "
                "a production database."
            )
        persons = generator.SMALL_PERSONS if small else (persons or generator.NATIONAL_PERSONS)
        if persons < generator.MIN_PERSONS:
            raise CommandError(f"--persons must be at least {generator.MIN_PERSONS:,}.")
        verbosity = options["verbosity"]
        if reset:
            tables = generator.reset()
            if verbosity:
                self.stdout.write(f"Deleted every row of {len(tables)} tables.")
        elif generator.scale_data_exists():
            raise CommandError(
                "Scale data already exists in this database (the bench users are there). "
                "Run again with --reset to delete it and generate it anew."
            )
        database = connection.settings_dict.get("NAME")
        if verbosity:
            self.stdout.write(
                f"Generating scale data for {persons:,} persons (seed {seed}) in {connection.vendor} {database}."
            )
        result = ScaleGenerator(persons=persons, seed=seed, stream=self.stderr, verbosity=verbosity).run()
        if not verbosity:
            return
        minutes, seconds = divmod(int(result["seconds"]), 60)
        self.stdout.write(self.style.SUCCESS(f"Scale data ready in {minutes} min {seconds} s."))
        cpu = f"CPU time: {result['python_cpu']:.0f} s in this process"
        if result["server_cpu"]:
            cpu += f", {result['server_cpu']:.0f} s in the database server's processes"
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        self.stdout.write(cpu + (f"; load average now {load:.1f}." if load is not None else "."))
        self.stdout.write("Rows written:")
        for table, count in sorted(result["counts"].items()):
            self.stdout.write(f"  {table:<38} {count:>12,}")
        self.stdout.write(f"  {'total':<38} {sum(result['counts'].values()):>12,}")
        self.stdout.write(f"Bench personas (password {PERSONA_PASSWORD}):")
        for persona in PERSONAS:
            where = result["unit"] if persona.where == "unit" else result["centre"]
            self.stdout.write(f"  {persona.email:<34} {persona.role:<18} {where}")
