"""Delete the content of uploaded import files older than IMPORT_FILE_HOURS; schedule it hourly or daily."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kindred.imports.services import purge_stale


class Command(BaseCommand):
    help = "Delete uploaded import files (and the rows read from them) that are past IMPORT_FILE_HOURS."

    def handle(self, *args, **options):
        purged = purge_stale()
        self.stdout.write(f"Deleted the files of {purged} import(s).")
