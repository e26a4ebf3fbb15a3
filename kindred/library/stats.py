"""Counts of library items handed out, always computed in the database with GROUP BY, never per row in Python.

The handout is dated by the information it was part of (InformationGiven.given_on) and belongs to the
organisation of that episode."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, F, QuerySet

from kindred.library.models import Handout

if TYPE_CHECKING:
    from kindred.reports.scopes import Period


def _handouts(organisation_ids: list[int] | None, period: Period) -> QuerySet[Handout]:
    rows = Handout.objects.filter(
        information_given__given_on__gte=period.start, information_given__given_on__lte=period.end
    )
    if organisation_ids is not None:
        rows = rows.filter(information_given__episode__organisation_id__in=organisation_ids)
    return rows


def handouts_by_item(organisation_ids: list[int] | None, period: Period) -> QuerySet:
    """Rows of item id, title, kind and n (handouts), most handed out first."""
    return (
        _handouts(organisation_ids, period)
        .values("item_id", "item__title", "item__kind")
        .annotate(n=Count("pk"))
        .order_by("-n", "item__title")
    )


def handouts_by_audience(organisation_ids: list[int] | None, period: Period) -> QuerySet:
    """Rows of audience and n: handouts of items for each audience (an item for several audiences counts for
    each of them, so these do not add up to the number of handouts)."""
    return (
        _handouts(organisation_ids, period)
        .values(audience=F("item__audiences__audience"))
        .annotate(n=Count("pk"))
        .order_by("audience")
    )


def handouts_per_organisation(organisation_ids: list[int] | None, period: Period) -> QuerySet:
    """The key figure for kindred.reports.kpis: handouts counted per organisation ("org") and item kind
    ("category"), so the kinds add up to the total."""
    return (
        _handouts(organisation_ids, period)
        .annotate(org=F("information_given__episode__organisation_id"), category=F("item__kind"))
        .values("org", "category")
        .annotate(n=Count("pk"))
        .order_by()
    )
