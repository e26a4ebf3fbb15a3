"""Meeting dates from a recurrence: monthly on the same weekday and week, twice a half-year, chosen dates."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

import pytest
from django.core.exceptions import ValidationError

from kindred.audit.models import AccessLog
from kindred.forums import services
from kindred.forums.models import Meeting, MeetingSeries
from kindred.forums.tests.factories import network, series
from kindred.orgs.models import Role
from kindred.testing import make_user

R = MeetingSeries.Recurrence


def test_monthly_keeps_the_weekday_and_the_week_of_the_month():
    # 13 January 2026 is the second Tuesday.
    dates = services.recurring_dates(R.MONTHLY, date(2026, 1, 13), 4)
    assert dates == [date(2026, 1, 13), date(2026, 2, 10), date(2026, 3, 10), date(2026, 4, 14)]
    assert {d.weekday() for d in dates} == {1}


def test_a_fifth_week_becomes_the_last_weekday_of_a_shorter_month():
    # 29 January 2026 is the fifth Thursday; February 2026 has four Thursdays.
    dates = services.recurring_dates(R.MONTHLY, date(2026, 1, 29), 3)
    assert dates == [date(2026, 1, 29), date(2026, 2, 26), date(2026, 3, 26)]


def test_monthly_crosses_the_new_year():
    dates = services.recurring_dates(R.MONTHLY, date(2026, 11, 3), 3)
    assert dates == [date(2026, 11, 3), date(2026, 12, 1), date(2027, 1, 5)]


def test_twice_a_half_year_gives_two_meetings_in_each_half_year():
    dates = services.recurring_dates(R.TWICE_A_HALF_YEAR, date(2026, 2, 4), 6)
    assert dates == [
        date(2026, 2, 4),
        date(2026, 5, 6),
        date(2026, 8, 5),
        date(2026, 11, 4),
        date(2027, 2, 3),
        date(2027, 5, 5),
    ]
    halves = [(d.year, d.month > 6) for d in dates]
    assert all(halves.count(half) == 2 for half in set(halves))


def test_chosen_dates_are_sorted_without_repeats():
    chosen = [date(2026, 9, 1), date(2026, 3, 2), date(2026, 9, 1)]
    assert services.recurring_dates(R.CUSTOM, date(2026, 1, 1), 1, chosen) == [date(2026, 3, 2), date(2026, 9, 1)]


@pytest.mark.django_db
def test_planning_a_series_dates_its_meetings_and_writes_an_audit_row(world):
    net = network(world)
    planned = series(world, net, count=5)
    assert list(planned.meetings.values_list("date", flat=True)) == services.recurring_dates(
        R.MONTHLY, date(2026, 1, 13), 5
    )
    assert set(planned.meetings.values_list("place", flat=True)) == {"Møterom Fjorden"}
    row = AccessLog.objects.get(object_type="forums.meetingseries", object_id=str(planned.pk))
    assert row.action == AccessLog.Action.CREATE and row.details == {"network": net.pk, "meetings": 5}
    assert row.user == world.child_responsible


@pytest.mark.django_db
def test_generated_dates_can_be_changed_one_by_one(world):
    planned = series(world, network(world), count=3)
    second = planned.meetings.order_by("date")[1]
    services.update_meeting(world.actor(world.coordinator), second, {"date": date(2026, 2, 17)})
    assert list(planned.meetings.order_by("date").values_list("date", flat=True)) == [
        date(2026, 1, 13),
        date(2026, 2, 17),
        date(2026, 3, 10),
    ]


@pytest.mark.django_db
def test_a_series_is_only_planned_for_own_networks_and_by_roles_that_plan(world):
    net = network(world)
    data = services.SeriesData(net.pk, "Forum", R.MONTHLY, time(13, 0), first_date=date(2026, 1, 5))
    with pytest.raises(PermissionError):  # a clinician takes part but does not plan
        services.plan_series(world.actor(world.clinician), data)
    foreign = make_user("fred@example.no", "Fred Foreign", world.other, Role.COORDINATOR)
    with pytest.raises(ValidationError) as error:
        services.plan_series(world.actor(foreign), data)
    assert "network" in error.value.message_dict
    assert not MeetingSeries.objects.exists() and not Meeting.objects.exists()


@pytest.mark.django_db
def test_chosen_dates_are_needed_for_a_custom_series(world):
    with pytest.raises(ValidationError) as error:
        services.plan_series(
            world.actor(world.coordinator),
            services.SeriesData(network(world).pk, "Ressursgruppe", R.CUSTOM, time(13, 0), custom_dates=[]),
        )
    assert "custom_dates" in error.value.message_dict


@pytest.mark.django_db
def test_dates_far_outside_the_years_of_use_are_refused(world):
    data = services.SeriesData(network(world).pk, "Forum", R.MONTHLY, time(13, 0), first_date=date(9999, 12, 1))
    with pytest.raises(ValidationError) as error:
        services.plan_series(world.actor(world.coordinator), replace(data, count=52))
    assert "first_date" in error.value.message_dict
    assert not Meeting.objects.exists()
