from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"


@pytest.mark.parametrize("language", ["nb", "da"])
def test_catalogue_is_fully_translated(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


@pytest.mark.parametrize("language", ["nb", "da", "en"])
def test_compiled_catalogue_matches_its_source(language):
    """The committed .mo (so a fresh machine needs no gettext tools) is compiled from the .po."""
    folder = LOCALE / language / "LC_MESSAGES"
    assert (folder / "django.mo").exists(), "Run `make messages` (or scripts/compile_messages.py)."
    po = {
        e.msgid: (e.msgstr, dict(e.msgstr_plural)) for e in polib.pofile(str(folder / "django.po")).translated_entries()
    }
    mo = {e.msgid: (e.msgstr, dict(e.msgstr_plural)) for e in polib.mofile(str(folder / "django.mo")) if e.msgid}
    assert mo == po, "Run `make messages` (or scripts/compile_messages.py) and commit the .mo files."
