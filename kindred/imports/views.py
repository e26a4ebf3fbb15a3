"""Pages for imports from spreadsheets under /import/: upload, the preview with the row-by-row report and the
progress while a file is checked and imported (see kindred.imports.services for the steps).

The progress bars use htmx: the checking page asks /check/ for the next step until every row is checked, and the
import page asks /run/ once to write the file. Without JavaScript, a button does the same in one request."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kindred.audit.services import Action, record_many
from kindred.forms import apply_errors
from kindred.imports import services
from kindred.imports.columns import COLUMNS, vocabulary
from kindred.imports.forms import UploadForm
from kindred.imports.models import ImportBatch
from kindred.imports.reader import XLSX_MEDIA_TYPE
from kindred.imports.reader import template_csv as make_csv
from kindred.imports.reader import template_xlsx as make_xlsx
from kindred.orgs.decorators import requires
from kindred.orgs.models import Capability
from kindred.paging import OneQueryPaginator

CHOICE_COLUMNS = ("role", "sex", "episode_kind", "problem_areas", "pregnancy", "children_answer")
CHOICE_COLUMNS += ("parental_responsibility", "lives_together")


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _may_import(request) -> None:
    if not services.may_import(request.actor):
        raise PermissionDenied


def _columns() -> list[dict]:
    rows = {"all": _("All rows"), "patient": _("Patient rows"), "child": _("Child rows")}
    return [
        {
            "column": column,
            "rows": rows[column.rows],
            "values": sorted(set(vocabulary(column.key).values())) if column.key in CHOICE_COLUMNS else [],
        }
        for column in COLUMNS
    ]


@requires(Capability.COORDINATE)
def upload(request):
    _may_import(request)
    posted = request.method == "POST"
    form = UploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        # One byte over the limit is enough for the service to refuse a too-large file.
        content = upload.read(settings.IMPORT_MAX_BYTES + 1)
        try:
            batch = services.upload(request.actor, upload.name, content)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect("imports:batch", pk=batch.pk)
    context = {
        "form": form,
        "columns": _columns(),
        "recent": services.batches_of(request.actor).defer("content", "rows", "report")[:10],
        "max_mb": round(settings.IMPORT_MAX_BYTES / 1024 / 1024, 1),
        "max_rows": settings.IMPORT_MAX_ROWS,
    }
    return render(request, "imports/upload.html", context)


@requires(Capability.COORDINATE)
def template_csv(request):
    _may_import(request)
    response = HttpResponse(make_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="kindred-import.csv"'
    return response


@requires(Capability.COORDINATE)
def template_xlsx(request):
    _may_import(request)
    response = HttpResponse(make_xlsx(), content_type=XLSX_MEDIA_TYPE)
    response["Content-Disposition"] = 'attachment; filename="kindred-import.xlsx"'
    return response


@requires(Capability.COORDINATE)
def batch(request, pk: int):
    _may_import(request)
    batch = services.get_batch(request.actor, pk)
    context = {"batch": batch, "Status": ImportBatch.Status}
    if batch.status in (ImportBatch.Status.INVALID, ImportBatch.Status.VALID, ImportBatch.Status.FAILED):
        report = services.report_rows(batch)
        context["report"] = report
        context["problem_report"] = [entry for entry in report if entry["problems"]]
        context["notes_report"] = [entry for entry in report if entry["notes"] and not entry["problems"]]
        context["preview"] = [
            (row, row.labels(), batch.report.get(str(row.number), {}).get("problems", []))
            for row in services.preview(batch)
        ]
    if batch.status == ImportBatch.Status.IMPORTED:
        page = OneQueryPaginator(services.imported_patients(request.actor, batch), 50).get_page(request.GET.get("page"))
        record_many(request.actor, Action.VIEW, list(page.object_list), object_type="people.person")
        context["page"] = page
    return render(request, "imports/batch.html", context)


def _progress(request, batch: ImportBatch):
    """The next htmx step, or a full page load when the batch has left the step (htmx follows HX-Redirect)."""
    url = reverse("imports:batch", args=[batch.pk])
    if _is_htmx(request):
        if batch.status in (ImportBatch.Status.CHECKING,):
            return render(request, "imports/includes/checking.html", {"batch": batch})
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@require_POST
@requires(Capability.COORDINATE)
def check(request, pk: int):
    _may_import(request)
    batch = services.get_batch(request.actor, pk, action=Action.VIEW)
    if _is_htmx(request):
        services.check_step(request.actor, batch)
    else:
        services.check_all(request.actor, batch)
    return _progress(request, batch)


@require_POST
@requires(Capability.COORDINATE)
def check_again(request, pk: int):
    _may_import(request)
    batch = services.get_batch(request.actor, pk)
    try:
        services.check_again(request.actor, batch)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return redirect("imports:batch", pk=batch.pk)


@require_POST
@requires(Capability.COORDINATE)
def start(request, pk: int):
    _may_import(request)
    batch = services.get_batch(request.actor, pk)
    try:
        services.start_import(request.actor, batch)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return redirect("imports:batch", pk=batch.pk)


@require_POST
@requires(Capability.COORDINATE)
def run(request, pk: int):
    _may_import(request)
    batch = services.get_batch(request.actor, pk)
    batch = services.run_import(request.actor, batch)
    if batch.status == ImportBatch.Status.IMPORTED:
        messages.success(request, _("The file is imported."))
    return _progress(request, batch)
