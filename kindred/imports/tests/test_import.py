"""Importing a file through the services: valid CSV and XLSX files create the patients, episodes and children
through the intake use cases (with their audit rows); a file with one bad row writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from kindred.audit.models import AccessLog
from kindred.care import services as care
from kindred.care.models import ChildrenAnswer, Episode
from kindred.care.tests.factories import fnr_for, years_ago
from kindred.imports import services
from kindred.imports.models import ImportBatch
from kindred.imports.tests.helpers import csv_bytes, family, valid_rows, xlsx_bytes
from kindred.people.models import Person, Relationship
from kindred.people.services import PersonData

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def checked(world, content: bytes, name: str = "families.csv") -> ImportBatch:
    actor = world.actor(world.coordinator)
    return services.check_all(actor, services.upload(actor, name, content))


def imported(world, content: bytes, name: str = "families.csv") -> ImportBatch:
    actor = world.actor(world.coordinator)
    batch = checked(world, content, name)
    assert batch.status == ImportBatch.Status.VALID, batch.report
    return services.run_import(actor, services.start_import(actor, batch))


def _assert_families_imported(world, batch: ImportBatch) -> None:
    assert batch.status == ImportBatch.Status.IMPORTED
    assert (batch.persons_created, batch.episodes_created, batch.children_linked) == (4, 2, 2)
    kari = Person.objects.get(given_name="Kari")
    assert kari.id_kind == Person.IdKind.FNR and kari.registered_by == world.unit and kari.sex == "female"
    episode = Episode.objects.get(patient=kari)
    assert episode.organisation == world.unit and episode.kind == Episode.Kind.OUTPATIENT
    assert episode.problem_areas == ["alcohol", "gambling"] and episode.responsible == world.coordinator
    assert episode.children_answer == ChildrenAnswer.HAS and episode.answer_source == Episode.Source.RECORD
    assert sorted(c.given_name for c in care.children_of(kari)) == ["Emma", "Jonas"]
    emma = Relationship.objects.get(person=kari, other__given_name="Emma", kind=Relationship.Kind.PARENT_OF)
    assert emma.parental_responsibility == "shared" and emma.lives_together is True
    jonas = Person.objects.get(given_name="Jonas")
    assert jonas.birth_date == years_ago(4, days=10) and jonas.national_id == ""
    per = Episode.objects.get(patient__given_name="Per")
    assert per.kind == Episode.Kind.INPATIENT_DETOX and per.children_answer == ChildrenAnswer.NONE
    assert sorted(batch.patient_ids) == sorted([kari.pk, per.patient_id])
    # The file is gone once imported; the counts and the report stay.
    assert batch.content is None and batch.rows == [] and batch.purged_at is not None


def test_a_valid_csv_file_creates_the_patients_episodes_and_children(world):
    _assert_families_imported(world, imported(world, csv_bytes(valid_rows())))


def test_a_valid_xlsx_file_creates_the_same(world):
    batch = imported(world, xlsx_bytes(valid_rows()), "families.xlsx")
    assert batch.file_format == "xlsx"
    _assert_families_imported(world, batch)


def test_xlsx_dates_typed_as_dates_are_read(world):
    rows = valid_rows()
    rows[0]["episode_start"] = timezone.localdate().replace(day=1)  # a real date cell, not text
    batch = imported(world, xlsx_bytes(rows), "families.xlsx")
    assert Episode.objects.get(patient__given_name="Kari").started_on == timezone.localdate().replace(day=1)
    assert batch.status == ImportBatch.Status.IMPORTED


def test_norwegian_and_danish_headers_and_words_are_understood(world):
    header = ["Familie", "Rolle", "Fornavn", "Efternavn", "Fødselsdato", "Forløbstype", "Startdato"]
    header += ["Problemområder", "Foreldreansvar", "Bor sammen"]
    rows = [
        {
            "family": "A",
            "role": "pasient",
            "given_name": "Ole",
            "family_name": "Berg",
            "birth_date": "01.02.1980",
            "episode_kind": "Poliklinisk behandling",
            "episode_start": "05.01.2026",
            "problem_areas": "alkohol; spill",
        },
        {
            "family": "A",
            "role": "barn",
            "given_name": "Liv",
            "family_name": "Berg",
            "birth_date": years_ago(7).strftime("%d-%m-%Y"),
            "parental_responsibility": "delt",
            "lives_together": "nei",
        },
    ]
    batch = imported(world, csv_bytes(rows, header=header, delimiter=";"))
    episode = Episode.objects.get(patient__given_name="Ole")
    assert episode.kind == Episode.Kind.OUTPATIENT and episode.problem_areas == ["alcohol", "gambling"]
    relation = Relationship.objects.get(person=episode.patient, other__given_name="Liv")
    assert relation.parental_responsibility == "shared" and relation.lives_together is False
    assert batch.children_linked == 1


def test_one_bad_row_writes_nothing_and_names_the_row_and_column(world):
    rows = valid_rows()
    rows[2]["birth_date"] = "31.02.2015"  # Jonas, row 4
    before = (Person.objects.count(), Episode.objects.count(), Relationship.objects.count())
    batch = checked(world, csv_bytes(rows))
    assert batch.status == ImportBatch.Status.INVALID and batch.problem_rows == 1
    assert services.report_rows(batch) == [
        {
            "row": 4,
            "problems": [
                {
                    "column": "birth_date",
                    "message": "Not a date. Write it as YYYY-MM-DD or DD.MM.YYYY, such as 2015-09-01.",
                }
            ],
            "notes": [],
        }
    ]
    with pytest.raises(services.ValidationError):
        services.start_import(world.actor(world.coordinator), batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.INVALID
    assert (Person.objects.count(), Episode.objects.count(), Relationship.objects.count()) == before


def test_a_row_refused_at_write_time_rolls_back_the_whole_file(world):
    """The organisation's data changed between the check and the import: the use case refuses a row, and the
    families written before it are rolled back with it."""
    actor = world.actor(world.coordinator)
    rows = valid_rows()
    batch = checked(world, csv_bytes(rows))
    assert batch.status == ImportBatch.Status.VALID
    # Meanwhile Per (family 2, row 5) gets a responsible clinician who then leaves the organisation.
    batch.rows[3]["responsible"] = world.clinician.email
    batch.save(update_fields=["rows"])
    world.clinician.memberships.all().delete()
    logs = AccessLog.objects.count()
    batch = services.run_import(actor, services.start_import(actor, batch))
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.failure.startswith("Row 5:")
    assert not Person.objects.exists() and not Episode.objects.exists() and not Relationship.objects.exists()
    # Only the audit row of the failure itself is left: the use cases' rows were rolled back with their data.
    assert list(AccessLog.objects.order_by("pk")[logs:].values_list("object_type", "details")) == [
        ("imports.importbatch", {"import": "failed"})
    ]
    # The rows are kept until the time limit, so the file can be checked again.
    batch = services.check_all(actor, services.check_again(actor, batch))
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.report["5"]["problems"][0]["column"] == "responsible"


def test_the_use_cases_write_their_audit_rows_and_the_batch_its_own(world):
    batch = imported(world, csv_bytes(valid_rows()))
    logs = AccessLog.objects.filter(user=world.coordinator, organisation=world.unit)
    kari = Person.objects.get(given_name="Kari")
    assert logs.filter(action="create", object_type="people.person", subject=kari).exists()
    assert logs.filter(action="create", object_type="care.episode", subject=kari).exists()
    assert logs.filter(action="create", object_type="people.relationship", subject=kari).count() == 2
    assert logs.filter(action="change", object_type="care.episode", subject=kari).exists()  # the children answer
    batch_logs = logs.filter(object_type="imports.importbatch", object_id=str(batch.pk)).order_by("pk")
    assert [(log.action, log.details) for log in batch_logs] == [
        ("create", {"rows": 4, "format": "csv"}),
        ("create", {"import": "done", "persons_created": 4, "episodes": 2, "children": 2}),
    ]


def test_a_person_registered_already_is_reused(world):
    actor = world.actor(world.coordinator)
    rows = valid_rows()
    emma_id = rows[1]["national_id"]
    # Emma is known already: a child of another patient of the unit.
    other = care.register_patient(
        actor,
        PersonData(given_name="Ola", family_name="Nordmann", birth_date=years_ago(42)),
        care.EpisodeData(kind="outpatient", started_on=timezone.localdate()),
    )
    care.record_children_answer(
        actor,
        other,
        children_answer="has",
        siblings_answer="none",
        source="patient",
        children=[care.ChildInput(person=PersonData(given_name="Emma", family_name="Nordmann", national_id=emma_id))],
    )
    batch = checked(world, csv_bytes(rows))
    assert batch.status == ImportBatch.Status.VALID
    assert batch.report["3"]["notes"] == [
        {"column": "national_id", "message": "Already registered in your organisation: the import uses that person."}
    ]
    batch = services.run_import(actor, services.start_import(actor, batch))
    assert Person.objects.filter(given_name="Emma").count() == 1
    assert batch.persons_created == 3
    emma = Person.objects.get(given_name="Emma")
    assert set(Relationship.objects.filter(other=emma).values_list("person__given_name", flat=True)) == {"Ola", "Kari"}


def test_a_child_of_two_patients_in_the_file_is_one_person_linked_to_both(world):
    child_id = fnr_for(years_ago(6, days=3))
    child = {"given_name": "Ida", "family_name": "Li", "national_id": child_id}
    rows = [
        *family("1", {"given_name": "Anne", "family_name": "Li", "birth_date": "1980-03-03"}, child),
        *family("2", {"given_name": "Tor", "family_name": "Li", "birth_date": "1979-04-04"}, child),
    ]
    batch = imported(world, csv_bytes(rows))
    ida = Person.objects.get(given_name="Ida")
    assert set(Relationship.objects.filter(other=ida).values_list("person__given_name", flat=True)) == {"Anne", "Tor"}
    assert batch.children_linked == 2 and batch.persons_created == 3


def test_importing_twice_is_refused_the_second_time(world):
    actor = world.actor(world.coordinator)
    batch = imported(world, csv_bytes(valid_rows()))
    again = services.run_import(actor, services.start_import(actor, batch))
    assert again.status == ImportBatch.Status.IMPORTED and Episode.objects.count() == 2


def test_files_are_deleted_after_the_time_limit(world, settings):
    settings.IMPORT_FILE_HOURS = 24
    actor = world.actor(world.coordinator)
    old = checked(world, csv_bytes(valid_rows()))
    fresh = checked(world, csv_bytes(valid_rows()))
    ImportBatch.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    call_command("purge_imports")
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.content is None and old.rows == [] and old.status == ImportBatch.Status.EXPIRED
    assert fresh.content and fresh.rows and fresh.status == ImportBatch.Status.VALID
    with pytest.raises(services.ValidationError):
        services.start_import(actor, old)


def test_an_expired_file_opened_before_the_purge_runs_is_deleted_then(world):
    batch = checked(world, csv_bytes(valid_rows()))
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - timedelta(hours=25))
    batch = services.get_batch(world.actor(world.coordinator), batch.pk)
    assert batch.status == ImportBatch.Status.EXPIRED and batch.content is None
