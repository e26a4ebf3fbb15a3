"""Networks across organisations: professional networks, resource groups and child-responsible forums,
their member organisations and contact persons, and the programme templates and library items they share."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kindred.orgs.models import Organisation


class NetworkQuerySet(models.QuerySet["Network"]):
    def of_organisation(self, organisation: Organisation) -> NetworkQuerySet:
        """The networks the organisation is a member of: the only ones its staff may see."""
        return self.filter(memberships__organisation=organisation).distinct()


class Network(models.Model):
    """A network spanning organisations, often in several regions or countries, whose members share contacts,
    programme templates and information material."""

    class Kind(models.TextChoices):
        PROFESSIONAL_NETWORK = "professional_network", _("Professional network")
        RESOURCE_GROUP = "resource_group", _("Resource group")
        CHILD_RESPONSIBLE_FORUM = "child_responsible_forum", _("Forum for child-responsible staff")

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    regions = models.CharField(
        _("regions spanned"),
        max_length=300,
        blank=True,
        help_text=_("The regions or countries the network covers, for example “All of Norway”."),
    )
    organisations = models.ManyToManyField(
        Organisation,
        verbose_name=_("member organisations"),
        through="NetworkMembership",
        related_name="networks",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = NetworkQuerySet.as_manager()

    class Meta:
        verbose_name = _("network")
        verbose_name_plural = _("networks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def countries(self) -> list[str]:
        """The countries of the member organisations, from prefetched memberships when available."""
        return sorted({membership.organisation.country for membership in self.memberships.all()})


class NetworkMembership(models.Model):
    """An organisation's membership of a network, with the contact details it gives the other members."""

    network = models.ForeignKey(
        Network, verbose_name=_("network"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="network_memberships"
    )
    joined_on = models.DateField(_("joined"))
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("network membership")
        verbose_name_plural = _("network memberships")
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["network", "organisation"], name="network_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.network}"


class ContactPerson(models.Model):
    """A named staff contact of a member organisation, shown to the network's other members."""

    membership = models.ForeignKey(
        NetworkMembership, verbose_name=_("membership"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title or role"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SharedTemplate(models.Model):
    """A programme template a member organisation shares with a network."""

    network = models.ForeignKey(
        Network, verbose_name=_("network"), on_delete=models.CASCADE, related_name="shared_templates"
    )
    template = models.ForeignKey(
        "programs.ProgrammeTemplate",
        verbose_name=_("programme template"),
        on_delete=models.CASCADE,
        related_name="network_shares",
    )
    shared_by = models.ForeignKey(Organisation, verbose_name=_("shared by"), on_delete=models.CASCADE, related_name="+")
    shared_at = models.DateTimeField(_("shared"), auto_now_add=True)
    shared_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shared by user"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("shared programme template")
        verbose_name_plural = _("shared programme templates")
        ordering = ["template__name"]
        constraints = [
            models.UniqueConstraint(fields=["network", "template"], name="network_shared_template_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.template} · {self.network}"


class SharedItem(models.Model):
    """A library item a member organisation shares with a network."""

    network = models.ForeignKey(
        Network, verbose_name=_("network"), on_delete=models.CASCADE, related_name="shared_items"
    )
    item = models.ForeignKey(
        "library.Item", verbose_name=_("library item"), on_delete=models.CASCADE, related_name="network_shares"
    )
    shared_by = models.ForeignKey(Organisation, verbose_name=_("shared by"), on_delete=models.CASCADE, related_name="+")
    shared_at = models.DateTimeField(_("shared"), auto_now_add=True)
    shared_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shared by user"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("shared library item")
        verbose_name_plural = _("shared library items")
        ordering = ["item__title"]
        constraints = [
            models.UniqueConstraint(fields=["network", "item"], name="network_shared_item_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.network}"
