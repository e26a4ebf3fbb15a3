"""Imports from spreadsheets in the API: upload a CSV or XLSX file to have every row checked, read the report, and
import a file whose every row is valid. The same services and rules as the web pages (kindred.imports.services):
coordinators only, into their own organisation, one transaction, audited. The column set is described on the web
page /import/ and in the templates there."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from ninja import Field, File, Path, Router, Schema, Status, UploadedFile

from kindred.api_schemas import MAX_ID, errors
from kindred.imports import services
from kindred.imports.models import ImportBatch
from kindred.orgs.models import Capability

router = Router(tags=["imports"])

BatchId = Path[int, {"ge": 1, "le": MAX_ID, "description": "The import's id."}]


class ProblemOut(Schema):
    column: str = Field(description="The column (its English header name) the problem or note is about.")
    message: str = Field(description="What is wrong, or what the import will do, in the language of the request.")


class RowReportOut(Schema):
    row: int = Field(description="The row number as the spreadsheet shows it (the header row is 1).")
    problems: list[ProblemOut] = Field(description="Problems that stop the import; empty when the row is valid.")
    notes: list[ProblemOut] = Field(description="What the import will do differently, such as reuse a person.")


class ImportOut(Schema):
    id: int
    file_name: str
    file_format: str = Field(description="`csv` or `xlsx`, decided by the file's content.")
    status: str = Field(description="`checking`, `invalid`, `valid`, `importing`, `imported`, `failed` or `expired`.")
    status_label: str
    total_rows: int
    checked_rows: int
    problem_rows: int = Field(description="Rows with at least one problem; the file imports only when 0.")
    rows: list[RowReportOut] = Field(description="The rows with problems or notes, in row order; others are valid.")
    file_notes: list[str] = Field(description="Notes about the whole file, such as columns left out.")
    persons_created: int
    episodes_created: int
    children_linked: int
    patient_ids: list[int] = Field(description="The imported patients (persons), once imported.")
    failure: str = Field(description="Why the import failed (nothing was written); empty otherwise.")
    created_at: datetime
    imported_at: datetime | None
    file_deleted_at: datetime | None = Field(description="When the file's content was deleted.")

    @classmethod
    def of(cls, batch: ImportBatch) -> ImportOut:
        return cls(
            id=batch.pk,
            file_name=batch.file_name,
            file_format=batch.file_format,
            status=batch.status,
            status_label=str(batch.get_status_display()),
            total_rows=batch.total_rows,
            checked_rows=batch.checked_rows,
            problem_rows=batch.problem_rows,
            rows=[RowReportOut(**entry) for entry in services.report_rows(batch)],
            file_notes=batch.file_notes,
            persons_created=batch.persons_created,
            episodes_created=batch.episodes_created,
            children_linked=batch.children_linked,
            patient_ids=batch.patient_ids,
            failure=batch.failure,
            created_at=batch.created_at,
            imported_at=batch.imported_at,
            file_deleted_at=batch.purged_at,
        )


def _batch(request, batch_id: int) -> ImportBatch:
    if not services.may_import(request.actor):
        raise PermissionError(Capability.COORDINATE)
    return services.get_batch(request.actor, batch_id)


@router.post(
    "/imports",
    response={201: ImportOut, **errors(400)},
    summary="Upload a spreadsheet and check every row",
    description="Multipart form with `file`: a CSV (comma, semicolon or tab separated; UTF-8 or Windows-1252) or "
    "XLSX file, recognised by its content. For coordinators (403 otherwise). A file that cannot be read is refused "
    "with 422 and nothing is stored. Otherwise every row is checked at once and the answer holds the report: "
    "`status` is `valid` or `invalid`. Nothing is written to the records until POST /imports/{id}/import.",
)
def upload(request, file: File[UploadedFile]):
    actor = request.actor
    if not services.may_import(actor):
        raise PermissionError(Capability.COORDINATE)
    content = file.read(settings.IMPORT_MAX_BYTES + 1)
    batch = services.upload(actor, file.name or "upload", content)
    batch = services.check_all(actor, batch)
    return Status(201, ImportOut.of(batch))


@router.get(
    "/imports/{batch_id}",
    response={200: ImportOut, **errors(404)},
    summary="An upload's status and report",
    description="Only your own uploads in your active organisation (404 otherwise).",
)
def read_import(request, batch_id: BatchId):
    return ImportOut.of(_batch(request, batch_id))


@router.post(
    "/imports/{batch_id}/import",
    response={200: ImportOut, **errors(404)},
    summary="Import a checked file",
    description="Writes every patient, episode and child of a `valid` upload in one transaction, through the same "
    "use cases as the intake pages, each with its audit row. Refused (422) unless every row is valid. If the "
    "organisation's data changed since the check and a row is refused now, nothing is written and `status` is "
    "`failed` with the row in `failure`. The file's content is deleted after the import.",
)
def run_import(request, batch_id: BatchId) -> Any:
    actor = request.actor
    batch = _batch(request, batch_id)
    batch = services.start_import(actor, batch)
    return ImportOut.of(services.run_import(actor, batch))
