from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kindred.orgs.models import Organisation


class Referral(models.Model):
    """A referral of a person (and optionally their children) from one organisation to another."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        RECEIVED = "received", _("Received")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("Normal")
        URGENT = "urgent", _("Urgent")

    class DeclineReason(models.TextChoices):
        NONE = "", _("—")
        NOT_OUR_SERVICE = "not_our_service", _("Not our service")
        NO_CAPACITY = "no_capacity", _("No capacity")
        MISSING_INFORMATION = "missing_information", _("Missing information")
        PERSON_DECLINED = "person_declined", _("The person declined")
        OTHER = "other", _("Other")

    # Statuses in which the receiver may see the person (under the consent).
    ACCESS_STATUSES = (Status.ACCEPTED,)
    OPEN_STATUSES = (Status.SENT, Status.RECEIVED, Status.ACCEPTED)

    from_organisation = models.ForeignKey(
        Organisation, verbose_name=_("from"), on_delete=models.PROTECT, related_name="referrals_sent"
    )
    to_organisation = models.ForeignKey(
        Organisation, verbose_name=_("to"), on_delete=models.PROTECT, related_name="referrals_received"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="referrals"
    )
    children = models.ManyToManyField("people.Person", verbose_name=_("children"), blank=True, related_name="+")
    consent = models.ForeignKey(
        "consent.Consent",
        verbose_name=_("consent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    categories = models.JSONField(_("information shared"), default=list)
    reason = models.TextField(_("reason"))
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    contact_person = models.CharField(_("contact person"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    decline_reason = models.CharField(
        _("reason for declining"), max_length=24, choices=DeclineReason.choices, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["to_organisation", "status"], name="referral_inbox"),
            models.Index(fields=["from_organisation", "status"], name="referral_outbox"),
        ]

    def __str__(self) -> str:
        return f"{self.from_organisation} → {self.to_organisation} ({self.get_status_display()})"

    @property
    def audit_subject(self):
        return self.person


class ReferralEvent(models.Model):
    """One step of a referral's status workflow: who, when, and the note."""

    referral = models.ForeignKey(Referral, verbose_name=_("referral"), on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("status"), max_length=12, choices=Referral.Status.choices)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.status}"


class Consultation(models.Model):
    """Advice asked of another organisation's team on a difficult case ("sparring"); anonymous without consent."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for an answer")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    from_organisation = models.ForeignKey(
        Organisation, verbose_name=_("from"), on_delete=models.PROTECT, related_name="consultations_asked"
    )
    to_organisation = models.ForeignKey(
        Organisation, verbose_name=_("to"), on_delete=models.PROTECT, related_name="consultations_received"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    question = models.TextField(_("question"))
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    consent = models.ForeignKey(
        "consent.Consent",
        verbose_name=_("consent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_subject(self):
        return self.person


class ConsultationReply(models.Model):
    """One message in a consultation's thread."""

    consultation = models.ForeignKey(
        Consultation, verbose_name=_("consultation"), on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.consultation_id}: {self.created_at:%Y-%m-%d}"


class ChildAgreement(models.Model):
    """Who does what for a child, agreed between the services involved, so work is not done twice."""

    class Task(models.TextChoices):
        INFORMATION = "information", _("Age-appropriate information to the child")
        TALKS = "talks", _("Talks with the child")
        SCHOOL = "school", _("Follow-up at kindergarten or school")
        CHILD_WELFARE_CONTACT = "child_welfare_contact", _("Contact with child welfare")
        OTHER = "other", _("Other")

    child = models.ForeignKey(
        "people.Person", verbose_name=_("child"), on_delete=models.PROTECT, related_name="agreements"
    )
    task = models.CharField(_("task"), max_length=24, choices=Task.choices)
    responsible_organisation = models.ForeignKey(
        Organisation, verbose_name=_("responsible service"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by_organisation = models.ForeignKey(
        Organisation, verbose_name=_("recorded by service"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("who-does-what agreement")
        verbose_name_plural = _("who-does-what agreements")
        ordering = ["task", "id"]
        constraints = [models.UniqueConstraint(fields=["child", "task"], name="one_agreement_per_child_task")]

    def __str__(self) -> str:
        return f"{self.child}: {self.get_task_display()} → {self.responsible_organisation}"

    @property
    def audit_subject(self):
        return self.child


class Notification(models.Model):
    """An in-app message for one user or a whole organisation. Never holds personal data: text and a link."""

    class Kind(models.TextChoices):
        REFERRAL = "referral", _("Referral")
        CONSULTATION = "consultation", _("Consultation")
        CONSENT_EXPIRING = "consent_expiring", _("Consent about to expire")
        CONCERN_FEEDBACK = "concern_feedback", _("Concern report feedback overdue")
        SELF_REFERRAL = "self_referral", _("Self-referral")
        WAITING_LIST = "waiting_list", _("Place in a programme")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="notifications"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    message = models.CharField(_("message"), max_length=200)
    url = models.CharField(_("link"), max_length=200)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    dedupe_key = models.CharField(max_length=100, blank=True, db_index=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "user", "read_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.message
