from django.core.management.base import BaseCommand

from kindred.library.seed import load_starter_set


class Command(BaseCommand):
    help = "Load the national starter set of the information library (items already there are kept)."

    def handle(self, *args, **options):
        created = load_starter_set()
        self.stdout.write(self.style.SUCCESS(f"Information library: {created} items added."))
