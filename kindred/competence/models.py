"""Staff competence: a catalogue of courses and seminars, staff enrolled in them, and who completed them."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kindred.orgs.models import Organisation


class CourseQuerySet(models.QuerySet["Course"]):
    def in_catalogue_of(self, organisation: Organisation | None) -> CourseQuerySet:
        """The courses an organisation's staff may see: those open to all, and the organisation's own."""
        if organisation is None:
            return self.none()
        return self.filter(models.Q(open_to_all=True, active=True) | models.Q(provider=organisation))


class Course(models.Model):
    """A course, seminar or e-learning module for staff, offered by a competence centre or an organisation."""

    class Kind(models.TextChoices):
        COURSE = "course", _("Course")
        SEMINAR = "seminar", _("Seminar")
        E_LEARNING = "e_learning", _("E-learning module")

    provider = models.ForeignKey(
        Organisation, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="courses"
    )
    key = models.SlugField(_("key"), max_length=50, blank=True, help_text=_("A short name for seeded courses."))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    discussion_tasks = models.TextField(
        _("discussion tasks"),
        max_length=5000,
        blank=True,
        help_text=_("Tasks to discuss with colleagues after each part, one per line."),
    )
    starts_on = models.DateField(_("first day"), null=True, blank=True)
    ends_on = models.DateField(_("last day"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    web = models.URLField(
        _("web address"), blank=True, validators=[RegexValidator(r"^https?://", _("Start with https://."))]
    )
    child_responsible_training = models.BooleanField(
        _("counts as the training for child-responsible staff"), default=False
    )
    valid_months = models.PositiveSmallIntegerField(
        _("months before it is due again"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text=_("Leave empty if the training never needs to be repeated."),
    )
    open_to_all = models.BooleanField(_("open to staff of every organisation"), default=True)
    active = models.BooleanField(_("open for enrolment"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["starts_on", "title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "key"], condition=~models.Q(key=""), name="course_unique_key"),
            models.CheckConstraint(
                condition=models.Q(starts_on__isnull=True)
                | models.Q(ends_on__isnull=True)
                | models.Q(starts_on__lte=models.F("ends_on")),
                name="course_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def discussion_task_list(self) -> list[str]:
        return [line.strip() for line in self.discussion_tasks.splitlines() if line.strip()]


class Enrolment(models.Model):
    """A staff member's place on a course, and its completion: when, and who recorded it."""

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="enrolments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="course_enrolments",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="course_enrolments",
        help_text=_("The organisation the staff member took the course for."),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ENROLLED)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("enrolled by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    enrolled_at = models.DateTimeField(_("enrolled"), auto_now_add=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    completion_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completion recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    completion_recorded_at = models.DateTimeField(_("completion recorded"), null=True, blank=True)

    class Meta:
        verbose_name = _("course enrolment")
        verbose_name_plural = _("course enrolments")
        ordering = ["course", "user__full_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "user"], name="course_enrolment_unique"),
            models.CheckConstraint(
                condition=~models.Q(status="completed") | models.Q(completed_on__isnull=False),
                name="course_enrolment_completed_has_date",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"], name="course_enrolment_org_status")]

    def __str__(self) -> str:
        return f"{self.user} · {self.course}"

    def due_on(self, valid_months: int | None) -> date | None:
        """When the training must be taken again; None when it never expires or is not completed."""
        if self.completed_on is None or not valid_months:
            return None
        return add_months(self.completed_on, valid_months)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31 January + 1 = 28/29 February)."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
