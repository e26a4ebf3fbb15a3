"""How long Kindred keeps each kind of record, per organisation and per country, with documented defaults.

A rule gives a period in months, counted from the day a record was last in use (see `RecordType`); empty
means the records are kept until someone sets a period. The rule that applies to an organisation is, in
order: its own rule, the rule for its country (set by the operators in the Django admin), the built-in
default for its country, the built-in default. `manage.py apply_retention` deletes what is due.

Built-in defaults, and why:

- Clinical record: 10 years after the last episode of the patient at the organisation ended. Both
  countries ask for at least ten years after the last entry (Norway: Normen factsheet 25 on retention and
  deletion, pasientjournalforskriften; Denmark: journalføringsbekendtgørelsen § 15). In Norway the default
  is to keep the record: municipal substance-use services must preserve their records for the archives
  (Riksarkivarens forskrift § 7-29) and specialist services deposit them with Norsk helsearkiv, so Kindred
  deletes Norwegian clinical records only after the organisation has set a period from its archive plan.
  No rule may be shorter than ten years.
- Relatives' programme data: 5 years after the run finished or the participant's enrolment ended, long
  enough for follow-up and for the organisation's yearly reports to be compared.
- Self-referrals never converted: 12 months after they were closed (or received, if never closed). They
  hold the contact details of people who did not become clients.
- Anonymous self-test and survey answers: 5 years after they were given; they identify nobody, but keeping
  them for ever serves no purpose.
- Access log: 10 years, as long as the shortest clinical record, so a person can always see who looked at a
  record that still exists (pasientjournalloven § 22). Never shorter than two years.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kindred.orgs.models import Organisation


class RecordType(models.TextChoices):
    """The kinds of record a retention rule is about, and the day each is counted from."""

    CLINICAL = "clinical", _("Clinical record")
    PROGRAMME = "programme", _("Relatives' programme data")
    SELF_REFERRAL = "self_referral", _("Self-referrals never converted")
    ANONYMOUS = "anonymous", _("Anonymous self-test and survey answers")
    ACCESS_LOG = "access_log", _("Access log")


DESCRIPTIONS: dict[str, str] = {
    RecordType.CLINICAL: _(
        "Episodes with their child sheets, information to the children, follow-up tasks, concern reports and "
        "instrument results, counted from the day the patient's last episode at the organisation ended. "
        "Open episodes are never deleted. The persons themselves are kept."
    ),
    RecordType.PROGRAMME: _(
        "Enrolments with attendance and session notes, and participants with no other enrolment, counted from "
        "the last session of a finished or cancelled run, or the day an enrolment ended."
    ),
    RecordType.SELF_REFERRAL: _(
        "Self-referrals that never became an episode or an enrolment, counted from the day they were closed, "
        "or received if they were never closed."
    ),
    RecordType.ANONYMOUS: _("Anonymous self-test and survey answers, counted from the day they were given."),
    RecordType.ACCESS_LOG: _(
        "Who read, changed or exported personal data, counted from the day it happened. Deleting other records "
        "never deletes their access log."
    ),
}

# Months; None keeps the records until a period is set.
DEFAULT_MONTHS: dict[str, int | None] = {
    RecordType.CLINICAL: 120,
    RecordType.PROGRAMME: 60,
    RecordType.SELF_REFERRAL: 12,
    RecordType.ANONYMOUS: 60,
    RecordType.ACCESS_LOG: 120,
}
COUNTRY_DEFAULT_MONTHS: dict[str, dict[str, int | None]] = {
    Organisation.Country.NORWAY: {RecordType.CLINICAL: None},
    Organisation.Country.DENMARK: {RecordType.CLINICAL: 120},
}
# No rule may be shorter than this (months).
MINIMUM_MONTHS: dict[str, int] = {
    RecordType.CLINICAL: 120,
    RecordType.PROGRAMME: 1,
    RecordType.SELF_REFERRAL: 1,
    RecordType.ANONYMOUS: 1,
    RecordType.ACCESS_LOG: 24,
}
MAXIMUM_MONTHS = 1200


class RetentionRule(models.Model):
    """How long one kind of record is kept: by one organisation, or by every organisation in a country."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="retention_rules",
        help_text=_("Empty for a rule for every organisation in the country."),
    )
    country = models.CharField(
        _("country"),
        max_length=2,
        choices=Organisation.Country.choices,
        blank=True,
        help_text=_("Only for a rule without an organisation."),
    )
    record_type = models.CharField(_("kind of record"), max_length=16, choices=RecordType.choices)
    months = models.PositiveSmallIntegerField(
        _("months kept"), null=True, blank=True, help_text=_("Empty: kept until a period is set.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["organisation__name", "country", "record_type"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(organisation__isnull=False, country=""))
                | (models.Q(organisation__isnull=True) & ~models.Q(country="")),
                name="retention_rule_org_or_country",
            ),
            models.UniqueConstraint(
                fields=["organisation", "record_type"],
                condition=models.Q(organisation__isnull=False),
                name="retention_rule_unique_org",
            ),
            models.UniqueConstraint(
                fields=["country", "record_type"],
                condition=models.Q(organisation__isnull=True),
                name="retention_rule_unique_country",
            ),
        ]

    def __str__(self) -> str:
        holder = self.organisation.name if self.organisation_id else self.get_country_display()
        return f"{holder} · {self.get_record_type_display()}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if bool(self.organisation_id) == bool(self.country):
            raise ValidationError({"__all__": _("A rule is either for one organisation or for one country.")})
        if self.months is not None:
            minimum = MINIMUM_MONTHS.get(self.record_type, 1)
            if not minimum <= self.months <= MAXIMUM_MONTHS:
                raise ValidationError(
                    {
                        "months": _("Between %(minimum)s and %(maximum)s months for this kind of record.")
                        % {"minimum": minimum, "maximum": MAXIMUM_MONTHS}
                    }
                )
