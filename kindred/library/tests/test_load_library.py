"""The national starter set: loaded by `load_library` (and the demo data), once, keeping edits."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from kindred.library import services
from kindred.library.models import Item
from kindred.library.seed import STARTER_SET

pytestmark = pytest.mark.django_db


def test_load_library_adds_the_starter_set_once_and_keeps_edits():
    call_command("load_library", verbosity=0)
    assert Item.objects.filter(organisation__isnull=True).count() == len(STARTER_SET)
    film = Item.objects.get(key="fodt-med-alkoholskade")
    assert film.kind == Item.Kind.FILM and film.topic_values == ["alcohol", "fasd", "pregnancy"]
    film.title = "Endret tittel"
    film.save()
    call_command("load_library", verbosity=0)
    assert Item.objects.count() == len(STARTER_SET)
    assert Item.objects.get(key="fodt-med-alkoholskade").title == "Endret tittel"


def test_the_starter_set_has_material_for_a_nine_year_old_in_norwegian_and_danish():
    call_command("load_library", verbosity=0)
    for language in ("nb", "da"):
        assert services.search(services.public_items(), age=9, language=language).exists()
