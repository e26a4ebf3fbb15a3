"""Load or update municipalities from a semicolon-separated file: country;number;name;region.

Kindred ships a starter file with the larger municipalities of Norway and Denmark. Load the full
classification (SSB's KLASS for Norway, Danmarks Statistik for Denmark) in the same format for production.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kindred.orgs.models import Municipality

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "municipalities.csv"


class Command(BaseCommand):
    help = "Load municipalities (country;number;name;region) from a file; existing ones are updated."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_FILE))

    def handle(self, *args, file, **options):
        try:
            with open(file, encoding="utf-8-sig", newline="") as handle:
                rows = list(csv.DictReader(handle, delimiter=";"))
        except OSError as error:
            raise CommandError(f"{file}: {error}") from None
        if not rows or set(rows[0]) != {"country", "number", "name", "region"}:
            raise CommandError(f"{file}: the header must be country;number;name;region")
        created = updated = 0
        with transaction.atomic():
            for line, row in enumerate(rows, start=2):
                municipality = Municipality.objects.filter(country=row["country"], number=row["number"]).first()
                municipality = municipality or Municipality(country=row["country"], number=row["number"])
                is_new = municipality.pk is None
                municipality.name, municipality.region = row["name"].strip(), (row["region"] or "").strip()
                try:
                    municipality.full_clean(validate_unique=False)
                except ValidationError as error:
                    raise CommandError(f"{file}, line {line}: {'; '.join(error.messages)}") from None
                municipality.save()
                created, updated = created + is_new, updated + (not is_new)
        if options["verbosity"]:
            self.stdout.write(f"Municipalities: {created} added, {updated} updated.")
