"""Applying the rules: what is due at the edge of each period, what goes with it, what stays, and the audit."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kindred.audit.models import AccessLog, AppendOnlyError
from kindred.audit.services import Action
from kindred.care.models import ChildSheet, ConcernReport, Episode, InformationGiven, Task
from kindred.directory.models import SelfReferral
from kindred.instruments.models import Response
from kindred.people.models import Person
from kindred.programs.models import Attendance, Enrolment, Participant, Run
from kindred.retention.models import RecordType
from kindred.retention.services import apply_retention, months_before, report
from kindred.retention.tests.helpers import (
    aware,
    clinical_record,
    programme_record,
    rule,
    self_referral,
    self_test,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


def due(lines, organisation, record_type) -> int:
    (line,) = [x for x in lines if x.organisation == organisation and x.rule.record_type == record_type]
    return line.due


# --- Clinical record ----------------------------------------------------------------------------------------


def test_clinical_record_is_due_on_the_day_its_period_has_passed_and_not_the_day_before(world, today):
    rule(world.unit, RecordType.CLINICAL, 120)
    cutoff = months_before(today, 120)
    old, _kid = clinical_record(world, ended_on=cutoff, given_name="Pia")
    young, _kid2 = clinical_record(world, ended_on=cutoff + timedelta(days=1), given_name="Per", child_name="Kari")

    assert due(report(today, [world.unit]), world.unit, RecordType.CLINICAL) == 1
    apply_retention(today)

    assert not Episode.objects.filter(pk=old.pk).exists()
    assert Episode.objects.filter(pk=young.pk).exists()
    # Everything of the old record went with it; the young record is whole.
    for model in (ChildSheet, InformationGiven, Task, ConcernReport):
        assert not model.objects.filter(episode_id=old.pk).exists(), model
        assert model.objects.filter(episode_id=young.pk).exists(), model
    assert not Response.objects.filter(episode_id=old.pk).exists()
    assert Response.objects.filter(episode_id=young.pk).exists()


def test_norwegian_clinical_records_are_kept_without_a_rule_of_the_organisation(world, today):
    episode, _kid = clinical_record(world, ended_on=today - timedelta(days=365 * 40))
    assert due(report(today, [world.unit]), world.unit, RecordType.CLINICAL) == 0
    apply_retention(today)
    assert Episode.objects.filter(pk=episode.pk).exists()


def test_an_open_or_newer_episode_keeps_the_patients_whole_record(world, today):
    rule(world.unit, RecordType.CLINICAL, 120)
    old, _kid = clinical_record(world, ended_on=today - timedelta(days=365 * 15))
    from kindred.care.services import EpisodeData, open_episode

    open_episode(world.actor(world.clinician), old.patient, EpisodeData(kind=Episode.Kind.OUTPATIENT, started_on=today))
    apply_retention(today)
    assert Episode.objects.filter(pk=old.pk).exists()


def test_activity_after_discharge_keeps_the_record(world, today):
    rule(world.unit, RecordType.CLINICAL, 120)
    cutoff = months_before(today, 120)
    episode, _kid = clinical_record(world, ended_on=cutoff)
    ConcernReport.objects.filter(episode=episode).update(feedback_on=cutoff + timedelta(days=1))
    assert due(report(today, [world.unit]), world.unit, RecordType.CLINICAL) == 0


def test_deleting_a_clinical_record_keeps_the_persons_and_the_access_log_intact(world, today):
    rule(world.unit, RecordType.CLINICAL, 120)
    episode, kid = clinical_record(world, ended_on=months_before(today, 121))
    patient = episode.patient
    before = list(
        AccessLog.objects.order_by("pk").values_list("pk", "subject_id", "action", "object_type", "object_id")
    )
    about_episode = AccessLog.objects.filter(object_type="care.episode", object_id=str(episode.pk)).count()
    assert about_episode >= 1

    apply_retention(today)

    assert not Episode.objects.filter(pk=episode.pk).exists()
    assert Person.objects.filter(pk__in=[patient.pk, kid.pk]).count() == 2
    after = list(
        AccessLog.objects.filter(pk__lte=before[-1][0])
        .order_by("pk")
        .values_list("pk", "subject_id", "action", "object_type", "object_id")
    )
    assert after == before
    # The deletion is in the trail: one row per episode, about the patient, and one for the run.
    deleted = AccessLog.objects.filter(pk__gt=before[-1][0], action=Action.DELETE)
    per_episode = deleted.get(object_type="care.episode")
    assert (per_episode.object_id, per_episode.subject, per_episode.organisation) == (
        str(episode.pk),
        patient,
        world.unit,
    )
    summary = deleted.get(object_type="retention.clinical")
    assert summary.organisation == world.unit and summary.via == "cli"
    assert summary.details["records"] == 1 and summary.details["months"] == 120
    assert summary.details["rows"]["care.ChildSheet"] == 1


# --- Relatives' programme data ------------------------------------------------------------------------------


def test_programme_data_is_due_when_the_last_session_is_exactly_one_period_old(world, today):
    cutoff = months_before(today, 60)
    _run, old_participant, old_enrolment = programme_record(world, last_session=cutoff, name="Tone")
    _run2, young_participant, young_enrolment = programme_record(
        world, last_session=cutoff + timedelta(days=1), name="Unni"
    )

    assert due(report(today, [world.unit]), world.unit, RecordType.PROGRAMME) == 2  # the enrolment and the participant
    apply_retention(today)

    assert not Enrolment.objects.filter(pk=old_enrolment.pk).exists()
    assert not Attendance.objects.filter(enrolment_id=old_enrolment.pk).exists()
    assert not Participant.objects.filter(pk=old_participant.pk).exists()
    assert Enrolment.objects.filter(pk=young_enrolment.pk).exists()
    assert Attendance.objects.filter(enrolment=young_enrolment).exists()
    assert Participant.objects.filter(pk=young_participant.pk).exists()


def test_a_run_still_planned_keeps_its_enrolments(world, today):
    _run, _participant, enrolment = programme_record(
        world, last_session=today - timedelta(days=365 * 8), status=Run.Status.PLANNED
    )
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.ENROLLED)
    assert due(report(today, [world.unit]), world.unit, RecordType.PROGRAMME) == 0


def test_a_participant_with_a_newer_enrolment_is_kept(world, today):
    _run, participant, enrolment = programme_record(world, last_session=today - timedelta(days=365 * 8))
    newer = programme_record(world, last_session=today - timedelta(days=30), name="Other")[0]
    Enrolment.objects.create(run=newer, participant=participant, status=Enrolment.Status.COMPLETED)
    apply_retention(today)
    assert not Enrolment.objects.filter(pk=enrolment.pk).exists()
    assert Participant.objects.filter(pk=participant.pk).exists()


# --- Self-referrals never converted -------------------------------------------------------------------------


def test_self_referrals_are_due_a_period_after_closing_or_receipt_and_never_when_converted(world, today):
    cutoff = months_before(today, 12)
    closed_at_edge = self_referral(world.unit, received=cutoff - timedelta(days=20), closed=cutoff)
    closed_later = self_referral(world.unit, received=cutoff - timedelta(days=20), closed=cutoff + timedelta(days=1))
    never_handled = self_referral(world.unit, received=cutoff)
    received_later = self_referral(world.unit, received=cutoff + timedelta(days=1))
    converted = self_referral(
        world.unit, received=cutoff - timedelta(days=400), closed=cutoff - timedelta(days=300), status="converted"
    )

    assert due(report(today, [world.unit]), world.unit, RecordType.SELF_REFERRAL) == 2
    apply_retention(today)

    remaining = set(SelfReferral.objects.values_list("pk", flat=True))
    assert remaining == {closed_later.pk, received_later.pk, converted.pk}
    assert closed_at_edge.pk not in remaining and never_handled.pk not in remaining


# --- Anonymous answers --------------------------------------------------------------------------------------


def test_anonymous_answers_are_due_on_the_day_and_answers_about_persons_are_not(world, today):
    cutoff = months_before(today, 60)
    old, young = self_test(cutoff), self_test(cutoff + timedelta(days=1))
    episode, _kid = clinical_record(world, ended_on=cutoff - timedelta(days=10))  # kept: Norwegian clinical record

    lines = report(today)
    assert due(lines, None, RecordType.ANONYMOUS) == 1
    assert due(lines, world.unit, RecordType.ANONYMOUS) == 0
    apply_retention(today)

    assert not Response.objects.filter(pk=old.pk).exists()
    assert Response.objects.filter(pk=young.pk).exists()
    assert Response.objects.filter(episode=episode).exists()


# --- Access log ---------------------------------------------------------------------------------------------


def test_access_log_rows_go_only_under_their_own_rule_on_the_day(world, today):
    cutoff = months_before(today, 120)
    logged = {}
    for name, organisation, day in [
        ("edge", world.unit, cutoff),
        ("young", world.unit, cutoff + timedelta(days=1)),
        ("other", world.other, cutoff - timedelta(days=1)),
    ]:
        logged[name] = AccessLog.objects.create(
            at=aware(day), organisation=organisation, action=Action.VIEW, object_type="x"
        )
    rule(world.other, RecordType.ACCESS_LOG, 240)

    lines = report(today)
    assert due(lines, world.unit, RecordType.ACCESS_LOG) == 1
    assert due(lines, world.other, RecordType.ACCESS_LOG) == 0
    apply_retention(today)

    remaining = set(AccessLog.objects.values_list("pk", flat=True))
    assert logged["edge"].pk not in remaining
    assert {logged["young"].pk, logged["other"].pk} <= remaining
    summary = AccessLog.objects.get(object_type="retention.access_log")
    assert summary.action == Action.DELETE and summary.details["records"] == 1
    # The ordinary ways still refuse.
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=logged["young"].pk).delete()


# --- Dry run and refusals -----------------------------------------------------------------------------------


def test_a_dry_run_reports_but_changes_nothing(world, today):
    rule(world.unit, RecordType.CLINICAL, 120)
    clinical_record(world, ended_on=months_before(today, 130))
    programme_record(world, last_session=months_before(today, 70))
    self_referral(world.unit, received=months_before(today, 20))
    self_test(months_before(today, 70))
    AccessLog.objects.create(at=aware(months_before(today, 130)), organisation=world.unit, action=Action.VIEW)
    counts = {
        m: m.objects.count() for m in (Episode, ChildSheet, Enrolment, Participant, SelfReferral, Response, AccessLog)
    }

    lines = apply_retention(today, dry_run=True)

    assert {(x.rule.record_type, x.due) for x in lines if x.organisation == world.unit and x.due} == {
        (RecordType.CLINICAL, 1),
        (RecordType.PROGRAMME, 2),
        (RecordType.SELF_REFERRAL, 1),
        (RecordType.ACCESS_LOG, 1),
    }
    assert due(lines, None, RecordType.ANONYMOUS) == 1
    assert all(x.deleted == 0 for x in lines)
    assert {m: m.objects.count() for m in counts} == counts


def test_a_real_run_for_a_future_day_is_refused_and_deletes_nothing(world, today):
    self_test(months_before(today, 70))
    with pytest.raises(ValidationError):
        apply_retention(today + timedelta(days=1))
    assert Response.objects.count() == 1
    assert due(apply_retention(today + timedelta(days=1), dry_run=True), None, RecordType.ANONYMOUS) == 1


def test_referrals_about_the_patient_are_not_part_of_the_clinical_record_and_stay(world, today):
    from kindred.referrals.models import Referral

    rule(world.unit, RecordType.CLINICAL, 120)
    episode, _kid = clinical_record(world, ended_on=months_before(today, 130))
    Referral.objects.create(
        from_organisation=world.unit, to_organisation=world.other, person=episode.patient, reason="Oppfølging"
    )
    apply_retention(today)
    assert not Episode.objects.filter(pk=episode.pk).exists()
    assert Referral.objects.filter(person=episode.patient).exists()
