"""One query for a page and its total (kindred.paging), with the same pages as Django's Paginator."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kindred.paging import OneQueryPaginator, page_of
from kindred.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def persons():
    Person.objects.bulk_create(
        Person(given_name=f"Ola{i:02d}", family_name="Paging", birth_year=1980 + i % 20) for i in range(23)
    )
    return Person.objects.filter(family_name="Paging").order_by("given_name", "id")


@pytest.mark.parametrize("number", [1, 2, 3, "3", "x", None, 99, -1])
def test_pages_are_django_pages(persons, number):
    ours = OneQueryPaginator(persons, 10).get_page(number)
    django = Paginator(persons, 10).get_page(number if number != -1 else 1)
    assert [p.pk for p in ours] == [p.pk for p in django]
    assert (ours.number, ours.paginator.count, ours.paginator.num_pages) == (
        django.number,
        django.paginator.count,
        django.paginator.num_pages,
    )


def test_a_page_and_its_total_are_one_query(persons):
    with CaptureQueriesContext(connection) as queries:
        page = OneQueryPaginator(persons, 10).get_page(2)
        assert (page.paginator.count, page.paginator.num_pages, len(page)) == (23, 3, 10)
    assert len(queries) == 1


def test_past_the_end_counts_and_gives_the_last_page(persons):
    with CaptureQueriesContext(connection) as queries:
        page = OneQueryPaginator(persons, 10).get_page(7)
        assert (page.number, len(page), page.paginator.count) == (3, 3, 23)
    assert len(queries) == 3  # the empty page, the count, the last page


def test_distinct_and_values_querysets_count_separately(persons):
    distinct = Person.objects.filter(family_name="Paging").order_by("given_name").distinct()
    assert page_of(distinct, 20, 10) == (23, list(distinct[20:30]))
    values = persons.values("given_name")
    total, rows = page_of(values, 0, 2)
    assert total == 23 and rows == [{"given_name": "Ola00"}, {"given_name": "Ola01"}]


def test_api_page_past_the_end_still_has_the_total(persons):
    assert page_of(persons, 100, 10) == (23, [])
    assert page_of(Person.objects.none(), 0, 10) == (0, [])


def test_an_empty_list_is_one_query():
    empty = Person.objects.filter(family_name="Nobody").order_by("pk")
    with CaptureQueriesContext(connection) as queries:
        page = OneQueryPaginator(empty, 10).get_page(1)
        assert (page.paginator.count, len(page), page.number) == (0, 0, 1)
        assert page_of(empty, 0, 10) == (0, [])
    assert len(queries) == 2
