"""The leader's overview of the child-responsible staff's training: who has it, who lacks it, who is due."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from kindred.competence import services
from kindred.competence.models import Course, Enrolment
from kindred.competence.services import TrainingState
from kindred.competence.tests.factories import course
from kindred.orgs.models import Membership, Role
from kindred.testing import make_user

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)


def _completed(user, organisation, training: Course, on: date) -> Enrolment:
    return Enrolment.objects.create(
        course=training, user=user, organisation=organisation, status=Enrolment.Status.COMPLETED, completed_on=on
    )


@pytest.fixture
def staff(world):
    """Bo (completed 2025: valid), Siv (completed 2023-07-01: due within 90 days), Tor (completed 2022: expired),
    Una (never: missing, but enrolled in the spring seminar), and Cora the clinician (not child-responsible)."""
    basic = course()
    seminar = course(title="Vårseminar", kind=Course.Kind.SEMINAR, starts_on=date(2026, 4, 20), valid_months=None)
    siv = make_user("siv@example.no", "Siv Due", world.unit, Role.CHILD_RESPONSIBLE)
    tor = make_user("tor@example.no", "Tor Expired", world.unit, Role.CHILD_RESPONSIBLE)
    una = make_user("una@example.no", "Una Untrained", world.unit, Role.CHILD_RESPONSIBLE)
    _completed(world.child_responsible, world.unit, basic, date(2025, 3, 1))
    _completed(siv, world.unit, basic, date(2023, 7, 1))
    _completed(tor, world.unit, basic, date(2022, 1, 15))
    _completed(world.clinician, world.unit, basic, date(2025, 3, 1))
    Enrolment.objects.create(course=seminar, user=una, organisation=world.unit)
    return {"basic": basic, "seminar": seminar, "siv": siv, "tor": tor, "una": una}


def test_the_overview_shows_the_gaps_first(world, staff):
    rows = services.child_responsible_training(world.actor(world.admin), today=TODAY)
    states = [(row.user.email, row.state) for row in rows]
    assert states == [
        ("una@example.no", TrainingState.MISSING),
        ("tor@example.no", TrainingState.EXPIRED),
        ("siv@example.no", TrainingState.DUE),
        ("bo@example.no", TrainingState.VALID),
    ]
    by_email = {row.user.email: row for row in rows}
    assert by_email["una@example.no"].enrolled_in == staff["seminar"]
    assert by_email["siv@example.no"].due_on == date(2026, 7, 1)
    assert by_email["bo@example.no"].completion.completed_on == date(2025, 3, 1)
    assert [row.is_gap for row in rows] == [True, True, True, False]


def test_a_training_that_never_expires_wins_over_one_that_does(world, staff):
    _completed(staff["tor"], world.unit, staff["seminar"], date(2026, 4, 20))
    rows = {r.user.email: r for r in services.child_responsible_training(world.actor(world.admin), today=TODAY)}
    assert rows["tor@example.no"].state == TrainingState.VALID and rows["tor@example.no"].due_on is None


def test_a_completion_for_another_organisation_counts(world, staff):
    Membership.objects.create(user=staff["una"], organisation=world.other, role=Role.CLINICIAN)
    _completed(staff["una"], world.other, staff["basic"], date(2026, 2, 1))
    rows = {r.user.email: r for r in services.child_responsible_training(world.actor(world.admin), today=TODAY)}
    assert rows["una@example.no"].state == TrainingState.VALID


def test_only_leaders_see_the_overview(world, staff, settings):
    settings.LANGUAGE_CODE = "en"
    with pytest.raises(PermissionError):
        services.child_responsible_training(world.actor(world.child_responsible))
    assert world.client_for(world.coordinator).get(reverse("competence:overview")).status_code == 403
    response = world.client_for(world.admin).get(reverse("competence:overview"))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('data-testid="training-row"') == 4
    assert "Una Untrained" in page and "Cora Clinician" not in page
    api = world.client_for(world.admin).get("/api/v1/competence/child-responsible-training").json()
    assert {row["user"]["full_name"]: row["state"] for row in api}["Una Untrained"] == "missing"
    assert world.client_for(world.clinician).get("/api/v1/competence/child-responsible-training").status_code == 403


def test_the_overview_makes_the_same_queries_for_more_staff(world, staff, django_assert_max_num_queries):
    actor = world.actor(world.admin)
    with django_assert_max_num_queries(2):
        services.child_responsible_training(actor, today=TODAY)
    for n in range(6):
        user = make_user(f"extra{n}@example.no", f"Extra {n}", world.unit, Role.CHILD_RESPONSIBLE)
        _completed(user, world.unit, staff["basic"], date(2025, 1, 1))
    with django_assert_max_num_queries(2):
        assert len(services.child_responsible_training(actor, today=TODAY)) == 10
