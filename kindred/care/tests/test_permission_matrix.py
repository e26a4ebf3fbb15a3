"""Every page of the children work, for every role in the own organisation and for an outsider:
the expected status, and an audit row for every personal-data response. A new page without an
entry in PAGES fails `test_every_page_is_in_the_matrix`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from kindred.audit.models import AccessLog
from kindred.care import services
from kindred.orgs.models import Capability as C
from kindred.people.access import break_the_glass
from kindred.people.services import PersonData

pytestmark = pytest.mark.django_db

# url name -> (capability the role needs, whether the page is about one person's data)
PAGES = {
    "care:my_work": (C.VIEW_PERSONAL_DATA, False),
    "care:intake": (C.EDIT_CASES, False),
    "care:relative_intake": (C.EDIT_CASES, False),
    "care:children": (C.CHILDREN_OVERVIEW, False),
    "care:tasks": (C.VIEW_PERSONAL_DATA, False),
    "care:task_status": (C.EDIT_CASES, True),
    "care:episode": (C.VIEW_PERSONAL_DATA, True),
    "care:children_answer": (C.EDIT_CASES, True),
    "care:leave_intake": (C.EDIT_CASES, True),
    "care:new_task": (C.EDIT_CASES, True),
    "care:discharge": (C.EDIT_CASES, True),
    "care:child_sheet": (C.EDIT_CASES, True),
    "care:information": (C.EDIT_CASES, True),
    "care:concern_report": (C.SEND_CONCERN_REPORTS, True),
    "care:concern_feedback": (C.SEND_CONCERN_REPORTS, True),
    "care:sheet_template": (C.MANAGE_ORGANISATION, False),
    "people:person": (C.VIEW_PERSONAL_DATA, True),
    "people:search": (C.VIEW_PERSONAL_DATA, False),
    "people:access_report": (C.VIEW_PERSONAL_DATA, True),
    "people:relative_new": (C.EDIT_CASES, True),
    "people:export": (C.EDIT_CASES, True),
    "people:break_glass": (C.EDIT_CASES, False),
    "people:break_glass_review": (C.CHILDREN_OVERVIEW, False),
    "people:break_glass_reviewed": (C.CHILDREN_OVERVIEW, False),
}
POST_ONLY = {"care:task_status", "care:leave_intake", "people:break_glass_reviewed"}
PERSONAS = ["clinician", "child_responsible", "coordinator", "group_leader", "analyst", "admin", "outsider"]


def test_every_page_is_in_the_matrix():
    names = set()
    for namespace in ("care", "people"):
        resolver = get_resolver().namespace_dict[namespace][1]
        names |= {f"{namespace}:{name}" for name in resolver.reverse_dict if isinstance(name, str)}
    assert names == set(PAGES)


@pytest.fixture
def family(world):
    cora = world.actor(world.clinician)
    today = timezone.localdate()
    episode = services.register_patient(
        cora,
        PersonData(given_name="Pia", family_name="Pasient", birth_year=1980),
        services.EpisodeData(kind="outpatient", started_on=today),
    )
    services.record_children_answer(
        cora,
        episode,
        children_answer="has",
        siblings_answer="none",
        source="patient",
        children=[
            services.ChildInput(
                person=PersonData(given_name="Kim", family_name="Pasient", birth_date=today - timedelta(days=3000))
            )
        ],
    )
    child = services.children_of(episode.patient).get()
    task = services.create_task(
        cora, episode, title="Følg opp", assignee_id=world.clinician.pk, due_on=today, child=child
    )
    report = services.send_concern_report(
        cora,
        episode,
        child,
        services.ConcernData(
            recipient="Barnevernet", basis="own_initiative", reason="Bekymring", parent_informed=True, sent_on=today
        ),
    )
    grant = break_the_glass(world.actor(world.child_responsible), episode.patient_id, "Trenger tilgang nå.")
    return {"episode": episode, "child": child, "task": task, "report": report, "grant": grant}


def _url(name: str, family) -> str:
    e, child = family["episode"], family["child"]
    args = {
        "care:task_status": [family["task"].pk],
        "care:concern_feedback": [family["report"].pk],
        "people:person": [e.patient_id],
        "people:access_report": [e.patient_id],
        "people:relative_new": [e.patient_id],
        "people:export": [e.patient_id],
        "people:break_glass_reviewed": [family["grant"].pk],
    }.get(name)
    if args is None and name in ("care:child_sheet", "care:information", "care:concern_report"):
        args = [e.pk, child.pk]
    elif args is None and name.startswith("care:") and PAGES[name][1]:
        args = [e.pk]
    return reverse(name, args=args or [])


def _expected(world, persona: str, name: str) -> int:
    capability, about_person = PAGES[name]
    user = getattr(world, persona)
    membership = user.memberships.get()
    if not membership.can(capability):
        return 403
    if persona == "outsider" or persona == "group_leader":
        # No episode of theirs: every object is "not found".
        return 404 if about_person else (302 if name in POST_ONLY else 200)
    return 302 if name in POST_ONLY else 200


@pytest.mark.parametrize("persona", PERSONAS)
def test_matrix(world, family, persona):
    user = getattr(world, persona)
    client = world.client_for(user)
    failures = []
    for name in PAGES:
        url = _url(name, family)
        rows = AccessLog.objects.filter(user=user).exclude(action="login")
        before = rows.count()
        last_id = rows.order_by("-id").values_list("id", flat=True).first() or 0
        if name in POST_ONLY:
            data = {"status": "open"} if name == "care:task_status" else {}
            response = client.post(url, data)
        else:
            response = client.get(url)
        expected = _expected(world, persona, name)
        if response.status_code != expected:
            failures.append(f"{name}: {response.status_code} != {expected}")
            continue
        written = rows.count() - before
        if expected in (200, 302) and PAGES[name][1] and written == 0:
            failures.append(f"{name}: no audit row for a personal-data response")
        if expected in (403, 404) and rows.filter(id__gt=last_id, subject__isnull=False).exists():
            failures.append(f"{name}: an audit row about a person was written for a refused request")
    assert failures == []
