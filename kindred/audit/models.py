from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit row."""


class AccessLogQuerySet(models.QuerySet["AccessLog"]):
    def update(self, **kwargs):
        raise AppendOnlyError("The access log is append-only.")

    def delete(self):
        raise AppendOnlyError("The access log is append-only.")

    def about(self, person) -> AccessLogQuerySet:
        return self.filter(subject=person)

    def expire(self, before) -> int:
        """Delete the rows of this queryset logged before `before`; the number deleted.

        The one way rows ever leave the log: the access-log retention rule (kindred.retention) calls it.
        Rows younger than ACCESS_LOG_MINIMUM_DAYS are never deleted, whatever the caller asks."""
        from datetime import timedelta

        if before > timezone.now() - timedelta(days=ACCESS_LOG_MINIMUM_DAYS):
            raise AppendOnlyError(f"Access-log rows are kept for at least {ACCESS_LOG_MINIMUM_DAYS} days.")
        return models.QuerySet.delete(self.filter(at__lt=before))[0]


# A safety net under the retention rules (which keep the log at least two years, kindred/retention/models.py):
# no caller can delete rows younger than this.
ACCESS_LOG_MINIMUM_DAYS = 365


class AccessLog(models.Model):
    """One access to personal data or one sign-in event; append-only."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        CREATE = "create", _("Created")
        CHANGE = "change", _("Changed")
        DELETE = "delete", _("Deleted")
        EXPORT = "export", _("Exported")
        LOGIN = "login", _("Logged in")
        FAILED_LOGIN = "failed_login", _("Failed login")
        LOGOUT = "logout", _("Logged out")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Snapshot of who it was, kept even if the account is later removed.
    user_label = models.CharField(_("user name"), max_length=254, blank=True)
    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=32, blank=True)
    subject = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_log",
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    via = models.CharField(_("channel"), max_length=8, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["subject", "-at"], name="accesslog_subject_at"),
            models.Index(fields=["user", "-at"], name="accesslog_user_at"),
            models.Index(fields=["organisation", "-at"], name="accesslog_org_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_label} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The access log is append-only.")

    @property
    def audit_subject(self):
        """Reading a row of a person's access log (FHIR AuditEvent) is an access to that person's data."""
        return self.subject
