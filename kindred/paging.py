"""Pages of long lists in one query: the rows of the page and, with them, the total (COUNT(*) OVER ()).

A Paginator or an API page first counts and then fetches: for a large unit's lists the database builds the same
join twice (the children overview: 18 ms to count, 23 ms for the page at national scale). Here the page's own
query carries the total. When a page past the first is empty the total comes from a COUNT as before.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window
from django.db.models.query import ModelIterable

TOTAL = "_paging_total"


def _one_query(queryset) -> bool:
    """Whether the total can ride along: a plain model queryset (not values(), DISTINCT, a UNION or sliced)."""
    if not isinstance(queryset, QuerySet) or queryset._iterable_class is not ModelIterable:
        return False
    query = queryset.query
    return not (query.distinct or query.combinator or query.is_sliced)


def rows_and_total(queryset, offset: int, limit: int) -> tuple[list, int | None]:
    """The rows [offset, offset + limit) and the total number of rows, or None when a page past the first is
    empty (then only a COUNT can tell)."""
    if not _one_query(queryset):
        return list(queryset[offset : offset + limit]), None
    rows = list(queryset.annotate(**{TOTAL: Window(Count("pk"))})[offset : offset + limit])
    if rows:
        return rows, getattr(rows[0], TOTAL)
    return rows, (0 if offset == 0 else None)  # nothing from the start: nothing at all


def page_of(queryset, offset: int, limit: int) -> tuple[int, list]:
    """The total and one page of the queryset (the JSON API's pages)."""
    rows, total = rows_and_total(queryset, offset, limit)
    if total is None:
        total = queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
    return total, rows


class OneQueryPaginator(Paginator):
    """Django's Paginator, but get_page() asks for the page and its total in one query."""

    def get_page(self, number) -> Page:
        try:
            number = max(int(number), 1)
        except (TypeError, ValueError):
            number = 1
        if not self.orphans:
            rows, total = rows_and_total(self.object_list, (number - 1) * self.per_page, self.per_page)
            if total is not None and (total or self.allow_empty_first_page):
                self.__dict__["count"] = total  # Paginator.count is a cached_property
                return self._get_page(rows, number, self)
        return super().get_page(number)  # an empty or out-of-range page: COUNT, then the last page
