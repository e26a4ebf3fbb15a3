"""The information library: leaflets, films, books and web pages for children, relatives and professionals,
and the items handed out when staff record information given to a child."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kindred.orgs.models import Organisation


class Audience(models.TextChoices):
    """Who an item is written for; children by age band, so an age can be matched to the right material."""

    CHILDREN_0_5 = "children_0_5", _("Children 0–5 years")
    CHILDREN_6_12 = "children_6_12", _("Children 6–12 years")
    CHILDREN_13_17 = "children_13_17", _("Young people 13–17 years")
    YOUNG_ADULTS = "young_adults", _("Young adults 18–25 years")
    PARTNERS = "partners", _("Partners")
    PARENTS = "parents", _("Parents")
    SIBLINGS = "siblings", _("Siblings")
    PROFESSIONALS = "professionals", _("Professionals")


# Age bands by their upper age; an age above the last child band counts as a young adult up to 25.
AGE_BANDS: list[tuple[int, str]] = [
    (5, Audience.CHILDREN_0_5),
    (12, Audience.CHILDREN_6_12),
    (17, Audience.CHILDREN_13_17),
    (25, Audience.YOUNG_ADULTS),
]


def age_band(age: int) -> str | None:
    """The audience for a child or young person of this age, or None for adults over 25."""
    for upper, audience in AGE_BANDS:
        if age <= upper:
            return audience
    return None


class Language(models.TextChoices):
    """The language an item exists in."""

    NB = "nb", _("Norwegian Bokmål")
    NN = "nn", _("Norwegian Nynorsk")
    DA = "da", _("Danish")
    EN = "en", _("English")
    SE = "se", _("Northern Sami")
    SV = "sv", _("Swedish")
    PL = "pl", _("Polish")
    AR = "ar", _("Arabic")
    SO = "so", _("Somali")
    UK = "uk", _("Ukrainian")


class Topic(models.TextChoices):
    """What an item is about."""

    ALCOHOL = "alcohol", _("Alcohol")
    DRUGS = "drugs", _("Drugs")
    GAMBLING = "gambling", _("Gambling")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    PREGNANCY = "pregnancy", _("Pregnancy")
    FASD = "fasd", _("FASD (foetal alcohol spectrum disorder)")


class ItemQuerySet(models.QuerySet["Item"]):
    def public(self) -> ItemQuerySet:
        return self.filter(public=True)

    def for_audience(self, audience: str) -> ItemQuerySet:
        return self.filter(audiences__audience=audience)

    def for_age(self, age: int) -> ItemQuerySet:
        band = age_band(age)
        return self.for_audience(band) if band else self.none()

    def in_language(self, language: str) -> ItemQuerySet:
        return self.filter(languages__language=language)

    def about(self, topic: str) -> ItemQuerySet:
        return self.filter(topics__topic=topic)

    def visible_to(self, organisation: Organisation | None) -> ItemQuerySet:
        """What staff of the organisation may see and hand out: public and national items, their own, and items
        shared with a network the organisation belongs to."""
        if organisation is None:
            return self.public()
        return self.filter(
            models.Q(public=True)
            | models.Q(organisation__isnull=True)
            | models.Q(organisation=organisation)
            | models.Q(network_shares__network__memberships__organisation=organisation)
        ).distinct()

    def with_tags(self) -> ItemQuerySet:
        return self.prefetch_related("audiences", "languages", "topics")


class Item(models.Model):
    """A leaflet, film, book or web page for children, relatives or professionals; a link, never an upload."""

    class Kind(models.TextChoices):
        LEAFLET = "leaflet", _("Leaflet")
        FILM = "film", _("Film")
        BOOK = "book", _("Book")
        WEB_PAGE = "web_page", _("Web page")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=3000, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    public = models.BooleanField(
        pgettext_lazy("library item", "public"),
        default=True,
        help_text=_("Public items are shown to everyone on the open information pages."),
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="library_items",
        help_text=_("Empty for national items maintained for everyone."),
    )
    key = models.SlugField(_("seed key"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("library item")
        verbose_name_plural = _("library items")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def audience_values(self) -> list[str]:
        return sorted(row.audience for row in self.audiences.all())

    @property
    def language_values(self) -> list[str]:
        return sorted(row.language for row in self.languages.all())

    @property
    def topic_values(self) -> list[str]:
        return sorted(row.topic for row in self.topics.all())


class ItemAudience(models.Model):
    """One audience of an item."""

    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="audiences")
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)

    class Meta:
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")
        ordering = ["audience"]
        constraints = [models.UniqueConstraint(fields=["item", "audience"], name="library_item_audience_unique")]

    def __str__(self) -> str:
        return self.get_audience_display()


class ItemLanguage(models.Model):
    """One language an item exists in."""

    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="languages")
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)

    class Meta:
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        ordering = ["language"]
        constraints = [models.UniqueConstraint(fields=["item", "language"], name="library_item_language_unique")]

    def __str__(self) -> str:
        return self.get_language_display()


class ItemTopic(models.Model):
    """One topic of an item."""

    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="topics")
    topic = models.CharField(_("topic"), max_length=16, choices=Topic.choices)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["topic"]
        constraints = [models.UniqueConstraint(fields=["item", "topic"], name="library_item_topic_unique")]

    def __str__(self) -> str:
        return self.get_topic_display()


class Handout(models.Model):
    """A library item handed out when staff recorded information given to a child or a relative."""

    information_given = models.ForeignKey(
        "care.InformationGiven",
        verbose_name=_("information given"),
        on_delete=models.CASCADE,
        # No reverse accessor: InformationGiven keeps exactly its own fields (care tests hold it to that).
        related_name="+",
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="handouts")
    handed_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("item handed out")
        verbose_name_plural = _("items handed out")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["information_given", "item"], name="library_handout_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.information_given}"

    @property
    def audit_subject(self):
        return self.information_given.child
