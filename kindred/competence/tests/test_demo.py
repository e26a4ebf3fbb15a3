"""The demo data seeds the standard child-responsible course, the spring and autumn seminars and the forums."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from kindred.competence.models import Course, Enrolment
from kindred.forums.models import Meeting, MeetingAttendance, MeetingSeries

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_courses_seminars_and_forums():
    call_command("demo_data", stdout=None)
    call_command("demo_data", stdout=None)  # idempotent
    keys = set(Course.objects.values_list("key", flat=True))
    assert "child-responsible-basic" in keys
    assert any(key.startswith("spring-seminar-") for key in keys) and any(k.startswith("autumn-seminar-") for k in keys)
    assert Course.objects.get(key="child-responsible-basic").child_responsible_training
    assert Enrolment.objects.filter(status="completed", user__email="barneansvarlig@demo.kindred.no").count() == 1
    assert set(MeetingSeries.objects.values_list("recurrence", flat=True)) == {"monthly", "twice_half_year", "custom"}
    held = Meeting.objects.exclude(minutes="").get()
    assert MeetingAttendance.objects.filter(meeting=held).count() >= 2
