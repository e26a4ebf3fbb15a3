from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Instrument(models.Model):
    """One version of an instrument definition: built in (no organisation) or an organisation's own."""

    key = models.CharField(_("key"), max_length=41)
    version = models.PositiveIntegerField(_("version"))
    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="instruments",
        help_text=_("Empty for the built-in instruments."),
    )
    definition = models.JSONField(_("definition"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key", "version"], name="instrument_version"),
            models.UniqueConstraint(
                fields=["key", "version"],
                condition=models.Q(organisation__isnull=True),
                name="builtin_instrument_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"

    def parsed(self):
        from kindred.instruments.services import parsed_definition

        return parsed_definition(self)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from kindred.instruments.schema import DefinitionError, parse_definition

        try:
            parse_definition(self.definition, origin=self.key or "definition")
        except DefinitionError as error:
            raise ValidationError({"definition": str(error)}) from None


class Response(models.Model):
    """One filled-in instrument: by staff about a person, or anonymous (a self-test or a survey answer)."""

    instrument = models.ForeignKey(
        Instrument, verbose_name=_("instrument"), on_delete=models.PROTECT, related_name="responses"
    )
    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="instrument_responses",
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="instrument_responses",
    )
    episode = models.ForeignKey(
        "care.Episode",
        verbose_name=_("episode"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="instrument_responses",
    )
    campaign = models.ForeignKey(
        "surveys.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responses",
    )
    enrolment = models.ForeignKey(
        "programs.Enrolment",
        verbose_name=_("programme enrolment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measures",
    )
    answers = models.JSONField(_("answers"))
    scores = models.JSONField(_("scores"))
    zone = models.CharField(_("zone"), max_length=41, blank=True)
    zone_level = models.PositiveSmallIntegerField(_("zone level"), null=True, blank=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    background = models.JSONField(_("background answers"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    # Anonymous rows keep the day only: no time, no IP address, no account.
    answered_on = models.DateField(_("date"))
    created_at = models.DateTimeField(_("recorded"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["-answered_on", "-id"]
        indexes = [
            models.Index(fields=["person", "instrument", "answered_on"], name="response_person_history"),
            models.Index(fields=["campaign", "zone"], name="response_campaign_zone"),
            models.Index(fields=["instrument", "answered_on"], name="response_instrument_day"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.answered_on} {self.zone}"

    @property
    def audit_subject(self):
        return self.person
