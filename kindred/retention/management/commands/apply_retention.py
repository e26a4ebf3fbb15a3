from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kindred.retention.services import apply_retention


class Command(BaseCommand):
    help = (
        "Delete the records older than their retention rule, one transaction per organisation and kind of record, "
        "and report per organisation and kind how many were due. Run it daily; --dry-run only reports."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only report what is due; delete nothing.")
        parser.add_argument("--today", help="Count from this day (YYYY-MM-DD) instead of today.")

    def handle(self, *args, dry_run: bool = False, today: str | None = None, **options):
        try:
            day = date.fromisoformat(today) if today else timezone.localdate()
        except ValueError:
            raise CommandError("--today must be a date written YYYY-MM-DD.") from None
        try:
            lines = apply_retention(day, dry_run=dry_run)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Retention {'dry run' if dry_run else 'run'} as of {day.isoformat()}")
        for line in lines:
            holder = line.organisation.name if line.organisation is not None else "(no organisation)"
            if line.rule.keeps:
                rule = "kept"
            else:
                rule = f"{line.rule.months} months ({line.rule.source}), older than {line.cutoff.isoformat()}"
            outcome = f"{line.due} due"
            if not dry_run and line.due:
                outcome += f", {line.deleted} deleted"
            if line.problem:
                outcome += f" - {line.problem}"
            self.stdout.write(f"{holder} | {line.rule.record_type} | {rule} | {outcome}")
        total_due = sum(line.due for line in lines)
        if dry_run:
            self.stdout.write(f"{total_due} record(s) due; nothing deleted (dry run).")
        else:
            self.stdout.write(f"{sum(line.deleted for line in lines)} record(s) deleted of {total_due} due.")
        if any(line.problem for line in lines):
            raise CommandError("Some records could not be deleted; see the lines above.")
