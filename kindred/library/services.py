"""Use cases for the information library: public browsing, the organisation's own items, and the items handed
out when staff record information given to a child.

Items are not personal data; handing one out is, because it is tied to the child it was given to, so it goes
through the care use case and the one access rule, and is audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kindred.audit.services import Action, record, record_many
from kindred.library.models import (
    Audience,
    Handout,
    Item,
    ItemAudience,
    ItemLanguage,
    ItemTopic,
    Language,
    Topic,
    age_band,
)
from kindred.orgs.actors import Actor
from kindred.orgs.models import Capability


def _require(actor: Actor, capability: str) -> None:
    if not actor.can(capability):
        raise PermissionError(capability)


# --- Browsing ---------------------------------------------------------------------------------------


def search(
    items: QuerySet[Item], *, audience: str = "", age: int | None = None, language: str = "", topic: str = ""
) -> QuerySet[Item]:
    """The items matching every filter given; an age picks the age band."""
    if audience:
        items = items.for_audience(audience)
    if age is not None:
        items = items.for_age(age)
    if language:
        items = items.in_language(language)
    if topic:
        items = items.about(topic)
    # Each filter joins a tag table; distinct ids keep an item from showing twice.
    return Item.objects.filter(pk__in=items.values("pk")).with_tags().order_by("title", "id")


def public_items() -> QuerySet[Item]:
    return Item.objects.public()


def get_public_item(pk) -> Item:
    try:
        return Item.objects.public().with_tags().get(pk=int(pk))
    except (Item.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def items_for(actor: Actor) -> QuerySet[Item]:
    """What the actor's organisation may see and hand out (see ItemQuerySet.visible_to)."""
    return Item.objects.visible_to(actor.organisation)


def items_for_child(actor: Actor, child, today: date | None = None) -> QuerySet[Item]:
    """Items to offer when recording information to a child: those for the child's age band, or every item
    for children when the age is not known."""
    age = child.age_on(today) if today else child.age
    band = age_band(age) if age is not None else None
    audiences = [band] if band else [Audience.CHILDREN_0_5, Audience.CHILDREN_6_12, Audience.CHILDREN_13_17]
    rows = items_for(actor).filter(audiences__audience__in=audiences)
    return Item.objects.filter(pk__in=rows.values("pk")).order_by("title", "id")


# --- The organisation's own items ---------------------------------------------------------------------


def own_items(actor: Actor) -> QuerySet[Item]:
    _require(actor, Capability.MANAGE_ORGANISATION)
    return Item.objects.filter(organisation=actor.organisation).with_tags().order_by("title", "id")


def get_own_item(actor: Actor, pk) -> Item:
    try:
        return own_items(actor).get(pk=int(pk))
    except (Item.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@dataclass
class ItemData:
    """An item as staff describe it."""

    kind: str
    title: str
    description: str = ""
    url: str = ""
    publisher: str = ""
    public: bool = True
    audiences: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)


def _clean_tags(data: ItemData) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.audiences:
        errors["audiences"] = _("Choose at least one group the item is for.")
    elif set(data.audiences) - set(Audience.values):
        errors["audiences"] = _("Choose groups from the list.")
    if not data.languages:
        errors["languages"] = _("Choose at least one language the item exists in.")
    elif set(data.languages) - set(Language.values):
        errors["languages"] = _("Choose languages from the list.")
    if set(data.topics) - set(Topic.values):
        errors["topics"] = _("Choose topics from the list.")
    return errors


@transaction.atomic
def save_item(actor: Actor, item: Item | None, data: ItemData) -> Item:
    """Create or change one of the organisation's items, with its audiences, languages and topics."""
    _require(actor, Capability.MANAGE_ORGANISATION)
    if item is None:
        item = Item(organisation=actor.organisation)
    elif item.organisation_id != actor.organisation.pk:
        raise Http404
    item.kind = data.kind
    item.title = data.title.strip()
    item.description = data.description.strip()
    item.url = data.url.strip()
    item.publisher = data.publisher.strip() or actor.organisation.name
    item.public = data.public
    errors = _clean_tags(data)
    try:
        item.full_clean(exclude=["organisation", "key"])
    except ValidationError as error:
        errors = {**error.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    created = item.pk is None
    item.save()
    set_tags(item, audiences=data.audiences, languages=data.languages, topics=data.topics)
    record(actor, Action.CREATE if created else Action.CHANGE, item)
    return item


def set_tags(item: Item, *, audiences, languages, topics) -> None:
    """Replace the item's audiences, languages and topics."""
    for model, name, values in (
        (ItemAudience, "audience", audiences),
        (ItemLanguage, "language", languages),
        (ItemTopic, "topic", topics),
    ):
        model.objects.filter(item=item).exclude(**{f"{name}__in": values}).delete()
        model.objects.bulk_create([model(item=item, **{name: v}) for v in set(values)], ignore_conflicts=True)


# --- Handing out ---------------------------------------------------------------------------------------


@transaction.atomic
def record_information(
    actor: Actor,
    episode,
    child,
    *,
    given_on: date,
    form: str,
    present: str = "",
    items: list[Item] | None = None,
):
    """Record information given to a child (the care use case) with the library items handed out, in one
    transaction: an item the organisation may not hand out refuses the whole record."""
    from kindred.care import services as care

    chosen = list({item.pk: item for item in items or []}.values())
    allowed = set(items_for(actor).filter(pk__in=[i.pk for i in chosen]).values_list("pk", flat=True))
    if any(item.pk not in allowed for item in chosen):
        raise ValidationError({"items": _("Choose items from the list.")})
    information = care.record_information(actor, episode, child, given_on=given_on, form=form, present=present)
    handouts = Handout.objects.bulk_create(
        [Handout(information_given=information, item=item, handed_out_by=actor.user) for item in chosen]
    )
    if handouts:
        record_many(actor, Action.CREATE, handouts)
    return information
