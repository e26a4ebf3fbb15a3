"""The statistics cache (kindred.reports.kpis.cached): a figure is computed once per period, scope and
threshold, served from the cache within STATISTICS_CACHE_SECONDS, and the page says when it was computed."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kindred.reports import kpis
from kindred.reports.scopes import Geography, Period
from kindred.testing import make_user

PERIOD = Period(date(2025, 1, 1), date(2025, 12, 31))


@pytest.fixture
def cache_on(settings):
    settings.STATISTICS_CACHE_SECONDS = 300
    settings.LANGUAGE_CODE = "en"


def _figure(scope, geography):
    metric = kpis.get_metric("children_question")
    return kpis.figure(metric, scope, geography.parts(scope), PERIOD, 5, geography=geography)


def test_a_figure_is_computed_once_and_then_served_from_the_cache(world, cache_on):
    geography = Geography()
    scope = geography.organisation(world.unit.pk)
    with CaptureQueriesContext(connection) as first:
        before = _figure(scope, geography)
    with CaptureQueriesContext(connection) as second:
        again = _figure(scope, geography)
    assert len(first.captured_queries) > 0
    assert len(second.captured_queries) == 0
    assert again.table == before.table and again.computed_at == before.computed_at


def test_without_the_cache_every_figure_is_counted_again(world, settings):
    settings.STATISTICS_CACHE_SECONDS = 0
    geography = Geography()
    scope = geography.organisation(world.unit.pk)
    _figure(scope, geography)
    with CaptureQueriesContext(connection) as again:
        _figure(scope, geography)
    assert len(again.captured_queries) > 0


def test_the_dashboard_says_when_its_figures_were_computed(world, cache_on):
    analyst = make_user("analyst-cache@example.no", "Ada Analyst", world.unit, "analyst")
    client = world.client_for(analyst)
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-testid="computed-at"' in text
    assert "updated at most every 5 minutes" in text


def test_the_dashboard_has_no_freshness_note_when_it_counts_live(world, settings):
    settings.STATISTICS_CACHE_SECONDS = 0
    analyst = make_user("analyst-live@example.no", "Ada Analyst", world.unit, "analyst")
    response = world.client_for(analyst).get(reverse("reports:dashboard"))
    assert response.status_code == 200
    assert 'data-testid="computed-at"' not in response.content.decode()
