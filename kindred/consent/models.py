from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kindred.orgs.models import Organisation


class Category(models.TextChoices):
    """The parts of a person's information that a consent can cover."""

    CHILDREN = "children", _("The children's situation")
    EPISODE = "episode", _("Episode and problem areas")
    INSTRUMENTS = "instruments", _("Instrument results")
    PROGRAMMES = "programmes", _("Programme participation")


class ConsentQuerySet(models.QuerySet["Consent"]):
    def valid(self, on: date | None = None) -> ConsentQuerySet:
        """In force today: started, not expired, not revoked (a revocation ends it at once)."""
        on = on or timezone.localdate()
        return self.filter(revoked_at__isnull=True, valid_from__lte=on, valid_until__gte=on)

    def covering(self, organisation: Organisation) -> ConsentQuerySet:
        """Consents whose recipient is this organisation, by name or by kind (in its municipality)."""
        return self.filter(
            Q(recipient_organisation=organisation)
            | Q(
                recipient_organisation__isnull=True,
                recipient_kind=organisation.kind,
                recipient_municipality__in=["", organisation.municipality_number],
            )
        )


class Consent(models.Model):
    """A person's (or a guardian's) consent that one organisation may share some of their information."""

    class GivenBy(models.TextChoices):
        PERSON = "person", _("The person")
        GUARDIAN = "guardian", _("A guardian")

    class Form(models.TextChoices):
        VERBAL = "verbal", _("Verbal")
        WRITTEN = "written", _("Written")

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="consents"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("recorded at"), on_delete=models.PROTECT, related_name="consents_recorded"
    )
    given_by = models.CharField(_("given by"), max_length=10, choices=GivenBy.choices, default=GivenBy.PERSON)
    guardian_name = models.CharField(_("name of the guardian"), max_length=200, blank=True)
    categories = models.JSONField(_("information"), default=list)
    recipient_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("to the organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consents_received",
    )
    recipient_kind = models.CharField(
        _("or to services of the kind"), max_length=32, choices=Organisation.Kind.choices, blank=True
    )
    recipient_municipality = models.CharField(_("in the municipality"), max_length=4, blank=True)
    purpose = models.TextField(_("purpose"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    form = models.CharField(_("form"), max_length=8, choices=Form.choices)
    scan = models.FileField(_("scanned consent"), upload_to="consents/%Y/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_on = models.DateField(_("revocation date"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revocation recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-valid_from", "-id"]
        indexes = [models.Index(fields=["person", "valid_until"], name="consent_person_until")]

    def __str__(self) -> str:
        return f"{self.person} → {self.recipient_label}"

    @property
    def audit_subject(self):
        return self.person

    @property
    def recipient_label(self) -> str:
        if self.recipient_organisation_id:
            return self.recipient_organisation.name
        label = str(Organisation.Kind(self.recipient_kind).label) if self.recipient_kind else ""
        if self.recipient_municipality:
            return _("%(kind)s in municipality %(number)s") % {"kind": label, "number": self.recipient_municipality}
        return label

    def category_labels(self) -> list[str]:
        labels = dict(Category.choices)
        return [str(labels[c]) for c in self.categories if c in labels]

    @property
    def state(self) -> str:
        today = timezone.localdate()
        if self.revoked_at:
            return "revoked"
        if self.valid_until < today:
            return "expired"
        if self.valid_from > today:
            return "future"
        return "valid"

    def covers(self, organisation: Organisation) -> bool:
        if self.recipient_organisation_id:
            return self.recipient_organisation_id == organisation.pk
        return self.recipient_kind == organisation.kind and self.recipient_municipality in (
            "",
            organisation.municipality_number,
        )
