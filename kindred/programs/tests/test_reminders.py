"""Session reminders: the send_programme_reminders command and services.send_due_reminders, and sms_ready."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from kindred import messaging
from kindred.programs import services
from kindred.programs.models import Run
from kindred.programs.tests import factories

pytestmark = pytest.mark.django_db

BRIEF = "stress-strain-coping-support"  # sessions a week apart
TITLE = "Mestringskurs for pårørende"


def in_hours(hours: float):
    """The local moment `hours` from now, to the minute (sessions are planned to the minute)."""
    moment = timezone.localtime() + timedelta(hours=hours)
    return moment.replace(second=0, microsecond=0)


def run_starting_in(world, hours: float, **fields) -> Run:
    moment = in_hours(hours)
    return factories.run(
        world, fields.pop("key", BRIEF), starts_on=moment.date(), start_time=moment.time(), title=TITLE, **fields
    )


def enrol(world, run, name, **fields):
    participant = factories.participant(world, name, **fields)
    return services.enrol(world.actor(world.coordinator), run, participant)


def run_command() -> str:
    out = StringIO()
    call_command("send_programme_reminders", stdout=out)
    return out.getvalue()


def test_a_session_tomorrow_reminds_the_enrolled_by_their_channel(world):
    run = run_starting_in(world, 20)
    enrol(world, run, "Anne", phone="+47 915 08 588", reminders="sms")
    enrol(world, run, "Berit", email="berit@example.no", reminders="email")
    enrol(world, run, "Cecilie", phone="922 22 222", email="cecilie@example.no")  # no reminders chosen

    assert run_command() == "2 reminder(s) sent.\n"

    assert len(messaging.outbox) == 1
    sms = messaging.outbox[0]
    assert sms.to == "+47 915 08 588"
    assert TITLE in sms.text and "Kirkegata 1" in sms.text
    assert len(sms.text) <= messaging.SMS_LENGTH
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["berit@example.no"]
    assert TITLE in email.body and email.subject == world.unit.name
    first, *others = run.sessions.order_by("number")
    first.refresh_from_db()
    assert first.reminded_at is not None
    assert all(s.reminded_at is None for s in others)


def test_each_session_is_reminded_only_once(world):
    run = run_starting_in(world, 20)
    enrol(world, run, "Anne", reminders="sms")
    assert services.send_due_reminders() == 1
    assert services.send_due_reminders() == 0
    assert run_command() == "0 reminder(s) sent.\n"
    assert len(messaging.outbox) == 1


def test_nobody_without_a_channel_is_reminded(world):
    run = run_starting_in(world, 20)
    enrol(world, run, "Anne", email="anne@example.no")
    assert services.send_due_reminders() == 0
    assert messaging.outbox == [] and mail.outbox == []
    assert run.sessions.get(number=1).reminded_at is not None  # looked at, nothing to send


def test_the_waiting_list_is_not_reminded(world):
    run = run_starting_in(world, 20, capacity=1)
    enrol(world, run, "Anne", phone="911 11 111", reminders="sms")
    waiting = enrol(world, run, "Berit", phone="922 22 222", reminders="sms")
    assert waiting.status == "waiting"
    assert services.send_due_reminders() == 1
    assert [m.to for m in messaging.outbox] == ["911 11 111"]


def test_those_awaiting_a_pre_interview_are_not_reminded(world):
    run = run_starting_in(world, 20, key="self-help-group")
    enrol(world, run, "Anne", reminders="sms")
    assert services.send_due_reminders() == 0
    assert messaging.outbox == []


def test_a_cancelled_session_is_not_reminded(world):
    run = run_starting_in(world, 20)
    enrol(world, run, "Anne", reminders="sms")
    session = run.sessions.get(number=1)
    services.update_session(
        world.actor(world.coordinator),
        session,
        day=session.date,
        start_time=session.start_time,
        title=session.title,
        cancelled=True,
    )
    assert services.send_due_reminders() == 0
    session.refresh_from_db()
    assert messaging.outbox == [] and session.reminded_at is None


def test_a_cancelled_run_is_not_reminded(world):
    run = run_starting_in(world, 20)
    enrol(world, run, "Anne", reminders="sms")
    services.cancel_run(world.actor(world.coordinator), run, "Lokalet brant")
    assert services.send_due_reminders() == 0
    assert messaging.outbox == []


@pytest.mark.parametrize("hours", [72, 25, -1])
def test_sessions_outside_the_next_24_hours_are_not_reminded(world, hours):
    run = run_starting_in(world, hours)
    enrol(world, run, "Anne", reminders="sms")
    assert services.send_due_reminders() == 0
    assert messaging.outbox == []
    assert run.sessions.get(number=1).reminded_at is None


def test_a_session_three_days_away_is_reminded_when_its_day_comes(world):
    run = run_starting_in(world, 72)
    enrol(world, run, "Anne", reminders="sms")
    assert services.send_due_reminders() == 0
    assert services.send_due_reminders(now=timezone.now() + timedelta(hours=52)) == 1
    assert len(messaging.outbox) == 1


def test_a_moved_session_is_reminded_again(world):
    run = run_starting_in(world, 20)
    enrol(world, run, "Anne", reminders="sms")
    assert services.send_due_reminders() == 1
    session = run.sessions.get(number=1)
    later = in_hours(22)
    services.update_session(
        world.actor(world.coordinator), session, day=later.date(), start_time=later.time(), title=session.title
    )
    assert services.send_due_reminders() == 1
    assert len(messaging.outbox) == 2


def test_a_long_title_still_fits_in_one_text_message(world):
    long_title = "Kurs " + " ".join(["pårørendearbeid"] * 12)
    moment = in_hours(20)
    run = factories.run(world, BRIEF, starts_on=moment.date(), start_time=moment.time(), title=long_title[:200])
    enrol(world, run, "Anne", reminders="sms")
    assert services.send_due_reminders() == 1
    text = messaging.outbox[0].text
    assert len(text) <= messaging.SMS_LENGTH and text.endswith("…")


# --- sms_ready ---------------------------------------------------------------------------------------


def test_sms_ready_keeps_a_short_text_on_one_line():
    assert messaging.sms_ready("  Hei,\n  velkommen   i morgen!  ") == "Hei, velkommen i morgen!"
    exact = "x" * messaging.SMS_LENGTH
    assert messaging.sms_ready(exact) == exact


def test_sms_ready_cuts_a_long_text_at_a_word_with_an_ellipsis():
    text = " ".join(f"ord{n}" for n in range(100))
    ready = messaging.sms_ready(text)
    assert len(ready) <= messaging.SMS_LENGTH
    assert ready.endswith("…")
    assert text.startswith(ready[:-1])
    assert ready[:-1].split(" ")[-1] in text.split(" ")  # no word is cut in half


def test_sms_ready_cuts_a_text_without_spaces_to_the_limit():
    ready = messaging.sms_ready("x" * 500)
    assert ready == "x" * (messaging.SMS_LENGTH - 1) + "…"
    assert len(ready) == messaging.SMS_LENGTH


def test_send_sms_goes_through_the_configured_backend_ready_for_sending():
    messaging.send_sms("915 08 588", "Hei " * 100)
    assert len(messaging.outbox) == 1
    assert messaging.outbox[0].to == "915 08 588"
    assert len(messaging.outbox[0].text) <= messaging.SMS_LENGTH
