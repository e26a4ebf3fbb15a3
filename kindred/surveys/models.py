from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Campaign(models.Model):
    """An anonymous survey: instruments plus background questions, open for a period, reported in aggregate."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Access(models.TextChoices):
        LINK = "link", _("Anyone with the link")
        CODES = "codes", _("Single-use codes")

    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="campaigns"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("introduction for respondents"), blank=True)
    instruments = models.ManyToManyField(
        "instruments.Instrument", verbose_name=_("instruments"), related_name="campaigns"
    )
    background_questions = models.JSONField(
        _("background questions"),
        default=list,
        blank=True,
        help_text=_('A list of {"key", "label", "options": [..]} questions, e.g. age band, sex, school.'),
    )
    access = models.CharField(_("access"), max_length=8, choices=Access.choices, default=Access.LINK)
    token = models.CharField(_("link token"), max_length=43, unique=True, default=secrets.token_urlsafe)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    threshold = models.PositiveSmallIntegerField(_("smallest number shown"), default=5)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


class CampaignCode(models.Model):
    """A single-use code for a campaign; only its hash is stored, and nothing links it to the answers."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, unique=True)
    used = models.BooleanField(_("used"), default=False)

    class Meta:
        verbose_name = _("single-use code")
        verbose_name_plural = _("single-use codes")

    def __str__(self) -> str:
        return f"{self.campaign_id}: {'used' if self.used else 'unused'}"
