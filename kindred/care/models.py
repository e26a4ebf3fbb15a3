from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kindred.people.models import Person

# Child welfare confirms receipt of a concern report within three weeks.
CONCERN_FEEDBACK_DAYS = 21


class ChildrenAnswer(models.TextChoices):
    NOT_ASKED = "not_asked", _("Not yet asked")
    HAS = "has", _("Has minor children")
    NONE = "none", _("Has no minor children")
    DECLINED = "declined", _("Declined to answer")


class SiblingsAnswer(models.TextChoices):
    NOT_ASKED = "not_asked", _("Not yet asked")
    HAS = "has", _("Has minor siblings")
    NONE = "none", _("Has no minor siblings")
    DECLINED = "declined", _("Declined to answer")


class ProblemArea(models.TextChoices):
    ALCOHOL = "alcohol", _("Alcohol")
    DRUGS = "drugs", _("Drugs")
    MEDICINES = "medicines", _("Medicines")
    GAMBLING = "gambling", _("Gambling")
    MENTAL_HEALTH = "mental_health", _("Mental health")


class EpisodeQuerySet(models.QuerySet["Episode"]):
    def open(self) -> EpisodeQuerySet:
        return self.exclude(status=Episode.Status.DISCHARGED)


class Episode(models.Model):
    """A patient's or client's care episode at one organisation, with the children question."""

    class Kind(models.TextChoices):
        INPATIENT_DETOX = "inpatient_detox", _("Inpatient detoxification")
        INPATIENT_LONG_TERM = "inpatient_long_term", _("Inpatient long-term treatment")
        OUTPATIENT = "outpatient", _("Outpatient treatment")
        HOME_SERVICE = "home_service", _("Municipal home service")
        ALLOCATION = "allocation", _("Application to the allocation office")
        LOW_THRESHOLD = "low_threshold", _("Low-threshold service")
        RELATIVE = "relative", _("Help for a relative in their own right")

    class Status(models.TextChoices):
        INTAKE = "intake", _("Intake")
        ACTIVE = "active", _("In treatment")
        DISCHARGED = "discharged", _("Discharged")

    class Pregnancy(models.TextChoices):
        UNKNOWN = "unknown", _("Unknown")
        YES = "yes", _("Pregnant")
        NO = "no", _("Not pregnant")

    class ReferredBy(models.TextChoices):
        UNKNOWN = "", _("Not recorded")
        GP = "gp", _("General practitioner")
        SELF = "self", _("Self-referral")
        OTHER_SERVICE = "other_service", _("Another service")

    class Source(models.TextChoices):
        PATIENT = "patient", _("The patient")
        RECORD = "record", _("The record")
        OTHER = "other", _("Other source")

    patient = models.ForeignKey(Person, verbose_name=_("patient"), on_delete=models.PROTECT, related_name="episodes")
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="episodes"
    )
    kind = models.CharField(_("kind of episode"), max_length=24, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.INTAKE)
    started_on = models.DateField(_("start date"))
    ended_on = models.DateField(_("end date"), null=True, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible clinician"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsible_episodes",
    )
    child_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("child-responsible contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="child_contact_episodes",
    )
    problem_areas = models.JSONField(_("problem areas"), default=list, blank=True)
    # Relatives as patients: the client is the relative, linked to the person whose problem affects them.
    affected_by = models.ForeignKey(
        Person,
        verbose_name=_("the person whose problem affects the client"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="relative_episodes",
    )
    referred_by = models.CharField(_("referred by"), max_length=16, choices=ReferredBy.choices, blank=True)
    pregnancy = models.CharField(_("pregnancy"), max_length=8, choices=Pregnancy.choices, default=Pregnancy.UNKNOWN)
    due_date = models.DateField(_("due date"), null=True, blank=True)

    children_answer = models.CharField(
        _("minor children"), max_length=12, choices=ChildrenAnswer.choices, default=ChildrenAnswer.NOT_ASKED
    )
    siblings_answer = models.CharField(
        _("minor siblings"), max_length=12, choices=SiblingsAnswer.choices, default=SiblingsAnswer.NOT_ASKED
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answer_source = models.CharField(_("source of the answer"), max_length=8, choices=Source.choices, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("episode")
        verbose_name_plural = _("episodes")
        ordering = ["-started_on", "-id"]
        indexes = [
            # A unit's episodes by status with their ids and patients: the access rule, the children overview and
            # the unit's task count read them from the index alone on PostgreSQL (INCLUDE; other databases get
            # the two-column index).
            models.Index(fields=["organisation", "status"], include=["id", "patient"], name="episode_org_status_cover"),
            models.Index(fields=["organisation", "children_answer", "started_on"], name="episode_org_answer"),
            # Episodes still waiting for the children question, oldest first (a few among a unit's thousands).
            models.Index(
                fields=["organisation", "started_on", "id"],
                condition=models.Q(children_answer="not_asked") | models.Q(siblings_answer="not_asked"),
                name="episode_awaiting_answer",
            ),
            models.Index(fields=["responsible", "status"], name="episode_responsible"),
        ]

    def __str__(self) -> str:
        return f"{self.patient} · {self.get_kind_display()} · {self.started_on:%Y-%m-%d}"

    @property
    def audit_subject(self) -> Person:
        return self.patient

    @property
    def is_answered(self) -> bool:
        return self.children_answer != ChildrenAnswer.NOT_ASKED and self.siblings_answer != SiblingsAnswer.NOT_ASKED

    def problem_area_labels(self) -> list[str]:
        labels = dict(ProblemArea.choices)
        return [str(labels[p]) for p in self.problem_areas if p in labels]


class ChildSheetTemplate(models.Model):
    """A versioned set of child-sheet questions, per organisation (or the default) and language."""

    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="child_sheet_templates",
        help_text=_("Empty for the default used by every organisation without its own."),
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    sections = models.JSONField(
        _("sections"),
        help_text=_('A list of sections: {"key", "title", "questions": [{"key", "text", "help"}]}.'),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("child sheet template")
        verbose_name_plural = _("child sheet templates")
        ordering = ["organisation_id", "language", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "language", "version"], name="sheet_template_version"),
            models.UniqueConstraint(
                fields=["language", "version"],
                condition=models.Q(organisation__isnull=True),
                name="sheet_default_template_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version} ({self.language})"

    def questions(self) -> list[tuple[dict, dict]]:
        return [(section, q) for section in self.sections for q in section.get("questions", [])]

    def clean(self) -> None:
        from kindred.care.sheets import validate_sections

        validate_sections(self.sections)


class ChildSheet(models.Model):
    """The structured conversation with a parent about one child in one episode (Barnearket)."""

    class Concern(models.TextChoices):
        NONE = "none", _("No concern")
        SOME = "some", _("Some concern")
        SERIOUS = "serious", _("Serious concern")

    class Informer(models.TextChoices):
        UNDECIDED = "", _("Not decided")
        THIS_SERVICE = "this_service", _("This service")
        CHILD_WELFARE = "child_welfare", _("Child welfare")
        SCHOOL_HEALTH = "school_health", _("School health service")
        PARENT = "parent", _("The parent")
        OTHER = "other", _("Other")

    episode = models.ForeignKey(Episode, verbose_name=_("episode"), on_delete=models.CASCADE, related_name="sheets")
    child = models.ForeignKey(Person, verbose_name=_("child"), on_delete=models.PROTECT, related_name="child_sheets")
    template = models.ForeignKey(
        ChildSheetTemplate, verbose_name=_("questions version"), on_delete=models.PROTECT, related_name="sheets"
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    concern_level = models.CharField(_("concern level"), max_length=8, choices=Concern.choices, default=Concern.NONE)
    who_informs = models.CharField(_("who informs the child"), max_length=16, choices=Informer.choices, blank=True)
    discharge_summary = models.TextField(_("handover summary at discharge"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("child sheet")
        verbose_name_plural = _("child sheets")
        constraints = [models.UniqueConstraint(fields=["episode", "child"], name="one_sheet_per_child_episode")]

    def __str__(self) -> str:
        return f"{self.child} · {self.episode}"

    @property
    def audit_subject(self) -> Person:
        return self.child


class InformationGiven(models.Model):
    """A talk with, or information given to, a child; never the content of the child's talk."""

    class Form(models.TextChoices):
        TALK = "talk", _("Talk")
        LEAFLET = "leaflet", _("Leaflet or written material")
        GROUP = "group", _("Group")
        OTHER = "other", _("Other")

    episode = models.ForeignKey(
        Episode, verbose_name=_("episode"), on_delete=models.CASCADE, related_name="information_given"
    )
    child = models.ForeignKey(
        Person, verbose_name=_("child"), on_delete=models.PROTECT, related_name="information_received"
    )
    given_on = models.DateField(_("date"))
    form = models.CharField(_("form"), max_length=8, choices=Form.choices)
    present = models.CharField(_("who was present"), max_length=200, blank=True)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("information to the child")
        verbose_name_plural = _("information to children")
        ordering = ["-given_on", "-id"]

    def __str__(self) -> str:
        return f"{self.child} · {self.given_on}"

    @property
    def audit_subject(self) -> Person:
        return self.child


class TaskQuerySet(models.QuerySet["Task"]):
    def open(self) -> TaskQuerySet:
        return self.filter(status=Task.Status.OPEN)

    def overdue(self, today: date | None = None) -> TaskQuerySet:
        return self.open().filter(due_on__lt=today or timezone.localdate())


class Task(models.Model):
    """A follow-up task for a child or an episode, on someone's task list until done."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    episode = models.ForeignKey(Episode, verbose_name=_("episode"), on_delete=models.CASCADE, related_name="tasks")
    child = models.ForeignKey(
        Person, verbose_name=_("child"), null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    title = models.CharField(_("task"), max_length=200)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned to"), on_delete=models.PROTECT, related_name="tasks"
    )
    due_on = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["assignee", "status", "due_on"], name="task_assignee_due"),
            # A unit's open and overdue tasks: probed per episode of the unit instead of scanning every task.
            models.Index(fields=["episode", "status", "due_on"], name="task_episode_status_due"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_subject(self) -> Person:
        return self.child or self.episode.patient

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_on < timezone.localdate()


class ConcernReport(models.Model):
    """A concern report to child welfare (bekymringsmelding / underretning); lawful without consent."""

    class Basis(models.TextChoices):
        OWN_INITIATIVE = "own_initiative", _("Duty to notify on own initiative (helsepersonelloven §33)")
        ORDER = "order", _("Answer to an order from child welfare (helsepersonelloven §33)")
        DK_133 = "dk_133", _("Duty to notify the municipality (barnets lov §133)")

    class Feedback(models.TextChoices):
        NONE = "", _("No feedback yet")
        RECEIVED = "received", _("Receipt confirmed")
        INVESTIGATING = "investigating", _("Investigation opened")
        DROPPED = "dropped", _("Closed without investigation")

    episode = models.ForeignKey(
        Episode, verbose_name=_("episode"), on_delete=models.PROTECT, related_name="concern_reports"
    )
    child = models.ForeignKey(Person, verbose_name=_("child"), on_delete=models.PROTECT, related_name="concern_reports")
    recipient = models.CharField(_("child welfare service"), max_length=200)
    recipient_municipality = models.CharField(_("the child's municipality number"), max_length=4, blank=True)
    basis = models.CharField(_("legal basis"), max_length=16, choices=Basis.choices)
    reason = models.TextField(_("reason for concern"))
    parent_informed = models.BooleanField(_("the parent was told"))
    parent_not_informed_reason = models.TextField(_("why the parent was not told"), blank=True)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sender"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    forwarding_contact = models.CharField(_("the institution's forwarding contact"), max_length=200, blank=True)
    sent_on = models.DateField(_("date sent"))
    feedback_on = models.DateField(_("feedback received"), null=True, blank=True)
    feedback_status = models.CharField(_("feedback"), max_length=16, choices=Feedback.choices, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("concern report")
        verbose_name_plural = _("concern reports")
        ordering = ["-sent_on", "-id"]

    def __str__(self) -> str:
        return f"{self.child} → {self.recipient} ({self.sent_on})"

    @property
    def audit_subject(self) -> Person:
        return self.child

    @property
    def feedback_due_on(self) -> date:
        return self.sent_on + timedelta(days=CONCERN_FEEDBACK_DAYS)

    @property
    def feedback_overdue(self) -> bool:
        return self.feedback_on is None and timezone.localdate() > self.feedback_due_on


class ChildFollowUp(models.Model):
    """Where one child's follow-up stands in one episode: a summary row for the children overview.

    Derived, never edited: `kindred.care.follow_up.refresh_follow_up` recomputes an episode's rows from the facts
    (the parent's children, the child sheets, information given, concern reports) in the same transaction as every
    use case that changes them, so a unit's overview filters and sorts an indexed table instead of computing five
    subqueries for every child of every open episode. Overdue tasks change with the calendar and are counted when read.
    """

    episode = models.ForeignKey(Episode, verbose_name=_("episode"), on_delete=models.CASCADE, related_name="+")
    relationship = models.ForeignKey(
        "people.Relationship", verbose_name=_("relationship"), on_delete=models.CASCADE, related_name="+"
    )
    parent = models.ForeignKey(Person, verbose_name=_("parent"), on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(Person, verbose_name=_("child"), on_delete=models.CASCADE, related_name="+")
    has_sheet = models.BooleanField(_("child sheet"), default=False)
    informed = models.BooleanField(_("informed"), default=False)
    concern = models.CharField(_("concern level"), max_length=8, choices=ChildSheet.Concern.choices, null=True)
    concern_rank = models.PositiveSmallIntegerField(_("concern rank"), default=0)  # serious 2, some 1, else 0
    open_reports = models.PositiveIntegerField(_("open concern reports"), default=0)

    class Meta:
        verbose_name = _("child follow-up")
        verbose_name_plural = _("child follow-ups")
        constraints = [models.UniqueConstraint(fields=["episode", "child"], name="one_follow_up_per_child_episode")]

    def __str__(self) -> str:
        return f"{self.child} · {self.episode_id}"
