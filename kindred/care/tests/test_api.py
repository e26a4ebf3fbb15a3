"""The care API: intake to discharge as a clinician, refusals that change nothing, and who sees what."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from stdnum.no import fodselsnummer

from kindred.audit.models import AccessLog
from kindred.care import services
from kindred.care.models import ChildSheet, ConcernReport, Episode, InformationGiven, Task
from kindred.orgs.services import issue_api_token
from kindred.people.models import Person, Relationship
from kindred.people.services import PersonData

pytestmark = pytest.mark.django_db

API = "/api/v1"


def fnr(birth: date) -> str:
    """A valid Norwegian national id for the birth date (the first individual number that works)."""
    serials = range(500, 1000) if birth.year >= 2000 else range(0, 500)
    for serial in serials:
        base = f"{birth:%d%m%y}{serial:03d}"
        for k1 in "0123456789":
            for k2 in "0123456789":
                if fodselsnummer.is_valid(base + k1 + k2):
                    return base + k1 + k2
    raise AssertionError("no valid number")


def post(client, path, data=None, **kwargs):
    return client.post(API + path, data if data is not None else {}, content_type="application/json", **kwargs)


def put(client, path, data, **kwargs):
    return client.put(API + path, data, content_type="application/json", **kwargs)


def get(client, path, **kwargs):
    return client.get(API + path, **kwargs)


def today() -> date:
    return timezone.localdate()


def intake_payload(**episode) -> dict:
    return {
        "person": {"given_name": "Pia", "family_name": "Pasient", "national_id": fnr(date(1985, 6, 15))},
        "episode": {"kind": "outpatient", "started_on": today().isoformat(), "problem_areas": ["alcohol"], **episode},
    }


def two_children() -> list[dict]:
    year = today().year
    return [
        {
            "person": {"given_name": "Ella", "family_name": "Pasient", "birth_date": date(year - 8, 3, 14).isoformat()},
            "parental_responsibility": "shared",
            "lives_together": True,
        },
        {
            "person": {"given_name": "Emil", "family_name": "Pasient", "birth_year": year - 4},
            "parental_responsibility": "no",
            "lives_together": False,
            "contact_arrangement": "Every other weekend",
        },
    ]


def domain_counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Person, Episode, Relationship, ChildSheet, InformationGiven, Task, ConcernReport)
    )


@pytest.fixture
def episode(world) -> Episode:
    """An episode of the clinician's in intake, with two minor children named."""
    actor = world.actor(world.clinician)
    episode = services.register_patient(
        actor,
        PersonData(given_name="Per", family_name="Pasient", birth_year=1980),
        services.EpisodeData(kind="outpatient", started_on=today()),
    )
    year = today().year
    services.record_children_answer(
        actor,
        episode,
        children_answer="has",
        siblings_answer="none",
        source="patient",
        children=[
            services.ChildInput(person=PersonData(given_name="Anna", birth_date=date(year - 10, 1, 2))),
            services.ChildInput(person=PersonData(given_name="Bror", birth_year=year - 3)),
        ],
    )
    return episode


def test_full_intake_to_discharge_as_clinician(world):
    client = world.client_for(world.clinician)

    response = post(client, "/episodes", intake_payload())
    assert response.status_code == 201, response.content
    body = response.json()
    episode_id = body["id"]
    assert body["status"] == "intake"
    assert body["responsible_id"] == world.clinician.pk
    assert body["patient"]["birth_date"] == "1985-06-15"
    assert body["patient"]["id_kind"] == "fnr"
    assert body["problem_areas"] == ["alcohol"]
    assert body["children"] == []

    response = post(
        client,
        f"/episodes/{episode_id}/children-answer",
        {
            "children_answer": "has",
            "siblings_answer": "none",
            "source": "patient",
            "children": two_children(),
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["is_answered"] is True
    assert [c["given_name"] for c in body["children"]] == ["Ella", "Emil"]
    ella, emil = (c["id"] for c in body["children"])
    rel = Relationship.objects.get(other_id=emil)
    assert (rel.parental_responsibility, rel.lives_together, rel.contact_arrangement) == (
        "no",
        False,
        "Every other weekend",
    )

    response = get(client, f"/episodes/{episode_id}/children/{ella}/sheet")
    assert response.status_code == 200, response.content
    sheet = response.json()
    assert sheet["saved"] is False
    assert sheet["template_version"] == 1
    assert sheet["answers"] == {}
    first_key = sheet["sections"][0]["questions"][0]["key"]

    response = put(
        client,
        f"/episodes/{episode_id}/children/{ella}/sheet",
        {
            "answers": {first_key: "  With her mother  "},
            "concern_level": "some",
            "who_informs": "this_service",
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["saved"] is True
    sheet = get(client, f"/episodes/{episode_id}/children/{ella}/sheet").json()
    assert sheet["answers"] == {first_key: "With her mother"}
    assert (sheet["concern_level"], sheet["who_informs"]) == ("some", "this_service")
    assert sheet["updated_by_id"] == world.clinician.pk

    response = post(
        client,
        f"/episodes/{episode_id}/children/{ella}/information",
        {
            "given_on": today().isoformat(),
            "form": "talk",
            "present": "Ella and her mother",
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["form"] == "talk"
    assert InformationGiven.objects.filter(episode_id=episode_id, child_id=ella).count() == 1

    response = post(
        client,
        f"/episodes/{episode_id}/tasks",
        {
            "title": "Call the school nurse",
            "due_on": (today() + timedelta(days=7)).isoformat(),
            "child_id": ella,
        },
    )
    assert response.status_code == 201, response.content
    task = response.json()
    assert (task["assignee_id"], task["child_id"], task["status"]) == (world.clinician.pk, ella, "open")
    listed = get(client, "/tasks").json()
    assert [t["id"] for t in listed["items"]] == [task["id"]]
    assert listed["items"][0]["patient_name"] == "Pia Pasient"
    response = post(client, f"/tasks/{task['id']}/status", {"status": "done"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "done" and response.json()["done_at"]
    assert get(client, "/tasks").json()["count"] == 0

    report_data = {
        "recipient": "Barneverntjenesten i Stavanger",
        "recipient_municipality": "1103",
        "basis": "own_initiative",
        "reason": "Nobody looks after Emil in the evenings.",
        "parent_informed": False,
        "sent_on": today().isoformat(),
    }
    response = post(client, f"/episodes/{episode_id}/children/{emil}/concern-reports", report_data)
    assert response.status_code == 422
    assert "parent_not_informed_reason" in response.json()["errors"]
    report_data["parent_not_informed_reason"] = "Telling him would put Emil at risk."
    response = post(client, f"/episodes/{episode_id}/children/{emil}/concern-reports", report_data)
    assert response.status_code == 201, response.content
    report = response.json()
    assert report["feedback_on"] is None and report["feedback_overdue"] is False
    response = post(
        client,
        f"/concern-reports/{report['id']}/feedback",
        {
            "feedback_on": today().isoformat(),
            "status": "received",
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["feedback_status"] == "received"

    response = post(client, f"/episodes/{episode_id}/leave-intake")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "active"

    response = post(
        client,
        f"/episodes/{episode_id}/discharge",
        {
            "ended_on": today().isoformat(),
            "summaries": [{"child_id": ella, "summary": "Follow-up by the nurse."}],
        },
    )
    assert response.status_code == 422
    assert "Emil" in response.json()["errors"]["summaries"][0]
    response = post(
        client,
        f"/episodes/{episode_id}/discharge",
        {
            "ended_on": today().isoformat(),
            "summaries": [
                {"child_id": ella, "summary": "Follow-up by the nurse."},
                {"child_id": emil, "summary": "Child welfare follows up."},
            ],
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "discharged"
    assert response.json()["ended_on"] == today().isoformat()
    assert ChildSheet.objects.get(child_id=emil).discharge_summary == "Child welfare follows up."

    # Every step went through the services, which wrote the audit trail (marked as API use).
    log = AccessLog.objects.filter(user=world.clinician, via="api")
    assert log.filter(action=AccessLog.Action.CREATE, object_type="care.episode").count() == 1
    assert log.filter(action=AccessLog.Action.CREATE, object_type="care.concernreport").count() == 1
    assert log.filter(action=AccessLog.Action.VIEW, object_type="care.episode", object_id=str(episode_id)).exists()


def test_reading_an_episode_writes_audit_rows(world, episode):
    client = world.client_for(world.clinician)
    before = AccessLog.objects.count()
    response = get(client, f"/episodes/{episode.pk}")
    assert response.status_code == 200
    assert len(response.json()["children"]) == 2
    rows = AccessLog.objects.order_by("pk")[before:]
    assert {(r.action, r.object_type, r.via) for r in rows} == {
        ("view", "care.episode", "api"),
        ("view", "people.person", "api"),
    }
    assert sorted(r.subject_id for r in rows if r.object_type == "people.person") == sorted(
        c.pk for c in services.children_of(episode.patient)
    )


def test_invalid_intake_changes_nothing(world):
    client = world.client_for(world.clinician)
    before = domain_counts()

    bad_id = intake_payload()
    bad_id["person"]["national_id"] = "12345678901"
    response = post(client, "/episodes", bad_id)
    assert response.status_code == 422
    assert response.json()["detail"]
    assert list(response.json()["errors"]) == ["national_id"]

    response = post(client, "/episodes", intake_payload(pregnancy="yes", due_date="2020-01-01"))
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["due_date"]

    response = post(client, "/episodes", intake_payload(pregnancy="no", due_date=today().isoformat()))
    assert response.status_code == 422

    for broken in ({}, {"person": {}}, {"person": {}, "episode": {"kind": "nonsense", "started_on": "2024-02-30"}}):
        response = post(client, "/episodes", broken)
        assert response.status_code == 422
        assert response.json()["errors"]

    response = client.post(API + "/episodes", "{not json", content_type="application/json")
    assert response.status_code == 400

    with_nul = intake_payload()
    with_nul["person"]["given_name"] = "Pi\x00a"
    assert post(client, "/episodes", with_nul).status_code == 422
    too_long = intake_payload()
    too_long["person"]["family_name"] = "x" * 101
    assert post(client, "/episodes", too_long).status_code == 422

    assert domain_counts() == before


def test_children_answer_refuses_an_adult_child_and_changes_nothing(world, episode):
    client = world.client_for(world.clinician)
    fresh = services.register_patient(
        world.actor(world.clinician),
        PersonData(given_name="Ny", birth_year=1990),
        services.EpisodeData(kind="outpatient", started_on=today()),
    )
    before = domain_counts()
    children = two_children()
    children[1]["person"]["birth_date"] = date(today().year - 20, 5, 5).isoformat()
    children[1]["person"].pop("birth_year")
    response = post(
        client,
        f"/episodes/{fresh.pk}/children-answer",
        {
            "children_answer": "has",
            "siblings_answer": "none",
            "source": "patient",
            "children": children,
        },
    )
    assert response.status_code == 422
    assert "18" in " ".join(response.json()["errors"]["children"])
    fresh.refresh_from_db()
    assert fresh.children_answer == "not_asked"
    assert domain_counts() == before

    # Neither both nor none of existing_id and person; an existing person outside your view is refused.
    for child in ({"existing_id": 1, "person": {"given_name": "X"}}, {"lives_together": True}):
        response = post(
            client,
            f"/episodes/{fresh.pk}/children-answer",
            {
                "children_answer": "has",
                "siblings_answer": "none",
                "source": "patient",
                "children": [child],
            },
        )
        assert response.status_code == 422
    response = post(
        client,
        f"/episodes/{fresh.pk}/children-answer",
        {
            "children_answer": "has",
            "siblings_answer": "none",
            "source": "patient",
            "children": [{"existing_id": 999999}],
        },
    )
    assert response.status_code == 422
    assert domain_counts() == before


def test_existing_child_can_be_named_by_id(world, episode):
    client = world.client_for(world.clinician)
    anna = services.children_of(episode.patient).get(given_name="Anna")
    other = services.register_patient(
        world.actor(world.clinician),
        PersonData(given_name="Far", birth_year=1979),
        services.EpisodeData(kind="outpatient", started_on=today()),
    )
    response = post(
        client,
        f"/episodes/{other.pk}/children-answer",
        {
            "children_answer": "has",
            "siblings_answer": "declined",
            "source": "record",
            "children": [{"existing_id": anna.pk, "parental_responsibility": "yes"}],
        },
    )
    assert response.status_code == 200, response.content
    assert [c["id"] for c in response.json()["children"]] == [anna.pk]


def test_leave_intake_needs_the_children_answer(world):
    client = world.client_for(world.clinician)
    episode_id = post(client, "/episodes", intake_payload()).json()["id"]
    response = post(client, f"/episodes/{episode_id}/leave-intake")
    assert response.status_code == 422
    assert response.json()["detail"]
    assert Episode.objects.get(pk=episode_id).status == "intake"
    # Discharge needs it too.
    response = post(client, f"/episodes/{episode_id}/discharge", {"ended_on": today().isoformat()})
    assert response.status_code == 422
    assert Episode.objects.get(pk=episode_id).status == "intake"


def test_task_due_in_the_past_and_bad_assignee_are_refused(world, episode):
    client = world.client_for(world.clinician)
    before = domain_counts()
    response = post(
        client,
        f"/episodes/{episode.pk}/tasks",
        {
            "title": "Too late",
            "due_on": (today() - timedelta(days=10)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["due_on"]
    response = post(
        client,
        f"/episodes/{episode.pk}/tasks",
        {
            "title": "Wrong person",
            "due_on": today().isoformat(),
            "assignee_id": world.outsider.pk,
        },
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["assignee"]
    assert post(client, f"/tasks/{2**62}/status", {"status": "done"}).status_code == 404
    assert domain_counts() == before


def test_sheet_refuses_unknown_questions_and_other_peoples_children(world, episode):
    client = world.client_for(world.clinician)
    anna = services.children_of(episode.patient).get(given_name="Anna")
    response = put(
        client,
        f"/episodes/{episode.pk}/children/{anna.pk}/sheet",
        {
            "answers": {"no_such_question": "x"},
            "concern_level": "none",
            "who_informs": "",
        },
    )
    assert response.status_code == 422
    assert "answers" in response.json()["errors"]
    assert put(client, f"/episodes/{episode.pk}/children/{anna.pk}/sheet", {"answers": {}}).status_code == 422
    # The patient is not a child of their own episode.
    assert get(client, f"/episodes/{episode.pk}/children/{episode.patient_id}/sheet").status_code == 404
    assert ChildSheet.objects.count() == 0


def test_bad_ids_are_404_or_422_never_500(world, episode):
    client = world.client_for(world.clinician)
    for path in (
        "/episodes/abc",
        "/episodes/0",
        f"/episodes/{2**64}",
        "/persons/-1",
        f"/episodes/{episode.pk}/children/abc/sheet",
    ):
        assert get(client, path).status_code == 422, path
    for path in (f"/episodes/{2**62}", f"/episodes/{episode.pk}/children/{2**62}/sheet"):
        response = get(client, path)
        assert response.status_code == 404, path
        assert set(response.json()) == {"detail"}
    assert (
        post(
            client,
            f"/concern-reports/{2**62}/feedback",
            {
                "feedback_on": today().isoformat(),
                "status": "received",
            },
        ).status_code
        == 404
    )


def test_outsider_gets_404_everywhere(world, episode):
    client = world.client_for(world.outsider)
    anna = services.children_of(episode.patient).get(given_name="Anna")
    for path in (
        f"/episodes/{episode.pk}",
        f"/persons/{episode.patient_id}",
        f"/persons/{anna.pk}",
        f"/persons/{anna.pk}/family",
        f"/episodes/{episode.pk}/children/{anna.pk}/sheet",
    ):
        response = get(client, path)
        assert response.status_code == 404, path
        assert set(response.json()) == {"detail"}
    before = domain_counts()
    assert (
        post(
            client,
            f"/episodes/{episode.pk}/children-answer",
            {
                "children_answer": "none",
                "siblings_answer": "none",
                "source": "patient",
            },
        ).status_code
        == 404
    )
    assert post(client, f"/episodes/{episode.pk}/leave-intake").status_code == 404
    assert (
        post(
            client,
            f"/episodes/{episode.pk}/tasks",
            {
                "title": "x",
                "due_on": today().isoformat(),
            },
        ).status_code
        == 404
    )
    assert domain_counts() == before
    assert get(client, "/episodes").json()["count"] == 0
    assert get(client, "/persons").json()["count"] == 0


def test_outsider_cannot_touch_a_concern_report(world, episode):
    anna = services.children_of(episode.patient).get(given_name="Anna")
    report = services.send_concern_report(
        world.actor(world.clinician),
        episode,
        anna,
        services.ConcernData(
            recipient="Barnevernet", basis="own_initiative", reason="Worry", parent_informed=True, sent_on=today()
        ),
    )
    response = post(
        world.client_for(world.outsider),
        f"/concern-reports/{report.pk}/feedback",
        {
            "feedback_on": today().isoformat(),
            "status": "received",
        },
    )
    assert response.status_code == 404
    report.refresh_from_db()
    assert report.feedback_on is None


def test_analyst_sees_nothing_and_may_change_nothing(world, episode):
    client = world.client_for(world.analyst)
    assert get(client, "/episodes").json() == {"count": 0, "limit": 20, "offset": 0, "items": []}
    assert get(client, "/persons").json()["count"] == 0
    assert get(client, "/tasks").json()["count"] == 0
    assert get(client, f"/episodes/{episode.pk}").status_code == 404
    before = domain_counts()
    response = post(client, "/episodes", intake_payload())
    assert response.status_code == 403
    assert set(response.json()) == {"detail"}
    assert get(client, "/children").status_code == 403
    assert get(client, "/tasks", data={"all": "true"}).status_code == 403
    assert domain_counts() == before


def test_a_role_without_edit_cases_gets_403_from_the_services(world, episode):
    # A group leader named as the child contact sees the episode but may not change it.
    Episode.objects.filter(pk=episode.pk).update(child_contact=world.group_leader)
    client = world.client_for(world.group_leader)
    assert get(client, f"/episodes/{episode.pk}").status_code == 200
    before = domain_counts()
    response = post(client, f"/episodes/{episode.pk}/leave-intake")
    assert response.status_code == 403
    assert set(response.json()) == {"detail"}
    anna = services.children_of(episode.patient).get(given_name="Anna")
    response = post(
        client,
        f"/episodes/{episode.pk}/children/{anna.pk}/concern-reports",
        {
            "recipient": "Barnevernet",
            "basis": "own_initiative",
            "reason": "Worry",
            "parent_informed": True,
            "sent_on": today().isoformat(),
        },
    )
    assert response.status_code == 403
    assert domain_counts() == before
    assert Episode.objects.get(pk=episode.pk).status == "intake"


def test_children_overview_for_child_responsible_staff(world, episode):
    client = world.client_for(world.child_responsible)
    before = AccessLog.objects.count()
    response = get(client, "/children")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    assert {row["child"]["given_name"] for row in body["items"]} == {"Anna", "Bror"}
    assert all(row["parent"]["id"] == episode.patient_id and not row["has_sheet"] for row in body["items"])
    rows = AccessLog.objects.order_by("pk")[before:]
    assert sorted(r.subject_id for r in rows) == sorted(row["child"]["id"] for row in body["items"])
    assert {r.via for r in rows} == {"api"}

    anna = services.children_of(episode.patient).get(given_name="Anna")
    services.save_child_sheet(
        world.actor(world.clinician), episode, anna, answers={}, concern_level="serious", who_informs=""
    )
    body = get(client, "/children", data={"state": "sheet_missing"}).json()
    assert [row["child"]["given_name"] for row in body["items"]] == ["Bror"]
    body = get(client, "/children", data={"order": "concern", "limit": 1}).json()
    assert body["count"] == 2 and len(body["items"]) == 1
    assert body["items"][0]["concern_level"] == "serious"
    assert get(client, "/children", data={"state": "bogus"}).status_code == 422

    assert get(world.client_for(world.clinician), "/children").status_code == 403


def test_unit_tasks_for_the_children_overview_only(world, episode):
    services.create_task(
        world.actor(world.clinician), episode, title="Talk to Anna", assignee_id=world.clinician.pk, due_on=today()
    )
    coordinator = world.client_for(world.coordinator)
    assert get(coordinator, "/tasks").json()["count"] == 0
    body = get(coordinator, "/tasks", data={"all": "true"}).json()
    assert [t["title"] for t in body["items"]] == ["Talk to Anna"]
    assert get(world.client_for(world.clinician), "/tasks", data={"all": "true"}).status_code == 403


def test_episode_list_is_paginated(world):
    actor = world.actor(world.clinician)
    for n in range(3):
        services.register_patient(
            actor,
            PersonData(given_name=f"P{n}", birth_year=1980),
            services.EpisodeData(kind="outpatient", started_on=today() - timedelta(days=n)),
        )
    client = world.client_for(world.clinician)
    first = get(client, "/episodes", data={"limit": 2}).json()
    assert first["count"] == 3 and [e["patient"]["given_name"] for e in first["items"]] == ["P0", "P1"]
    rest = get(client, "/episodes", data={"limit": 2, "offset": 2}).json()
    assert [e["patient"]["given_name"] for e in rest["items"]] == ["P2"]
    assert get(client, "/episodes", data={"limit": 101}).status_code == 422
    assert get(client, "/episodes", data={"status": "intake"}).json()["count"] == 3
    assert get(client, "/episodes", data={"status": "active"}).json()["count"] == 0


def test_api_token_works_without_a_session(world):
    _token, plain = issue_api_token(world.actor(world.clinician), name="EPJ")
    client = Client()
    headers = {"Authorization": f"Bearer {plain}"}
    response = post(client, "/episodes", intake_payload(), headers=headers)
    assert response.status_code == 201, response.content
    episode_id = response.json()["id"]
    assert get(client, f"/episodes/{episode_id}", headers=headers).status_code == 200
    assert get(client, "/episodes", headers=headers).json()["count"] == 1
    assert AccessLog.objects.filter(object_type="care.episode", object_id=str(episode_id), via="api").count() >= 2
    assert get(client, f"/episodes/{episode_id}").status_code == 401
    assert get(client, f"/episodes/{episode_id}", headers={"Authorization": "Bearer kdr_wrong"}).status_code == 401


def test_openapi_lists_the_care_paths(client):
    document = client.get(API + "/openapi.json").json()
    paths = document["paths"]
    for path in (
        "/api/v1/episodes",
        "/api/v1/episodes/{episode_id}",
        "/api/v1/episodes/{episode_id}/children-answer",
        "/api/v1/episodes/{episode_id}/leave-intake",
        "/api/v1/episodes/{episode_id}/discharge",
        "/api/v1/episodes/{episode_id}/children/{child_id}/sheet",
        "/api/v1/episodes/{episode_id}/children/{child_id}/information",
        "/api/v1/episodes/{episode_id}/tasks",
        "/api/v1/tasks",
        "/api/v1/tasks/{task_id}/status",
        "/api/v1/episodes/{episode_id}/children/{child_id}/concern-reports",
        "/api/v1/concern-reports/{report_id}/feedback",
        "/api/v1/children",
    ):
        assert path in paths, path
        for operation in paths[path].values():
            assert operation["summary"]
            assert {"401", "403", "422"} <= set(operation["responses"])
    assert set(paths["/api/v1/episodes/{episode_id}/children/{child_id}/sheet"]) == {"get", "put"}
    assert "404" in paths["/api/v1/episodes/{episode_id}"]["get"]["responses"]
    assert "errors" in document["components"]["schemas"]["ErrorOut"]["properties"]
