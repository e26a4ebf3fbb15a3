"""The column set of an import file, the header names accepted for each column (English, Norwegian, Danish) and
the words accepted in each column's cells.

One row is one person. A family is a patient row and the child rows that share its `family` reference (any text
the file chooses, such as 1, 2, 3). The patient gets an episode; each child becomes a person related to the
patient as their child. Columns marked "patient" are for patient rows only, "child" for child rows only.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from kindred.care.models import ChildrenAnswer, Episode, ProblemArea
from kindred.people.models import Person, Relationship

PATIENT = "patient"
CHILD = "child"
ALL = "all"


@dataclass(frozen=True)
class Column:
    key: str  # the English header name, also the key in the stored rows
    description: object  # lazy text for the template and the help page
    rows: str = ALL  # ALL, PATIENT or CHILD
    required: bool = False
    aliases: tuple[str, ...] = ()  # Norwegian and Danish header names
    example_patient: str = ""
    example_child: str = ""


COLUMNS: tuple[Column, ...] = (
    Column(
        "family",
        _("A reference shared by a patient and their children in this file, such as 1, 2, 3."),
        required=True,
        aliases=("familie", "familienummer", "family_id", "familie_id"),
        example_patient="1",
        example_child="1",
    ),
    Column(
        "role",
        _("patient or child."),
        required=True,
        aliases=("rolle", "type"),
        example_patient="patient",
        example_child="child",
    ),
    Column(
        "given_name",
        _("Given name."),
        required=True,
        aliases=("fornavn",),
        example_patient="Kari",
        example_child="Emma",
    ),
    Column(
        "family_name",
        _("Family name."),
        required=True,
        aliases=("etternavn", "efternavn"),
        example_patient="Nordmann",
        example_child="Nordmann",
    ),
    Column(
        "national_id",
        _("Norwegian national id or D-number (11 digits) or Danish CPR number (10 digits); may be empty."),
        aliases=("fødselsnummer", "fodselsnummer", "fnr", "personnummer", "cpr", "cpr_nummer", "cpr_nr"),
    ),
    Column(
        "birth_date",
        _("Birth date as YYYY-MM-DD or DD.MM.YYYY; taken from the national id when empty."),
        aliases=("fødselsdato", "fodselsdato", "født", "født_dato"),
        example_patient="1985-04-12",
        example_child="2015-09-01",
    ),
    Column(
        "birth_year",
        _("Birth year, when the birth date is not known."),
        aliases=("fødselsår", "fodselsar"),
    ),
    Column("sex", _("female, male or empty."), aliases=("kjønn", "kjonn", "køn", "kon"), example_patient="female"),
    Column(
        "episode_kind",
        _("Kind of episode, such as outpatient or inpatient_detox (see the list of values)."),
        rows=PATIENT,
        aliases=("episodetype", "forløpstype", "forløbstype", "behandlingstype", "episode"),
        example_patient="outpatient",
    ),
    Column(
        "episode_start",
        _("Start date of the episode, as YYYY-MM-DD or DD.MM.YYYY."),
        rows=PATIENT,
        aliases=("startdato", "start", "episodestart", "forløpsstart", "forløbsstart"),
        example_patient="2026-01-05",
    ),
    Column(
        "problem_areas",
        _("alcohol, drugs, medicines, gambling, mental_health; several separated by commas."),
        rows=PATIENT,
        aliases=("problemområder", "problemomrader", "problemområde"),
        example_patient="alcohol",
    ),
    Column(
        "pregnancy",
        _("yes, no or unknown (empty is unknown)."),
        rows=PATIENT,
        aliases=("graviditet", "gravid"),
    ),
    Column(
        "due_date",
        _("Due date of a pregnancy, as YYYY-MM-DD or DD.MM.YYYY."),
        rows=PATIENT,
        aliases=("termin", "termindato"),
    ),
    Column(
        "responsible",
        _("E-mail address of the responsible clinician, a member of your organisation; empty makes it you."),
        rows=PATIENT,
        aliases=("ansvarlig", "behandler", "ansvarlig_behandler"),
    ),
    Column(
        "children_answer",
        _(
            "has, none, declined or not_asked; empty means has when the file lists children for the patient, "
            "otherwise not_asked."
        ),
        rows=PATIENT,
        aliases=("mindreårige_barn", "mindreårige_børn", "svar_om_barn", "svar_om_børn"),
        example_patient="has",
    ),
    Column(
        "parental_responsibility",
        _("The patient's parental responsibility for the child: yes, shared, no or empty."),
        rows=CHILD,
        aliases=("foreldreansvar", "forældremyndighed", "foraeldremyndighed"),
        example_child="shared",
    ),
    Column(
        "lives_together",
        _("Whether the child lives with the patient: yes, no or empty."),
        rows=CHILD,
        aliases=("bor_sammen", "bor_sammen_med_pasienten", "bor_sammen_med_patienten"),
        example_child="yes",
    ),
)
BY_KEY = {column.key: column for column in COLUMNS}


def normalise(text: str) -> str:
    """A header or a cell word compared loosely: case, accents kept, spaces and hyphens as underscores."""
    text = unicodedata.normalize("NFC", str(text)).strip().lower().rstrip("*").strip()
    return "_".join(text.replace("-", " ").replace("_", " ").split())


@cache
def header_names() -> dict[str, str]:
    """Every accepted header name (normalised) to its column key."""
    names: dict[str, str] = {}
    for column in COLUMNS:
        names[normalise(column.key)] = column.key
        for alias in column.aliases:
            names[normalise(alias)] = column.key
    return names


# --- Words accepted in cells -----------------------------------------------------------------------------------

YES = ("yes", "y", "ja", "j", "true", "1", "x")
NO = ("no", "n", "nei", "nej", "false", "0")


def _with_labels(choices: type[models.TextChoices], extra: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """A choice's stored value, its label in each language of Kindred, and the extra words, to the value."""
    words: dict[str, str] = {}
    for value in choices.values:
        if value:
            words[normalise(value)] = value
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for value, label in choices.choices:
                if value:
                    words.setdefault(normalise(str(label)), value)
    for value, aliases in extra.items():
        for alias in aliases:
            words[normalise(alias)] = value
    return words


@cache
def vocabulary(key: str) -> dict[str, str]:
    """The words accepted in a column with a fixed set of values, to the value stored."""
    if key == "role":
        return {
            **{normalise(w): PATIENT for w in ("patient", "pasient", "klient", "client", "bruker", "borger")},
            **{normalise(w): CHILD for w in ("child", "barn")},
        }
    if key == "sex":
        return _with_labels(
            Person.Sex,
            {"female": ("f", "k", "kvinne", "kvinde", "woman", "jente", "pige"), "male": ("m", "mann", "mand", "man")},
        )
    if key == "episode_kind":
        return _with_labels(Episode.Kind, {})
    if key == "problem_areas":
        return _with_labels(
            ProblemArea,
            {
                "alcohol": ("alkohol",),
                "drugs": ("rusmidler", "narkotika", "stoff"),
                "medicines": ("legemidler", "medisiner", "medicin"),
                "gambling": ("pengespill", "spill", "ludomani"),
                "mental_health": ("psykisk_helse", "psykisk_helbred"),
            },
        )
    if key == "pregnancy":
        return _with_labels(
            Episode.Pregnancy, {"yes": (*YES, "gravid"), "no": NO, "unknown": ("ukjent", "ukendt", "vet_ikke")}
        )
    if key == "children_answer":
        return _with_labels(
            ChildrenAnswer,
            {
                "has": ("yes", "ja"),
                "none": ("no", "nei", "nej", "ingen"),
                "declined": ("vil_ikke_svare", "ønsker_ikke_at_svare", "avslått"),
                "not_asked": ("ikke_spurt", "ikke_spurgt"),
            },
        )
    if key == "parental_responsibility":
        return _with_labels(
            Relationship.ParentalResponsibility,
            {"yes": ("ja", "alene", "full"), "shared": ("delt", "felles", "fælles"), "no": ("nei", "nej", "ingen")},
        )
    if key == "lives_together":
        return {**{normalise(w): "yes" for w in YES}, **{normalise(w): "no" for w in NO}}
    raise KeyError(key)


def allowed_values(key: str) -> list[str]:
    """The stored values of a column with a fixed set, for messages and the help page."""
    return sorted(set(vocabulary(key).values()))


DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S")


def parse_date(text: str) -> date | None:
    """A date written as YYYY-MM-DD, DD.MM.YYYY, DD-MM-YYYY or DD/MM/YYYY; None when it is none of these."""
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None
