from django.core.management.base import BaseCommand

from kindred.programs.services import send_due_reminders


class Command(BaseCommand):
    help = (
        "Remind enrolled participants of programme sessions starting within PROGRAMME_REMINDER_HOURS, by text "
        "message or e-mail as each chose; each session once (run it hourly)."
    )

    def handle(self, *args, **options):
        sent = send_due_reminders()
        self.stdout.write(f"{sent} reminder(s) sent.")
