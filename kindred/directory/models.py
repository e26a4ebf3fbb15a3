"""Help offers, the public self-referrals to them, and the optional intake questionnaire for young people."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kindred.orgs.models import Organisation

phone_validator = RegexValidator(
    r"^\+?[0-9 ]{8,20}$", _("Write a phone number with 8 digits or more, like 915 08 588.")
)


class Audience(models.TextChoices):
    """Who an offer is for, in the plain words of the public "who are you?" question."""

    CHILDREN = "children", _("A child under 14 with someone at home who drinks, uses drugs or gambles")
    YOUNG_PEOPLE = "young_people", _("A young person (14–35) who grew up with it")
    PARTNERS = "partners", _("A partner or spouse")
    PARENTS = "parents", _("A parent of someone with the problem")
    SIBLINGS = "siblings", _("A sister or brother")
    ADULT_CHILDREN = "adult_children", _("An adult child")
    PREGNANT = "pregnant", _("Pregnant, or with a baby")
    PROFESSIONALS = "professionals", _("A professional looking for help for someone else")


AUDIENCE_FIELDS = {audience: f"for_{audience}" for audience in Audience.values}


class HelpOfferQuerySet(models.QuerySet["HelpOffer"]):
    def public(self) -> HelpOfferQuerySet:
        return self.filter(active=True)

    def serving(self, municipality) -> HelpOfferQuerySet:
        """Offers for everyone in the municipality's country, or for that municipality."""
        return self.filter(
            models.Q(nationwide=True, country=municipality.country) | models.Q(municipalities=municipality)
        ).distinct()

    def for_audience(self, audience: str) -> HelpOfferQuerySet:
        return self.filter(**{AUDIENCE_FIELDS[audience]: True})

    def for_age(self, age: int) -> HelpOfferQuerySet:
        return self.filter(
            models.Q(min_age__isnull=True) | models.Q(min_age__lte=age),
            models.Q(max_age__isnull=True) | models.Q(max_age__gte=age),
        )


class HelpOffer(models.Model):
    """A help offer in the public directory: who it is for, where, how to get it."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="help_offers",
        help_text=_("The organisation in Kindred that receives self-referrals. Empty for helplines outside Kindred."),
    )
    provider = models.CharField(_("provider"), max_length=200)
    name = models.CharField(_("name"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    for_children = models.BooleanField(_("for children"), default=False)
    for_young_people = models.BooleanField(_("for young people 14–35"), default=False)
    for_partners = models.BooleanField(_("for partners"), default=False)
    for_parents = models.BooleanField(_("for parents"), default=False)
    for_siblings = models.BooleanField(_("for siblings"), default=False)
    for_adult_children = models.BooleanField(_("for adult children"), default=False)
    for_pregnant = models.BooleanField(_("for pregnant women and parents of infants"), default=False)
    for_professionals = models.BooleanField(_("for professionals"), default=False)
    min_age = models.PositiveSmallIntegerField(
        _("youngest age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    max_age = models.PositiveSmallIntegerField(
        _("oldest age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    country = models.CharField(_("country"), max_length=2, choices=Organisation.Country.choices)
    nationwide = models.BooleanField(_("for the whole country"), default=False)
    municipalities = models.ManyToManyField(
        "orgs.Municipality", verbose_name=_("municipalities served"), blank=True, related_name="help_offers"
    )
    languages = models.CharField(
        _("languages"), max_length=200, blank=True, help_text=_("For example: norsk, engelsk, arabisk.")
    )
    free = models.BooleanField(_("free of charge"), default=True)
    referral_needed = models.BooleanField(_("referral needed"), default=False)
    accepts_self_referral = models.BooleanField(_("accepts self-referral through Kindred"), default=False)
    youth_intake = models.BooleanField(
        _("ask the intake questions for young people who grew up with substance problems"), default=False
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    email = models.EmailField(_("e-mail"), blank=True)
    web = models.URLField(
        _("web address"), blank=True, validators=[RegexValidator(r"^https?://", _("Start with https://."))]
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    active = models.BooleanField(_("shown in the directory"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = HelpOfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("help offer")
        verbose_name_plural = _("help offers")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["country", "active", "nationwide"], name="offer_country_active")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_age__isnull=True)
                | models.Q(max_age__isnull=True)
                | models.Q(min_age__lte=models.F("max_age")),
                name="offer_age_range",
            ),
            models.CheckConstraint(
                condition=models.Q(accepts_self_referral=False) | models.Q(organisation__isnull=False),
                name="offer_self_referral_has_receiver",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def audiences(self) -> list[str]:
        return [audience for audience, field in AUDIENCE_FIELDS.items() if getattr(self, field)]

    def audience_labels(self) -> list[str]:
        labels = dict(Audience.choices)
        return [str(labels[a]) for a in self.audiences()]

    @property
    def phone_uri(self) -> str:
        return "tel:" + "".join(c for c in self.phone if c.isdigit() or c == "+") if self.phone else ""


class Relation(models.TextChoices):
    """How the person asking for help is related to the person with the problem."""

    PARENT = "parent", _("It is my mother or father")
    STEP_PARENT = "step_parent", _("It is my step-parent or foster parent")
    PARTNER = "partner", _("It is my partner")
    CHILD = "child", _("It is my child")
    SIBLING = "sibling", _("It is my sister or brother")
    OTHER_FAMILY = "other_family", _("It is someone else in my family")
    FRIEND = "friend", _("It is a friend")
    OTHER = "other", _("Other")


def new_reference() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


class SelfReferral(models.Model):
    """A request for help sent through the public form: triaged in the receiving organisation's inbox."""

    class ContactMethod(models.TextChoices):
        CALL = "call", _("Call me")
        SMS = "sms", _("Send me a text message")
        EMAIL = "email", _("Send me an e-mail")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ASSIGNED = "assigned", _("Assigned")
        CONTACTED = "contacted", _("Contact made")
        CONVERTED = "converted", _("Converted")
        CLOSED = "closed", _("Closed")

    class CloseReason(models.TextChoices):
        NO_CONTACT = "no_contact", _("Could not make contact")
        DECLINED = "declined", _("No longer wants help")
        ELSEWHERE = "elsewhere", _("Better helped elsewhere")
        DUPLICATE = "duplicate", _("Duplicate")
        NOT_GENUINE = "not_genuine", _("Not a genuine request")
        OTHER = "other", _("Other")

    OPEN_STATUSES = (Status.NEW, Status.ASSIGNED, Status.CONTACTED)

    offer = models.ForeignKey(
        HelpOffer, verbose_name=_("help offer"), on_delete=models.PROTECT, related_name="self_referrals"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="self_referrals"
    )
    reference = models.CharField(_("reference"), max_length=8, unique=True, default=new_reference)
    help_wanted = models.TextField(_("what help do you want?"), max_length=2000)
    age = models.PositiveSmallIntegerField(_("age"))
    relation = models.CharField(_("relation to the person with the problem"), max_length=16, choices=Relation.choices)
    name = models.CharField(_("what should we call you?"), max_length=100, blank=True)
    contact_method = models.CharField(_("how should we contact you?"), max_length=8, choices=ContactMethod.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    email = models.EmailField(_("e-mail"), blank=True)
    safe_times = models.CharField(_("when is it safe to contact you?"), max_length=200, blank=True)
    may_leave_message = models.BooleanField(_("we may leave a message"), default=False)
    consented_at = models.DateTimeField(_("consent given"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_self_referrals",
    )
    contacted_at = models.DateTimeField(_("contact made"), null=True, blank=True)
    converted_episode = models.ForeignKey(
        "care.Episode", verbose_name=_("episode"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    converted_enrolment = models.ForeignKey(
        "programs.Enrolment",
        verbose_name=_("enrolment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    close_reason = models.CharField(_("reason for closing"), max_length=12, choices=CloseReason.choices, blank=True)
    close_note = models.CharField(_("note"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("self-referral")
        verbose_name_plural = _("self-referrals")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "status", "created_at"], name="selfref_org_status"),
        ]

    def __str__(self) -> str:
        return _("Self-referral %(reference)s") % {"reference": self.reference}

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class YouthIntake(models.Model):
    """The optional intake questions for young people who grew up with parents' substance problems.

    The fields of Blå Kors Kompasset's published intake survey, so a service can publish the same table.
    Unanswered questions are null: "did not answer" is never counted as "no"."""

    self_referral = models.OneToOneField(
        SelfReferral, verbose_name=_("self-referral"), on_delete=models.CASCADE, related_name="youth_intake"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="youth_intakes"
    )
    father_problem = models.BooleanField(_("father had a substance problem"), null=True, blank=True)
    mother_problem = models.BooleanField(_("mother had a substance problem"), null=True, blank=True)
    other_parent_problem = models.BooleanField(_("a step-parent or foster parent had one"), null=True, blank=True)
    years_affected = models.PositiveSmallIntegerField(
        _("years of the childhood affected"), null=True, blank=True, validators=[MaxValueValidator(30)]
    )
    psychological_violence = models.BooleanField(_("psychological violence"), null=True, blank=True)
    psychological_violence_years = models.PositiveSmallIntegerField(
        _("years of psychological violence"), null=True, blank=True, validators=[MaxValueValidator(30)]
    )
    physical_violence = models.BooleanField(_("physical violence"), null=True, blank=True)
    physical_violence_years = models.PositiveSmallIntegerField(
        _("years of physical violence"), null=True, blank=True, validators=[MaxValueValidator(30)]
    )
    sexual_violation = models.BooleanField(_("sexual violations"), null=True, blank=True)
    sexual_violation_years = models.PositiveSmallIntegerField(
        _("years of sexual violations"), null=True, blank=True, validators=[MaxValueValidator(30)]
    )
    suicide_threats = models.BooleanField(_("a parent threatened suicide"), null=True, blank=True)
    suicide_attempt_witnessed = models.BooleanField(_("witnessed a suicide attempt"), null=True, blank=True)
    parents_separated = models.BooleanField(_("parents separated"), null=True, blank=True)
    talked_to_nobody = models.BooleanField(_("never talked to anyone about it"), default=False)
    talked_to_friend = models.BooleanField(_("talked to a friend"), default=False)
    talked_to_family = models.BooleanField(_("talked to someone in the family"), default=False)
    talked_to_school = models.BooleanField(_("talked to a teacher or school staff"), default=False)
    talked_to_health = models.BooleanField(_("talked to a health nurse, doctor or psychologist"), default=False)
    talked_to_child_welfare = models.BooleanField(_("talked to child welfare"), default=False)
    earlier_help = models.BooleanField(_("had help before"), null=True, blank=True)
    created_on = models.DateField(_("date"))

    class Meta:
        verbose_name = _("intake questionnaire for young people")
        verbose_name_plural = _("intake questionnaires for young people")
        indexes = [models.Index(fields=["organisation", "created_on"], name="youthintake_org_day")]

    def __str__(self) -> str:
        return str(self.self_referral)
