"""Holding a meeting: attendance of staff from the member organisations, shared documents, the pages, audit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kindred.audit.models import AccessLog
from kindred.forums import services
from kindred.forums.models import MeetingAttendance
from kindred.forums.tests.factories import network, pia, series

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def held(world):
    """The first meeting of a series that started last year."""
    return series(world, network(world), first=date(2025, 1, 14)).meetings.order_by("date").first()


def test_attendance_is_staff_of_the_member_organisations(world, held):
    bo = world.actor(world.child_responsible)
    eligible = {user.email for user, _membership in services.eligible_attendees(held)}
    assert "pia@example.no" in eligible and "bo@example.no" in eligible
    assert "otto@example.no" not in eligible
    assert services.record_attendance(bo, held, [world.child_responsible.pk, pia().pk]) == 2
    rows = {(a.user.email, a.organisation.name) for a in held.attendance.select_related("user", "organisation")}
    assert rows == {("bo@example.no", world.unit.name), ("pia@example.no", "Sandnes kommune, rus og psykisk helse")}
    audit = AccessLog.objects.get(object_type="forums.meeting", object_id=str(held.pk))
    assert audit.details == {"attendance": sorted([world.child_responsible.pk, pia().pk])}


def test_recording_again_replaces_the_attendance(world, held):
    bo = world.actor(world.child_responsible)
    services.record_attendance(bo, held, [world.child_responsible.pk, pia().pk])
    services.record_attendance(bo, held, [pia().pk, world.clinician.pk])
    assert set(held.attendance.values_list("user__email", flat=True)) == {"pia@example.no", "cora@example.no"}


def test_an_outsider_cannot_be_recorded_and_nothing_changes(world, held):
    bo = world.actor(world.child_responsible)
    services.record_attendance(bo, held, [world.child_responsible.pk])
    with pytest.raises(ValidationError, match="member organisations"):
        services.record_attendance(bo, held, [world.child_responsible.pk, world.outsider.pk])
    assert list(held.attendance.values_list("user_id", flat=True)) == [world.child_responsible.pk]


def test_attendance_waits_for_the_day_of_the_meeting(world):
    future = series(world, network(world), first=timezone.localdate() + timedelta(days=3)).meetings.first()
    with pytest.raises(ValidationError, match="from the day of the meeting"):
        services.record_attendance(world.actor(world.child_responsible), future, [world.child_responsible.pk])
    assert not MeetingAttendance.objects.exists()


def test_the_attendance_page_records_ticked_staff(world, held):
    client = world.client_for(world.clinician)
    url = reverse("forums:attendance", args=[held.pk])
    page = client.get(url).content.decode()
    assert "Pia Partner" in page and "Otto Outsider" not in page
    response = client.post(url, {"present": [str(pia().pk), str(world.clinician.pk)]})
    assert response.status_code == 302
    assert set(held.attendance.values_list("user_id", flat=True)) == {pia().pk, world.clinician.pk}
    # A value that is not an id is refused with a message, nothing changes.
    response = client.post(url, {"present": ["x"]})
    assert response.status_code == 200 and "Nothing was saved" in response.content.decode()
    assert held.attendance.count() == 2


def test_documents_are_shared_and_removed_with_audit_rows(world, held):
    bo = world.actor(world.child_responsible)
    document = services.add_document(bo, held, title="Veileder barn som pårørende", url="https://example.no/v.pdf")
    assert AccessLog.objects.filter(action="create", object_type="forums.shareddocument").count() == 1
    with pytest.raises(ValidationError):
        services.add_document(bo, held, title="Skript", url="javascript:alert(1)")
    services.remove_document(world.actor(pia()), document)
    assert not held.documents.exists()
    assert AccessLog.objects.filter(action="delete", object_type="forums.shareddocument").count() == 1


def test_only_planners_change_the_date(world, held):
    with pytest.raises(PermissionError):
        services.update_meeting(world.actor(world.clinician), held, {"date": date(2025, 1, 21)})
    services.update_meeting(world.actor(world.clinician), held, {"minutes": "Erfaringsdeling om barnesamtaler."})
    held.refresh_from_db()
    assert held.date == date(2025, 1, 14) and held.minutes.startswith("Erfaringsdeling")


def test_my_forums_lists_the_networks_series_and_upcoming_meetings(world):
    net = network(world)
    series(world, net, first=timezone.localdate() + timedelta(days=7), count=2)
    page = world.client_for(pia()).get(reverse("forums:list")).content.decode()
    assert "Månedlig forum for barneansvarlige" in page and 'data-testid="upcoming-row"' in page
    outsider_page = world.client_for(world.outsider).get(reverse("forums:list")).content.decode()
    assert "Månedlig forum" not in outsider_page


def test_the_web_form_plans_a_series_with_chosen_dates(world):
    net = network(world)
    client = world.client_for(world.coordinator)
    data = {
        "network": net.pk,
        "title": "Ressursgruppe barn og unge",
        "recurrence": "custom",
        "custom_dates": "10.03.2026\n2026-09-08",
        "start_time": "09:00",
        "duration_minutes": "120",
    }
    response = client.post(reverse("forums:series_new"), data)
    assert response.status_code == 302
    planned = net.meeting_series.get()
    assert list(planned.meetings.values_list("date", flat=True)) == [date(2026, 3, 10), date(2026, 9, 8)]
    response = client.post(reverse("forums:series_new"), {**data, "custom_dates": "neste tirsdag"})
    assert response.status_code == 200 and "is not a date" in response.content.decode()
    assert net.meeting_series.count() == 1


def test_printable_minutes_show_attendance_and_minutes(world, held):
    bo = world.actor(world.child_responsible)
    services.update_meeting(bo, held, {"minutes": "Vi delte erfaringer fra barnesamtaler."})
    services.record_attendance(bo, held, [pia().pk])
    page = world.client_for(world.analyst).get(reverse("forums:print", args=[held.pk])).content.decode()
    assert "Vi delte erfaringer fra barnesamtaler." in page and "Pia Partner" in page
