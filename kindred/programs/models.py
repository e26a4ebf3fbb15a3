"""Programmes for relatives: templates, runs with their sessions, participants, enrolment and attendance."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kindred.directory.models import Relation
from kindred.directory.models import phone_validator as phone_validator
from kindred.orgs.models import Organisation


class SessionForm(models.TextChoices):
    """What a leader records for each participant in a session of a one-to-one programme."""

    NOTE = "", _("Free note")
    STRESSES = "stresses", _("Stresses and strain")
    INFORMATION = "information", _("Information given")
    COPING = "coping", _("Coping: position, pros and cons, chosen strategies")
    NETWORK = "network", _("Social support: network map")
    NEEDS = "needs", _("Further needs and referral")


class ProgrammeTemplate(models.Model):
    """A programme as designed: its sessions, size and rules. Built-in ones are shared; organisations copy and edit."""

    class Kind(models.TextChoices):
        BRIEF_INTERVENTION = "brief_intervention", _("Brief intervention")
        SELF_HELP_GROUP = "self_help_group", _("Self-help group")
        MEETING_PLACE = "meeting_place", _("Themed meeting place")
        COURSE = "course", _("Course or seminar")
        CHILDREN_GROUP = "children_group", _("Children's group")
        PARENT_CHILD_GROUP = "parent_child_group", _("Parent-and-child group")

    class Delivery(models.TextChoices):
        INDIVIDUAL = "individual", _("One-to-one")
        GROUP = "group", _("Group")
        EITHER = "either", _("One-to-one or group")

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="programme_templates",
    )
    key = models.SlugField(_("built-in key"), max_length=50, blank=True)
    based_on = models.ForeignKey(
        "self", verbose_name=_("based on"), null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    audience = models.CharField(_("for whom"), max_length=300, blank=True)
    delivery = models.CharField(_("delivery"), max_length=12, choices=Delivery.choices, default=Delivery.GROUP)
    interval_days = models.PositiveSmallIntegerField(
        _("days between sessions"), default=7, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    sessions = models.JSONField(
        _("sessions"), default=list, help_text=_("One entry per session: title, description, form.")
    )
    min_participants = models.PositiveSmallIntegerField(_("fewest participants"), default=1)
    max_participants = models.PositiveSmallIntegerField(
        _("most participants"), default=8, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    pre_interview = models.BooleanField(_("pre-interview before joining"), default=False)
    drop_in = models.BooleanField(_("drop-in, counted by head without names"), default=False)
    peer_leader = models.BooleanField(_("led by a peer with own experience"), default=False)
    free = models.BooleanField(_("free of charge"), default=True)
    completion_min_sessions = models.PositiveSmallIntegerField(
        _("sessions attended to complete"), default=1, validators=[MinValueValidator(1)]
    )
    measures = models.JSONField(_("baseline and end measures"), default=list, blank=True)
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("programme template")
        verbose_name_plural = _("programme templates")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=models.Q(organisation__isnull=True), name="programme_builtin_key"
            ),
            models.CheckConstraint(
                condition=models.Q(min_participants__lte=models.F("max_participants")), name="programme_size"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_builtin(self) -> bool:
        return self.organisation_id is None


class RunQuerySet(models.QuerySet["Run"]):
    def led_by(self, user) -> RunQuerySet:
        return self.filter(leaders=user)


class Run(models.Model):
    """One run of a programme: its leaders, place, capacity and dated sessions."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        FINISHED = "finished", _("Finished")
        CANCELLED = "cancelled", _("Cancelled")

    template = models.ForeignKey(
        ProgrammeTemplate, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="runs"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="runs"
    )
    title = models.CharField(_("title"), max_length=200)
    leaders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("leaders"), related_name="led_runs", blank=True
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    online = models.BooleanField(_("online"), default=False)
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=8, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    starts_on = models.DateField(_("first session"))
    start_time = models.TimeField(_("time"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("minutes per session"), default=120, validators=[MinValueValidator(10), MaxValueValidator(600)]
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RunQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme run")
        verbose_name_plural = _("programme runs")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["organisation", "status", "starts_on"], name="run_org_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_drop_in(self) -> bool:
        return self.template.drop_in


class Session(models.Model):
    """One dated session (evening, gathering, talk) of a run."""

    run = models.ForeignKey(Run, verbose_name=_("run"), on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    form = models.CharField(_("what is recorded"), max_length=12, choices=SessionForm.choices, blank=True)
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("time"))
    cancelled = models.BooleanField(_("cancelled"), default=False)
    head_count = models.PositiveSmallIntegerField(
        _("head count"), null=True, blank=True, validators=[MaxValueValidator(5000)]
    )
    reminded_at = models.DateTimeField(_("reminders sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["run", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="session_unique_number")]
        indexes = [models.Index(fields=["date", "reminded_at"], name="session_reminders")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title} ({self.date:%Y-%m-%d})"


class Participant(models.Model):
    """A person taking part: a client in Kindred, or a relative known only by a pseudonym and a way to reach them.

    Participants are held by one organisation and never found through the person search: a pseudonymous
    participant is not a Person at all."""

    class Channel(models.TextChoices):
        NONE = "", _("No reminders")
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("Text message")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="participants"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name or pseudonym"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    email = models.EmailField(_("e-mail"), blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"), null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    relation = models.CharField(
        _("relation to the person with the problem"), max_length=16, choices=Relation.choices, blank=True
    )
    reminders = models.CharField(_("reminders by"), max_length=8, choices=Channel.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_subject(self):
        return self.person


class Enrolment(models.Model):
    """A participant's place in a run: from pre-interview or waiting list to completion."""

    class Status(models.TextChoices):
        INTERVIEW = "interview", _("Awaiting pre-interview")
        WAITING = "waiting", _("On the waiting list")
        ENROLLED = "enrolled", _("Enrolled")
        COMPLETED = "completed", _("Completed")
        NOT_COMPLETED = "not_completed", _("Did not complete")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        REFERRED = "referred", _("Better helped elsewhere")

    class Outcome(models.TextChoices):
        SUITABLE = "suitable", _("Suitable")
        ELSEWHERE = "elsewhere", _("Better helped elsewhere")

    ACTIVE = (Status.INTERVIEW, Status.WAITING, Status.ENROLLED)

    run = models.ForeignKey(Run, verbose_name=_("run"), on_delete=models.CASCADE, related_name="enrolments")
    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.PROTECT, related_name="enrolments"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    interview_on = models.DateField(_("pre-interview date"), null=True, blank=True)
    interview_outcome = models.CharField(_("pre-interview outcome"), max_length=12, choices=Outcome.choices, blank=True)
    interview_note = models.TextField(_("pre-interview note"), max_length=2000, blank=True)
    referred_to = models.CharField(_("referred to"), max_length=200, blank=True)
    referred_offer = models.ForeignKey(
        "directory.HelpOffer",
        verbose_name=_("referred to offer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    waiting_since = models.DateTimeField(_("on the waiting list since"), null=True, blank=True)
    enrolled_at = models.DateTimeField(_("enrolled"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    end_reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["run", "participant__name", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "participant"], name="enrolment_unique")]
        indexes = [models.Index(fields=["run", "status", "waiting_since"], name="enrolment_run_status")]

    def __str__(self) -> str:
        return f"{self.participant} · {self.run}"

    @property
    def audit_subject(self):
        return self.participant.person

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Absent with notice")

    session = models.ForeignKey(Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendance")
    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="attendance"
    )
    status = models.CharField(_("attendance"), max_length=8, choices=Status.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "enrolment"], name="attendance_unique")]

    def __str__(self) -> str:
        return f"{self.enrolment.participant} · {self.session} · {self.get_status_display()}"


class SessionEvaluation(models.Model):
    """A participant's short, anonymous evaluation of one session, as typed in by the leader or given on paper."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="evaluations"
    )
    rating = models.PositiveSmallIntegerField(
        _("how useful was the session (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("session evaluation")
        verbose_name_plural = _("session evaluations")

    def __str__(self) -> str:
        return f"{self.session} · {self.rating}"


class SessionNote(models.Model):
    """What the leader recorded with one participant in one session of a one-to-one programme.

    `data` follows the session's form: coping {position, pros, cons, strategies}; network {persons: [{who,
    support}]}; needs {needs, referral}; the others {text}."""

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="notes"
    )
    session = models.ForeignKey(Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="notes")
    data = models.JSONField(_("content"), default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("session note")
        verbose_name_plural = _("session notes")
        constraints = [models.UniqueConstraint(fields=["enrolment", "session"], name="sessionnote_unique")]

    def __str__(self) -> str:
        return f"{self.enrolment} · {self.session}"

    @property
    def audit_subject(self):
        return self.enrolment.participant.person
