"""Forums: recurring meetings of a network (a child-responsible forum, a resource group, a national network of
therapists), with agenda, minutes, attendance and shared documents. Minutes never hold personal data of clients."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kindred.orgs.models import Organisation


class MeetingSeriesQuerySet(models.QuerySet["MeetingSeries"]):
    def of_organisation(self, organisation: Organisation | None) -> MeetingSeriesQuerySet:
        """The series of the networks the organisation is a member of: the only ones its staff may see."""
        if organisation is None:
            return self.none()
        return self.filter(network__memberships__organisation=organisation)


class MeetingSeries(models.Model):
    """A recurring meeting of a network: its schedule, place and purpose."""

    class Recurrence(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        TWICE_A_HALF_YEAR = "twice_half_year", _("Twice a half-year")
        CUSTOM = "custom", _("Chosen dates")

    network = models.ForeignKey(
        "networks.Network", verbose_name=_("network"), on_delete=models.CASCADE, related_name="meeting_series"
    )
    organiser = models.ForeignKey(
        Organisation, verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="organised_meeting_series"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("purpose"), max_length=2000, blank=True)
    recurrence = models.CharField(_("recurrence"), max_length=16, choices=Recurrence.choices)
    start_time = models.TimeField(_("time"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("minutes"), default=90, validators=[MinValueValidator(10), MaxValueValidator(600)]
    )
    place = models.CharField(_("place or video link"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = MeetingSeriesQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class Meeting(models.Model):
    """One dated meeting of a series, with its agenda and minutes."""

    series = models.ForeignKey(
        MeetingSeries, verbose_name=_("meeting series"), on_delete=models.CASCADE, related_name="meetings"
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("time"))
    place = models.CharField(_("place or video link"), max_length=300, blank=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    agenda = models.TextField(_("agenda"), max_length=10000, blank=True)
    minutes = models.TextField(_("minutes"), max_length=50000, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["date", "start_time", "id"]
        indexes = [models.Index(fields=["series", "date"], name="meeting_series_date")]

    def __str__(self) -> str:
        return f"{self.series} {self.date:%Y-%m-%d}"


class MeetingAttendance(models.Model):
    """A staff member of a member organisation who attended a meeting."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting attendance")
        verbose_name_plural = _("meeting attendance")
        ordering = ["organisation__name", "user__full_name", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="meeting_attendance_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.meeting}"


class SharedDocument(models.Model):
    """A document shared with a meeting: a titled link."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(
        _("link"), max_length=500, validators=[RegexValidator(r"^https?://", _("Start with https://."))]
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("shared document")
        verbose_name_plural = _("shared documents")
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return self.title
