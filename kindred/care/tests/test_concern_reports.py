"""Concern reports to child welfare: lawful without consent, logged with their legal basis, feedback tracked."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import translation

from kindred.audit.models import AccessLog
from kindred.care.models import CONCERN_FEEDBACK_DAYS, ConcernReport
from kindred.care.services import ConcernData, record_concern_feedback, send_concern_report, visible_concern_reports
from kindred.care.tests.factories import patient_with_children, second_clinician, today

pytestmark = pytest.mark.django_db

REPORT = ConcernData(
    recipient="Barneverntjenesten i Stavanger",
    basis=ConcernReport.Basis.OWN_INITIATIVE,
    reason="Kim is left alone at night.",
    parent_informed=True,
    sent_on=None,  # today, filled in when sent
    recipient_municipality="1103",
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def family(world):
    episode, (kim,) = patient_with_children(world.actor(world.clinician), children=[("Kim", 8)])
    return episode, kim


def send(world, family, user=None, **changes) -> ConcernReport:
    episode, kim = family
    data = replace(REPORT, **{"sent_on": today(), **changes})
    return send_concern_report(world.actor(user or world.clinician), episode, kim, data)


def refused(world, family, **changes) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        send(world, family, **changes)
    assert not ConcernReport.objects.exists()
    return caught.value.message_dict


# --- Sending ------------------------------------------------------------------------------


def test_send_concern_report_records_the_report(world, family):
    episode, kim = family
    report = send(world, family, recipient="  Barneverntjenesten i Stavanger ", forwarding_contact=" Vakt ")
    report.refresh_from_db()
    assert (report.episode, report.child, report.sender) == (episode, kim, world.clinician)
    assert (report.recipient, report.recipient_municipality) == ("Barneverntjenesten i Stavanger", "1103")
    assert (report.basis, report.reason, report.parent_informed) == ("own_initiative", REPORT.reason, True)
    assert (report.forwarding_contact, report.sent_on) == ("Vakt", today())
    assert report.feedback_on is None and report.feedback_status == ""


def test_concern_report_is_logged_with_its_legal_basis_and_without_consent(world, family):
    _, kim = family
    report = send(world, family)
    row = AccessLog.objects.filter(object_type="care.concernreport").get()
    assert (row.action, row.object_id, row.subject, row.user) == ("create", str(report.pk), kim, world.clinician)
    assert row.reason == "Duty to notify on own initiative (helsepersonelloven §33)"
    assert row.details == {"concern_report": True, "basis": "own_initiative", "without_consent": True}


def test_danish_basis_is_logged_by_its_paragraph(world, family):
    send(world, family, basis=ConcernReport.Basis.DK_133)
    row = AccessLog.objects.filter(object_type="care.concernreport").get()
    assert "§133" in row.reason and row.details["basis"] == "dk_133"


def test_report_needs_a_reason_a_recipient_and_a_basis(world, family):
    errors = refused(world, family, reason="  ", recipient="", basis="because")
    assert errors == {
        "reason": ["Describe the reason for concern."],
        "recipient": ["Name the child welfare service that receives the report."],
        "basis": ["Choose the legal basis."],
    }
    assert not AccessLog.objects.filter(object_type="care.concernreport").exists()


@pytest.mark.parametrize("why", ["", "   "])
def test_parent_not_told_needs_a_reason_why(world, family, why):
    errors = refused(world, family, parent_informed=False, parent_not_informed_reason=why)
    assert errors == {"parent_not_informed_reason": ["Say why the parent was not told."]}


def test_parent_not_told_with_a_reason_is_accepted(world, family):
    report = send(world, family, parent_informed=False, parent_not_informed_reason=" Risk of violence ")
    assert (report.parent_informed, report.parent_not_informed_reason) == (False, "Risk of violence")


def test_report_sent_in_the_future_is_refused(world, family):
    assert set(refused(world, family, sent_on=today() + timedelta(days=1))) == {"sent_on"}


@pytest.mark.parametrize("number", ["11", "11033", "11a3"])
def test_municipality_number_has_three_or_four_digits(world, family, number):
    assert set(refused(world, family, recipient_municipality=number)) == {"recipient_municipality"}


def test_report_about_a_child_of_another_patient_is_not_found(world, family):
    _, (liv,) = patient_with_children(world.actor(world.clinician), given_name="Per", children=[("Liv", 4)])
    episode, _ = family
    with pytest.raises(Http404):
        send_concern_report(world.actor(world.clinician), episode, liv, replace(REPORT, sent_on=today()))
    assert not ConcernReport.objects.exists()


@pytest.mark.parametrize("persona", ["group_leader", "analyst", "admin"])
def test_roles_without_the_capability_cannot_send(world, family, persona):
    with pytest.raises(PermissionError):
        send(world, family, user=getattr(world, persona))
    assert not ConcernReport.objects.exists()


@pytest.mark.parametrize("persona", ["child_responsible", "coordinator"])
def test_child_responsible_staff_can_send(world, family, persona):
    assert send(world, family, user=getattr(world, persona)).sender == getattr(world, persona)


def test_visible_concern_reports_follow_the_access_rule(world, family):
    report = send(world, family)
    assert list(visible_concern_reports(world.actor(world.child_responsible))) == [report]
    assert not visible_concern_reports(world.actor(second_clinician(world.unit))).exists()
    assert not visible_concern_reports(world.actor(world.outsider)).exists()


# --- Feedback ---------------------------------------------------------------------------------


def sent_days_ago(report: ConcernReport, days: int) -> ConcernReport:
    ConcernReport.objects.filter(pk=report.pk).update(sent_on=today() - timedelta(days=days))
    report.refresh_from_db()
    return report


def test_feedback_is_overdue_after_21_days_without_feedback(world, family):
    report = send(world, family)
    assert CONCERN_FEEDBACK_DAYS == 21
    assert not report.feedback_overdue
    assert not sent_days_ago(report, 21).feedback_overdue
    assert report.feedback_due_on == today()
    assert sent_days_ago(report, 22).feedback_overdue


def test_feedback_ends_the_reminder(world, family):
    report = sent_days_ago(send(world, family), 30)
    record_concern_feedback(
        world.actor(world.clinician), report, feedback_on=today() - timedelta(days=2), status="investigating"
    )
    report.refresh_from_db()
    assert (report.feedback_on, report.feedback_status) == (today() - timedelta(days=2), "investigating")
    assert not report.feedback_overdue
    row = AccessLog.objects.first()
    assert (row.action, row.object_type, row.details) == ("change", "care.concernreport", {"feedback": "investigating"})


def test_feedback_before_the_report_was_sent_is_refused(world, family):
    report = sent_days_ago(send(world, family), 5)
    with pytest.raises(ValidationError) as caught:
        record_concern_feedback(
            world.actor(world.clinician), report, feedback_on=today() - timedelta(days=6), status="received"
        )
    assert caught.value.message_dict == {"feedback_on": ["Feedback cannot come before the report was sent."]}
    report.refresh_from_db()
    assert report.feedback_on is None and report.feedback_status == ""


def test_feedback_on_the_day_it_was_sent_is_accepted(world, family):
    report = sent_days_ago(send(world, family), 5)
    record_concern_feedback(world.actor(world.clinician), report, feedback_on=report.sent_on, status="received")
    assert report.feedback_on == report.sent_on


def test_feedback_in_the_future_is_refused(world, family):
    report = send(world, family)
    with pytest.raises(ValidationError) as caught:
        record_concern_feedback(
            world.actor(world.clinician), report, feedback_on=today() + timedelta(days=1), status="received"
        )
    assert caught.value.message_dict == {"feedback_on": ["The date cannot be in the future."]}
    report.refresh_from_db()
    assert report.feedback_on is None


@pytest.mark.parametrize("status", ["", "ignored"])
def test_feedback_needs_a_known_answer(world, family, status):
    report = send(world, family)
    with pytest.raises(ValidationError) as caught:
        record_concern_feedback(world.actor(world.clinician), report, feedback_on=today(), status=status)
    assert set(caught.value.message_dict) == {"feedback_status"}
    report.refresh_from_db()
    assert report.feedback_on is None


def test_group_leader_cannot_record_feedback(world, family):
    report = send(world, family)
    with pytest.raises(PermissionError):
        record_concern_feedback(world.actor(world.group_leader), report, feedback_on=today(), status="received")
    report.refresh_from_db()
    assert report.feedback_on is None
