"""The catalogue, enrolment and completion: who may do what, refusals that change nothing, and audit rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from kindred.audit.models import AccessLog
from kindred.competence import services
from kindred.competence.models import Course, Enrolment
from kindred.competence.tests.factories import centre, course
from kindred.orgs.models import Role
from kindred.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def teacher():
    """The competence centre's admin, who keeps its courses."""
    return make_user("tea@example.no", "Tea Teacher", centre(), Role.ORG_ADMIN)


def test_the_catalogue_holds_open_courses_and_the_own_organisations(world):
    open_course = course()
    own = course(provider=world.unit, title="Internopplæring", open_to_all=False)
    closed_elsewhere = course(provider=world.other, title="Bare for Annen kommune", open_to_all=False)
    assert set(services.catalogue(world.actor(world.clinician))) == {open_course, own}
    assert set(services.catalogue(world.actor(world.outsider))) == {open_course, closed_elsewhere}
    response = world.client_for(world.outsider).get(reverse("competence:course", args=[own.pk]))
    assert response.status_code == 404


def test_a_staff_member_enrols_and_the_leader_records_completion(world):
    basic = course()
    bo = world.actor(world.child_responsible)
    enrolment = services.enrol(bo, basic)
    assert (enrolment.user, enrolment.organisation, enrolment.status) == (
        world.child_responsible,
        world.unit,
        "enrolled",
    )
    with pytest.raises(ValidationError, match="already enrolled"):
        services.enrol(bo, basic)
    with pytest.raises(PermissionError):  # a staff member does not record their own completion
        services.record_completion(bo, enrolment, date(2024, 2, 1))
    services.record_completion(world.actor(world.admin), enrolment, date(2024, 2, 1))
    enrolment.refresh_from_db()
    assert enrolment.status == "completed" and enrolment.completed_on == date(2024, 2, 1)
    assert enrolment.completion_recorded_by == world.admin and enrolment.completion_recorded_at is not None
    rows = AccessLog.objects.filter(object_type="competence.enrolment", object_id=str(enrolment.pk))
    assert sorted(rows.values_list("action", "user__email")) == [
        ("change", "ada@example.no"),
        ("create", "bo@example.no"),
    ]


def test_the_provider_records_completion_for_staff_of_other_organisations(world, teacher):
    basic = course()
    enrolment = services.enrol(world.actor(world.outsider), basic)
    assert services.get_enrolment(world.actor(teacher), enrolment.pk) == enrolment
    services.record_completion(world.actor(teacher), enrolment, date(2024, 3, 1))
    # The unit's admin neither sees nor records it.
    with pytest.raises(Http404):
        services.get_enrolment(world.actor(world.admin), enrolment.pk)
    assert not services.can_record_completion(world.actor(world.admin), enrolment)


def test_bad_completion_dates_are_refused_and_nothing_changes(world):
    basic = course()
    enrolment = services.enrol(world.actor(world.child_responsible), basic)
    admin = world.actor(world.admin)
    for day, message in (
        (timezone.localdate() + timedelta(days=1), "future"),
        (date(2023, 12, 31), "before it started"),
        (None, "Give the day"),
    ):
        with pytest.raises(ValidationError, match=message):
            services.record_completion(admin, enrolment, day)
    enrolment.refresh_from_db()
    assert enrolment.status == "enrolled" and enrolment.completed_on is None
    assert not AccessLog.objects.filter(action="change", object_type="competence.enrolment").exists()


def test_a_leader_enrols_own_staff_only(world):
    basic = course()
    client = world.client_for(world.admin)
    url = reverse("competence:course_enrol", args=[basic.pk])
    assert client.post(url, {"user": world.child_responsible.pk}).status_code == 302
    response = client.post(url, {"user": world.outsider.pk})
    assert response.status_code == 200 and "Choose a member of your organisation." in response.content.decode()
    assert set(Enrolment.objects.values_list("user__email", flat=True)) == {"bo@example.no"}
    # A staff member who is not a leader cannot enrol others.
    response = world.client_for(world.clinician).post(url, {"user": world.analyst.pk})
    assert response.status_code == 403
    assert world.client_for(world.clinician).post(url).status_code == 302  # but enrols herself
    assert Enrolment.objects.filter(user=world.clinician).exists()


def test_the_course_page_records_completion(world):
    basic = course()
    enrolment = services.enrol(world.actor(world.child_responsible), basic)
    client = world.client_for(world.admin)
    page = client.get(reverse("competence:course", args=[basic.pk])).content.decode()
    assert 'data-testid="completion-form"' in page
    url = reverse("competence:enrolment_complete", args=[enrolment.pk])
    response = client.post(url, {f"c{enrolment.pk}-completed_on": "2030-01-01"})
    assert response.status_code == 200 and "cannot be in the future" in response.content.decode()
    response = client.post(url, {f"c{enrolment.pk}-completed_on": "2024-02-02"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.completed_on == date(2024, 2, 2)
    other = world.client_for(world.clinician).post(url, {f"c{enrolment.pk}-completed_on": "2024-02-03"})
    assert other.status_code == 404  # not her enrolment, nor her organisation's to record


def test_admins_keep_their_organisations_courses(world, teacher):
    client = world.client_for(teacher)
    data = {
        "title": "Høstseminar 2026",
        "kind": "seminar",
        "starts_on": "2026-10-15",
        "ends_on": "2026-10-16",
        "open_to_all": "on",
        "active": "on",
    }
    response = client.post(reverse("competence:course_new"), data)
    assert response.status_code == 302
    seminar = Course.objects.get(title="Høstseminar 2026")
    assert seminar.provider == centre()
    assert AccessLog.objects.filter(object_type="competence.course", action="create").count() == 1
    response = client.post(reverse("competence:course_new"), {**data, "title": "Feil", "ends_on": "2026-10-01"})
    assert response.status_code == 200 and "cannot be before the first day" in response.content.decode()
    assert not Course.objects.filter(title="Feil").exists()
    # Another organisation's admin may see the open course but not edit it; a clinician may not add courses.
    assert world.client_for(world.admin).get(reverse("competence:course_edit", args=[seminar.pk])).status_code == 403
    assert world.client_for(world.clinician).get(reverse("competence:course_new")).status_code == 403


@pytest.mark.parametrize(
    ("persona", "catalogue", "overview", "course_new"),
    [
        ("clinician", 200, 403, 403),
        ("child_responsible", 200, 403, 403),
        ("coordinator", 200, 403, 403),
        ("group_leader", 200, 403, 403),
        ("analyst", 200, 403, 403),
        ("admin", 200, 200, 200),
        ("outsider", 200, 403, 403),
    ],
)
def test_page_permissions(world, persona, catalogue, overview, course_new):
    client = world.client_for(getattr(world, persona))
    assert client.get(reverse("competence:catalogue")).status_code == catalogue
    assert client.get(reverse("competence:overview")).status_code == overview
    assert client.get(reverse("competence:course_new")).status_code == course_new


def test_anonymous_visitors_log_in_first(client):
    for name in ("competence:catalogue", "competence:overview", "competence:course_new"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response.url
    assert client.get("/api/v1/competence/courses").status_code == 401


def test_the_api_enrols_and_records_completion(world):
    basic = course()
    bo = world.client_for(world.child_responsible)
    assert bo.get("/api/v1/competence/courses").json()["count"] == 1
    response = bo.post(f"/api/v1/competence/courses/{basic.pk}/enrolments", {}, content_type="application/json")
    assert response.status_code == 201
    enrolment_id = response.json()["id"]
    admin = world.client_for(world.admin)
    url = f"/api/v1/competence/enrolments/{enrolment_id}/completion"
    assert admin.post(url, {"completed_on": "2999-01-01"}, content_type="application/json").status_code == 422
    response = admin.post(url, {"completed_on": "2024-05-05"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["completion_recorded_by"]["full_name"] == "Ada Admin"
    assert (
        world.client_for(world.outsider)
        .post(url, {"completed_on": "2024-05-05"}, content_type="application/json")
        .status_code
        == 404
    )
