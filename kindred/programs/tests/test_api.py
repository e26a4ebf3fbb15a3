"""The programmes API: templates, planning runs, enrolment with a waiting list, attendance and head counts,
session notes and measures; group leaders see the runs they lead, roles without personal data see none."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kindred import messaging
from kindred.audit.models import AccessLog
from kindred.instruments.loader import builtin_definitions
from kindred.orgs.services import issue_api_token
from kindred.programs import services
from kindred.programs.models import Attendance, Enrolment, Participant, ProgrammeTemplate, Run, Session
from kindred.programs.tests.factories import builtin, participant, run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """The assertions read the English messages; without Accept-Language the API answers in the default."""
    settings.LANGUAGE_CODE = "en"


API = "/api/v1"


def token_client(world, user) -> Client:
    """A client that sends a real personal API token of the user's membership (no session)."""
    _token, plain = issue_api_token(world.actor(user), name="Test")
    return Client(headers={"Authorization": f"Bearer {plain}"})


def get(client, path, **kwargs):
    return client.get(API + path, **kwargs)


def post(client, path, data=None, **kwargs):
    return client.post(API + path, data if data is not None else {}, content_type="application/json", **kwargs)


def put(client, path, data, **kwargs):
    return client.put(API + path, data, content_type="application/json", **kwargs)


def patch(client, path, data, **kwargs):
    return client.patch(API + path, data, content_type="application/json", **kwargs)


def today() -> date:
    return timezone.localdate()


def last_log() -> int:
    return AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def logs_since(pk: int):
    return AccessLog.objects.filter(pk__gt=pk).order_by("pk")


def counts() -> tuple[int, ...]:
    return (
        Run.objects.count(),
        Session.objects.count(),
        Participant.objects.count(),
        Enrolment.objects.count(),
        Attendance.objects.count(),
        ProgrammeTemplate.objects.filter(organisation__isnull=False).count(),
    )


@pytest.fixture
def cato(world):
    return token_client(world, world.coordinator)


@pytest.fixture
def grete(world):
    return token_client(world, world.group_leader)


def run_payload(world, key="stress-strain-coping-support", **fields) -> dict:
    return {
        "template_id": builtin(key).pk,
        "title": "Samtaler våren",
        "starts_on": (today() + timedelta(days=7)).isoformat(),
        "start_time": "18:00",
        "venue": "Kirkegata 1",
        "leader_ids": [world.group_leader.pk],
        **fields,
    }


def new_participant(client, name, **fields) -> int:
    response = post(client, "/programmes/participants", {"name": name, "phone": "912 34 567", **fields})
    assert response.status_code == 201, response.content
    return response.json()["id"]


# --- Templates ----------------------------------------------------------------------------------


def test_templates_builtin_own_and_copies(world, cato):
    body = get(cato, "/programmes/templates", data={"limit": 100}).json()
    keys = {t["key"] for t in body["items"]}
    assert "self-help-group" in keys and "meeting-place" in keys
    builtin_id = builtin("self-help-group").pk
    detail = get(cato, f"/programmes/templates/{builtin_id}").json()
    assert detail["builtin"] is True and len(detail["sessions"]) == 12 and detail["interval_days"] == 14

    # Built-ins are copied, never changed.
    response = patch(cato, f"/programmes/templates/{builtin_id}", {"name": "Vår gruppe"})
    assert response.status_code == 403 and "Copy" in response.json()["detail"]
    response = post(cato, f"/programmes/templates/{builtin_id}/copy")
    assert response.status_code == 201, response.content
    copy = response.json()
    assert (copy["builtin"], copy["based_on_id"], copy["key"]) == (False, builtin_id, "")
    response = patch(cato, f"/programmes/templates/{copy['id']}", {"name": "Vår gruppe", "interval_days": 7})
    assert response.status_code == 200 and response.json()["name"] == "Vår gruppe"
    assert response.json()["interval_days"] == 7 and len(response.json()["sessions"]) == 12

    own = {
        "name": "Samtalegruppe",
        "kind": "course",
        "sessions": [{"title": "Første kveld"}, {"title": "Andre kveld", "form": "coping"}],
        "measures": ["symptom_rating"],
        "completion_min_sessions": 2,
    }
    response = post(cato, "/programmes/templates", own)
    assert response.status_code == 201, response.content
    assert response.json()["sessions"][1] == {"title": "Andre kveld", "description": "", "form": "coping"}
    tid = response.json()["id"]

    before = counts()
    for bad, field in (
        ({**own, "sessions": []}, "sessions"),
        ({**own, "completion_min_sessions": 3}, "completion_min_sessions"),
        ({**own, "measures": ["horoscope"]}, "measures"),
        ({**own, "min_participants": 9, "max_participants": 8}, "min_participants"),
        ({**own, "kind": "party"}, "kind"),
        ({**own, "sessions": [{"title": "x", "form": "diary"}]}, "form"),
        ({**own, "sessions": [{"title": ""}]}, "sessions"),
    ):
        response = post(cato, "/programmes/templates", bad)
        assert response.status_code == 422, bad
        assert field in str(response.json()["errors"]), (bad, response.json())
    assert patch(cato, f"/programmes/templates/{tid}", {"name": None}).status_code == 422
    assert counts() == before

    # Another organisation's template is not found; roles without programmes see none and add none.
    outsider = token_client(world, world.outsider)
    assert get(outsider, f"/programmes/templates/{tid}").status_code == 404
    assert get(outsider, "/programmes/templates").json()["count"] == 0
    assert post(outsider, "/programmes/templates", own).status_code == 403
    analyst = token_client(world, world.analyst)
    assert get(analyst, "/programmes/templates").json()["count"] == 0
    assert patch(analyst, f"/programmes/templates/{tid}", {"name": "x"}).status_code == 404
    admin = token_client(world, world.admin)
    assert get(admin, f"/programmes/templates/{tid}").status_code == 200
    assert patch(admin, f"/programmes/templates/{tid}", {"active": False}).json()["active"] is False


# --- Runs ---------------------------------------------------------------------------------------


def test_planning_a_run_generates_dated_sessions(world, cato):
    starts = today() + timedelta(days=10)
    mark = last_log()
    response = post(cato, "/programmes/runs", run_payload(world, "self-help-group", starts_on=starts.isoformat()))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "planned" and body["capacity"] == 8 and body["template"]["pre_interview"] is True
    assert body["leaders"] == [{"id": world.group_leader.pk, "full_name": "Grete Groupleader"}]
    sessions = body["sessions"]
    assert [s["number"] for s in sessions] == list(range(1, 13))
    assert [s["date"] for s in sessions] == [(starts + timedelta(days=14 * n)).isoformat() for n in range(12)]
    assert {s["start_time"] for s in sessions} == {"18:00:00"} and sessions[0]["title"] == "Bli kjent (1)"
    assert logs_since(mark).filter(action="create", object_type="programs.run", object_id=str(body["id"])).exists()

    before = counts()
    for bad, field in (
        ({"venue": "", "online": False}, "venue"),
        ({"leader_ids": [world.clinician.pk]}, "leaders"),
        ({"starts_on": (today() + timedelta(days=800)).isoformat()}, "starts_on"),
        ({"title": ""}, "title"),
        ({"capacity": 0}, "capacity"),
        ({"start_time": "25:00"}, "start_time"),
    ):
        response = post(cato, "/programmes/runs", run_payload(world, **bad))
        assert response.status_code == 422, bad
        assert field in str(response.json()["errors"]), (bad, response.json())
    assert post(cato, "/programmes/runs", run_payload(world, template_id=999_999)).status_code == 404
    assert post(token_client(world, world.group_leader), "/programmes/runs", run_payload(world)).status_code == 403
    assert counts() == before

    # Changing the run: only what is sent.
    rid = body["id"]
    response = patch(cato, f"/programmes/runs/{rid}", {"venue": "", "online": True, "capacity": 10})
    assert response.status_code == 200, response.content
    changed = response.json()
    assert (changed["online"], changed["venue"], changed["capacity"]) == (True, "", 10)
    assert changed["title"] == "Samtaler våren" and len(changed["leaders"]) == 1
    assert patch(cato, f"/programmes/runs/{rid}", {"title": None}).status_code == 422
    response = patch(cato, f"/programmes/runs/{rid}", {"leader_ids": []})
    assert response.json()["leaders"] == []

    # Moving and cancelling one session.
    sid = sessions[2]["id"]
    response = patch(cato, f"/programmes/sessions/{sid}", {"date": (starts + timedelta(days=30)).isoformat()})
    assert response.status_code == 200 and response.json()["title"] == "Grensesetting"
    assert response.json()["date"] == (starts + timedelta(days=30)).isoformat()
    response = patch(cato, f"/programmes/sessions/{sid}", {"cancelled": True, "title": "Avlyst"})
    assert (response.json()["cancelled"], response.json()["title"]) == (True, "Avlyst")
    assert patch(cato, f"/programmes/sessions/{sid}", {"title": ""}).status_code == 422

    # Listing: planned runs only unless past ones are asked for.
    cancelled = post(cato, f"/programmes/runs/{rid}/cancel", {"reason": "For få påmeldte"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert post(cato, f"/programmes/runs/{rid}/cancel", {"reason": "Igjen"}).status_code == 422
    assert patch(cato, f"/programmes/runs/{rid}", {"title": "Nytt"}).status_code == 422
    assert get(cato, "/programmes/runs").json()["count"] == 0
    assert [r["id"] for r in get(cato, "/programmes/runs", data={"past": "true"}).json()["items"]] == [rid]


def test_enrolment_over_capacity_waits_and_withdrawal_promotes(world, cato):
    response = post(cato, "/programmes/runs", run_payload(world, capacity=1))
    rid = response.json()["id"]
    first = new_participant(cato, "Tone")
    second = new_participant(cato, "Unni", reminders="sms")
    response = post(cato, f"/programmes/runs/{rid}/enrolments", {"participant_id": first})
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "enrolled"
    response = post(cato, f"/programmes/runs/{rid}/enrolments", {"participant_id": second})
    assert response.status_code == 201 and response.json()["status"] == "waiting"
    assert response.json()["waiting_since"]
    waiting_id = response.json()["id"]
    response = post(cato, f"/programmes/runs/{rid}/enrolments", {"participant_id": first})
    assert response.status_code == 422 and "already signed up" in response.json()["detail"]
    run_body = get(cato, f"/programmes/runs/{rid}").json()
    assert (run_body["enrolled"], run_body["waiting"]) == (1, 1)

    mark = last_log()
    listed = get(cato, f"/programmes/runs/{rid}/enrolments").json()
    assert listed["count"] == 2 and {e["participant"]["name"] for e in listed["items"]} == {"Tone", "Unni"}
    assert logs_since(mark).filter(action="view", object_type="programs.enrolment").count() == 2

    enrolled_id = next(e["id"] for e in listed["items"] if e["status"] == "enrolled")
    response = post(cato, f"/programmes/enrolments/{enrolled_id}/withdraw", {"reason": "Flyttet"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["end_reason"]) == ("withdrawn", "Flyttet")
    promoted = get(cato, f"/programmes/enrolments/{waiting_id}").json()
    assert promoted["status"] == "enrolled" and promoted["enrolled_at"]
    [message] = messaging.outbox
    assert message.to == "912 34 567" and "Samtaler våren" in message.text
    assert post(cato, f"/programmes/enrolments/{enrolled_id}/withdraw", {}).status_code == 422

    # A participant of another organisation, or an unknown one, is not found.
    elsewhere = participant(world, "Vera")
    Participant.objects.filter(pk=elsewhere.pk).update(organisation=world.other)
    assert post(cato, f"/programmes/runs/{rid}/enrolments", {"participant_id": elsewhere.pk}).status_code == 404
    assert post(cato, f"/programmes/runs/{rid}/enrolments", {"participant_id": 999_999}).status_code == 404


def test_more_places_move_the_waiting_list_up(world, cato):
    rid = post(cato, "/programmes/runs", run_payload(world, capacity=1)).json()["id"]
    for name in ("Tone", "Unni", "Vera"):
        post(cato, f"/programmes/runs/{rid}/enrolments", {"participant_id": new_participant(cato, name)})
    response = patch(cato, f"/programmes/runs/{rid}", {"capacity": 2})
    assert (response.json()["enrolled"], response.json()["waiting"]) == (2, 1)
    response = patch(cato, f"/programmes/runs/{rid}", {"capacity": 1})
    assert response.status_code == 422 and "capacity" in response.json()["errors"]


def test_participants(world, cato, grete):
    response = post(cato, "/programmes/participants", {"name": "Tone", "email": "tone@example.no", "birth_year": 1980})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["email"], body["person_id"], body["enrolments"]) == ("Tone", "tone@example.no", None, [])
    before = counts()
    for bad, field in (
        ({"name": " ", "phone": "912 34 567"}, "name"),
        ({"name": "Unni"}, "phone"),
        ({"name": "Unni", "email": "u@example.no", "reminders": "sms"}, "reminders"),
        ({"name": "Unni", "phone": "abc"}, "phone"),
        ({"name": "Unni", "phone": "912 34 567", "relation": "neighbour"}, "relation"),
        ({"name": "Unni", "phone": "912 34 567", "birth_year": 1800}, "birth_year"),
    ):
        response = post(cato, "/programmes/participants", bad)
        assert response.status_code == 422, bad
        assert field in str(response.json()["errors"]), (bad, response.json())
    assert post(cato, "/programmes/participants", {"name": "Unni", "person_id": 999_999}).status_code == 404
    assert post(grete, "/programmes/participants", {"name": "Unni", "phone": "912 34 567"}).status_code == 403
    assert counts() == before

    mark = last_log()
    assert get(cato, f"/programmes/participants/{body['id']}").status_code == 200
    assert logs_since(mark).filter(action="view", object_type="programs.participant").count() == 1
    # A group leader sees only the participants of runs they lead.
    assert get(grete, f"/programmes/participants/{body['id']}").status_code == 404
    led = run(world, "stress-strain-coping-support")
    services.enrol(world.actor(world.coordinator), led, Participant.objects.get(pk=body["id"]))
    detail = get(grete, f"/programmes/participants/{body['id']}").json()
    assert [e["run_id"] for e in detail["enrolments"]] == [led.pk]


# --- Sessions: attendance, head counts, evaluations, notes, measures ----------------------------


def test_attendance_rules(world, cato, grete):
    led = run(world, "stress-strain-coping-support", capacity=1)  # first session yesterday, then weekly
    coordinator = world.actor(world.coordinator)
    enrolled = services.enrol(coordinator, led, participant(world, "Tone"))
    waiting = services.enrol(coordinator, led, participant(world, "Unni"))
    assert (enrolled.status, waiting.status) == ("enrolled", "waiting")
    past, future = led.sessions.order_by("number")[:2]

    mark = last_log()
    response = put(
        grete,
        f"/programmes/sessions/{past.pk}/attendance",
        {"items": [{"enrolment_id": enrolled.pk, "status": "present"}]},
    )
    assert response.status_code == 200, response.content
    assert response.json()["attendance"] == [
        {
            "enrolment_id": enrolled.pk,
            "participant_id": enrolled.participant_id,
            "participant_name": "Tone",
            "status": "present",
        }
    ]
    assert Attendance.objects.get().recorded_by == world.group_leader
    assert logs_since(mark).filter(action="change", object_type="programs.run", via="api").exists()
    response = put(
        cato,
        f"/programmes/sessions/{past.pk}/attendance",
        {"items": [{"enrolment_id": enrolled.pk, "status": "excused"}]},
    )
    assert response.json()["attendance"][0]["status"] == "excused" and Attendance.objects.count() == 1

    before = Attendance.objects.count(), Attendance.objects.get().status
    for session, items, message in (
        (future, [{"enrolment_id": enrolled.pk, "status": "present"}], "has not taken place yet"),
        (past, [{"enrolment_id": waiting.pk, "status": "present"}], "enrolled participants only"),
        (
            past,
            [{"enrolment_id": enrolled.pk, "status": "present"}, {"enrolment_id": 999_999, "status": "absent"}],
            "enrolled participants only",
        ),
        (past, [{"enrolment_id": enrolled.pk, "status": "asleep"}], None),
        (past, [{"enrolment_id": 0, "status": "present"}], None),
    ):
        response = put(grete, f"/programmes/sessions/{session.pk}/attendance", {"items": items})
        assert response.status_code == 422, items
        if message:
            assert message in response.json()["detail"], response.json()
    assert (Attendance.objects.count(), Attendance.objects.get().status) == before

    sheet = get(grete, f"/programmes/sessions/{past.pk}").json()
    assert sheet["drop_in"] is False and sheet["run_title"] == "Gruppe høsten"
    assert [row["participant_name"] for row in sheet["attendance"]] == ["Tone"]
    assert put(grete, f"/programmes/sessions/{past.pk}/head-count", {"count": 5}).status_code == 422

    # Evaluations of held sessions only.
    response = post(grete, f"/programmes/sessions/{past.pk}/evaluations", {"rating": 4, "comment": "Nyttig"})
    assert response.status_code == 201, response.content
    assert (response.json()["rating"], response.json()["comment"]) == (4, "Nyttig")
    assert post(grete, f"/programmes/sessions/{past.pk}/evaluations", {"rating": 6}).status_code == 422
    assert post(grete, f"/programmes/sessions/{future.pk}/evaluations", {"rating": 3}).status_code == 422
    sheet = get(grete, f"/programmes/sessions/{past.pk}").json()
    assert (sheet["evaluations"], sheet["average_rating"]) == (1, 4.0)


def test_head_counts_on_a_drop_in_run(world, cato, grete):
    gathering = run(world, "meeting-place")
    past, future = gathering.sessions.order_by("number")[:2]
    response = put(grete, f"/programmes/sessions/{past.pk}/head-count", {"count": 23})
    assert response.status_code == 200, response.content
    assert (response.json()["head_count"], response.json()["drop_in"]) == (23, True)
    assert response.json()["attendance"] == []
    for session, count in ((future, 5), (past, -1), (past, 5001)):
        response = put(grete, f"/programmes/sessions/{session.pk}/head-count", {"count": count})
        assert response.status_code == 422, (session, count)
    assert put(grete, f"/programmes/sessions/{past.pk}/head-count", {"count": "many"}).status_code == 422
    assert Session.objects.get(pk=past.pk).head_count == 23
    # Nobody signs up for a drop-in gathering, and there is no attendance list.
    pid = new_participant(cato, "Tone")
    response = post(cato, f"/programmes/runs/{gathering.pk}/enrolments", {"participant_id": pid})
    assert response.status_code == 422 and "drop-in" in response.json()["detail"]
    assert put(cato, f"/programmes/sessions/{past.pk}/attendance", {"items": []}).status_code == 422


def test_pre_interview_notes_measures_and_completion(world, cato, grete):
    coordinator = world.actor(world.coordinator)
    group = run(world, "self-help-group")  # with a pre-interview
    first = services.enrol(coordinator, group, participant(world, "Tone"))
    second = services.enrol(coordinator, group, participant(world, "Unni"))
    assert first.status == second.status == "interview"
    path = f"/programmes/enrolments/{first.pk}/interview"
    response = post(grete, path, {"outcome": "suitable", "held_on": (today() + timedelta(days=1)).isoformat()})
    assert response.status_code == 422 and "held_on" in response.json()["errors"]
    response = post(grete, path, {"outcome": "suitable", "held_on": today().isoformat(), "note": "Passer fint"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["interview_outcome"]) == ("enrolled", "suitable")
    assert post(grete, path, {"outcome": "suitable", "held_on": today().isoformat()}).status_code == 422
    path = f"/programmes/enrolments/{second.pk}/interview"
    response = post(grete, path, {"outcome": "elsewhere", "held_on": today().isoformat()})
    assert response.status_code == 422 and "referred_to" in response.json()["errors"]
    response = post(grete, path, {"outcome": "elsewhere", "held_on": today().isoformat(), "referred_to": "Fastlege"})
    assert (response.json()["status"], response.json()["referred_to"]) == ("referred", "Fastlege")

    # Completing needs the programme's sessions attended.
    response = post(grete, f"/programmes/enrolments/{first.pk}/complete")
    assert response.status_code == 422 and "attended 0 of the 8" in response.json()["detail"]

    # A one-to-one programme: notes by the session's form, and the programme's measures.
    talks = run(world, "stress-strain-coping-support")
    enrolment = services.enrol(coordinator, talks, participant(world, "Vera"))
    coping = talks.sessions.get(number=3)
    path = f"/programmes/enrolments/{enrolment.pk}/notes/{coping.pk}"
    response = put(grete, path, {"data": {"position": "tolerant", "pros": "Ro i huset", "ignored": "x"}})
    assert response.status_code == 200, response.content
    assert response.json()["data"] == {"position": "tolerant", "pros": "Ro i huset", "cons": "", "strategies": ""}
    assert response.json()["form"] == "coping"
    assert put(grete, path, {"data": {"position": "furious"}}).status_code == 422
    assert put(grete, path, {"data": {"pros": "x" * 2001}}).status_code == 422
    other_session = group.sessions.get(number=1)
    assert (
        put(grete, f"/programmes/enrolments/{enrolment.pk}/notes/{other_session.pk}", {"data": {}}).status_code == 404
    )

    definition = builtin_definitions()["symptom_rating"]
    answers = {item.key: definition.options_of(item)[0].value for item in definition.items}
    path = f"/programmes/enrolments/{enrolment.pk}/measures"
    response = post(grete, path, {"instrument": "symptom_rating", "phase": "baseline", "answers": answers})
    assert response.status_code == 201, response.content
    measure = response.json()
    assert (measure["instrument_key"], measure["phase"], measure["enrolment_id"]) == (
        "symptom_rating",
        "baseline",
        enrolment.pk,
    )
    for bad in (
        {"instrument": "audit", "phase": "baseline", "answers": answers},
        {"instrument": "symptom_rating", "phase": "middle", "answers": answers},
        {"instrument": "symptom_rating", "phase": "end", "answers": {}},
    ):
        assert post(grete, path, bad).status_code == 422, bad
    detail = get(grete, f"/programmes/enrolments/{enrolment.pk}").json()
    assert [m["phase"] for m in detail["measures"]] == ["baseline"]
    assert [n["session_id"] for n in detail["notes"]] == [coping.pk]

    # Attended enough: complete; finishing the run settles the rest.
    first_session = talks.sessions.get(number=1)
    put(
        grete,
        f"/programmes/sessions/{first_session.pk}/attendance",
        {"items": [{"enrolment_id": enrolment.pk, "status": "present"}]},
    )
    Attendance.objects.bulk_create(
        Attendance(session=s, enrolment=enrolment, status="present")
        for s in talks.sessions.filter(number__in=[2, 3, 4])
    )
    response = post(grete, f"/programmes/enrolments/{enrolment.pk}/complete")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["attended"]) == ("completed", 4)
    response = post(cato, f"/programmes/runs/{group.pk}/finish")
    assert response.status_code == 200 and response.json()["status"] == "finished"
    assert get(cato, f"/programmes/enrolments/{first.pk}").json()["status"] == "not_completed"
    assert post(grete, f"/programmes/runs/{talks.pk}/finish").status_code == 403


# --- Who sees what ------------------------------------------------------------------------------


def test_a_group_leader_sees_only_the_runs_they_lead(world, cato, grete):
    coordinator = world.actor(world.coordinator)
    led = run(world, "stress-strain-coping-support", title="Grete sin")
    other = run(world, "stress-strain-coping-support", title="Uten Grete", leaders=[])
    enrolment = services.enrol(coordinator, other, participant(world, "Tone"))
    session = other.sessions.get(number=1)

    assert [r["title"] for r in get(grete, "/programmes/runs").json()["items"]] == ["Grete sin"]
    assert {r["title"] for r in get(cato, "/programmes/runs").json()["items"]} == {"Grete sin", "Uten Grete"}
    assert get(grete, f"/programmes/runs/{led.pk}").status_code == 200
    before = counts()
    for method, path, body in (
        ("get", f"/programmes/runs/{other.pk}", None),
        ("get", f"/programmes/runs/{other.pk}/enrolments", None),
        ("get", f"/programmes/sessions/{session.pk}", None),
        ("get", f"/programmes/enrolments/{enrolment.pk}", None),
        ("get", f"/programmes/participants/{enrolment.participant_id}", None),
        (
            "put",
            f"/programmes/sessions/{session.pk}/attendance",
            {"items": [{"enrolment_id": enrolment.pk, "status": "present"}]},
        ),
        ("put", f"/programmes/sessions/{session.pk}/head-count", {"count": 3}),
        ("post", f"/programmes/sessions/{session.pk}/evaluations", {"rating": 3}),
        ("put", f"/programmes/enrolments/{enrolment.pk}/notes/{session.pk}", {"data": {"text": "x"}}),
        ("post", f"/programmes/enrolments/{enrolment.pk}/complete", {}),
        ("post", f"/programmes/runs/{other.pk}/finish", {}),
    ):
        client_call = getattr(grete, method)
        if body is None:
            response = client_call(API + path)
        else:
            response = client_call(API + path, body, content_type="application/json")
        assert response.status_code == 404, (path, response.status_code)
    assert counts() == before
    # The outsider's coordinator-less organisation sees none of it either.
    outsider = token_client(world, world.outsider)
    assert get(outsider, "/programmes/runs").json()["count"] == 0
    assert get(outsider, f"/programmes/runs/{led.pk}").status_code == 404


@pytest.mark.parametrize("persona", ["analyst", "admin"])
def test_roles_without_personal_data_are_refused(world, persona):
    coordinator = world.actor(world.coordinator)
    led = run(world, "stress-strain-coping-support")
    enrolment = services.enrol(coordinator, led, participant(world, "Tone"))
    session = led.sessions.get(number=1)
    client = token_client(world, getattr(world, persona))
    before = counts()
    mark = last_log()
    calls = [
        ("get", "/programmes/runs", None),
        (
            "post",
            "/programmes/runs",
            {
                "template_id": led.template_id,
                "title": "x",
                "starts_on": "2030-01-01",
                "start_time": "18:00",
                "venue": "x",
            },
        ),
        ("get", f"/programmes/runs/{led.pk}", None),
        ("patch", f"/programmes/runs/{led.pk}", {"title": "x"}),
        ("post", f"/programmes/runs/{led.pk}/finish", {}),
        ("post", f"/programmes/runs/{led.pk}/cancel", {"reason": "x"}),
        ("get", f"/programmes/runs/{led.pk}/enrolments", None),
        ("post", f"/programmes/runs/{led.pk}/enrolments", {"participant_id": enrolment.participant_id}),
        ("post", "/programmes/participants", {"name": "x", "phone": "912 34 567"}),
        ("get", f"/programmes/participants/{enrolment.participant_id}", None),
        ("get", f"/programmes/enrolments/{enrolment.pk}", None),
        ("post", f"/programmes/enrolments/{enrolment.pk}/interview", {"outcome": "suitable", "held_on": "2020-01-01"}),
        ("post", f"/programmes/enrolments/{enrolment.pk}/withdraw", {}),
        ("post", f"/programmes/enrolments/{enrolment.pk}/complete", {}),
        ("put", f"/programmes/enrolments/{enrolment.pk}/notes/{session.pk}", {"data": {"text": "x"}}),
        ("post", f"/programmes/enrolments/{enrolment.pk}/measures", {"instrument": "x", "phase": "end", "answers": {}}),
        ("get", f"/programmes/sessions/{session.pk}", None),
        ("patch", f"/programmes/sessions/{session.pk}", {"title": "x"}),
        ("put", f"/programmes/sessions/{session.pk}/attendance", {"items": []}),
        ("put", f"/programmes/sessions/{session.pk}/head-count", {"count": 1}),
        ("post", f"/programmes/sessions/{session.pk}/evaluations", {"rating": 3}),
        ("get", "/programmes/runs/999999", None),
    ]
    for method, path, body in calls:
        if body is None:
            response = getattr(client, method)(API + path)
        else:
            response = getattr(client, method)(API + path, body, content_type="application/json")
        assert response.status_code in (403, 404), (path, response.status_code)
        assert response.status_code == 403, path  # refused before any lookup
    assert counts() == before
    assert not logs_since(mark).exists()


def test_unauthenticated_requests_are_refused(world):
    led = run(world)
    assert get(Client(), "/programmes/runs").status_code == 401
    assert get(Client(), f"/programmes/runs/{led.pk}", headers={"Authorization": "Bearer kdr_wrong"}).status_code == 401
    assert post(Client(), "/programmes/participants", {"name": "x", "phone": "912 34 567"}).status_code == 401


def test_openapi_lists_the_programme_paths(client):
    response = client.get(API + "/openapi.json")
    assert response.status_code == 200
    document = response.json()
    paths = document["paths"]
    expected = {
        "/api/v1/programmes/templates": {"get", "post"},
        "/api/v1/programmes/templates/{template_id}": {"get", "patch"},
        "/api/v1/programmes/templates/{template_id}/copy": {"post"},
        "/api/v1/programmes/runs": {"get", "post"},
        "/api/v1/programmes/runs/{run_id}": {"get", "patch"},
        "/api/v1/programmes/runs/{run_id}/finish": {"post"},
        "/api/v1/programmes/runs/{run_id}/cancel": {"post"},
        "/api/v1/programmes/runs/{run_id}/enrolments": {"get", "post"},
        "/api/v1/programmes/participants": {"post"},
        "/api/v1/programmes/participants/{participant_id}": {"get"},
        "/api/v1/programmes/enrolments/{enrolment_id}": {"get"},
        "/api/v1/programmes/enrolments/{enrolment_id}/interview": {"post"},
        "/api/v1/programmes/enrolments/{enrolment_id}/withdraw": {"post"},
        "/api/v1/programmes/enrolments/{enrolment_id}/complete": {"post"},
        "/api/v1/programmes/enrolments/{enrolment_id}/notes/{session_id}": {"put"},
        "/api/v1/programmes/enrolments/{enrolment_id}/measures": {"post"},
        "/api/v1/programmes/sessions/{session_id}": {"get", "patch"},
        "/api/v1/programmes/sessions/{session_id}/attendance": {"put"},
        "/api/v1/programmes/sessions/{session_id}/head-count": {"put"},
        "/api/v1/programmes/sessions/{session_id}/evaluations": {"post"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) == methods, path
        for method, operation in paths[path].items():
            assert operation["summary"] and operation["description"], path
            assert operation["tags"] == ["programmes"], path
            assert {"401", "403", "422"} <= set(operation["responses"]), path
            if "{" in path:
                assert "404" in operation["responses"], path
            if method == "post" and path in ("/api/v1/programmes/runs", "/api/v1/programmes/participants"):
                assert "201" in operation["responses"], path
    schemas = document["components"]["schemas"]
    for name in ("RunIn", "RunDetailOut", "SessionDetailOut", "EnrolmentDetailOut", "TemplateIn", "ParticipantOut"):
        for field, spec in schemas[name]["properties"].items():
            assert spec.get("description"), (name, field)
    status = schemas["AttendanceItem"]["properties"]["status"]
    assert set(status["enum"]) == {"present", "absent", "excused"}
