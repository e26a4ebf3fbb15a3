"""Use cases for imports from spreadsheets: upload, check in steps, import in one transaction, delete the file.

Who may import: members whose role coordinates (COORDINATE) and may edit cases (EDIT_CASES) — the coordinator.
An import registers patients for the whole unit, which is the coordinator's overview; an organisation admin has
no access to personal data by design (ROLE_CAPABILITIES), so an import by an admin would write what the admin may
not read. Everything is imported into the actor's active organisation, and an upload is seen only by the member
who made it (ImportBatch.objects.of).

How a large file keeps "all or nothing" and still shows progress:

1. `upload` reads the file (kindred.imports.reader) and stores its rows on an ImportBatch; nothing else is written.
2. `check_step` checks the next IMPORT_CHUNK_ROWS rows and stores their part of the report and the progress on the
   batch. The web page calls it again and again by htmx polling (each call is a short request, so no request
   runs long and a closed tab loses nothing); the API and pages without JavaScript check every row at once.
   Checks that span the file (families, duplicates) are worked out from all rows at each step: that is cheap.
3. Only a batch whose every row is valid can be imported. `run_import` then writes every family in ONE database
   transaction through the same use cases as the intake pages (kindred.care.services.register_patient and
   record_children_answer, which use kindred.people.services.register_person): the same rules, the same audit
   rows. If anything fails, the database rolls the whole file back. While it runs, the page shows a progress bar
   without a value (a single transaction cannot report how far it got without committing); when it ends, the
   page shows the result. IMPORT_MAX_ROWS bounds how long that one transaction runs.
4. After the import, or after IMPORT_FILE_HOURS, the file content and the rows are deleted (`purge`); the counts
   and the report (column names and messages, never the file's values) stay.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.audit.services import Action, record
from kindred.care import services as care
from kindred.care.models import ChildrenAnswer, Episode, ProblemArea, SiblingsAnswer
from kindred.imports.columns import (
    BY_KEY,
    CHILD,
    PATIENT,
    allowed_values,
    normalise,
    parse_date,
    vocabulary,
)
from kindred.imports.models import ImportBatch
from kindred.imports.reader import NUMERIC_ID, read_file
from kindred.orgs.actors import Actor
from kindred.orgs.models import Capability, Membership
from kindred.people.access import get_visible, persons_held_by_organisation, visible_persons
from kindred.people.models import Person, Relationship
from kindred.people.services import PersonData, clean_person_data, parse_national_id

FIRST_ROW = 2  # the row number of the first person: row 1 is the header row, as the spreadsheet numbers them
PREVIEW_ROWS = 20


def may_import(actor: Actor) -> bool:
    return actor.can(Capability.COORDINATE) and actor.can(Capability.EDIT_CASES)


def _require(actor: Actor) -> None:
    if not may_import(actor):
        raise PermissionError(Capability.COORDINATE)


def batches_of(actor: Actor) -> QuerySet[ImportBatch]:
    if not may_import(actor):
        return ImportBatch.objects.none()
    return ImportBatch.objects.of(actor)


def get_batch(actor: Actor, pk, *, action: str = Action.VIEW) -> ImportBatch:
    """The actor's own upload (with an audit row for `action`), its file deleted if it is past the time limit;
    otherwise Http404."""
    batch = get_visible(actor, batches_of(actor), pk, action=action)
    if batch.purged_at is None and batch.expires_at <= timezone.now():
        purge(batch)
    return batch


# --- Upload -----------------------------------------------------------------------------------------------------


@transaction.atomic
def upload(actor: Actor, file_name: str, content: bytes) -> ImportBatch:
    """Store an uploaded file and the rows read from it, ready to be checked; a file that cannot be read raises
    ValidationError and stores nothing."""
    _require(actor)
    purge_stale()
    read = read_file(content)
    notes = []
    if read.ignored_headers:
        notes.append(
            _("These columns are not part of the import and are left out: %(columns)s.")
            % {"columns": ", ".join(read.ignored_headers)}
        )
    batch = ImportBatch.objects.create(
        organisation=actor.organisation,
        created_by=actor.user,
        file_name=(file_name or "upload")[-200:],
        file_format=read.file_format,
        file_size=len(content),
        content=content,
        rows=read.rows,
        total_rows=len(read.rows),
        file_notes=notes,
    )
    record(actor, Action.CREATE, batch, details={"rows": batch.total_rows, "format": batch.file_format})
    return batch


# --- Reading one row --------------------------------------------------------------------------------------------


@dataclass
class Row:
    """One row as Kindred understands it, with the problems found in the row alone."""

    number: int
    family: str = ""
    role: str = ""
    person: PersonData = field(default_factory=PersonData)
    id_kind: str = ""
    episode_kind: str = ""
    episode_start: date | None = None
    problem_areas: list[str] = field(default_factory=list)
    pregnancy: str = Episode.Pregnancy.UNKNOWN
    due_date: date | None = None
    responsible: str = ""
    children_answer: str = ""
    parental_responsibility: str = ""
    lives_together: bool | None = None
    problems: list[dict[str, str]] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)

    def problem(self, column: str, message: str) -> None:
        if not any(p["column"] == column for p in self.problems):  # one problem per column: the first one
            self.problems.append({"column": column, "message": str(message)})

    def note(self, column: str, message: str) -> None:
        self.notes.append({"column": column, "message": str(message)})

    def has_problem(self, column: str) -> bool:
        return any(p["column"] == column for p in self.problems)

    @property
    def name(self) -> str:
        return f"{self.person.given_name} {self.person.family_name}".strip()

    def labels(self) -> dict[str, str]:
        """The values in plain words of the current language, for the preview."""
        return {
            "role": _("Patient") if self.role == PATIENT else _("Child") if self.role == CHILD else "",
            "id_kind": str(Person.IdKind(self.id_kind).label) if self.id_kind else "",
            "episode_kind": str(Episode.Kind(self.episode_kind).label) if self.episode_kind else "",
            "problem_areas": ", ".join(
                str(ProblemArea(p).label) for p in self.problem_areas if p in ProblemArea.values
            ),
            "children_answer": str(ChildrenAnswer(self.children_answer).label) if self.children_answer else "",
            "parental_responsibility": (
                str(Relationship.ParentalResponsibility(self.parental_responsibility).label)
                if self.parental_responsibility
                else ""
            ),
            "lives_together": "" if self.lives_together is None else _("Yes") if self.lives_together else _("No"),
        }


def _choice(row: Row, raw: dict[str, str], key: str) -> str:
    text = raw.get(key, "")
    if not text:
        return ""
    value = vocabulary(key).get(normalise(text))
    if value is None:
        row.problem(key, _("Unknown value. Use one of: %(values)s.") % {"values": ", ".join(allowed_values(key))})
        return ""
    return value


def _date(row: Row, raw: dict[str, str], key: str) -> date | None:
    text = raw.get(key, "")
    if not text:
        return None
    value = parse_date(text)
    if value is None:
        row.problem(key, _("Not a date. Write it as YYYY-MM-DD or DD.MM.YYYY, such as 2015-09-01."))
    return value


PERSON_FIELDS = {"national_id": "national_id", "birth_date": "birth_date", "birth_year": "birth_year"}
EPISODE_FIELDS = {
    "kind": "episode_kind",
    "started_on": "episode_start",
    "problem_areas": "problem_areas",
    "pregnancy": "pregnancy",
    "due_date": "due_date",
    "referred_by": "episode_kind",
    "responsible": "responsible",
    "child_contact": "responsible",
}


def read_row(number: int, raw: dict[str, str]) -> Row:
    """One row's values as Kindred understands them, and the problems the row has on its own (no database)."""
    row = Row(number=number, family=raw.get("family", "").strip())
    if not row.family:
        row.problem("family", _("The family reference is missing: give the same value to a patient and the children."))
    role_text = raw.get("role", "")
    if not role_text:
        row.problem("role", _("The role is missing: write patient or child."))
    else:
        row.role = vocabulary("role").get(normalise(role_text), "")
        if not row.role:
            row.problem("role", _("Unknown role: write patient or child."))
    person = row.person
    for key, message in (
        ("given_name", _("The given name is missing.")),
        ("family_name", _("The family name is missing.")),
    ):
        value = " ".join(raw.get(key, "").split())
        if not value:
            row.problem(key, message)
        elif len(value) > 100:
            row.problem(key, _("At most 100 characters."))
        setattr(person, key, value[:100])

    national_id = raw.get("national_id", "")
    if national_id:
        try:
            row.id_kind = parse_national_id(national_id).kind
        except ValidationError as error:
            if raw.get(NUMERIC_ID):
                row.problem(
                    "national_id",
                    _(
                        "The spreadsheet stored the national id as a number, which drops a leading zero. "
                        "Format the column as text and type the number again."
                    ),
                )
            else:
                row.problem("national_id", error.messages[0])
        person.national_id = national_id
    person.birth_date = _date(row, raw, "birth_date")
    year = raw.get("birth_year", "")
    if year:
        if year.isdigit() and len(year) == 4:
            person.birth_year = int(year)
        else:
            row.problem("birth_year", _("Write the birth year with four digits, such as 2015."))
    if not any(row.has_problem(key) for key in PERSON_FIELDS):
        try:
            clean_person_data(person)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                row.problem(PERSON_FIELDS.get(name, "birth_date"), messages[0])
    person.sex = _choice(row, raw, "sex")

    for column in BY_KEY.values():
        if row.role and column.rows not in ("all", row.role) and raw.get(column.key):
            if column.rows == PATIENT:
                row.problem(column.key, _("This column is for patient rows only; leave it empty on a child row."))
            else:
                row.problem(column.key, _("This column is for child rows only; leave it empty on a patient row."))
    if row.role == PATIENT:
        _read_patient(row, raw)
    elif row.role == CHILD:
        _read_child(row, raw)
    return row


def _read_patient(row: Row, raw: dict[str, str]) -> None:
    if not raw.get("episode_kind"):
        row.problem("episode_kind", _("The kind of episode is missing."))
    else:
        row.episode_kind = vocabulary("episode_kind").get(normalise(raw["episode_kind"]), "")
        if not row.episode_kind:
            row.problem(
                "episode_kind",
                _("Unknown kind of episode. Use one of: %(values)s.")
                % {"values": ", ".join(allowed_values("episode_kind"))},
            )
    row.episode_start = _date(row, raw, "episode_start")
    if not raw.get("episode_start"):
        row.problem("episode_start", _("The start date of the episode is missing."))
    for word in raw.get("problem_areas", "").replace(";", ",").replace("|", ",").split(","):
        if word.strip():
            area = vocabulary("problem_areas").get(normalise(word))
            if area is None:
                row.problem(
                    "problem_areas",
                    _("Unknown problem area. Use one of: %(values)s.")
                    % {"values": ", ".join(allowed_values("problem_areas"))},
                )
            elif area not in row.problem_areas:
                row.problem_areas.append(area)
    row.pregnancy = _choice(row, raw, "pregnancy") or Episode.Pregnancy.UNKNOWN
    row.due_date = _date(row, raw, "due_date")
    row.responsible = raw.get("responsible", "").strip()
    row.children_answer = _choice(row, raw, "children_answer")


def _read_child(row: Row, raw: dict[str, str]) -> None:
    person = row.person
    if any(row.has_problem(key) for key in PERSON_FIELDS):
        return
    if person.birth_date is None and person.birth_year is None:
        row.problem("birth_date", _("A child needs a birth date, a birth year or a national id."))
    else:
        age = Person(birth_date=person.birth_date, birth_year=person.birth_year).age_on(timezone.localdate())
        if age is not None and age >= care.ADULT_AGE:
            column = next(key for key in ("birth_date", "birth_year", "national_id") if raw.get(key))
            row.problem(column, _("The child is 18 or older; only minor children are imported."))
    row.parental_responsibility = _choice(row, raw, "parental_responsibility")
    lives = _choice(row, raw, "lives_together")
    row.lives_together = None if not lives else lives == "yes"


# --- Checking the file --------------------------------------------------------------------------------------------


def _identity(raw: dict[str, str]) -> tuple | None:
    """Who a row is, for finding the same person twice in a file: the national id, or the name and birth date."""
    digits = "".join(ch for ch in raw.get("national_id", "") if ch.isdigit())
    if len(digits) in (10, 11):
        return ("id", digits)
    birth = parse_date(raw.get("birth_date", "")) if raw.get("birth_date") else None
    given, family = normalise(raw.get("given_name", "")), normalise(raw.get("family_name", ""))
    if given and family and birth:
        return ("name", given, family, birth)
    return None


@dataclass
class FileIndex:
    """What a row's checks need to know about the other rows."""

    patient_row: dict[str, int] = field(default_factory=dict)  # family -> row number of its first patient
    children: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # family -> number of child rows
    first_seen: dict[tuple, list[tuple[int, str, str]]] = field(default_factory=lambda: defaultdict(list))


def index_of(rows: list[dict[str, str]]) -> FileIndex:
    index = FileIndex()
    for number, raw in enumerate(rows, start=FIRST_ROW):
        family = raw.get("family", "").strip()
        role = vocabulary("role").get(normalise(raw.get("role", "")), "")
        if role == PATIENT:
            index.patient_row.setdefault(family, number)
        elif role == CHILD:
            index.children[family] += 1
        identity = _identity(raw)
        if identity is not None:
            index.first_seen[identity].append((number, role, family))
    return index


def check_row(actor: Actor, row: Row, raw: dict[str, str], index: FileIndex) -> Row:
    """The checks that need the rest of the file and the database, added to the row's own."""
    if row.family and row.role == PATIENT and index.patient_row.get(row.family, row.number) != row.number:
        row.problem(
            "family",
            _("The family already has a patient on row %(row)s; give each patient their own family reference.")
            % {"row": index.patient_row[row.family]},
        )
    if row.family and row.role == CHILD and row.family not in index.patient_row:
        row.problem("family", _("No patient row has this family reference."))
    identity = _identity(raw)
    if identity is not None:
        for number, role, family in index.first_seen[identity]:
            if number >= row.number:
                break
            # A child of two patients in the file is listed under each of them: the same child, linked to both.
            if identity[0] == "id" and role == CHILD == row.role and family != row.family:
                continue
            row.problem(
                "national_id" if identity[0] == "id" else "given_name",
                _("The same person as on row %(row)s; list each person once.") % {"row": number},
            )
            break
    if row.role == PATIENT:
        _check_patient(actor, row, index)
    return row


def _check_patient(actor: Actor, row: Row, index: FileIndex) -> None:
    n_children = index.children.get(row.family, 0)
    if n_children and row.children_answer and row.children_answer != ChildrenAnswer.HAS:
        row.problem(
            "children_answer",
            _("The file lists children for this patient, so the answer must be has (or empty)."),
        )
    responsible_id = None
    if row.responsible:
        member = (
            Membership.objects.filter(organisation=actor.organisation, user__email__iexact=row.responsible)
            .values_list("user_id", flat=True)
            .first()
        )
        if member is None:
            row.problem("responsible", _("No member of your organisation has this e-mail address."))
        responsible_id = member
    if row.episode_kind and row.episode_start and not row.has_problem("pregnancy") and not row.has_problem("due_date"):
        try:
            care.clean_episode(actor, episode_data(row, responsible_id))
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                row.problem(EPISODE_FIELDS.get(name, "episode_kind"), messages[0])


def _check_registered(actor: Actor, rows: list[Row]) -> None:
    """A person the organisation holds already is used again (same national id) or flagged (same name and birth
    date, no national id to be sure); a patient who has an open episode here already is a problem.

    The same rule as kindred.people.services.possible_duplicates, for a whole step of rows in three queries."""
    rows = [row for row in rows if not row.problems]
    held = persons_held_by_organisation(actor.organisation)
    ids = {row.person.national_id for row in rows if row.person.national_id}
    by_id = dict(held.filter(national_id__in=ids).values_list("national_id", "pk")) if ids else {}
    births = {row.person.birth_date for row in rows if row.person.birth_date}
    by_name = set()
    if births:
        for given, family, birth in held.filter(birth_date__in=births).values_list(
            "given_name", "family_name", "birth_date"
        ):
            by_name.add((given.lower(), family.lower(), birth))
    patients = [
        by_id[row.person.national_id] for row in rows if row.role == PATIENT and row.person.national_id in by_id
    ]
    in_care = set(
        Episode.objects.open()
        .filter(organisation=actor.organisation, patient__in=patients)
        .values_list("patient_id", flat=True)
    )
    for row in rows:
        person = row.person
        if person.national_id in by_id:
            if row.role == PATIENT and by_id[person.national_id] in in_care:
                row.problem("national_id", _("This patient already has an open episode in your organisation."))
            else:
                row.note("national_id", _("Already registered in your organisation: the import uses that person."))
        elif (person.given_name.lower(), person.family_name.lower(), person.birth_date) in by_name:
            row.note(
                "given_name",
                _(
                    "A person with this name and birth date is registered already; the import creates another "
                    "person. Add the national id to use the registered person instead."
                ),
            )


def episode_data(row: Row, responsible_id: int | None) -> care.EpisodeData:
    return care.EpisodeData(
        kind=row.episode_kind,
        started_on=row.episode_start,
        responsible_id=responsible_id,
        problem_areas=list(row.problem_areas),
        pregnancy=row.pregnancy,
        due_date=row.due_date,
    )


def check_step(actor: Actor, batch: ImportBatch, *, rows: int | None = None) -> ImportBatch:
    """Check the next `rows` rows (IMPORT_CHUNK_ROWS by default; all remaining with rows=0) and store their report
    and the progress. When the last row is checked, the batch is valid or has problems."""
    _require(actor)
    if batch.status != ImportBatch.Status.CHECKING:
        return batch
    size = settings.IMPORT_CHUNK_ROWS if rows is None else rows or batch.total_rows
    start = batch.checked_rows
    end = min(batch.total_rows, start + max(1, size))
    index = index_of(batch.rows)
    report = dict(batch.report)
    rows = [
        check_row(actor, read_row(position + FIRST_ROW, batch.rows[position]), batch.rows[position], index)
        for position in range(start, end)
    ]
    _check_registered(actor, rows)
    for row in rows:
        if row.problems or row.notes:
            report[str(row.number)] = {"problems": row.problems, "notes": row.notes}
    batch.report = report
    batch.checked_rows = end
    batch.problem_rows = sum(1 for entry in report.values() if entry["problems"])
    if end >= batch.total_rows:
        batch.status = ImportBatch.Status.INVALID if batch.problem_rows else ImportBatch.Status.VALID
    batch.save(update_fields=["report", "checked_rows", "problem_rows", "status"])
    return batch


def check_all(actor: Actor, batch: ImportBatch) -> ImportBatch:
    return check_step(actor, batch, rows=0)


def check_again(actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Start the checks over (after a failed import, when the organisation's data changed)."""
    _require(actor)
    if batch.status not in (ImportBatch.Status.FAILED, ImportBatch.Status.VALID) or batch.purged_at:
        raise ValidationError(_("This file cannot be checked again. Upload it again."))
    batch.status = ImportBatch.Status.CHECKING
    batch.checked_rows = batch.problem_rows = 0
    batch.report, batch.failure = {}, ""
    batch.save(update_fields=["status", "checked_rows", "problem_rows", "report", "failure"])
    return batch


def report_rows(batch: ImportBatch) -> list[dict]:
    """The report in row order, each problem and note with its column."""
    return [
        {"row": int(number), "problems": entry["problems"], "notes": entry["notes"]}
        for number, entry in sorted(batch.report.items(), key=lambda item: int(item[0]))
    ]


def preview(batch: ImportBatch, limit: int = PREVIEW_ROWS) -> list[Row]:
    """The first rows as Kindred understands them."""
    return [read_row(position + FIRST_ROW, raw) for position, raw in enumerate(batch.rows[:limit])]


# --- Import -------------------------------------------------------------------------------------------------------


@transaction.atomic
def start_import(actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Mark a valid batch for import; `run_import` does the writing. Refused unless every row is valid."""
    _require(actor)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status in (ImportBatch.Status.IMPORTING, ImportBatch.Status.IMPORTED):
        return batch
    if batch.status != ImportBatch.Status.VALID:
        raise ValidationError(_("Only a file where every row is valid can be imported. Correct the file first."))
    batch.status = ImportBatch.Status.IMPORTING
    batch.save(update_fields=["status"])
    return batch


class _RowFailed(Exception):
    def __init__(self, number: int, messages: list[str]):
        super().__init__(number, messages)
        self.number, self.messages = number, messages


def run_import(actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Write every family of a batch marked for import in ONE transaction (see the module docstring); a failure
    rolls everything back and marks the batch failed with the row and the reason."""
    _require(actor)
    started = timezone.now()
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if batch.status != ImportBatch.Status.IMPORTING:
                return batch  # imported already (a second click), or not marked for import
            _write(actor, batch, started)
            return batch
    except _RowFailed as failure:
        reason = _("Row %(row)s: %(problem)s") % {"row": failure.number, "problem": " ".join(failure.messages)}
    except PermissionError:
        reason = _("Your role does not allow this import.")
    batch.refresh_from_db()
    batch.status = ImportBatch.Status.FAILED
    batch.failure = reason
    batch.save(update_fields=["status", "failure"])
    record(actor, Action.CHANGE, batch, details={"import": "failed"})
    return batch


def _families(batch: ImportBatch) -> list[tuple[Row, list[Row]]]:
    patients: dict[str, Row] = {}
    children: dict[str, list[Row]] = defaultdict(list)
    for position, raw in enumerate(batch.rows):
        row = read_row(position + FIRST_ROW, raw)
        if row.role == PATIENT:
            patients[row.family] = row
        else:
            children[row.family].append(row)
    return [(patient, children[family]) for family, patient in patients.items()]


def _write(actor: Actor, batch: ImportBatch, started) -> None:
    members = {
        email.lower(): user_id
        for email, user_id in Membership.objects.filter(organisation=actor.organisation).values_list(
            "user__email", "user_id"
        )
    }
    patient_ids, episodes, children_linked = [], 0, 0
    for patient, children in _families(batch):
        responsible_id = members.get(patient.responsible.lower())
        if patient.responsible and responsible_id is None:
            raise _RowFailed(patient.number, [_("No member of your organisation has this e-mail address.")])
        try:
            episode = care.register_patient(actor, patient.person, episode_data(patient, responsible_id))
        except ValidationError as error:
            raise _RowFailed(patient.number, error.messages) from None
        answer = patient.children_answer or (ChildrenAnswer.HAS if children else ChildrenAnswer.NOT_ASKED)
        if answer != ChildrenAnswer.NOT_ASKED:
            inputs = [
                care.ChildInput(
                    person=child.person,
                    parental_responsibility=child.parental_responsibility,
                    lives_together=child.lives_together,
                )
                for child in children
            ]
            try:
                care.record_children_answer(
                    actor,
                    episode,
                    children_answer=answer,
                    siblings_answer=SiblingsAnswer.NOT_ASKED,
                    source=Episode.Source.RECORD,
                    children=inputs,
                )
            except ValidationError as error:
                raise _RowFailed(children[0].number if children else patient.number, error.messages) from None
            children_linked += len(inputs)
        patient_ids.append(episode.patient_id)
        episodes += 1
    batch.persons_created = Person.objects.filter(
        registered_by=actor.organisation, created_by=actor.user, created_at__gte=started
    ).count()
    batch.episodes_created = episodes
    batch.children_linked = children_linked
    batch.patient_ids = patient_ids
    batch.status = ImportBatch.Status.IMPORTED
    batch.imported_at = timezone.now()
    batch.save()
    purge(batch)
    record(
        actor,
        Action.CREATE,
        batch,
        details={
            "import": "done",
            "persons_created": batch.persons_created,
            "episodes": episodes,
            "children": children_linked,
        },
    )


def imported_patients(actor: Actor, batch: ImportBatch) -> QuerySet[Person]:
    """The patients of an import the actor may still see (the access rule decides), by name."""
    return visible_persons(actor).filter(pk__in=batch.patient_ids).order_by("family_name", "given_name", "id")


# --- Deleting files -----------------------------------------------------------------------------------------------


def purge(batch: ImportBatch) -> ImportBatch:
    """Delete the file content and the rows; an unimported batch expires."""
    batch.content = None
    batch.rows = []
    batch.purged_at = timezone.now()
    fields = ["content", "rows", "purged_at"]
    if batch.status != ImportBatch.Status.IMPORTED:
        batch.status = ImportBatch.Status.EXPIRED
        fields.append("status")
    batch.save(update_fields=fields)
    return batch


def purge_stale() -> int:
    """Delete the files of every batch past IMPORT_FILE_HOURS; the number of batches purged."""
    stale = list(ImportBatch.objects.stale().exclude(status=ImportBatch.Status.IMPORTING))
    for batch in stale:
        purge(batch)
    return len(stale)
