"""The programme pages: planning runs, sessions, enrolment and the waiting list, attendance, head counts,
evaluations, notes and measures; what each role sees; bad input; audit rows; no N+1 queries."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kindred.audit.models import AccessLog
from kindred.instruments.models import Response
from kindred.orgs.models import Role
from kindred.programs import services
from kindred.programs.models import (
    Attendance,
    Enrolment,
    Participant,
    ProgrammeTemplate,
    Run,
    Session,
    SessionEvaluation,
    SessionNote,
)
from kindred.programs.tests.factories import builtin, participant, run
from kindred.testing import make_user

pytestmark = pytest.mark.django_db

FIVE = "stress-strain-coping-support"


def _client(world, user):
    client = world.client_for(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def cato(world):
    return _client(world, world.coordinator)


@pytest.fixture
def grete(world):
    return _client(world, world.group_leader)


def _text(response) -> str:
    return response.content.decode()


def _enrol(world, a_run, name="Tone", **fields) -> Enrolment:
    return services.enrol(world.actor(world.coordinator), a_run, participant(world, name, **fields))


def _plan_data(world, **overrides) -> dict:
    data = {
        "title": "Høstgruppe",
        "starts_on": (timezone.localdate() + timedelta(days=7)).isoformat(),
        "start_time": "18:00",
        "venue": "Kirkegata 1",
        "capacity": "8",
        "duration_minutes": "120",
        "leaders": [str(world.group_leader.pk)],
    }
    data.update(overrides)
    return data


# --- Planning runs ---------------------------------------------------------------------------------


def test_planning_from_the_five_session_template_makes_five_weekly_sessions(world, cato):
    template = builtin(FIVE)
    first = timezone.localdate() + timedelta(days=7)
    response = cato.post(reverse("programs:run_new", args=[template.pk]), _plan_data(world))
    planned = Run.objects.get()
    assert response.status_code == 302 and response.url == reverse("programs:run", args=[planned.pk])
    dates = list(planned.sessions.order_by("number").values_list("date", flat=True))
    assert dates == [first + timedelta(days=7 * n) for n in range(5)]
    assert list(planned.leaders.all()) == [world.group_leader]
    assert planned.capacity == 8 and planned.start_time == time(18, 0)
    page = _text(cato.get(response.url))
    assert page.count('data-testid="session-row"') == 5
    assert "The run is planned with 5 sessions" in page
    assert "Høstgruppe" in _text(cato.get(reverse("programs:runs")))


def test_planning_the_self_help_group_makes_twelve_sessions_fourteen_days_apart(world, cato):
    template = builtin("self-help-group")
    first = timezone.localdate() + timedelta(days=3)
    response = cato.post(
        reverse("programs:run_new", args=[template.pk]), _plan_data(world, starts_on=first.isoformat())
    )
    assert response.status_code == 302
    planned = Run.objects.get()
    dates = list(planned.sessions.order_by("number").values_list("date", flat=True))
    assert len(dates) == 12
    assert dates == [first + timedelta(days=14 * n) for n in range(12)]
    assert _text(cato.get(response.url)).count('data-testid="session-row"') == 12


def test_the_plan_form_offers_the_templates_capacity_and_the_organisations_leaders(world, cato):
    template = builtin("meeting-place")
    page = _text(cato.get(reverse("programs:run_new", args=[template.pk])))
    assert 'value="200"' in page
    assert "Grete Groupleader" in page and "Cato Coordinator" in page
    assert "Cora Clinician" not in page and "Otto Outsider" not in page


def test_editing_a_session_date(world, cato):
    a_run = run(world, FIVE, starts_on=timezone.localdate() + timedelta(days=7))
    session = a_run.sessions.get(number=2)
    new_date = session.date + timedelta(days=2)
    response = cato.post(
        reverse("programs:session_edit", args=[session.pk]),
        {"date": new_date.isoformat(), "start_time": "19:30", "title": "Informasjon og spørsmål"},
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.date == new_date and session.start_time == time(19, 30)
    assert session.title == "Informasjon og spørsmål" and not session.cancelled
    assert "Informasjon og spørsmål" in _text(cato.get(reverse("programs:run", args=[a_run.pk])))


def test_cancelling_a_session(world, cato):
    a_run = run(world, FIVE)
    session = a_run.sessions.get(number=3)
    cato.post(
        reverse("programs:session_edit", args=[session.pk]),
        {"date": session.date.isoformat(), "start_time": "18:00", "title": session.title, "cancelled": "on"},
    )
    session.refresh_from_db()
    assert session.cancelled


def test_editing_the_run(world, cato):
    a_run = run(world, FIVE)
    response = cato.post(
        reverse("programs:run_edit", args=[a_run.pk]),
        {
            "title": "Vårgruppe",
            "start_time": "17:00",
            "venue": "",
            "online": "on",
            "capacity": "5",
            "duration_minutes": "90",
            "leaders": [str(world.group_leader.pk), str(world.coordinator.pk)],
        },
    )
    assert response.status_code == 302
    a_run.refresh_from_db()
    assert (a_run.title, a_run.online, a_run.capacity, a_run.duration_minutes) == ("Vårgruppe", True, 5, 90)
    assert set(a_run.leaders.all()) == {world.group_leader, world.coordinator}


# --- Enrolment and the waiting list ----------------------------------------------------------------


def test_capacity_one_puts_the_second_on_the_waiting_list_and_withdrawing_moves_them_up(world, cato):
    a_run = run(world, FIVE, capacity=1)
    url = reverse("programs:run_enrol", args=[a_run.pk])
    first = cato.post(url, {"name": "Anna", "phone": "912 34 567", "reminders": "sms"}, follow=True)
    assert "Anna is enrolled." in _text(first)
    second = cato.post(url, {"name": "Berit", "email": "berit@example.no", "birth_year": "1980"}, follow=True)
    assert "Berit is on the waiting list" in _text(second)
    anna = Enrolment.objects.get(participant__name="Anna")
    berit = Enrolment.objects.get(participant__name="Berit")
    assert (anna.status, berit.status) == (Enrolment.Status.ENROLLED, Enrolment.Status.WAITING)
    page = _text(cato.get(reverse("programs:run", args=[a_run.pk])))
    enrolled, waiting = page.split('data-testid="enrolled"')[1], page.split('data-testid="waiting"')[1]
    assert "Anna" in enrolled.split("</table>")[0] and "Berit" in waiting.split("</table>")[0]

    response = cato.post(reverse("programs:enrolment_withdraw", args=[anna.pk]), {"withdraw-reason": "Flyttet"})
    assert response.status_code == 302
    berit.refresh_from_db()
    assert berit.status == Enrolment.Status.ENROLLED
    page = _text(cato.get(reverse("programs:run", args=[a_run.pk])))
    assert "Berit" in page.split('data-testid="enrolled"')[1].split("</table>")[0]
    assert 'data-testid="waiting"' not in page
    assert "Anna" in page.split('data-testid="ended"')[1]


def test_a_programme_with_a_pre_interview_signs_up_for_the_interview(world, cato):
    a_run = run(world, "self-help-group")
    cato.post(reverse("programs:run_enrol", args=[a_run.pk]), {"name": "Anna", "phone": "912 34 567"})
    enrolment = Enrolment.objects.get()
    assert enrolment.status == Enrolment.Status.INTERVIEW
    page = _text(cato.get(reverse("programs:enrolment", args=[enrolment.pk])))
    assert 'data-testid="interview-form"' in page
    response = cato.post(
        reverse("programs:enrolment_interview", args=[enrolment.pk]),
        {
            "interview-outcome": "suitable",
            "interview-held_on": timezone.localdate().isoformat(),
            "interview-note": "Ok",
        },
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ENROLLED and enrolment.interview_note == "Ok"


def test_the_leader_records_a_referral_at_the_pre_interview(world, grete):
    a_run = run(world, "self-help-group")
    enrolment = _enrol(world, a_run)
    response = grete.post(
        reverse("programs:enrolment_interview", args=[enrolment.pk]),
        {
            "interview-outcome": "elsewhere",
            "interview-held_on": timezone.localdate().isoformat(),
            "interview-referred_to": "Familievernkontoret",
        },
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.REFERRED and enrolment.referred_to == "Familievernkontoret"


def test_enrolling_on_a_drop_in_run_is_refused_and_keeps_no_participant(world, cato):
    a_run = run(world, "meeting-place")
    response = cato.post(reverse("programs:run_enrol", args=[a_run.pk]), {"name": "Anna", "phone": "912 34 567"})
    assert response.status_code == 200
    assert "drop-in programme" in _text(response)
    assert not Participant.objects.exists() and not Enrolment.objects.exists()


# --- Sessions: attendance, head counts, evaluations -----------------------------------------------


def test_attendance_is_recorded(world, grete):
    a_run = run(world, FIVE)
    anna, berit = _enrol(world, a_run, "Anna"), _enrol(world, a_run, "Berit")
    session = a_run.sessions.get(number=1)
    page = _text(grete.get(reverse("programs:session", args=[session.pk])))
    assert page.count('data-testid="attendance-row"') == 2
    response = grete.post(
        reverse("programs:session", args=[session.pk]),
        {"action": "attendance", f"attendance_{anna.pk}": "present", f"attendance_{berit.pk}": "excused"},
        follow=True,
    )
    assert "Attendance is saved for 2 participants." in _text(response)
    assert dict(Attendance.objects.values_list("enrolment__participant__name", "status")) == {
        "Anna": "present",
        "Berit": "excused",
    }
    assert all(a.recorded_by == world.group_leader for a in Attendance.objects.all())
    # Shown checked afterwards.
    assert f'name="attendance_{anna.pk}" value="present" checked' in _text(response)


def test_attendance_for_a_future_session_changes_nothing(world, grete):
    a_run = run(world, FIVE)
    anna = _enrol(world, a_run, "Anna")
    future = a_run.sessions.get(number=2)
    assert future.date > timezone.localdate()
    response = grete.post(
        reverse("programs:session", args=[future.pk]), {"action": "attendance", f"attendance_{anna.pk}": "present"}
    )
    assert response.status_code == 200
    assert "The session has not taken place yet." in _text(response)
    assert not Attendance.objects.exists()


def test_attendance_for_a_participant_who_is_not_enrolled_changes_nothing(world, grete):
    a_run = run(world, FIVE, capacity=1)
    anna, berit = _enrol(world, a_run, "Anna"), _enrol(world, a_run, "Berit")
    assert berit.status == Enrolment.Status.WAITING
    other = _enrol(world, run(world, FIVE, title="Annen gruppe"), "Cecilie")
    session = a_run.sessions.get(number=1)
    url = reverse("programs:session", args=[session.pk])
    for stranger in (berit, other):
        response = grete.post(
            url,
            {"action": "attendance", f"attendance_{anna.pk}": "present", f"attendance_{stranger.pk}": "present"},
        )
        assert response.status_code == 200
        assert "Attendance is recorded for enrolled participants only." in _text(response)
    bad_status = grete.post(url, {"action": "attendance", f"attendance_{anna.pk}": "late"})
    assert "Choose present, absent or absent with notice for Anna." in _text(bad_status)
    nothing = grete.post(url, {"action": "attendance"})
    assert nothing.status_code == 200 and 'data-testid="attendance-errors"' in _text(nothing)
    assert not Attendance.objects.exists()


def test_head_count_on_the_meeting_place(world, grete):
    a_run = run(world, "meeting-place")
    session = a_run.sessions.get(number=1)
    page = _text(grete.get(reverse("programs:session", args=[session.pk])))
    assert 'data-testid="head-count-form"' in page and 'data-testid="attendance-form"' not in page
    response = grete.post(
        reverse("programs:session", args=[session.pk]), {"action": "head_count", "count-head_count": "17"}, follow=True
    )
    session.refresh_from_db()
    assert session.head_count == 17
    assert "17 people came." in _text(response)
    assert "17" in _text(grete.get(reverse("programs:run", args=[a_run.pk])))


@pytest.mark.parametrize("value", ["-1", "abc", "", "5001"])
def test_a_bad_head_count_is_refused(world, grete, value):
    session = run(world, "meeting-place").sessions.get(number=1)
    response = grete.post(
        reverse("programs:session", args=[session.pk]), {"action": "head_count", "count-head_count": value}
    )
    assert response.status_code == 200
    assert "Give the number of people who came, from 0 to 5000." in _text(response)
    session.refresh_from_db()
    assert session.head_count is None


def test_evaluations_and_their_average(world, grete):
    session = run(world, FIVE).sessions.get(number=1)
    url = reverse("programs:session", args=[session.pk])
    for rating, comment in (("5", "Veldig nyttig"), ("4", "")):
        response = grete.post(url, {"action": "evaluation", "evaluation-rating": rating, "evaluation-comment": comment})
        assert response.status_code == 302
    page = _text(grete.get(url))
    assert "2 evaluations, average 4.5 of 5." in page and "Veldig nyttig" in page
    assert SessionEvaluation.objects.count() == 2


@pytest.mark.parametrize("rating", ["9", "0", "", "fem"])
def test_an_invalid_rating_is_refused(world, grete, rating):
    session = run(world, FIVE).sessions.get(number=1)
    response = grete.post(
        reverse("programs:session", args=[session.pk]), {"action": "evaluation", "evaluation-rating": rating}
    )
    assert response.status_code == 200
    assert "Choose a rating from 1 to 5." in _text(response)
    assert not SessionEvaluation.objects.exists()


def test_an_evaluation_of_a_future_session_is_refused(world, grete):
    session = run(world, FIVE).sessions.get(number=2)
    response = grete.post(
        reverse("programs:session", args=[session.pk]), {"action": "evaluation", "evaluation-rating": "3"}
    )
    assert response.status_code == 200 and "The session has not taken place yet." in _text(response)
    assert 'data-testid="evaluation-form"' in _text(response) and 'role="alert"' in _text(response)
    assert not SessionEvaluation.objects.exists()


def test_a_head_count_for_a_future_gathering_is_refused(world, grete):
    session = run(world, "meeting-place").sessions.get(number=2)
    response = grete.post(
        reverse("programs:session", args=[session.pk]), {"action": "head_count", "count-head_count": "12"}
    )
    assert response.status_code == 200 and 'data-testid="head-count-form"' in _text(response)
    assert "The session has not taken place yet." in _text(response)
    session.refresh_from_db()
    assert session.head_count is None


def test_withdrawing_twice_and_interviewing_twice_say_why_nothing_changed(world, cato):
    a_run = run(world, "self-help-group")
    anna = _enrol(world, a_run, "Anna")
    data = {"interview-outcome": "suitable", "interview-held_on": timezone.localdate().isoformat()}
    cato.post(reverse("programs:enrolment_interview", args=[anna.pk]), data)
    again = cato.post(reverse("programs:enrolment_interview", args=[anna.pk]), data)
    assert again.status_code == 200 and "The pre-interview is already recorded." in _text(again)
    cato.post(reverse("programs:enrolment_withdraw", args=[anna.pk]), {})
    again = cato.post(reverse("programs:enrolment_withdraw", args=[anna.pk]), {})
    assert again.status_code == 200 and "The participant has already left this run." in _text(again)


def test_an_unknown_action_saves_nothing(world, grete):
    session = run(world, FIVE).sessions.get(number=1)
    response = grete.post(reverse("programs:session", args=[session.pk]), {"action": "nonsense"})
    assert response.status_code == 200 and "Nothing was saved." in _text(response)


# --- Completing, finishing, cancelling -------------------------------------------------------------


def test_completing_with_too_few_attendances_shows_the_message(world, grete):
    a_run = run(world, FIVE)
    anna = _enrol(world, a_run, "Anna")
    response = grete.post(reverse("programs:enrolment_complete", args=[anna.pk]), follow=True)
    assert "Anna attended 0 of the 4 sessions needed to complete." in _text(response)
    anna.refresh_from_db()
    assert anna.status == Enrolment.Status.ENROLLED


def test_completing_after_enough_sessions(world, grete):
    a_run = run(world, FIVE, starts_on=timezone.localdate() - timedelta(days=30))
    anna = _enrol(world, a_run, "Anna")
    for session in a_run.sessions.filter(number__lte=4):
        services.record_attendance(world.actor(world.group_leader), session, {anna.pk: "present"})
    page = _text(grete.get(reverse("programs:enrolment", args=[anna.pk])))
    assert "4 of the 4 needed to complete" in page
    grete.post(reverse("programs:enrolment_complete", args=[anna.pk]))
    anna.refresh_from_db()
    assert anna.status == Enrolment.Status.COMPLETED


def test_finishing_and_cancelling_runs(world, cato):
    finished, cancelled = run(world, FIVE, title="Ferdig"), run(world, FIVE, title="Avlyst")
    _enrol(world, finished, "Anna")
    cato.post(reverse("programs:run_finish", args=[finished.pk]))
    refused = cato.post(reverse("programs:run_cancel", args=[cancelled.pk]), {"reason": ""}, follow=True)
    assert "Write why the run is cancelled." in _text(refused)
    cato.post(reverse("programs:run_cancel", args=[cancelled.pk]), {"reason": "For få påmeldte"})
    finished.refresh_from_db(), cancelled.refresh_from_db()
    assert (finished.status, cancelled.status) == (Run.Status.FINISHED, Run.Status.CANCELLED)
    assert Enrolment.objects.get().status == Enrolment.Status.NOT_COMPLETED
    again = cato.post(reverse("programs:run_finish", args=[finished.pk]), follow=True)
    assert "it can no longer be changed" in _text(again)
    # Finished runs leave the list unless asked for.
    assert "Ferdig" not in _text(cato.get(reverse("programs:runs")))
    assert "Ferdig" in _text(cato.get(reverse("programs:runs") + "?past=1"))


# --- Notes and measures ----------------------------------------------------------------------------


def test_structured_notes_for_the_coping_and_network_sessions(world, grete):
    a_run = run(world, FIVE, starts_on=timezone.localdate() - timedelta(days=30))
    anna = _enrol(world, a_run, "Anna")
    coping, network = a_run.sessions.get(number=3), a_run.sessions.get(number=4)
    assert (coping.form, network.form) == ("coping", "network")

    page = _text(grete.get(reverse("programs:enrolment_note", args=[anna.pk, coping.pk])))
    assert 'value="engaged"' in page and 'value="withdrawn"' in page
    response = grete.post(
        reverse("programs:enrolment_note", args=[anna.pk, coping.pk]),
        {"position": "tolerant", "pros": "Mindre krangel", "cons": "Blir sliten", "strategies": "Sette grenser"},
    )
    assert response.status_code == 302

    page = _text(grete.get(reverse("programs:enrolment_note", args=[anna.pk, network.pk])))
    assert page.count('name="who_') == 8 and 'data-testid="network-map"' in page
    response = grete.post(
        reverse("programs:enrolment_note", args=[anna.pk, network.pk]),
        {"who_1": "Mor", "support_1": "3", "who_2": "Nabo", "support_2": "1", "text": "Lite nettverk"},
    )
    assert response.status_code == 302

    notes = {n.session.number: n.data for n in SessionNote.objects.select_related("session")}
    assert notes[3] == {
        "position": "tolerant",
        "pros": "Mindre krangel",
        "cons": "Blir sliten",
        "strategies": "Sette grenser",
    }
    assert notes[4] == {
        "persons": [{"who": "Mor", "support": 3}, {"who": "Nabo", "support": 1}],
        "text": "Lite nettverk",
    }
    page = _text(grete.get(reverse("programs:enrolment", args=[anna.pk])))
    assert "Tolerant" in page and "Sette grenser" in page
    assert "Mor (3 – very supportive); Nabo (1 – a little supportive)" in page and "Lite nettverk" in page
    # The saved note fills the form again.
    page = _text(grete.get(reverse("programs:enrolment_note", args=[anna.pk, network.pk])))
    assert 'value="Mor"' in page and 'value="3" selected' in page


def test_needs_and_free_notes(world, grete):
    a_run = run(world, FIVE)
    anna = _enrol(world, a_run, "Anna")
    needs, first = a_run.sessions.get(number=5), a_run.sessions.get(number=1)
    grete.post(reverse("programs:enrolment_note", args=[anna.pk, needs.pk]), {"needs": "Samtaler", "referral": "DPS"})
    grete.post(reverse("programs:enrolment_note", args=[anna.pk, first.pk]), {"text": "Mye stress hjemme"})
    notes = {n.session.number: n.data for n in SessionNote.objects.select_related("session")}
    assert notes == {5: {"needs": "Samtaler", "referral": "DPS"}, 1: {"text": "Mye stress hjemme"}}


def test_a_note_for_a_session_of_another_run_is_404(world, grete):
    anna = _enrol(world, run(world, FIVE), "Anna")
    other = run(world, FIVE, title="Annen").sessions.get(number=1)
    assert grete.get(reverse("programs:enrolment_note", args=[anna.pk, other.pk])).status_code == 404


def test_a_measure_is_recorded_with_the_instrument_form(world, grete):
    a_run = run(world, "parent-child-group")
    enrolment = _enrol(world, a_run, "Anna")
    services.record_interview(
        world.actor(world.coordinator), enrolment, outcome="suitable", held_on=timezone.localdate()
    )
    page = _text(grete.get(reverse("programs:enrolment", args=[enrolment.pk])))
    url = reverse("programs:enrolment_measure", args=[enrolment.pk, "feelings_thermometer", "baseline"])
    assert url in page
    assert 'name="item-today"' in _text(grete.get(url))
    bad = grete.post(url, {})
    assert bad.status_code == 200 and 'data-testid="error-summary"' in _text(bad)
    assert not Response.objects.exists()
    response = grete.post(url, {"item-today": "4"})
    assert response.status_code == 302
    recorded = Response.objects.get()
    assert recorded.enrolment == enrolment and recorded.context["phase"] == "baseline"
    assert "Baseline" in _text(grete.get(reverse("programs:enrolment", args=[enrolment.pk])))
    # Only the template's measures and the two phases.
    for key, phase in (("audit", "baseline"), ("feelings_thermometer", "middle")):
        assert grete.get(reverse("programs:enrolment_measure", args=[enrolment.pk, key, phase])).status_code == 404


# --- The printable list ----------------------------------------------------------------------------


def test_the_printable_attendance_list(world, grete):
    a_run = run(world, FIVE)
    anna, berit = _enrol(world, a_run, "Anna"), _enrol(world, a_run, "Berit")
    services.record_attendance(
        world.actor(world.group_leader), a_run.sessions.get(number=1), {anna.pk: "present", berit.pk: "absent"}
    )
    page = _text(grete.get(reverse("programs:run_print", args=[a_run.pk])))
    assert page.count('data-testid="print-row"') == 2 and page.count('data-testid="print-session"') == 5
    assert "✓" in page and "✗" in page
    # Four future sessions for each of the two: empty boxes to fill in.
    assert page.count('data-testid="empty-box"') == 8
    assert AccessLog.objects.filter(action="export", object_type="programs.run", object_id=str(a_run.pk)).exists()


# --- Templates -------------------------------------------------------------------------------------


def test_templates_are_listed_copied_and_edited(world, cato):
    page = _text(cato.get(reverse("programs:templates")))
    assert "5-trinnsintervensjonen for pårørende" in page and "Møteplass for pårørende" in page
    source = builtin(FIVE)
    assert cato.get(reverse("programs:template_edit", args=[source.pk])).status_code == 404
    response = cato.post(reverse("programs:template_copy", args=[source.pk]))
    copy = ProgrammeTemplate.objects.get(organisation=world.unit)
    assert response.url == reverse("programs:template_edit", args=[copy.pk])
    form = _text(cato.get(response.url))
    assert "Mestring | coping | Mestringsposisjoner" in form
    response = cato.post(
        response.url,
        {
            "name": "Vår 5-trinns",
            "kind": "brief_intervention",
            "delivery": "individual",
            "interval_days": "14",
            "sessions": "Stress\nMestring | coping\nNettverk | network | Hvem er rundt deg?",
            "min_participants": "1",
            "max_participants": "1",
            "completion_min_sessions": "2",
            "measures": ["coping_questionnaire"],
            "free": "on",
            "active": "on",
        },
    )
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.name == "Vår 5-trinns" and copy.interval_days == 14 and copy.based_on == source
    assert [s["form"] for s in copy.sessions] == ["", "coping", "network"]
    assert copy.measures == ["coping_questionnaire"]
    source.refresh_from_db()
    assert source.name == "5-trinnsintervensjonen for pårørende"


def test_a_new_template(world):
    admin = _client(world, world.admin)
    response = admin.post(
        reverse("programs:template_new"),
        {
            "name": "Sorggruppe",
            "kind": "self_help_group",
            "delivery": "group",
            "interval_days": "7",
            "sessions": "Bli kjent\nSorg\nVeien videre",
            "min_participants": "3",
            "max_participants": "8",
            "completion_min_sessions": "2",
            "active": "on",
        },
    )
    assert response.status_code == 302
    made = ProgrammeTemplate.objects.get(organisation=world.unit)
    assert [s["title"] for s in made.sessions] == ["Bli kjent", "Sorg", "Veien videre"]


# --- Bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Give the run a title."),
        ({"title": "   "}, "Give the run a title."),
        ({"capacity": "0"}, "The capacity must be from 1 to 500."),
        ({"capacity": "many"}, "Enter a whole number."),
        ({"venue": ""}, "Give a venue, or tick online."),
        ({"starts_on": "not a date"}, "Enter a valid date."),
        ({"starts_on": "2099-01-01"}, "The first session is too far in the future."),
        ({"duration_minutes": "5"}, "Ensure this value is greater than or equal to 10."),
        ("outsider", "Leaders must be group leaders or coordinators of your organisation."),
        ("clinician", "Leaders must be group leaders or coordinators of your organisation."),
    ],
)
def test_bad_input_when_planning_a_run(world, cato, overrides, message):
    if isinstance(overrides, str):
        overrides = {"leaders": [str(getattr(world, overrides).pk)]}
    template = builtin(FIVE)
    response = cato.post(reverse("programs:run_new", args=[template.pk]), _plan_data(world, **overrides))
    assert response.status_code == 200
    assert message in _text(response)
    assert not Run.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Give a name or a pseudonym."),
        ({"name": "Anna"}, "Give a phone number or an e-mail address"),
        ({"name": "Anna", "phone": "abc"}, "Write a phone number with 8 digits or more"),
        ({"name": "Anna", "phone": "912 34 567", "email": "nope"}, "Enter a valid email address."),
        ({"name": "Anna", "email": "a@example.no", "reminders": "sms"}, "Text message reminders need a phone number."),
        ({"name": "Anna", "phone": "912 34 567", "birth_year": "3000"}, "The birth year cannot be in the future."),
        ({"name": "Anna", "phone": "912 34 567", "relation": "cousin"}, "Select a valid choice."),
    ],
)
def test_bad_input_when_enrolling(world, cato, data, message):
    a_run = run(world, FIVE)
    response = cato.post(reverse("programs:run_enrol", args=[a_run.pk]), data)
    assert response.status_code == 200
    assert message in _text(response)
    assert 'data-testid="enrol-form"' in _text(response)
    assert not Participant.objects.exists()


def test_bad_input_on_the_other_forms(world, cato, grete):
    a_run = run(world, "self-help-group")
    session = a_run.sessions.get(number=1)
    enrolment = _enrol(world, a_run, "Anna")

    edit = cato.post(reverse("programs:session_edit", args=[session.pk]), {"date": "", "start_time": "x", "title": ""})
    assert edit.status_code == 200 and "A session needs a title of at most 200 characters." in _text(edit)
    far = cato.post(
        reverse("programs:session_edit", args=[session.pk]),
        {"date": "2099-01-01", "start_time": "18:00", "title": "Bli kjent"},
    )
    assert "The date is too far from the run" in _text(far)

    run_edit = cato.post(
        reverse("programs:run_edit", args=[a_run.pk]),
        {"title": "", "start_time": "18:00", "venue": "Her", "capacity": "0", "duration_minutes": "120"},
    )
    assert "Give the run a title." in _text(run_edit) and "The capacity must be from 1 to 500." in _text(run_edit)

    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    interview = grete.post(
        reverse("programs:enrolment_interview", args=[enrolment.pk]),
        {"interview-outcome": "suitable", "interview-held_on": future},
    )
    assert interview.status_code == 200 and "The pre-interview cannot be in the future." in _text(interview)
    elsewhere = grete.post(
        reverse("programs:enrolment_interview", args=[enrolment.pk]),
        {"interview-outcome": "elsewhere", "interview-held_on": timezone.localdate().isoformat()},
    )
    assert "Say where the person is referred." in _text(elsewhere)
    no_outcome = grete.post(reverse("programs:enrolment_interview", args=[enrolment.pk]), {})
    assert "Choose suitable or better helped elsewhere." in _text(no_outcome)

    template = cato.post(
        reverse("programs:template_new"),
        {
            "name": "Tom",
            "kind": "course",
            "delivery": "group",
            "interval_days": "7",
            "sessions": " | coping",
            "min_participants": "9",
            "max_participants": "8",
            "completion_min_sessions": "1",
        },
    )
    assert template.status_code == 200 and "Session 1 needs a title of at most 200 characters." in _text(template)
    unknown_form = cato.post(
        reverse("programs:template_new"),
        {
            "name": "Tom",
            "kind": "course",
            "delivery": "group",
            "interval_days": "7",
            "sessions": "Første | magic",
            "min_participants": "9",
            "max_participants": "8",
            "completion_min_sessions": "1",
        },
    )
    assert "Session 1 has an unknown form." in _text(unknown_form)
    sizes = cato.post(
        reverse("programs:template_new"),
        {
            "name": "Tom",
            "kind": "course",
            "delivery": "group",
            "interval_days": "7",
            "sessions": "Første",
            "min_participants": "9",
            "max_participants": "8",
            "completion_min_sessions": "2",
        },
    )
    assert "The fewest participants cannot be more than the most." in _text(sizes)
    assert "To complete cannot need more sessions than the programme has." in _text(sizes)
    assert not ProgrammeTemplate.objects.filter(organisation=world.unit).exists()

    services.record_interview(world.actor(world.coordinator), enrolment, outcome="suitable", held_on=session.date)
    network_run = run(world, FIVE, title="Fem")
    anna = _enrol(world, network_run, "Berit")
    network = network_run.sessions.get(number=4)
    note = grete.post(reverse("programs:enrolment_note", args=[anna.pk, network.pk]), {"who_1": "Mor", "support_1": ""})
    assert note.status_code == 200 and "Rate how supportive Mor is from 0 to 3." in _text(note)
    coping = network_run.sessions.get(number=3)
    note = grete.post(reverse("programs:enrolment_note", args=[anna.pk, coping.pk]), {"position": "angry"})
    assert note.status_code == 200 and "Select a valid choice." in _text(note)
    assert not SessionNote.objects.exists()


# --- Who sees what ---------------------------------------------------------------------------------


def test_a_group_leader_sees_only_the_runs_she_leads(world, grete):
    mine = run(world, FIVE, title="Gretes gruppe")
    other = run(world, FIVE, title="Catos gruppe", leaders=[world.coordinator])
    other_enrolment = _enrol(world, other, "Anna")
    page = _text(grete.get(reverse("programs:runs")))
    assert "My runs" in page and "Gretes gruppe" in page and "Catos gruppe" not in page
    assert grete.get(reverse("programs:run", args=[mine.pk])).status_code == 200
    for name, args in (
        ("programs:run", [other.pk]),
        ("programs:run_print", [other.pk]),
        ("programs:session", [other.sessions.first().pk]),
        ("programs:enrolment", [other_enrolment.pk]),
    ):
        assert grete.get(reverse(name, args=args)).status_code == 404, name
    # Her own run, but planning and enrolling are the coordinator's.
    assert grete.get(reverse("programs:run_edit", args=[mine.pk])).status_code == 403
    assert grete.post(reverse("programs:run_enrol", args=[mine.pk]), {"name": "X"}).status_code == 403
    assert grete.post(reverse("programs:run_finish", args=[mine.pk])).status_code == 403
    assert grete.get(reverse("programs:run_new", args=[builtin(FIVE).pk])).status_code == 403


def test_another_group_leader_of_the_unit_sees_nothing_of_gretes_run(world):
    a_run = run(world, FIVE)
    gry = make_user("gry@example.no", "Gry", world.unit, Role.GROUP_LEADER)
    client = _client(world, gry)
    assert client.get(reverse("programs:run", args=[a_run.pk])).status_code == 404
    assert "Gruppe høsten" not in _text(client.get(reverse("programs:runs")))


def test_the_outsider_sees_nothing(world):
    a_run = run(world, FIVE)
    enrolment = _enrol(world, a_run)
    otto = _client(world, world.outsider)
    for name, args in (
        ("programs:run", [a_run.pk]),
        ("programs:run_print", [a_run.pk]),
        ("programs:session", [a_run.sessions.first().pk]),
        ("programs:session_edit", [a_run.sessions.first().pk]),
        ("programs:enrolment", [enrolment.pk]),
        ("programs:enrolment_note", [enrolment.pk, a_run.sessions.first().pk]),
    ):
        assert otto.get(reverse(name, args=args)).status_code == 404, name
    assert otto.get(reverse("programs:runs")).status_code == 403
    # Even a coordinator of the other organisation.
    foreign = _client(world, make_user("fred@example.no", "Fred", world.other, Role.COORDINATOR))
    assert foreign.get(reverse("programs:run", args=[a_run.pk])).status_code == 404
    assert "Gruppe høsten" not in _text(foreign.get(reverse("programs:runs")))


def test_the_coordinator_sees_all_runs_with_their_counts(world, cato):
    a_run = run(world, FIVE, capacity=1)
    _enrol(world, a_run, "Anna"), _enrol(world, a_run, "Berit")
    run(world, "self-help-group", title="Selvhjelp", leaders=[world.coordinator])
    page = _text(cato.get(reverse("programs:runs")))
    assert "Gruppe høsten" in page and "Selvhjelp" in page
    assert "1 / 1" in page


# --- Audit and queries -----------------------------------------------------------------------------


def test_audit_rows_for_viewing_a_run_an_enrolment_and_for_attendance(world, grete):
    a_run = run(world, FIVE)
    anna = _enrol(world, a_run, "Anna")
    AccessLog.objects.all()  # append-only: count from here
    before = AccessLog.objects.count()
    grete.get(reverse("programs:run", args=[a_run.pk]))
    grete.get(reverse("programs:enrolment", args=[anna.pk]))
    grete.post(
        reverse("programs:session", args=[a_run.sessions.get(number=1).pk]),
        {"action": "attendance", f"attendance_{anna.pk}": "present"},
    )
    rows = list(AccessLog.objects.order_by("id")[before:])
    seen = [(r.action, r.object_type, r.object_id) for r in rows if r.user == world.group_leader]
    assert ("view", "programs.run", str(a_run.pk)) in seen
    assert ("view", "programs.enrolment", str(anna.pk)) in seen
    attendance = [r for r in rows if r.action == "change" and r.object_type == "programs.run"]
    assert len(attendance) == 1 and attendance[0].details["attendance"] == 1


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_lists_make_no_query_per_row(world, cato):
    run(world, FIVE, title="Første")
    services.sync_builtin_templates()
    one_run = _queries(cato, reverse("programs:runs"))
    for n in range(4):
        a_run = run(world, FIVE, title=f"Gruppe {n}", leaders=[world.group_leader, world.coordinator])
        _enrol(world, a_run, f"Deltaker {n}")
    assert _queries(cato, reverse("programs:runs")) == one_run

    a_run = Run.objects.get(title="Første")
    _enrol(world, a_run, "Anna")
    cato.get(reverse("programs:enrolment", args=[Enrolment.objects.get(run=a_run).pk]))  # the instruments' rows
    run_page, session = _queries(cato, reverse("programs:run", args=[a_run.pk])), a_run.sessions.get(number=1)
    session_page = _queries(cato, reverse("programs:session", args=[session.pk]))
    print_page = _queries(cato, reverse("programs:run_print", args=[a_run.pk]))
    enrolment_page = _queries(cato, reverse("programs:enrolment", args=[Enrolment.objects.get(run=a_run).pk]))
    for name in ("Berit", "Cecilie", "Dina"):
        _enrol(world, a_run, name)
    services.record_attendance(
        world.actor(world.coordinator), session, {e.pk: "present" for e in a_run.enrolments.all()}
    )
    assert _queries(cato, reverse("programs:run", args=[a_run.pk])) == run_page
    assert _queries(cato, reverse("programs:session", args=[session.pk])) == session_page
    assert _queries(cato, reverse("programs:run_print", args=[a_run.pk])) == print_page
    assert _queries(cato, reverse("programs:enrolment", args=[Enrolment.objects.get(participant__name="Anna").pk])) == (
        enrolment_page
    )
    assert _queries(cato, reverse("programs:templates")) <= 12


def test_the_session_list_on_the_run_page_shows_the_dates(world, cato):
    a_run = run(world, FIVE, starts_on=timezone.localdate())
    assert Session.objects.filter(run=a_run).count() == 5
    page = _text(cato.get(reverse("programs:run", args=[a_run.pk])))
    assert page.count('data-testid="session-date"') == 5
