from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from kindred.care.demo import create_care_demo
from kindred.competence.demo import create_competence_demo
from kindred.forums.demo import create_forums_demo
from kindred.library.seed import load_starter_set
from kindred.networks.demo import create_networks_demo
from kindred.orgs.demo import DEMO_PASSWORD, USERS, create_demo_data
from kindred.programs.demo import create_programmes_demo
from kindred.referrals.demo import create_cooperation_demo
from kindred.retention.demo import create_retention_demo


class Command(BaseCommand):
    help = "Create demo organisations and one user per role (never in production)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data is never loaded with production settings (KINDRED_PRODUCTION=1).")
        orgs = create_demo_data()
        create_care_demo(orgs)
        # The demo's notifications would print their e-mails; keep them in memory instead.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            create_cooperation_demo(orgs)
            create_programmes_demo(orgs)
        load_starter_set()
        create_networks_demo(orgs)
        create_forums_demo(orgs)
        create_competence_demo(orgs)
        create_retention_demo(orgs)
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Log in at http://127.0.0.1:8000/ as:"))
        for demo in USERS:
            roles = ", ".join(str(role.label) for _org, role in demo.memberships)
            self.stdout.write(f"  {demo.email:<34} {roles}")
        self.stdout.write(f"Password for every demo user: {DEMO_PASSWORD}")
