"""Self-referrals per month and outcome: counted by month in the database, suppressed against the period's totals."""

from __future__ import annotations

from datetime import date

import pytest

from kindred.directory.models import SelfReferral
from kindred.reports import kpis
from kindred.reports.scopes import Geography, Period
from kindred.reports.tests import factories as make
from kindred.reports.tests.factories import at

pytestmark = pytest.mark.django_db

PERIOD = Period.months("2025-03", "2025-05")
S = SelfReferral.Status


def months_of(organisation, threshold: int) -> kpis.MonthFigure:
    geography = Geography()
    scope = geography.organisation(organisation.pk)
    totals = kpis.figure(kpis.get_metric("self_referrals"), scope, geography.parts(scope), PERIOD, threshold)
    return kpis.self_referrals_by_month(scope, PERIOD, totals, threshold)


def test_counts_per_month_and_outcome_with_the_period_edges():
    unit = make.organisation("Fyrlykta")
    make.self_referral(unit, at(date(2025, 2, 28), 23))  # the day before: not counted
    make.self_referral(unit, at(date(2025, 3, 1), 0, 5))
    make.self_referral(unit, at(date(2025, 3, 20)), S.CONVERTED)
    make.self_referral(unit, at(date(2025, 5, 31), 23, 30), S.CLOSED)
    make.self_referral(unit, at(date(2025, 6, 1)))  # the day after: not counted

    months = months_of(unit, threshold=1)

    assert months.months == [date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)]
    assert [key for key, _label in months.categories] == ["open", "converted", "closed"]
    assert months.table.cells == ((1, 1, 0), (0, 0, 0), (0, 0, 1))
    assert months.table.total == 3


def test_small_months_are_hidden_and_what_the_card_hides_stays_hidden():
    unit = make.organisation("Fyrlykta")
    for day in range(1, 9):
        make.self_referral(unit, at(date(2025, 3, day)))
    for day in range(1, 3):
        make.self_referral(unit, at(date(2025, 4, day)), S.CONVERTED)

    months = months_of(unit, threshold=5)

    assert all(v is None or v == 0 or v >= 5 for row in months.table.cells for v in row)
    assert months.table.cells[1][1] is None  # two converted in April
    assert months.table.column_totals[1] is None  # the card hides the 2 converted as well


def test_the_export_has_the_months(world, settings):
    settings.LANGUAGE_CODE = "en"
    make.self_referral(world.unit, at(date(2025, 3, 3)))

    response = world.client_for(world.analyst).get(
        "/statistics/export.csv", {"from_month": "2025-03", "to_month": "2025-05"}
    )

    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert "Self-referrals per month" in text and "March 2025" in text
