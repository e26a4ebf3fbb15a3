"""Programme services against the real database: templates, runs and sessions, the waiting list, attendance and
completion, who sees what, session notes and measures, and the audit trail."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client
from django.utils import timezone, translation

from kindred import messaging
from kindred.audit.models import AccessLog
from kindred.care import services as care
from kindred.instruments.models import Response
from kindred.orgs.models import Role
from kindred.people.access import visible_enrolments, visible_participants, visible_persons, visible_runs
from kindred.people.models import Person
from kindred.people.services import PersonData, possible_duplicates
from kindred.programs import services
from kindred.programs.builtin import BUILTIN_TEMPLATES
from kindred.programs.models import (
    Attendance,
    Enrolment,
    Participant,
    ProgrammeTemplate,
    Run,
    SessionForm,
    SessionNote,
)
from kindred.programs.tests import factories
from kindred.testing import make_user

pytestmark = pytest.mark.django_db

S = Enrolment.Status
BRIEF = "stress-strain-coping-support"  # 5 sessions a week apart, no pre-interview, complete at 4
GROUP = "self-help-group"  # 12 sessions two weeks apart, pre-interview, complete at 8
DROP_IN = "meeting-place"
SEMINAR = "relatives-seminar"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def today():
    return timezone.localdate()


def refused(call, *args, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    error = caught.value
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


def coordinator(world):
    return world.actor(world.coordinator)


def leader(world):
    return world.actor(world.group_leader)


def run_data(run: Run, **changes) -> services.RunData:
    """The run's current values as RunData, with `changes`."""
    values = {
        "title": run.title,
        "starts_on": run.starts_on,
        "start_time": run.start_time,
        "venue": run.venue,
        "online": run.online,
        "capacity": run.capacity,
        "duration_minutes": run.duration_minutes,
        "leader_ids": list(run.leaders.values_list("pk", flat=True)),
    }
    values.update(changes)
    return services.RunData(**values)


def statuses(run: Run) -> dict[str, str]:
    return dict(run.enrolments.values_list("participant__name", "status"))


def attend(world, enrolment: Enrolment, sessions, status="present") -> None:
    for session in sessions:
        services.record_attendance(leader(world), session, {enrolment.pk: status})


# --- Templates ---------------------------------------------------------------------------------------


def test_sync_builtin_templates_is_idempotent_and_keeps_edits(db):
    services.sync_builtin_templates()
    services.sync_builtin_templates()
    builtins = ProgrammeTemplate.objects.filter(organisation__isnull=True)
    assert sorted(builtins.values_list("key", flat=True)) == sorted(spec["key"] for spec in BUILTIN_TEMPLATES)
    ProgrammeTemplate.objects.filter(key=GROUP).update(name="Changed by the operator")
    services.sync_builtin_templates()
    assert ProgrammeTemplate.objects.get(key=GROUP).name == "Changed by the operator"
    assert builtins.count() == len(BUILTIN_TEMPLATES)


@pytest.mark.parametrize("spec", BUILTIN_TEMPLATES, ids=[spec["key"] for spec in BUILTIN_TEMPLATES])
def test_every_builtin_template_plans_a_run_with_its_sessions(world, spec):
    first = today() + timedelta(days=10)
    template = factories.builtin(spec["key"])
    run = services.plan_run(
        coordinator(world),
        template,
        services.RunData(
            title="Høsten",
            starts_on=first,
            start_time=time(18, 30),
            venue="Kirkegata 1",
            leader_ids=[world.group_leader.pk],
        ),
    )
    sessions = list(run.sessions.order_by("number"))
    assert len(sessions) == len(spec["sessions"])
    assert [s.number for s in sessions] == list(range(1, len(spec["sessions"]) + 1))
    assert [s.title for s in sessions] == [item["title"] for item in spec["sessions"]]
    assert [s.description for s in sessions] == [item["description"] for item in spec["sessions"]]
    assert [s.form for s in sessions] == [item["form"] for item in spec["sessions"]]
    interval = spec.get("interval_days", 7)
    assert [s.date for s in sessions] == [first + timedelta(days=n * interval) for n in range(len(sessions))]
    assert {s.start_time for s in sessions} == {time(18, 30)}
    assert not any(s.cancelled for s in sessions)
    assert run.capacity == spec["max_participants"]
    assert (run.organisation, run.status, run.created_by) == (world.unit, Run.Status.PLANNED, world.coordinator)
    assert list(run.leaders.all()) == [world.group_leader]


def test_the_brief_intervention_copies_its_session_forms(world):
    run = factories.run(world, BRIEF)
    assert list(run.sessions.order_by("number").values_list("form", flat=True)) == [
        SessionForm.STRESSES,
        SessionForm.INFORMATION,
        SessionForm.COPING,
        SessionForm.NETWORK,
        SessionForm.NEEDS,
    ]


def test_templates_for_shows_builtins_and_own_only(world):
    own = services.copy_template(coordinator(world), factories.builtin(SEMINAR))
    other_admin = make_user("olga@example.no", "Olga Admin", world.other, Role.ORG_ADMIN)
    theirs = services.copy_template(world.actor(other_admin), factories.builtin(SEMINAR))
    visible = set(services.templates_for(coordinator(world)))
    assert own in visible and theirs not in visible
    assert {t.key for t in visible if t.is_builtin} == {spec["key"] for spec in BUILTIN_TEMPLATES}
    assert list(services.templates_for(world.actor(world.group_leader)))  # leaders plan nothing, but may look
    for persona in (world.clinician, world.analyst, world.outsider):
        assert not services.templates_for(world.actor(persona)).exists()
    with pytest.raises(Http404):
        services.get_template(coordinator(world), theirs.pk)


def test_copy_template_makes_an_editable_copy_for_the_organisation(world):
    builtin = factories.builtin(GROUP)
    copy = services.copy_template(coordinator(world), builtin)
    assert copy.pk != builtin.pk
    assert (copy.organisation, copy.based_on, copy.key, copy.is_builtin) == (world.unit, builtin, "", False)
    assert (copy.name, copy.sessions, copy.pre_interview) == (builtin.name, builtin.sessions, True)

    changed = services.save_template(
        coordinator(world),
        copy,
        {"name": "Vår egen selvhjelpsgruppe", "sessions": builtin.sessions[:10], "completion_min_sessions": 6},
    )
    changed.refresh_from_db()
    assert (changed.name, len(changed.sessions), changed.completion_min_sessions) == (
        "Vår egen selvhjelpsgruppe",
        10,
        6,
    )
    builtin.refresh_from_db()
    assert len(builtin.sessions) == 12 and builtin.name != changed.name
    assert AccessLog.objects.filter(
        action="create",
        object_type="programs.programmetemplate",
        object_id=str(copy.pk),
        details={"copy_of": builtin.pk},
    ).exists()
    assert AccessLog.objects.filter(action="change", object_type="programs.programmetemplate").exists()


def test_the_organisation_admin_may_copy_and_a_group_leader_may_not(world):
    copy = services.copy_template(world.actor(world.admin), factories.builtin(SEMINAR))
    assert copy.organisation == world.unit
    with pytest.raises(PermissionError):
        services.copy_template(leader(world), factories.builtin(SEMINAR))
    with pytest.raises(PermissionError):
        services.save_template(leader(world), copy, {"name": "Nei"})


def test_save_template_creates_a_new_template(world):
    template = services.save_template(
        coordinator(world),
        None,
        {
            "name": "Samtalegruppe",
            "kind": ProgrammeTemplate.Kind.SELF_HELP_GROUP,
            "sessions": [{"title": "  Første  "}, {"title": "Andre", "form": "coping"}],
            "completion_min_sessions": 2,
            "measures": ["coping_questionnaire"],
        },
    )
    template.refresh_from_db()
    assert template.organisation == world.unit
    assert template.sessions == [
        {"title": "Første", "description": "", "form": ""},
        {"title": "Andre", "description": "", "form": "coping"},
    ]
    assert AccessLog.objects.filter(
        action="create", object_type="programs.programmetemplate", object_id=str(template.pk)
    ).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"sessions": []}, "sessions"),
        ({"sessions": "not a list"}, "sessions"),
        ({"sessions": [{"title": ""}]}, "sessions"),
        ({"sessions": [{"title": "Én", "form": "poetry"}]}, "sessions"),
        ({"sessions": [{"title": f"S{n}"} for n in range(53)]}, "sessions"),
        ({"sessions": [{"title": "Én"}, {"title": "To"}], "completion_min_sessions": 3}, "completion_min_sessions"),
        ({"min_participants": 9, "max_participants": 8}, "min_participants"),
        ({"measures": ["coping_questionnaire", "no_such_instrument"]}, "measures"),
        ({"measures": "coping_questionnaire"}, "measures"),
        ({"interval_days": 0}, "interval_days"),
    ],
)
def test_save_template_refuses_invalid_data_and_keeps_the_template(world, data, field):
    copy = services.copy_template(coordinator(world), factories.builtin(BRIEF))
    before = (copy.sessions, copy.completion_min_sessions, copy.min_participants, copy.measures)
    errors = refused(services.save_template, coordinator(world), copy, data)
    assert field in errors
    copy.refresh_from_db()
    assert (copy.sessions, copy.completion_min_sessions, copy.min_participants, copy.measures) == before


def test_editing_a_builtin_or_another_organisations_template_is_refused(world):
    builtin = factories.builtin(BRIEF)
    with pytest.raises(PermissionError):
        services.save_template(coordinator(world), builtin, {"name": "Mitt navn"})
    other_admin = make_user("olga@example.no", "Olga Admin", world.other, Role.ORG_ADMIN)
    theirs = services.copy_template(world.actor(other_admin), builtin)
    with pytest.raises(PermissionError):
        services.save_template(coordinator(world), theirs, {"name": "Mitt navn"})
    builtin.refresh_from_db()
    theirs.refresh_from_db()
    assert builtin.name != "Mitt navn" and theirs.name != "Mitt navn"


# --- Planning runs -----------------------------------------------------------------------------------


def _data(world, **fields) -> services.RunData:
    values = {
        "title": "Gruppe",
        "starts_on": today() + timedelta(days=7),
        "start_time": time(18, 0),
        "venue": "Kirkegata 1",
        "leader_ids": [world.group_leader.pk],
    }
    values.update(fields)
    return services.RunData(**values)


def test_plan_run_needs_a_venue_or_online(world):
    template = factories.builtin(BRIEF)
    errors = refused(services.plan_run, coordinator(world), template, _data(world, venue="  "))
    assert "venue" in errors
    run = services.plan_run(coordinator(world), template, _data(world, venue="", online=True))
    assert run.online and run.venue == ""


def test_plan_run_refuses_a_blank_title_and_a_start_too_far_ahead(world):
    template = factories.builtin(BRIEF)
    assert "title" in refused(services.plan_run, coordinator(world), template, _data(world, title=" "))
    far = today() + timedelta(days=3 * 366)
    assert "starts_on" in refused(services.plan_run, coordinator(world), template, _data(world, starts_on=far))
    assert not Run.objects.exists()


@pytest.mark.parametrize("persona", ["clinician", "analyst", "admin", "outsider"])
def test_plan_run_refuses_leaders_who_may_not_lead(world, persona):
    errors = refused(
        services.plan_run,
        coordinator(world),
        factories.builtin(BRIEF),
        _data(world, leader_ids=[getattr(world, persona).pk]),
    )
    assert "leaders" in errors
    assert not Run.objects.exists()


def test_plan_run_accepts_coordinators_and_group_leaders_as_leaders(world):
    run = services.plan_run(
        coordinator(world),
        factories.builtin(BRIEF),
        _data(world, leader_ids=[world.group_leader.pk, world.coordinator.pk]),
    )
    assert set(run.leaders.all()) == {world.group_leader, world.coordinator}
    assert set(services.leader_choices(world.unit)) == {world.group_leader, world.coordinator}


def test_plan_run_refuses_an_inactive_template(world):
    copy = services.copy_template(coordinator(world), factories.builtin(BRIEF))
    services.save_template(coordinator(world), copy, {"active": False})
    errors = refused(services.plan_run, coordinator(world), copy, _data(world))
    assert "template" in errors
    assert not Run.objects.exists()


@pytest.mark.parametrize("persona", ["group_leader", "clinician", "admin", "analyst"])
def test_only_programme_managers_plan_runs(world, persona):
    with pytest.raises(PermissionError):
        services.plan_run(world.actor(getattr(world, persona)), factories.builtin(BRIEF), _data(world))


def test_update_session_moves_it_and_clears_the_reminder(world):
    run = factories.run(world, BRIEF, starts_on=today() + timedelta(days=3))
    session = run.sessions.get(number=2)
    session.reminded_at = timezone.now()
    session.save()
    services.update_session(
        coordinator(world), session, day=session.date + timedelta(days=1), start_time=time(17, 0), title="Ny tittel"
    )
    session.refresh_from_db()
    assert (session.date, session.start_time, session.title, session.reminded_at) == (
        run.starts_on + timedelta(days=8),
        time(17, 0),
        "Ny tittel",
        None,
    )
    assert "title" in refused(
        services.update_session, coordinator(world), session, day=session.date, start_time=time(17, 0), title=""
    )


def test_cancel_run_withdraws_everyone_and_needs_a_reason(world):
    run = factories.run(world, BRIEF, capacity=1)
    services.enrol(coordinator(world), run, factories.participant(world, "Anne"))
    services.enrol(coordinator(world), run, factories.participant(world, "Berit"))
    assert "reason" in refused(services.cancel_run, coordinator(world), run, "  ")
    services.cancel_run(coordinator(world), run, "For få påmeldte")
    run.refresh_from_db()
    assert run.status == Run.Status.CANCELLED
    assert set(run.enrolments.values_list("status", "end_reason")) == {(S.WITHDRAWN, "For få påmeldte")}
    assert refused(services.update_run, coordinator(world), run, run_data(run, title="Ny"))


# --- Participants, enrolment and the waiting list ----------------------------------------------------


def test_register_participant_needs_a_name_and_a_way_to_reach_them(world):
    errors = refused(services.register_participant, coordinator(world), services.ParticipantData(name=" "))
    assert {"name", "phone"} <= set(errors)
    errors = refused(
        services.register_participant,
        coordinator(world),
        services.ParticipantData(name="Tone", email="tone@example.no", reminders="sms"),
    )
    assert "reminders" in errors
    errors = refused(
        services.register_participant,
        coordinator(world),
        services.ParticipantData(name="Tone", phone="912 34 567", reminders="email"),
    )
    assert "reminders" in errors
    errors = refused(
        services.register_participant, coordinator(world), services.ParticipantData(name="Tone", phone="12")
    )
    assert "phone" in errors
    with pytest.raises(PermissionError):
        services.register_participant(leader(world), services.ParticipantData(name="Tone", phone="912 34 567"))
    assert not Participant.objects.exists()


def test_the_waiting_list_fills_in_order_and_a_withdrawal_promotes_the_longest_waiting(world):
    run = factories.run(world, BRIEF, capacity=2, title="Mestringskurs")
    people = [
        factories.participant(world, "Anne"),
        factories.participant(world, "Berit"),
        factories.participant(world, "Cecilie", phone="+47 915 08 588", reminders="sms"),
        factories.participant(world, "Dina", email="dina@example.no", reminders="email"),
    ]
    enrolments = [services.enrol(coordinator(world), run, p) for p in people]
    assert [e.status for e in enrolments] == [S.ENROLLED, S.ENROLLED, S.WAITING, S.WAITING]
    assert enrolments[0].enrolled_at and enrolments[2].waiting_since <= enrolments[3].waiting_since
    waiting = run.enrolments.filter(status=S.WAITING).order_by("waiting_since", "id")
    assert [e.participant.name for e in waiting] == ["Cecilie", "Dina"]
    assert messaging.outbox == [] and mail.outbox == []

    services.withdraw(coordinator(world), enrolments[0], "Flyttet")
    assert statuses(run) == {"Anne": S.WITHDRAWN, "Berit": S.ENROLLED, "Cecilie": S.ENROLLED, "Dina": S.WAITING}
    anne = Enrolment.objects.get(pk=enrolments[0].pk)
    assert (anne.end_reason, anne.ended_at is not None) == ("Flyttet", True)
    cecilie = Enrolment.objects.get(pk=enrolments[2].pk)
    assert cecilie.enrolled_at is not None
    assert len(messaging.outbox) == 1
    message = messaging.outbox[0]
    assert message.to == "+47 915 08 588"
    assert "Mestringskurs" in message.text and len(message.text) <= messaging.SMS_LENGTH
    assert mail.outbox == []
    assert AccessLog.objects.filter(
        action="change",
        object_type="programs.enrolment",
        object_id=str(cecilie.pk),
        details={"promoted_from_waiting_list": True},
    ).exists()


def test_a_promotion_by_email_goes_to_the_participants_address(world):
    run = factories.run(world, BRIEF, capacity=1, title="Mestringskurs")
    first = services.enrol(coordinator(world), run, factories.participant(world, "Anne"))
    services.enrol(
        coordinator(world), run, factories.participant(world, "Dina", email="dina@example.no", reminders="email")
    )
    services.withdraw(coordinator(world), first)
    assert statuses(run)["Dina"] == S.ENROLLED
    assert messaging.outbox == []
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["dina@example.no"]
    assert "Mestringskurs" in mail.outbox[0].body
    assert mail.outbox[0].subject == world.unit.name


def test_a_promotion_without_a_reminder_channel_sends_nothing(world):
    run = factories.run(world, BRIEF, capacity=1)
    first = services.enrol(coordinator(world), run, factories.participant(world, "Anne"))
    services.enrol(coordinator(world), run, factories.participant(world, "Berit"))
    services.withdraw(coordinator(world), first)
    assert statuses(run)["Berit"] == S.ENROLLED
    assert messaging.outbox == [] and mail.outbox == []


def test_withdrawing_someone_waiting_promotes_nobody(world):
    run = factories.run(world, BRIEF, capacity=1)
    services.enrol(coordinator(world), run, factories.participant(world, "Anne", reminders="sms"))
    second = services.enrol(coordinator(world), run, factories.participant(world, "Berit", reminders="sms"))
    third = services.enrol(coordinator(world), run, factories.participant(world, "Cecilie", reminders="sms"))
    services.withdraw(coordinator(world), second)
    assert statuses(run) == {"Anne": S.ENROLLED, "Berit": S.WITHDRAWN, "Cecilie": S.WAITING}
    assert messaging.outbox == []
    assert refused(services.withdraw, coordinator(world), second)  # already left
    third.refresh_from_db()
    assert third.status == S.WAITING


def test_raising_the_capacity_promotes_from_the_waiting_list(world):
    run = factories.run(world, BRIEF, capacity=1, title="Mestringskurs")
    for name in ("Anne", "Berit", "Cecilie"):
        services.enrol(coordinator(world), run, factories.participant(world, name, reminders="sms"))
    services.update_run(coordinator(world), run, run_data(run, capacity=2))
    run.refresh_from_db()
    assert run.capacity == 2
    assert statuses(run) == {"Anne": S.ENROLLED, "Berit": S.ENROLLED, "Cecilie": S.WAITING}
    assert len(messaging.outbox) == 1 and "Mestringskurs" in messaging.outbox[0].text
    services.update_run(coordinator(world), run, run_data(run, capacity=5))
    assert set(statuses(run).values()) == {S.ENROLLED}


def test_lowering_the_capacity_below_the_enrolled_is_refused(world):
    run = factories.run(world, BRIEF, capacity=3)
    for name in ("Anne", "Berit", "Cecilie"):
        services.enrol(coordinator(world), run, factories.participant(world, name))
    assert "capacity" in refused(services.update_run, coordinator(world), run, run_data(run, capacity=2))
    run.refresh_from_db()
    assert run.capacity == 3
    services.update_run(coordinator(world), run, run_data(run, capacity=3, title="Nytt navn"))
    run.refresh_from_db()
    assert run.title == "Nytt navn"


def test_update_run_changes_the_leaders(world):
    run = factories.run(world, BRIEF)
    services.update_run(coordinator(world), run, run_data(run, leader_ids=[world.coordinator.pk]))
    assert list(run.leaders.all()) == [world.coordinator]
    assert "leaders" in refused(
        services.update_run, coordinator(world), run, run_data(run, leader_ids=[world.clinician.pk])
    )


def test_a_pre_interview_programme_starts_in_interview(world):
    run = factories.run(world, GROUP, capacity=1)
    first = services.enrol(coordinator(world), run, factories.participant(world, "Anne"))
    second = services.enrol(coordinator(world), run, factories.participant(world, "Berit"))
    assert (first.status, second.status) == (S.INTERVIEW, S.INTERVIEW)

    services.record_interview(leader(world), first, outcome="suitable", held_on=today(), note="Passer godt")
    services.record_interview(leader(world), second, outcome="suitable", held_on=today())
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.interview_outcome, first.interview_on, first.interview_note) == (
        S.ENROLLED,
        "suitable",
        today(),
        "Passer godt",
    )
    assert second.status == S.WAITING and second.waiting_since is not None
    assert refused(services.record_interview, leader(world), first, outcome="suitable", held_on=today())


def test_better_helped_elsewhere_needs_where_and_ends_as_referred(world):
    run = factories.run(world, GROUP)
    enrolment = services.enrol(coordinator(world), run, factories.participant(world, "Anne"))
    assert "referred_to" in refused(
        services.record_interview, leader(world), enrolment, outcome="elsewhere", held_on=today()
    )
    assert "outcome" in refused(services.record_interview, leader(world), enrolment, outcome="maybe", held_on=today())
    assert "held_on" in refused(
        services.record_interview,
        leader(world),
        enrolment,
        outcome="suitable",
        held_on=today() + timedelta(days=1),
    )
    enrolment.refresh_from_db()
    assert enrolment.status == S.INTERVIEW
    services.record_interview(
        leader(world), enrolment, outcome="elsewhere", held_on=today(), referred_to="  Familieterapi  "
    )
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.referred_to, enrolment.ended_at is not None) == (
        S.REFERRED,
        "Familieterapi",
        True,
    )


def test_the_same_participant_cannot_enrol_twice(world):
    run = factories.run(world, BRIEF)
    tone = factories.participant(world)
    services.enrol(coordinator(world), run, tone)
    errors = refused(services.enrol, coordinator(world), run, tone)
    assert errors == {"__all__": ["Tone is already signed up for this run."]}
    assert run.enrolments.count() == 1


def test_a_drop_in_run_takes_no_enrolment(world):
    run = factories.run(world, DROP_IN)
    assert refused(services.enrol, coordinator(world), run, factories.participant(world))
    assert not Enrolment.objects.exists()


def test_enrolment_is_refused_for_a_participant_of_another_organisation_and_for_group_leaders(world):
    run = factories.run(world, BRIEF)
    other_coordinator = make_user("olav@example.no", "Olav Coordinator", world.other, Role.COORDINATOR)
    theirs = services.register_participant(
        world.actor(other_coordinator), services.ParticipantData(name="Ukjent", phone="912 34 567")
    )
    with pytest.raises(Http404):
        services.enrol(coordinator(world), run, theirs)
    with pytest.raises(PermissionError):
        services.enrol(leader(world), run, factories.participant(world))


# --- Attendance and completion -----------------------------------------------------------------------


@pytest.fixture
def held_run(world):
    """The brief intervention begun 30 days ago: all five sessions have been held. Anne and Berit are enrolled,
    Cecilie waits."""
    run = factories.run(world, BRIEF, starts_on=today() - timedelta(days=30), capacity=2)
    enrolments = {
        name: services.enrol(coordinator(world), run, factories.participant(world, name))
        for name in ("Anne", "Berit", "Cecilie")
    }
    return run, enrolments, list(run.sessions.order_by("number"))


def test_attendance_is_recorded_for_enrolled_participants(world, held_run):
    run, e, sessions = held_run
    count = services.record_attendance(leader(world), sessions[0], {e["Anne"].pk: "present", e["Berit"].pk: "excused"})
    assert count == 2
    assert dict(sessions[0].attendance.values_list("enrolment__participant__name", "status")) == {
        "Anne": "present",
        "Berit": "excused",
    }
    services.record_attendance(leader(world), sessions[0], {e["Berit"].pk: "absent"})
    assert sessions[0].attendance.get(enrolment=e["Berit"]).status == "absent"
    assert Attendance.objects.count() == 2
    sheet = services.attendance_sheet(sessions[0])
    assert [(enrolment.participant.name, status) for enrolment, status in sheet] == [
        ("Anne", "present"),
        ("Berit", "absent"),
    ]
    assert AccessLog.objects.filter(
        action="change", object_type="programs.run", object_id=str(run.pk), details={"attendance": 1, "count": 2}
    ).exists()


def test_attendance_is_refused_for_someone_not_enrolled_and_for_a_bad_status(world, held_run):
    _run, e, sessions = held_run
    errors = refused(services.record_attendance, leader(world), sessions[0], {e["Cecilie"].pk: "present"})
    assert errors == {"__all__": ["Attendance is recorded for enrolled participants only."]}
    assert refused(services.record_attendance, leader(world), sessions[0], {e["Anne"].pk: "late"})
    assert refused(services.record_attendance, leader(world), sessions[0], {e["Anne"].pk: "present", 999999: "present"})
    assert not Attendance.objects.exists()


def test_attendance_is_refused_for_future_and_cancelled_sessions(world):
    run = factories.run(world, BRIEF)  # began yesterday: session 2 is in six days
    enrolment = services.enrol(coordinator(world), run, factories.participant(world))
    first, second = run.sessions.order_by("number")[:2]
    errors = refused(services.record_attendance, leader(world), second, {enrolment.pk: "present"})
    assert errors == {"__all__": ["The session has not taken place yet."]}
    services.update_session(
        coordinator(world), first, day=first.date, start_time=first.start_time, title=first.title, cancelled=True
    )
    errors = refused(services.record_attendance, leader(world), first, {enrolment.pk: "present"})
    assert errors == {"__all__": ["The session is cancelled."]}
    assert not Attendance.objects.exists()


def test_attendance_is_refused_for_drop_in_runs(world):
    run = factories.run(world, DROP_IN)
    errors = refused(services.record_attendance, leader(world), run.sessions.get(number=1), {})
    assert errors == {"__all__": ["Drop-in gatherings count heads; they have no attendance list."]}


def test_attendance_by_a_leader_of_another_run_is_not_found(world, held_run):
    _run, e, sessions = held_run
    other_leader = make_user("gunn@example.no", "Gunn Groupleader", world.unit, Role.GROUP_LEADER)
    with pytest.raises(Http404):
        services.record_attendance(world.actor(other_leader), sessions[0], {e["Anne"].pk: "present"})
    with pytest.raises(PermissionError):
        services.record_attendance(world.actor(world.clinician), sessions[0], {e["Anne"].pk: "present"})


def test_complete_needs_the_templates_number_of_sessions(world, held_run):
    run, e, sessions = held_run
    assert run.template.completion_min_sessions == 4
    attend(world, e["Anne"], sessions[:3])
    attend(world, e["Anne"], sessions[3:4], status="excused")
    errors = refused(services.complete, leader(world), e["Anne"])
    assert errors == {"__all__": ["Anne attended 3 of the 4 sessions needed to complete."]}
    attend(world, e["Anne"], sessions[3:4])
    assert services.attended_count(e["Anne"]) == 4
    services.complete(leader(world), e["Anne"])
    e["Anne"].refresh_from_db()
    assert e["Anne"].status == S.COMPLETED and e["Anne"].ended_at is not None
    assert refused(services.complete, leader(world), e["Anne"])  # only once
    assert refused(services.complete, leader(world), e["Cecilie"])  # waiting, not enrolled


def test_finish_run_completes_by_the_rule_and_closes_the_waiting_list(world, held_run):
    run, e, sessions = held_run
    attend(world, e["Anne"], sessions[:4])
    attend(world, e["Berit"], sessions[:2])
    attend(world, e["Berit"], sessions[2:], status="absent")
    services.finish_run(coordinator(world), run)
    run.refresh_from_db()
    assert run.status == Run.Status.FINISHED
    assert statuses(run) == {"Anne": S.COMPLETED, "Berit": S.NOT_COMPLETED, "Cecilie": S.WITHDRAWN}
    assert Enrolment.objects.get(pk=e["Cecilie"].pk).end_reason == "The run ended."
    assert all(row.ended_at is not None for row in run.enrolments.all())
    assert AccessLog.objects.filter(
        action="change", object_type="programs.run", details={"finished": True, "completed": 1}
    ).exists()
    # A finished run is closed for changes.
    assert refused(services.record_attendance, leader(world), sessions[0], {e["Anne"].pk: "absent"})
    assert refused(services.finish_run, coordinator(world), run)
    assert refused(services.enrol, coordinator(world), run, factories.participant(world, "Dagny"))
    with pytest.raises(PermissionError):
        services.finish_run(leader(world), run)


def test_a_one_session_seminar_completes_with_one_attendance(world):
    run = factories.run(world, SEMINAR)
    enrolment = services.enrol(coordinator(world), run, factories.participant(world))
    attend(world, enrolment, run.sessions.all())
    services.complete(leader(world), enrolment)
    assert Enrolment.objects.get(pk=enrolment.pk).status == S.COMPLETED


def test_head_counts_for_drop_in_runs_only_and_within_range(world):
    run = factories.run(world, DROP_IN)
    first, second = run.sessions.order_by("number")[:2]
    services.record_head_count(leader(world), first, 0)
    services.record_head_count(leader(world), first, 5000)
    first.refresh_from_db()
    assert first.head_count == 5000
    for bad in (-1, 5001, "12", 2.5):
        assert "head_count" in refused(services.record_head_count, leader(world), first, bad)
    first.refresh_from_db()
    assert first.head_count == 5000
    assert refused(services.record_head_count, leader(world), second, 10)  # not yet held
    brief = factories.run(world, BRIEF)
    errors = refused(services.record_head_count, leader(world), brief.sessions.get(number=1), 10)
    assert errors == {"__all__": ["Head counts are for drop-in gatherings; record attendance instead."]}
    assert AccessLog.objects.filter(
        action="change", object_type="programs.run", object_id=str(run.pk), details={"head_count": 0, "session": 1}
    ).exists()


def test_evaluations_are_anonymous_and_rated_one_to_five(world):
    run = factories.run(world, BRIEF)
    session = run.sessions.get(number=1)
    evaluation = services.add_evaluation(leader(world), session, rating=5, comment=" Nyttig ")
    assert (evaluation.rating, evaluation.comment) == (5, "Nyttig")
    assert "rating" in refused(services.add_evaluation, leader(world), session, rating=6)
    assert "comment" in refused(services.add_evaluation, leader(world), session, rating=3, comment="x" * 501)
    assert refused(services.add_evaluation, leader(world), run.sessions.get(number=2), rating=3)


# --- Who sees what -----------------------------------------------------------------------------------


@pytest.fixture
def two_runs(world):
    """Run A led by Grete (the group leader), run B led by another group leader; one participant in each."""
    gunn = make_user("gunn@example.no", "Gunn Groupleader", world.unit, Role.GROUP_LEADER)
    run_a = factories.run(world, BRIEF, title="A")
    run_b = factories.run(world, BRIEF, title="B", leaders=[gunn])
    anne = factories.participant(world, "Anne")
    berit = factories.participant(world, "Berit")
    unenrolled = factories.participant(world, "Cecilie")
    enrol_a = services.enrol(coordinator(world), run_a, anne)
    enrol_b = services.enrol(coordinator(world), run_b, berit)
    return {"a": run_a, "b": run_b, "anne": anne, "berit": berit, "cecilie": unenrolled, "ea": enrol_a, "eb": enrol_b}


def test_a_group_leader_sees_only_the_runs_they_lead(world, two_runs):
    actor = leader(world)
    assert list(visible_runs(actor)) == [two_runs["a"]]
    assert list(visible_enrolments(actor)) == [two_runs["ea"]]
    assert list(visible_participants(actor)) == [two_runs["anne"]]
    assert [r.pk for r in services.runs_for(actor)] == [two_runs["a"].pk]
    with pytest.raises(Http404):
        services.get_run(actor, two_runs["b"].pk)
    with pytest.raises(Http404):
        services.get_enrolment(actor, two_runs["eb"].pk)
    with pytest.raises(Http404):
        services.get_participant(actor, two_runs["berit"].pk)
    with pytest.raises(Http404):
        services.get_session(actor, two_runs["b"].sessions.first().pk)
    assert services.get_run(actor, two_runs["a"].pk) == two_runs["a"]


def test_the_coordinator_sees_every_run_of_the_organisation(world, two_runs):
    actor = coordinator(world)
    assert set(visible_runs(actor)) == {two_runs["a"], two_runs["b"]}
    assert set(visible_enrolments(actor)) == {two_runs["ea"], two_runs["eb"]}
    assert set(visible_participants(actor)) == {two_runs["anne"], two_runs["berit"], two_runs["cecilie"]}
    listed = {r.title: (r.enrolled, r.waiting) for r in services.runs_for(actor)}
    assert listed == {"A": (1, 0), "B": (1, 0)}


@pytest.mark.parametrize("persona", ["outsider", "analyst", "clinician", "admin", "other_coordinator"])
def test_others_see_no_runs_enrolments_or_participants(world, two_runs, persona):
    if persona == "other_coordinator":
        user = make_user("olav@example.no", "Olav Coordinator", world.other, Role.COORDINATOR)
    else:
        user = getattr(world, persona)
    actor = world.actor(user)
    assert not visible_runs(actor).exists()
    assert not visible_enrolments(actor).exists()
    assert not visible_participants(actor).exists()
    with pytest.raises(Http404):
        services.get_run(actor, two_runs["a"].pk)
    with pytest.raises(Http404):
        services.get_participant(actor, two_runs["anne"].pk)


def test_reads_are_audited(world, two_runs):
    services.get_run(leader(world), two_runs["a"].pk)
    services.get_enrolment(leader(world), two_runs["ea"].pk)
    services.get_participant(coordinator(world), two_runs["berit"].pk)
    rows = set(AccessLog.objects.filter(action="view").values_list("user", "object_type", "object_id"))
    assert rows >= {
        (world.group_leader.pk, "programs.run", str(two_runs["a"].pk)),
        (world.group_leader.pk, "programs.enrolment", str(two_runs["ea"].pk)),
        (world.coordinator.pk, "programs.participant", str(two_runs["berit"].pk)),
    }


PSEUDONYM = "Solsikke"


@pytest.fixture
def pseudonymous(world):
    """A participant known only by a pseudonym, enrolled in a run, next to a patient of the unit."""
    persons_before = Person.objects.count()
    run = factories.run(world, BRIEF)
    participant = factories.participant(world, PSEUDONYM, email="sol@example.no", birth_year=1975, relation="partner")
    services.enrol(coordinator(world), run, participant)
    assert Person.objects.count() == persons_before
    care.register_patient(
        world.actor(world.clinician),
        PersonData(given_name="Pia", family_name="Pasient", birth_year=1980),
        care.EpisodeData(kind="outpatient", started_on=today()),
    )
    return participant


def test_a_pseudonymous_participant_is_no_person(world, pseudonymous):
    assert pseudonymous.person is None
    assert not Person.objects.filter(given_name__icontains=PSEUDONYM).exists()
    assert not Person.objects.filter(family_name__icontains=PSEUDONYM).exists()
    assert Person.objects.count() == 1  # only the patient
    assert not AccessLog.objects.filter(object_type="programs.participant", subject__isnull=False).exists()


@pytest.mark.parametrize(
    "persona", ["clinician", "child_responsible", "coordinator", "group_leader", "analyst", "admin", "outsider"]
)
def test_a_pseudonymous_participant_is_never_found_by_a_person_search(world, pseudonymous, persona):
    actor = world.actor(getattr(world, persona))
    names = {str(p) for p in visible_persons(actor)} | {p.display_name for p in visible_persons(actor)}
    assert not any(PSEUDONYM in name for name in names)
    assert not visible_persons(actor).filter(given_name__icontains=PSEUDONYM).exists()
    assert not possible_duplicates(
        actor, PersonData(given_name=PSEUDONYM, family_name="X", birth_date=today())
    ).exists()


@pytest.mark.parametrize("persona", ["clinician", "coordinator", "group_leader", "outsider"])
def test_the_person_list_of_the_api_never_shows_a_pseudonymous_participant(world, pseudonymous, persona):
    client: Client = world.client_for(getattr(world, persona))
    response = client.get("/api/v1/persons?limit=100")
    assert response.status_code == 200
    assert PSEUDONYM not in response.content.decode()
    if persona in ("clinician", "coordinator"):
        assert "Pia Pasient" in response.content.decode()  # the list works: the patient is there


def test_a_participant_may_be_linked_to_a_person(world):
    actor = world.actor(world.coordinator)
    episode = care.register_patient(
        actor,
        PersonData(given_name="Randi", family_name="Relativ", birth_year=1970, sex="female"),
        care.EpisodeData(kind="relative", started_on=today()),
    )
    participant = services.register_participant(
        actor, services.ParticipantData(name="Randi Relativ"), person=episode.patient
    )
    assert participant.person == episode.patient
    enrolment = services.enrol(actor, factories.run(world, BRIEF), participant)
    assert AccessLog.objects.filter(
        object_type="programs.enrolment", object_id=str(enrolment.pk), subject=episode.patient
    ).exists()


# --- Session notes and measures ----------------------------------------------------------------------


def test_clean_note_for_coping():
    note = services.clean_note(
        SessionForm.COPING, {"position": "tolerant", "pros": " Ro ", "cons": "Sliten", "strategies": "Sette grenser"}
    )
    assert note == {"position": "tolerant", "pros": "Ro", "cons": "Sliten", "strategies": "Sette grenser"}
    assert services.clean_note(SessionForm.COPING, {})["position"] == ""
    with pytest.raises(ValidationError) as caught:
        services.clean_note(SessionForm.COPING, {"position": "furious"})
    assert "position" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.clean_note(SessionForm.COPING, {"pros": "x" * 2001})
    assert "pros" in caught.value.message_dict


def test_clean_note_for_the_network_map():
    note = services.clean_note(
        SessionForm.NETWORK,
        {
            "persons": [
                {"who": " Søster ", "support": "3"},
                {"who": "", "support": 2},
                {"who": "   "},
                None,
                {"who": "Nabo", "support": 0},
            ],
            "text": "Lite nettverk",
        },
    )
    assert note == {
        "persons": [{"who": "Søster", "support": 3}, {"who": "Nabo", "support": 0}],
        "text": "Lite nettverk",
    }
    for support in (4, -1, "a lot", None):
        with pytest.raises(ValidationError) as caught:
            services.clean_note(SessionForm.NETWORK, {"persons": [{"who": "Mor", "support": support}]})
        assert "persons" in caught.value.message_dict
    thirty = [{"who": f"P{n}", "support": 1} for n in range(30)]
    assert len(services.clean_note(SessionForm.NETWORK, {"persons": thirty})["persons"]) == 30
    with pytest.raises(ValidationError) as caught:
        services.clean_note(SessionForm.NETWORK, {"persons": [*thirty, {"who": "P31", "support": 1}]})
    assert "persons" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.clean_note(SessionForm.NETWORK, {"persons": "Mor, far"})


@pytest.mark.parametrize(
    ("form", "raw", "field"),
    [
        (SessionForm.NETWORK, {"persons": ["Mor"]}, "persons"),
        (SessionForm.NETWORK, {"persons": [["Mor", 3]]}, "persons"),
        (SessionForm.COPING, {"position": ["engaged"]}, "position"),
        (SessionForm.COPING, {"position": {"x": 1}}, "position"),
    ],
)
def test_clean_note_refuses_malformed_json_instead_of_crashing(form, raw, field):
    # API clients send any JSON: a row that is not an object, or a position that is not a string, is refused.
    with pytest.raises(ValidationError) as caught:
        services.clean_note(form, raw)
    assert field in caught.value.message_dict


def test_clean_note_for_needs_and_free_text():
    assert services.clean_note(SessionForm.NEEDS, {"needs": " Hvile ", "referral": "Fastlegen", "other": "x"}) == {
        "needs": "Hvile",
        "referral": "Fastlegen",
    }
    with pytest.raises(ValidationError) as caught:
        services.clean_note(SessionForm.NEEDS, {"referral": "x" * 201})
    assert "referral" in caught.value.message_dict
    assert services.clean_note(SessionForm.STRESSES, {"text": " Mye uro "}) == {"text": "Mye uro"}
    assert services.clean_note(SessionForm.NOTE, {"text": None}) == {"text": ""}
    with pytest.raises(ValidationError):
        services.clean_note(SessionForm.NOTE, "not a dict")


def test_save_note_keeps_one_note_per_participant_and_session(world):
    run = factories.run(world, BRIEF)
    enrolment = services.enrol(coordinator(world), run, factories.participant(world))
    coping = run.sessions.get(form=SessionForm.COPING)
    note = services.save_note(leader(world), enrolment, coping, {"position": "engaged", "pros": "Håp"})
    again = services.save_note(leader(world), enrolment, coping, {"position": "withdrawn"})
    assert note.pk == again.pk and SessionNote.objects.count() == 1
    assert SessionNote.objects.get().data["position"] == "withdrawn"
    actions = list(
        AccessLog.objects.filter(object_type="programs.sessionnote").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["create", "change"]
    other_run = factories.run(world, BRIEF, title="Annen")
    with pytest.raises(Http404):
        services.save_note(leader(world), enrolment, other_run.sessions.get(number=1), {"text": "x"})


def test_save_note_refuses_participants_not_enrolled(world):
    run = factories.run(world, BRIEF, capacity=1)
    services.enrol(coordinator(world), run, factories.participant(world, "Anne"))
    waiting = services.enrol(coordinator(world), run, factories.participant(world, "Berit"))
    assert refused(services.save_note, leader(world), waiting, run.sessions.get(number=1), {"text": "x"})
    assert not SessionNote.objects.exists()


def coping_answers(value: int = 2) -> dict[str, int]:
    return {f"q{n}": value for n in range(1, 31)}


def test_record_measure_scores_the_coping_questionnaire(world):
    run = factories.run(world, BRIEF)
    enrolment = services.enrol(coordinator(world), run, factories.participant(world))
    response = services.record_measure(
        leader(world), enrolment, "coping_questionnaire", coping_answers(), phase="baseline"
    )
    response.refresh_from_db()
    assert response.enrolment == enrolment
    assert response.person is None
    assert response.instrument.key == "coping_questionnaire"
    assert response.context["phase"] == "baseline"
    assert response.scores == {"total": 60, "engaged": 20, "tolerant": 20, "withdrawn": 20}
    assert (response.organisation, response.created_by, response.answered_on) == (
        world.unit,
        world.group_leader,
        today(),
    )
    assert AccessLog.objects.filter(
        action="create",
        object_type="instruments.response",
        object_id=str(response.pk),
        details={"enrolment": enrolment.pk, "phase": "baseline"},
    ).exists()
    end = services.record_measure(leader(world), enrolment, "coping_questionnaire", coping_answers(1), phase="end")
    assert end.context["phase"] == "end" and end.scores["total"] == 30
    assert list(enrolment.measures.order_by("id")) == [response, end]


def test_record_measure_refuses_an_instrument_outside_the_template_and_a_bad_phase(world):
    run = factories.run(world, BRIEF)
    enrolment = services.enrol(coordinator(world), run, factories.participant(world))
    errors = refused(services.record_measure, leader(world), enrolment, "feelings_thermometer", {}, phase="baseline")
    assert "instrument" in errors
    errors = refused(
        services.record_measure, leader(world), enrolment, "coping_questionnaire", coping_answers(), phase="middle"
    )
    assert "phase" in errors
    bad = {**coping_answers(), "q1": 7}
    assert "q1" in refused(
        services.record_measure, leader(world), enrolment, "coping_questionnaire", bad, phase="baseline"
    )
    assert not Response.objects.exists()
    with pytest.raises(PermissionError):
        services.record_measure(
            world.actor(world.clinician), enrolment, "coping_questionnaire", coping_answers(), phase="baseline"
        )


# --- The audit trail ---------------------------------------------------------------------------------


def test_every_change_writes_an_audit_row(world):
    actor = coordinator(world)
    before = AccessLog.objects.count()
    run = factories.run(world, BRIEF, capacity=1)
    participant = factories.participant(world, "Anne")
    enrolment = services.enrol(actor, run, participant)
    second = services.enrol(actor, run, factories.participant(world, "Berit"))
    services.withdraw(actor, enrolment, "Syk")
    services.update_run(actor, run, run_data(run, title="Nytt"))
    rows = list(AccessLog.objects.order_by("id")[before:].values_list("action", "object_type", "object_id", "user"))
    cato = world.coordinator.pk
    assert ("create", "programs.run", str(run.pk), cato) in rows
    assert ("create", "programs.participant", str(participant.pk), cato) in rows
    assert ("create", "programs.enrolment", str(enrolment.pk), cato) in rows
    assert ("change", "programs.enrolment", str(enrolment.pk), cato) in rows  # withdrawn
    assert ("change", "programs.enrolment", str(second.pk), cato) in rows  # promoted
    assert ("change", "programs.run", str(run.pk), cato) in rows
    created = AccessLog.objects.get(action="create", object_type="programs.run")
    assert created.details == {"sessions": 5, "leaders": [world.group_leader.pk]}
    assert created.role == Role.COORDINATOR and created.organisation == world.unit
    assert AccessLog.objects.get(
        action="create", object_type="programs.enrolment", object_id=str(enrolment.pk)
    ).details == {
        "status": S.ENROLLED,
        "self_referral": None,
    }


def test_a_refused_change_writes_no_audit_row(world):
    run = factories.run(world, BRIEF, capacity=1)
    services.enrol(coordinator(world), run, factories.participant(world, "Anne"))
    before = AccessLog.objects.count()
    refused(services.update_run, coordinator(world), run, run_data(run, capacity=0))
    refused(services.enrol, coordinator(world), factories.run(world, DROP_IN), factories.participant(world, "Berit"))
    # Only the drop-in run and Berit were created in between; no enrolment, no run change.
    rows = set(AccessLog.objects.order_by("id")[before:].values_list("action", "object_type"))
    assert rows == {("create", "programs.run"), ("create", "programs.participant")}
