"""Library items for tests, made through the same tag helper as the seed."""

from __future__ import annotations

from kindred.library.models import Audience, Item, Language, Topic
from kindred.library.services import set_tags


def item(
    title: str = "Brosjyre",
    *,
    kind: str = Item.Kind.LEAFLET,
    audiences=(Audience.CHILDREN_6_12,),
    languages=(Language.NB,),
    topics=(Topic.ALCOHOL,),
    public: bool = True,
    organisation=None,
) -> Item:
    made = Item.objects.create(title=title, kind=kind, public=public, organisation=organisation)
    set_tags(made, audiences=list(audiences), languages=list(languages), topics=list(topics))
    return made
