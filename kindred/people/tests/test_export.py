"""A person's full data export for an access request: complete for a family, in their language, JSON or a
printable page, only through the access rule, and itself logged."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kindred.audit.models import AccessLog
from kindred.audit.services import Action
from kindred.care.services import ConcernData, create_task, record_information, save_child_sheet, send_concern_report
from kindred.care.tests.factories import patient_with_children
from kindred.consent.models import Consent
from kindred.instruments.models import Instrument
from kindred.instruments.services import record_response, sync_builtin_instruments
from kindred.people.models import Person
from kindred.programs import services as programmes
from kindred.programs.models import Attendance, Enrolment
from kindred.programs.tests import factories
from kindred.referrals.models import Referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(world):
    """Cora's patient Pia and her son Kim, with something recorded in every part of Kindred."""
    actor = world.actor(world.clinician)
    episode, (kim,) = patient_with_children(actor, children=[("Kim", 9)], responsible=world.clinician)
    pia = episode.patient
    Person.objects.filter(pk=pia.pk).update(preferred_language="da")
    pia.refresh_from_db()
    today = timezone.localdate()
    save_child_sheet(
        actor, episode, kim, answers={"lives_where": "Hos mormor"}, concern_level="some", who_informs="parent"
    )
    record_information(actor, episode, kim, given_on=today, form="talk", present="Mor og far")
    create_task(actor, episode, title="Ring skolen", assignee_id=world.clinician.pk, due_on=today, child=kim)
    report = {"recipient": "Barnevernet Stavanger", "basis": "own_initiative", "sent_on": today}
    send_concern_report(actor, episode, kim, ConcernData(reason="Told", parent_informed=True, **report))
    send_concern_report(
        actor,
        episode,
        kim,
        ConcernData(reason="Untold", parent_informed=False, parent_not_informed_reason="Fare for barnet", **report),
    )
    Consent.objects.create(
        person=pia,
        organisation=world.unit,
        categories=["children"],
        recipient_organisation=world.other,
        purpose="Samarbeid om Kim",
        valid_from=today,
        valid_until=today + timedelta(days=365),
        form="written",
    )
    referral = Referral.objects.create(
        from_organisation=world.unit, to_organisation=world.other, person=pia, reason="Trenger hjemmetjeneste"
    )
    referral.children.add(kim)
    sync_builtin_instruments()
    audit = Instrument.objects.get(organisation__isnull=True, key="audit")
    record_response(actor, audit, pia, {**{f"q{i}": 1 for i in range(1, 9)}, "q9": 0, "q10": 0}, episode=episode)
    run = factories.run(world, title="Pårørendegruppe høst")
    participant = programmes.register_participant(
        world.actor(world.coordinator), programmes.ParticipantData(name="Pia P.", phone="912 34 567"), person=pia
    )
    enrolment = Enrolment.objects.create(run=run, participant=participant, status=Enrolment.Status.ENROLLED)
    Attendance.objects.create(session=run.sessions.first(), enrolment=enrolment, status=Attendance.Status.PRESENT)
    return pia, kim, episode


def url(person, **query) -> str:
    base = reverse("people:export", args=[person.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def exported(world, person, user=None, **query) -> dict:
    response = world.client_for(user or world.clinician).get(url(person, format="json", **query))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return json.loads(response.content)


def test_the_parents_export_holds_everything_kindred_holds_about_her(world, family):
    pia, kim, episode = family
    data = exported(world, pia, language="en")

    assert (data["format"], data["version"], data["organisation"], data["language"]) == (
        "kindred-person-export",
        1,
        world.unit.name,
        "en",
    )
    (me,) = data["person"]
    assert (me["given_name"], me["family_name"], me["preferred_language"]) == ("Pia", "Parent", "da")
    assert any(r["other"] == str(kim) for r in data["relationships"])
    (own,) = data["episodes"]
    assert own["id"] == episode.pk and own["role"] == "Patient or client" and own["kind"]["code"] == "outpatient"
    (sheet,) = data["child_sheets"]
    assert sheet["concern_level"] == {"code": "some", "text": "Some concern"}
    assert any(a["answer"] == "Hos mormor" for a in sheet["answers"])
    assert [i["present"] for i in data["information_given"]] == ["Mor og far"]
    assert [t["title"] for t in data["tasks"]] == ["Ring skolen"]
    # The report the parent was not told of stays out of her export.
    assert [c["reason"] for c in data["concern_reports"]] == ["Told"]
    assert [c["purpose"] for c in data["consents"]] == ["Samarbeid om Kim"]
    assert [r["reason"] for r in data["referrals"]] == ["Trenger hjemmetjeneste"]
    (response,) = data["instrument_responses"]
    assert response["instrument"].startswith("audit") and response["scores"]
    (participation,) = data["programmes"]
    assert participation["run"] == "Pårørendegruppe høst" and len(participation["attendance"]) == 1
    assert data["access_log"] and data["access_log"][0]["action"] == "Exported"
    assert {row["who"] for row in data["access_log"]} >= {world.clinician.email}


def test_the_childs_export_shows_the_parts_about_the_child_and_not_the_parents_health(world, family):
    _pia, kim, episode = family
    data = exported(world, kim, language="en")
    (as_child,) = data["episodes"]
    assert as_child["role"] == "Child of the patient" and as_child["id"] == episode.pk
    assert "kind" not in as_child and "problem_areas" not in as_child and "pregnancy" not in as_child
    assert {c["reason"] for c in data["concern_reports"]} == {"Told", "Untold"}
    assert len(data["child_sheets"]) == 1 and len(data["tasks"]) == 1 and len(data["information_given"]) == 1
    assert [r["reason"] for r in data["referrals"]] == ["Trenger hjemmetjeneste"]
    assert data["consents"] == [] and data["instrument_responses"] == [] and data["programmes"] == []


def test_the_printable_page_has_every_section_and_tells_staff_what_was_left_out(world, family):
    pia, _kim, _episode = family
    response = world.client_for(world.clinician).get(url(pia, language="en"))
    assert response.status_code == 200
    page = response.content.decode()
    for key in ("person", "relationships", "episodes", "child_sheets", "tasks", "consents", "access_log"):
        assert f'data-section="{key}"' in page
    assert 'data-testid="withheld"' in page and "Hos mormor" in page
    assert '<html lang="en"' in page


def test_the_export_is_in_the_persons_language_unless_another_is_chosen(world, family):
    pia, _kim, _episode = family
    concern = lambda data: data["child_sheets"][0]["concern_level"]["text"]  # noqa: E731
    assert concern(exported(world, pia)) == "Nogen bekymring"  # Pia prefers Danish
    assert concern(exported(world, pia, language="nb")) == "Noe bekymring"
    assert concern(exported(world, pia, language="en")) == "Some concern"
    assert concern(exported(world, pia, language="xx")) == "Nogen bekymring"
    page = world.client_for(world.clinician).get(url(pia, language="nb")).content.decode()
    assert '<html lang="nb"' in page and "Noe bekymring" in page


def test_the_export_is_logged_once_as_an_export(world, family):
    pia, _kim, _episode = family
    last = AccessLog.objects.order_by("-pk").first().pk
    world.client_for(world.clinician).get(url(pia, format="json"))
    world.client_for(world.clinician).get(url(pia))
    # (Besides the sign-in rows of the test clients.)
    rows = list(AccessLog.objects.filter(pk__gt=last).exclude(action=Action.LOGIN).order_by("pk"))
    assert [(r.action, r.subject, r.user, r.organisation) for r in rows] == [
        (Action.EXPORT, pia, world.clinician, world.unit)
    ] * 2
    assert [r.details["format"] for r in rows] == ["json", "html"]


def test_a_foreign_organisation_gets_not_found_and_nothing_is_logged(world, family):
    pia, _kim, _episode = family
    last = AccessLog.objects.order_by("-pk").first().pk
    client = world.client_for(world.outsider)
    assert client.get(url(pia)).status_code == 404
    assert client.get(url(pia, format="json")).status_code == 404
    assert client.get(reverse("people:export", args=[999999])).status_code == 404
    assert not AccessLog.objects.filter(pk__gt=last).exclude(action=Action.LOGIN).exists()


def test_a_clinician_outside_the_caseload_gets_not_found(world, family):
    from kindred.care.tests.factories import second_clinician

    pia, _kim, _episode = family
    assert world.client_for(second_clinician(world.unit)).get(url(pia)).status_code == 404


@pytest.mark.parametrize("role", ["group_leader", "analyst", "admin"])
def test_roles_that_do_not_record_cases_are_refused(world, family, role):
    pia, _kim, _episode = family
    assert world.client_for(getattr(world, role)).get(url(pia)).status_code == 403


@pytest.mark.parametrize("role", ["child_responsible", "coordinator"])
def test_the_units_child_responsible_staff_and_coordinators_may_export(world, family, role):
    pia, _kim, _episode = family
    assert world.client_for(getattr(world, role)).get(url(pia)).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(world, family):
    pia, _kim, _episode = family
    response = Client().get(url(pia))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_the_persons_page_links_to_the_export_for_staff_who_record_cases(world, family):
    pia, _kim, _episode = family
    page = world.client_for(world.clinician).get(reverse("people:person", args=[pia.pk])).content.decode()
    assert url(pia) in page


def test_the_export_takes_the_same_number_of_queries_however_much_is_recorded(world, family):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pia, kim, episode = family
    client = world.client_for(world.clinician)
    client.get(url(pia, format="json"))  # sessions and caches warmed

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(pia, format="json")).status_code == 200
        return len(captured)

    before = queries()
    actor = world.actor(world.clinician)
    audit = Instrument.objects.get(organisation__isnull=True, key="audit")
    for n in range(3):
        create_task(actor, episode, title=f"Oppgave {n}", assignee_id=world.clinician.pk, due_on=timezone.localdate())
        record_response(actor, audit, pia, {**{f"q{i}": 0 for i in range(1, 9)}, "q9": 0, "q10": 0}, episode=episode)
        record_information(actor, episode, kim, given_on=timezone.localdate(), form="leaflet")
    assert queries() == before
