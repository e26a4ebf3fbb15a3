"""Every row-level message of the validation report, each with its row and column; nothing is written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kindred.care import services as care
from kindred.care.tests.factories import fnr_for, years_ago
from kindred.imports import services
from kindred.imports.models import ImportBatch
from kindred.imports.tests.helpers import csv_bytes, family, valid_rows, xlsx_bytes
from kindred.people.models import Person
from kindred.people.services import PersonData

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def report(world, rows: list[dict], *, xlsx: bool = False) -> dict[int, list[tuple[str, str]]]:
    """Row number -> [(column, message)] for the rows with problems; asserts that nothing was written."""
    actor = world.actor(world.coordinator)
    content = xlsx_bytes(rows) if xlsx else csv_bytes(rows)
    persons = Person.objects.count()
    batch = services.check_all(actor, services.upload(actor, "f.xlsx" if xlsx else "f.csv", content))
    assert Person.objects.count() == persons
    assert batch.status == (ImportBatch.Status.INVALID if batch.problem_rows else ImportBatch.Status.VALID)
    return {
        entry["row"]: [(p["column"], p["message"]) for p in entry["problems"]]
        for entry in services.report_rows(batch)
        if entry["problems"]
    }


def kari(**fields) -> dict:
    return {"given_name": "Kari", "family_name": "Nordmann", "birth_date": "1984-05-06", **fields}


def child(**fields) -> dict:
    return {"given_name": "Emma", "family_name": "Nordmann", "birth_date": years_ago(8).isoformat(), **fields}


ANY_KIND = "Unknown kind of episode. Use one of: allocation, home_service, inpatient_detox, inpatient_long_term, "
ANY_KIND += "low_threshold, outpatient, relative."

CASES = {
    "invalid national id": (
        family("1", kari(national_id="12345678901")),
        {2: [("national_id", "This is not a valid national id number. Check the digits, or leave the field empty.")]},
    ),
    "national id of the wrong length": (
        family("1", kari(national_id="123456")),
        {
            2: [
                (
                    "national_id",
                    "A Norwegian national id or D-number has 11 digits; a Danish CPR number has 10 digits.",
                )
            ]
        },
    ),
    "national id and birth date disagree": (
        family("1", kari(national_id=fnr_for(years_ago(40)), birth_date="1970-01-01")),
        {2: [("birth_date", "The birth date does not match the national id.")]},
    ),
    "missing given name": (family("1", kari(given_name="")), {2: [("given_name", "The given name is missing.")]}),
    "missing family name": (family("1", kari(family_name=" ")), {2: [("family_name", "The family name is missing.")]}),
    "too long name": (family("1", kari(given_name="K" * 101)), {2: [("given_name", "At most 100 characters.")]}),
    "bad date": (
        family("1", kari(birth_date="1984-13-01")),
        {2: [("birth_date", "Not a date. Write it as YYYY-MM-DD or DD.MM.YYYY, such as 2015-09-01.")]},
    ),
    "birth date in the future": (
        family("1", kari(birth_date=(timezone.localdate() + timedelta(days=3)).isoformat())),
        {2: [("birth_date", "The birth date cannot be in the future.")]},
    ),
    "bad birth year": (
        family("1", kari(birth_date="", birth_year="84")),
        {2: [("birth_year", "Write the birth year with four digits, such as 2015.")]},
    ),
    "birth year out of range": (
        family("1", kari(birth_date="", birth_year="1850")),
        {2: [("birth_year", "Give a birth year between 1900 and this year.")]},
    ),
    "unknown sex": (
        family("1", kari(sex="unknown")),
        {2: [("sex", "Unknown value. Use one of: female, male.")]},
    ),
    "missing family reference": (
        [{**family("1", kari())[0], "family": ""}],
        {
            2: [
                (
                    "family",
                    "The family reference is missing: give the same value to a patient and the children.",
                )
            ]
        },
    ),
    "missing role": (
        [{**family("1", kari())[0], "role": ""}],
        {2: [("role", "The role is missing: write patient or child.")]},
    ),
    "unknown role": (
        [{**family("1", kari())[0], "role": "cousin"}],
        {2: [("role", "Unknown role: write patient or child.")]},
    ),
    "unknown episode kind": (family("1", kari(episode_kind="rehab")), {2: [("episode_kind", ANY_KIND)]}),
    "missing episode kind": (
        family("1", kari(episode_kind="")),
        {2: [("episode_kind", "The kind of episode is missing.")]},
    ),
    "missing episode start": (
        family("1", kari(episode_start="")),
        {2: [("episode_start", "The start date of the episode is missing.")]},
    ),
    "episode start far in the future": (
        family("1", kari(episode_start=(timezone.localdate() + timedelta(days=400)).isoformat())),
        {2: [("episode_start", "The start date is too far in the future.")]},
    ),
    "unknown problem area": (
        family("1", kari(problem_areas="alcohol, shopping")),
        {
            2: [
                (
                    "problem_areas",
                    "Unknown problem area. Use one of: alcohol, drugs, gambling, medicines, mental_health.",
                )
            ]
        },
    ),
    "due date without pregnancy": (
        family("1", kari(due_date=(timezone.localdate() + timedelta(days=60)).isoformat())),
        {2: [("due_date", "A due date is only recorded for a pregnancy.")]},
    ),
    "unknown pregnancy value": (
        family("1", kari(pregnancy="maybe")),
        {2: [("pregnancy", "Unknown value. Use one of: no, unknown, yes.")]},
    ),
    "responsible who is not a member": (
        family("1", kari(responsible="nobody@example.no")),
        {2: [("responsible", "No member of your organisation has this e-mail address.")]},
    ),
    "children answer none with children listed": (
        family("1", kari(children_answer="none"), child()),
        {2: [("children_answer", "The file lists children for this patient, so the answer must be has (or empty).")]},
    ),
    "unknown children answer": (
        family("1", kari(children_answer="perhaps")),
        {2: [("children_answer", "Unknown value. Use one of: declined, has, none, not_asked.")]},
    ),
    "child older than 18": (
        family("1", kari(), child(birth_date=years_ago(19).isoformat())),
        {3: [("birth_date", "The child is 18 or older; only minor children are imported.")]},
    ),
    "child of 18 by national id": (
        family("1", kari(), child(birth_date="", national_id=fnr_for(years_ago(18, days=1)))),
        {3: [("national_id", "The child is 18 or older; only minor children are imported.")]},
    ),
    "child without any birth information": (
        family("1", kari(), child(birth_date="")),
        {3: [("birth_date", "A child needs a birth date, a birth year or a national id.")]},
    ),
    "child with a patient column": (
        family("1", kari(), child(episode_kind="outpatient")),
        {3: [("episode_kind", "This column is for patient rows only; leave it empty on a child row.")]},
    ),
    "patient with a child column": (
        family("1", kari(lives_together="yes")),
        {2: [("lives_together", "This column is for child rows only; leave it empty on a patient row.")]},
    ),
    "unknown parental responsibility": (
        family("1", kari(), child(parental_responsibility="sometimes")),
        {3: [("parental_responsibility", "Unknown value. Use one of: no, shared, yes.")]},
    ),
    "unknown lives together": (
        family("1", kari(), child(lives_together="weekends")),
        {3: [("lives_together", "Unknown value. Use one of: no, yes.")]},
    ),
    "child without a patient in the family": (
        [*family("1", kari()), {"family": "9", "role": "child", **child()}],
        {3: [("family", "No patient row has this family reference.")]},
    ),
    "two patients in one family": (
        [*family("1", kari()), *family("1", kari(given_name="Ola", birth_date="1983-01-01"))],
        {
            3: [
                (
                    "family",
                    "The family already has a patient on row 2; give each patient their own family reference.",
                )
            ]
        },
    ),
    "the same patient twice by national id": (
        [
            *family("1", kari(national_id=fnr_for(years_ago(40)), birth_date="")),
            *family("2", kari(national_id=fnr_for(years_ago(40)), birth_date="")),
        ],
        {3: [("national_id", "The same person as on row 2; list each person once.")]},
    ),
    "the same child twice in a family by name and birth date": (
        family("1", kari(), child(), child()),
        {4: [("given_name", "The same person as on row 3; list each person once.")]},
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_each_problem_is_reported_at_its_row_and_column(world, case):
    rows, expected = CASES[case]
    assert report(world, rows) == expected


def test_a_national_id_saved_as_a_number_in_xlsx_is_explained(world):
    number = fnr_for(years_ago(40).replace(day=5))  # starts with 0: the spreadsheet drops it
    assert number.startswith("0")
    rows = family("1", kari(national_id=int(number), birth_date=""))
    assert report(world, rows, xlsx=True) == {
        2: [
            (
                "national_id",
                "The spreadsheet stored the national id as a number, which drops a leading zero. "
                "Format the column as text and type the number again.",
            )
        ]
    }


def test_a_patient_with_an_open_episode_here_is_a_problem(world):
    actor = world.actor(world.coordinator)
    number = fnr_for(years_ago(40))
    care.register_patient(
        actor,
        PersonData(given_name="Kari", family_name="Nordmann", national_id=number),
        care.EpisodeData(kind="outpatient", started_on=timezone.localdate()),
    )
    rows = family("1", kari(national_id=number, birth_date=""))
    assert report(world, rows) == {
        2: [("national_id", "This patient already has an open episode in your organisation.")]
    }


def test_a_person_with_the_same_name_and_birth_date_is_flagged_but_not_refused(world):
    actor = world.actor(world.coordinator)
    care.register_patient(
        actor,
        PersonData(given_name="Kari", family_name="Nordmann", birth_date=years_ago(40)),
        care.EpisodeData(kind="outpatient", started_on=timezone.localdate()),
    )
    batch = services.check_all(
        actor, services.upload(actor, "f.csv", csv_bytes(family("1", kari(birth_date=years_ago(40).isoformat()))))
    )
    assert batch.status == ImportBatch.Status.VALID
    assert [n["column"] for n in batch.report["2"]["notes"]] == ["given_name"]
    assert "registered already" in batch.report["2"]["notes"][0]["message"]


def test_a_person_known_only_to_another_organisation_is_neither_reused_nor_revealed(world):
    number = fnr_for(years_ago(40))
    care.register_patient(
        world.actor(world.outsider),
        PersonData(given_name="Kari", family_name="Nordmann", national_id=number),
        care.EpisodeData(kind="home_service", started_on=timezone.localdate()),
    )
    actor = world.actor(world.coordinator)
    rows = family("1", kari(national_id=number, birth_date=""))
    batch = services.check_all(actor, services.upload(actor, "f.csv", csv_bytes(rows)))
    assert batch.status == ImportBatch.Status.VALID and batch.report == {}


def test_the_report_holds_no_values_from_the_file(world):
    rows = valid_rows()
    rows[0]["national_id"] = "12345678901"
    rows[1]["given_name"] = ""
    actor = world.actor(world.coordinator)
    batch = services.check_all(actor, services.upload(actor, "f.csv", csv_bytes(rows)))
    text = str(batch.report)
    assert "12345678901" not in text and "Nordmann" not in text and "Kari" not in text


def test_checking_in_steps_reports_progress_and_the_same_result(world, settings):
    settings.IMPORT_CHUNK_ROWS = 2
    actor = world.actor(world.coordinator)
    rows = valid_rows()
    rows[3]["episode_kind"] = "rehab"
    batch = services.upload(actor, "f.csv", csv_bytes(rows))
    assert (batch.status, batch.checked_rows, batch.percent_checked) == ("checking", 0, 0)
    batch = services.check_step(actor, batch)
    assert (batch.status, batch.checked_rows, batch.percent_checked) == ("checking", 2, 50)
    batch = services.check_step(actor, batch)
    assert (batch.status, batch.checked_rows, batch.problem_rows) == ("invalid", 4, 1)
    assert list(batch.report) == ["5"]
