"""An uploaded spreadsheet of patients, episodes and children, its validation report and its import."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def file_hours() -> int:
    """How long an uploaded file (and the rows read from it) is kept when it is not imported."""
    return settings.IMPORT_FILE_HOURS


class ImportBatchQuerySet(models.QuerySet["ImportBatch"]):
    def of(self, actor) -> ImportBatchQuerySet:
        """The actor's own uploads in the active organisation: a file is seen only by the one who uploaded it."""
        if actor.membership is None or actor.user is None:
            return self.none()
        return self.filter(organisation=actor.organisation, created_by=actor.user)

    def stale(self) -> ImportBatchQuerySet:
        """Uploads still holding file content or rows after the time limit."""
        cutoff = timezone.now() - timedelta(hours=file_hours())
        return self.filter(created_at__lt=cutoff, purged_at__isnull=True)


class ImportBatch(models.Model):
    """One uploaded CSV or XLSX file: status, counts and the row-by-row report; the file itself is deleted after
    the import or after IMPORT_FILE_HOURS."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class Status(models.TextChoices):
        CHECKING = "checking", _("Being checked")
        INVALID = "invalid", _("Has problems")
        VALID = "valid", _("Ready to import")
        IMPORTING = "importing", _("Importing")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Import failed")
        EXPIRED = "expired", _("Expired")

    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="import_batches"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="import_batches",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=200)
    file_format = models.CharField(_("file format"), max_length=4, choices=Format.choices)
    file_size = models.PositiveIntegerField(_("file size (bytes)"))
    # Personal data: emptied after the import or the time limit (purged_at says when).
    content = models.BinaryField(_("file content"), null=True, blank=True)
    rows = models.JSONField(_("rows read from the file"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.CHECKING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    checked_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    problem_rows = models.PositiveIntegerField(_("rows with problems"), default=0)
    # {"<row number>": {"problems": [{"column", "message"}], "notes": [{"column", "message"}]}}; no file values.
    report = models.JSONField(_("report"), default=dict, blank=True)
    # Notes about the whole file, such as columns that were not recognised and are left out.
    file_notes = models.JSONField(_("notes about the file"), default=list, blank=True)
    persons_created = models.PositiveIntegerField(_("persons created"), default=0)
    episodes_created = models.PositiveIntegerField(_("episodes created"), default=0)
    children_linked = models.PositiveIntegerField(_("children linked"), default=0)
    patient_ids = models.JSONField(_("imported patients"), default=list, blank=True)
    failure = models.TextField(_("why the import failed"), blank=True)
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)
    purged_at = models.DateTimeField(_("file deleted"), null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "created_by", "-created_at"], name="importbatch_owner")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def percent_checked(self) -> int:
        return 100 if not self.total_rows else round(100 * self.checked_rows / self.total_rows)

    @property
    def expires_at(self):
        return self.created_at + timedelta(hours=file_hours())

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.IMPORTED, self.Status.EXPIRED)
