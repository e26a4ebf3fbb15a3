from django.core.management.base import BaseCommand

from kindred.referrals.services import send_reminders


class Command(BaseCommand):
    help = "Notify about consents about to expire and concern-report feedback overdue (run daily)."

    def handle(self, *args, **options):
        sent = send_reminders()
        self.stdout.write(f"{sent} reminder(s) sent.")
