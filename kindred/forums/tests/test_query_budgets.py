"""Query budgets of the forum and competence pages: as many queries for 3N rows as for N rows (no N+1)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kindred.competence import services as competence
from kindred.competence.tests.factories import course
from kindred.forums import services
from kindred.forums.tests.factories import network, series
from kindred.orgs.models import Organisation, Role
from kindred.testing import make_user

pytestmark = pytest.mark.django_db
N = 3


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _assert_flat(client, url: str, add) -> None:
    add(0, N)
    client.get(url)  # warm up the session
    few = _count(client, url)
    add(N, 2 * N)
    many = _count(client, url)
    assert many <= few, f"{url}: {few} queries for {N} rows, {many} for {3 * N}"


def _partners(world, net, start, count):
    """More member organisations with staff who attended, and documents."""
    from kindred.networks.models import NetworkMembership

    meeting = net.meeting_series.first().meetings.order_by("date").first()
    for i in range(start, start + count):
        org = Organisation.objects.create(name=f"Partner {i}", kind=Organisation.Kind.MUNICIPAL_SERVICE)
        NetworkMembership.objects.create(network=net, organisation=org, joined_on=date(2025, 1, 1))
        user = make_user(f"partner{i}@example.no", f"Partner {i}", org, Role.CHILD_RESPONSIBLE)
        ids = list(meeting.attendance.values_list("user_id", flat=True))
        services.record_attendance(world.actor(world.child_responsible), meeting, [*ids, user.pk])
        services.add_document(world.actor(world.child_responsible), meeting, title=f"Dok {i}", url="https://e.no/")
    return meeting


def test_the_meeting_pages(world):
    net = network(world)
    meeting = series(world, net, first=date(2025, 1, 14)).meetings.order_by("date").first()
    client = world.client_for(world.child_responsible)
    for name in ("forums:meeting", "forums:attendance", "forums:print"):
        url = reverse(name, args=[meeting.pk])
        offset = {"forums:meeting": 0, "forums:attendance": 100, "forums:print": 200}[name]
        _assert_flat(client, url, lambda start, count, o=offset: _partners(world, net, o + start, count))


def test_my_forums_and_a_series(world):
    net = network(world)
    planned = series(world, net, first=timezone.localdate() + timedelta(days=1), count=1)
    client = world.client_for(world.child_responsible)

    def more_series(start, count):
        for i in range(start, start + count):
            series(world, net, first=timezone.localdate() + timedelta(days=2 + i), count=2, title=f"Forum {i}")

    _assert_flat(client, reverse("forums:list"), more_series)

    def more_meetings(start, count):
        for i in range(start, start + count):
            services.add_meeting(world.actor(world.coordinator), planned, timezone.localdate() + timedelta(days=30 + i))

    _assert_flat(client, reverse("forums:series", args=[planned.pk]), more_meetings)


def test_the_competence_pages(world):
    basic = course()
    client = world.client_for(world.admin)

    def more_courses(start, count):
        for i in range(start, start + count):
            competence.enrol(world.actor(world.admin), course(title=f"Kurs {i}"))

    _assert_flat(client, reverse("competence:catalogue"), more_courses)

    def more_staff(start, count):
        for i in range(start, start + count):
            user = make_user(f"staff{i}@example.no", f"Staff {i}", world.unit, Role.CHILD_RESPONSIBLE)
            enrolment = competence.enrol(world.actor(world.admin), basic, user)
            competence.record_completion(world.actor(world.admin), enrolment, date(2024, 2, 1))

    _assert_flat(client, reverse("competence:course", args=[basic.pk]), more_staff)
    _assert_flat(client, reverse("competence:overview"), lambda start, count: more_staff(100 + start, count))
