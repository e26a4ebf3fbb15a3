"""The information library in the API: public browsing (no account needed) and the organisation's own items.

Every endpoint calls the same services as the web (kindred.library.services)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Path, Query, Router, Schema, Status

from kindred.api_schemas import MAX_ID, ErrorOut, PageIn, PageOut, choice, errors, page_of, text
from kindred.library import services
from kindred.library.models import Audience, Item, Language, Topic

router = Router(tags=["library"])

ItemId: Any = Path[int, {"ge": 1, "le": MAX_ID, "description": "The item's id."}]
AudienceChoice = choice(Audience)
LanguageChoice = choice(Language)
TopicChoice = choice(Topic)
KindChoice = choice(Item.Kind)


def public_errors(*extra: int) -> dict[int, type[ErrorOut]]:
    return dict.fromkeys(sorted({422, *extra}), ErrorOut)


class ItemOut(Schema):
    """A library item: a leaflet, film, book or web page."""

    id: int = Field(description="The item's id.")
    kind: str = Field(description="`leaflet`, `film`, `book` or `web_page`.")
    kind_label: str = Field(description="The kind in the language of the request.")
    title: str = Field(description="The title.")
    description: str = Field(description="What it is about and who it is for; may be empty.")
    url: str = Field(description="Where it can be read, watched or ordered; may be empty.")
    publisher: str = Field(description="Who published it; may be empty.")
    audiences: list[str] = Field(description="Who it is for: values of the `audience` filter.")
    languages: list[str] = Field(description="The languages it exists in (language codes).")
    topics: list[str] = Field(description="What it is about: values of the `topic` filter.")
    public: bool = Field(description="Shown on the open information pages.")
    national: bool = Field(description="A national item, maintained for everyone (no owning organisation).")
    updated_at: datetime = Field(description="When the item was last changed.")

    @classmethod
    def of(cls, item: Item):
        return cls(
            id=item.pk,
            kind=item.kind,
            kind_label=str(item.get_kind_display()),
            title=item.title,
            description=item.description,
            url=item.url,
            publisher=item.publisher,
            audiences=item.audience_values,
            languages=item.language_values,
            topics=item.topic_values,
            public=item.public,
            national=item.organisation_id is None,
            updated_at=item.updated_at,
        )


class ItemPage(PageOut):
    items: list[ItemOut] = Field(description="Items by title.")


class ItemFilter(PageIn):
    audience: AudienceChoice | None = Field(None, description="Items for this group.")
    age: int | None = Field(None, ge=0, le=25, description="Items for a child or young person of this age (0–25).")
    language: LanguageChoice | None = Field(None, description="Items in this language.")
    topic: TopicChoice | None = Field(None, description="Items about this topic.")


class ItemIn(Schema):
    """An item of your organisation. It needs at least one audience and one language."""

    kind: KindChoice = Field(description="`leaflet`, `film`, `book` or `web_page`.")
    title: text(200) = Field(description="The title.")
    description: text(3000) = Field("", description="What it is about and who it is for.")
    url: text(500) = Field("", description="A web address starting with https://; may be empty.")
    publisher: text(200) = Field("", description="Who published it; your organisation's name when empty.")
    public: bool = Field(True, description="Show on the open information pages.")
    audiences: list[AudienceChoice] = Field(
        default_factory=list, max_length=len(Audience.values), description="Who it is for; at least one."
    )
    languages: list[LanguageChoice] = Field(
        default_factory=list, max_length=len(Language.values), description="The languages it exists in."
    )
    topics: list[TopicChoice] = Field(default_factory=list, max_length=len(Topic.values), description="Topics.")

    def to_data(self) -> services.ItemData:
        return services.ItemData(**self.model_dump())


def _filtered(items, filters: ItemFilter):
    return services.search(
        items,
        audience=filters.audience or "",
        age=filters.age,
        language=filters.language or "",
        topic=filters.topic or "",
    )


def _page(items, filters: PageIn) -> ItemPage:
    count, rows = page_of(items, filters)
    return ItemPage(count=count, limit=filters.limit, offset=filters.offset, items=[ItemOut.of(i) for i in rows])


@router.get(
    "/library/items",
    auth=None,
    response={200: ItemPage, **public_errors()},
    summary="Browse the information library",
    description="Public: no token needed. Public items for a group, an age (which picks the age band), a language "
    "and a topic; every filter optional.",
)
def browse_items(request, filters: Query[ItemFilter]):
    return _page(_filtered(services.public_items(), filters), filters)


@router.get(
    "/library/items/{item_id}",
    auth=None,
    response={200: ItemOut, **public_errors(404)},
    summary="One public library item",
    description="Public: no token needed. Not found (404) unless the item is public.",
)
def read_item(request, item_id: ItemId):
    return ItemOut.of(services.get_public_item(item_id))


@router.get(
    "/library/available-items",
    response={200: ItemPage, **errors()},
    summary="Items your organisation may hand out",
    description="Public and national items, your organisation's own, and those shared with its networks; with "
    "the same filters as the public list.",
)
def available_items(request, filters: Query[ItemFilter]):
    return _page(_filtered(services.items_for(request.actor), filters), filters)


@router.get(
    "/library/my-items",
    response={200: ItemPage, **errors()},
    summary="Your organisation's own items",
    description="For organisation admins (403 otherwise).",
)
def list_own_items(request, filters: Query[PageIn]):
    return _page(services.own_items(request.actor), filters)


@router.post(
    "/library/my-items",
    response={201: ItemOut, **errors(400)},
    summary="Add an item",
    description="For organisation admins (403 otherwise). Refused (422) without an audience or a language; "
    "`errors` names the fields.",
)
def add_item(request, payload: ItemIn):
    item = services.save_item(request.actor, None, payload.to_data())
    return Status(201, ItemOut.of(services.get_own_item(request.actor, item.pk)))


@router.put(
    "/library/my-items/{item_id}",
    response={200: ItemOut, **errors(400, 404)},
    summary="Change an item",
    description="For organisation admins (403 otherwise); another organisation's item is not found (404). The "
    "whole item is replaced, checked like a new one.",
)
def change_item(request, item_id: ItemId, payload: ItemIn):
    actor = request.actor
    item = services.save_item(actor, services.get_own_item(actor, item_id), payload.to_data())
    return ItemOut.of(services.get_own_item(actor, item.pk))
