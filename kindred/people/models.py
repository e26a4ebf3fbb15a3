from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _


class PrefixIndex(models.Index):
    """An index on expressions that also serves `LIKE 'PREFIX%'` (a `__startswith` lookup on the same
    expression) whatever the database's collation: on PostgreSQL each expression gets the
    text_pattern_ops operator class; other databases get a plain index."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql" or not self.expressions:
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        from django.db.models.sql import Query

        expressions = models.ExpressionList(
            *(models.Func(e, template="(%(expressions)s) text_pattern_ops") for e in self.expressions)
        ).resolve_expression(Query(model, alias_cols=False))
        return schema_editor._create_index_sql(
            model,
            name=self.name,
            using=using,
            db_tablespace=self.db_tablespace,
            condition=self._get_condition_sql(model, schema_editor),
            expressions=expressions,
            **kwargs,
        )


class Person(models.Model):
    """A patient, client, child or relative; identifiers are optional (anonymous clients are lawful)."""

    class IdKind(models.TextChoices):
        NONE = "", _("No national id")
        FNR = "fnr", _("Norwegian national id number (fødselsnummer)")
        DNR = "dnr", _("Norwegian D-number")
        CPR = "cpr", _("Danish CPR number")

    class Sex(models.TextChoices):
        UNKNOWN = "", _("Not recorded")
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")

    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    national_id = models.CharField(_("national id"), max_length=11, blank=True, db_index=True)
    id_kind = models.CharField(_("kind of national id"), max_length=3, choices=IdKind.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=8, blank=True)
    interpreter_needed = models.BooleanField(_("interpreter needed"), default=False)
    registered_by = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registered_persons",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["family_name", "given_name", "id"]
        indexes = [
            models.Index(fields=["family_name", "given_name", "birth_date"], name="person_name_birth"),
            # Person search (kindred.people.services.search_persons): name prefixes, case-insensitive.
            PrefixIndex(Upper("family_name"), name="person_family_name_prefix"),
            PrefixIndex(Upper("given_name"), name="person_given_name_prefix"),
        ]

    def __str__(self) -> str:
        name = f"{self.given_name} {self.family_name}".strip()
        return name or _("Anonymous person %(id)s") % {"id": self.pk}

    @property
    def display_name(self) -> str:
        return str(self)

    def age_on(self, day) -> int | None:
        """Whole years on `day`; from the birth year alone when that is all we know."""
        if self.birth_date:
            b = self.birth_date
            return day.year - b.year - ((day.month, day.day) < (b.month, b.day))
        if self.birth_year:
            return day.year - self.birth_year
        return None

    @property
    def age(self) -> int | None:
        from django.utils import timezone

        return self.age_on(timezone.localdate())


class Relationship(models.Model):
    """How two persons are related: `person` is <kind> of `other` (e.g. parent of a child)."""

    class Kind(models.TextChoices):
        PARENT_OF = "parent_of", _("parent of")
        PARTNER = "partner", _("partner of")
        SIBLING = "sibling", _("sibling of")
        OTHER_CLOSE = "other_close", _("other close person to")

    class ParentalResponsibility(models.TextChoices):
        UNKNOWN = "", _("Not recorded")
        YES = "yes", _("Yes")
        SHARED = "shared", _("Shared")
        NO = "no", _("No")

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="relationships_from"
    )
    other = models.ForeignKey(
        Person, verbose_name=_("related person"), on_delete=models.CASCADE, related_name="relationships_to"
    )
    kind = models.CharField(_("relation"), max_length=16, choices=Kind.choices)
    description = models.CharField(
        _("description"), max_length=100, blank=True, help_text=_("For example step-parent, friend or neighbour.")
    )
    parental_responsibility = models.CharField(
        _("parental responsibility"), max_length=8, choices=ParentalResponsibility.choices, blank=True
    )
    contact_arrangement = models.CharField(_("contact arrangement"), max_length=200, blank=True)
    lives_together = models.BooleanField(_("lives together"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("relationship")
        verbose_name_plural = _("relationships")
        constraints = [
            models.UniqueConstraint(fields=["person", "other", "kind"], name="relationship_unique"),
            models.CheckConstraint(condition=~models.Q(person=models.F("other")), name="relationship_not_self"),
        ]
        # The access rule looks relationships up from either end; from `other` it needs `person` too, so an
        # index-only scan serves it (without it PostgreSQL scans every relationship at national scale).
        indexes = [models.Index(fields=["other", "person"], name="relationship_other_person")]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()} {self.other}"

    @property
    def audit_subject(self) -> Person:
        return self.person


class AccessGrantQuerySet(models.QuerySet["AccessGrant"]):
    def active(self) -> AccessGrantQuerySet:
        from django.utils import timezone

        return self.filter(expires_at__gt=timezone.now())


class AccessGrant(models.Model):
    """Break-the-glass: one clinician's temporary, reasoned access to a person outside their caseload."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="access_grants"
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="access_grants"
    )
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="access_grants")
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    objects = AccessGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("break-the-glass access")
        verbose_name_plural = _("break-the-glass accesses")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} → {self.person} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def audit_subject(self) -> Person:
        return self.person
