from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """A service or unit that uses Kindred: a legal duty holder with its own confidentiality."""

    class Kind(models.TextChoices):
        SPECIALIST_UNIT = "specialist_unit", _("Specialist unit")
        MUNICIPAL_SERVICE = "municipal_service", _("Municipal service")
        ALLOCATION_OFFICE = "allocation_office", _("Allocation office")
        CHILD_WELFARE = "child_welfare", _("Child welfare service")
        SCHOOL_HEALTH = "school_health", _("School health service")
        KINDERGARTEN_SCHOOL = "kindergarten_school", _("Kindergarten or school")
        LOW_THRESHOLD = "low_threshold", _("Low-threshold service")
        VOLUNTARY = "voluntary", _("Voluntary organisation")
        COMPETENCE_CENTRE = "competence_centre", _("Competence centre")
        GP = "gp", _("General practitioner")

    class Country(models.TextChoices):
        NORWAY = "NO", _("Norway")
        DENMARK = "DK", _("Denmark")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    municipality_number = models.CharField(
        _("municipality number"),
        max_length=4,
        blank=True,
        validators=[RegexValidator(r"^\d{3,4}$", _("A municipality number has three or four digits."))],
    )
    country = models.CharField(_("country"), max_length=2, choices=Country.choices, default=Country.NORWAY)
    require_two_factor = models.BooleanField(
        _("require two-factor login for roles that see personal data"), default=False
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A municipality (kommune/kommune) and its region (fylke/region): where help offers serve, and how
    statistics roll up. Loaded from a classification file by `manage.py load_municipalities`."""

    country = models.CharField(_("country"), max_length=2, choices=Organisation.Country.choices)
    number = models.CharField(
        _("municipality number"),
        max_length=4,
        validators=[RegexValidator(r"^\d{3,4}$", _("A municipality number has three or four digits."))],
    )
    name = models.CharField(_("name"), max_length=100)
    region = models.CharField(_("region"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["country", "name"]
        constraints = [
            models.UniqueConstraint(fields=["country", "number"], name="municipality_unique_number"),
        ]

    def __str__(self) -> str:
        return self.name


class Capability(models.TextChoices):
    """What a role may do. Checked everywhere through Membership.can()."""

    VIEW_PERSONAL_DATA = "view_personal_data", _("See personal data of clients and their families")
    EDIT_CASES = "edit_cases", _("Record intake, children, child sheets and follow-up")
    CHILDREN_OVERVIEW = "children_overview", _("See all children of the unit's patients")
    SEND_CONCERN_REPORTS = "send_concern_reports", _("Send concern reports to child welfare")
    COORDINATE = "coordinate", _("Coordinate across units and answer consultations")
    RUN_PROGRAMMES = "run_programmes", _("Run programmes and groups for relatives")
    MANAGE_PROGRAMMES = "manage_programmes", _("Plan programme runs, enrol participants and triage self-referrals")
    VIEW_STATISTICS = "view_statistics", _("See anonymised statistics")
    MANAGE_MEMBERS = "manage_members", _("Manage the organisation's members")
    MANAGE_ORGANISATION = "manage_organisation", _("Manage help offers, templates and settings")


class Role(models.TextChoices):
    """A member's role in one organisation."""

    CLINICIAN = "clinician", _("Clinician")
    CHILD_RESPONSIBLE = "child_responsible", _("Child-responsible staff")
    COORDINATOR = "coordinator", _("Coordinator")
    GROUP_LEADER = "group_leader", _("Group leader")
    ANALYST = "analyst", _("Analyst")
    ORG_ADMIN = "org_admin", _("Organisation admin")


C = Capability
# The one table from role to capability.
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.CLINICIAN: frozenset({C.VIEW_PERSONAL_DATA, C.EDIT_CASES, C.SEND_CONCERN_REPORTS}),
    Role.CHILD_RESPONSIBLE: frozenset(
        {C.VIEW_PERSONAL_DATA, C.EDIT_CASES, C.CHILDREN_OVERVIEW, C.SEND_CONCERN_REPORTS}
    ),
    Role.COORDINATOR: frozenset(
        {
            C.VIEW_PERSONAL_DATA,
            C.EDIT_CASES,
            C.CHILDREN_OVERVIEW,
            C.SEND_CONCERN_REPORTS,
            C.COORDINATE,
            C.MANAGE_PROGRAMMES,
        }
    ),
    Role.GROUP_LEADER: frozenset({C.VIEW_PERSONAL_DATA, C.RUN_PROGRAMMES}),
    Role.ANALYST: frozenset({C.VIEW_STATISTICS}),
    Role.ORG_ADMIN: frozenset({C.MANAGE_MEMBERS, C.MANAGE_ORGANISATION, C.VIEW_STATISTICS}),
}
del C


class MembershipQuerySet(models.QuerySet["Membership"]):
    def for_user(self, user) -> MembershipQuerySet:
        return self.filter(user=user, organisation__isnull=False).select_related("organisation")


class Membership(models.Model):
    """A user's role in one organisation; a user may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"

    @property
    def capabilities(self) -> frozenset[str]:
        return ROLE_CAPABILITIES[self.role]

    def can(self, capability: str) -> bool:
        return capability in self.capabilities

    @property
    def sees_personal_data(self) -> bool:
        return self.can(Capability.VIEW_PERSONAL_DATA)

    @property
    def requires_two_factor(self) -> bool:
        return self.organisation.require_two_factor and self.sees_personal_data


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class APITokenQuerySet(models.QuerySet["APIToken"]):
    def valid(self) -> APITokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now(), user__is_active=True)


class APIToken(models.Model):
    """A personal API token for integrations, scoped to one membership; only its hash is stored."""

    PREFIX = "kdr_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    membership = models.ForeignKey(
        Membership, verbose_name=_("membership"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    key_prefix = models.CharField(_("key prefix"), max_length=12)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = APITokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @staticmethod
    def default_expiry():
        return timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)
