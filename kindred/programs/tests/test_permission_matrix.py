"""Every programme page for every role of the unit, an outsider, a coordinator of another organisation and an
anonymous visitor: the expected status. A new page without an entry in PAGES fails
`test_every_page_is_in_the_matrix`.

Each page names the capabilities of which the role needs one, and its scope:
- LIST: no run; 403 without the capability;
- TEMPLATE: the unit's own template; 403 without the capability, 404 for another organisation;
- RUN: a run, its sessions or enrolments, fetched through the access rule: 404 unless the run is visible
  (coordinators of the organisation, and the run's leaders), then 403 without the capability."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from kindred.orgs.models import Capability, Role
from kindred.programs import services
from kindred.programs.tests.factories import builtin, participant, run
from kindred.testing import make_user

pytestmark = pytest.mark.django_db

MP = Capability.MANAGE_PROGRAMMES
RP = Capability.RUN_PROGRAMMES
MO = Capability.MANAGE_ORGANISATION
LIST, TEMPLATE, RUN = "list", "template", "run"
FIVE = "stress-strain-coping-support"

# url name -> (capabilities, one of which is needed; scope; target; method; data; what an allowed role gets)
PAGES = {
    "programs:runs": ({MP, RP}, LIST, None, "get", None, 200),
    "programs:templates": ({MP, MO, RP}, LIST, None, "get", None, 200),
    "programs:template": ({MP, MO, RP}, TEMPLATE, "own_template", "get", None, 200),
    "programs:template_new": ({MP, MO}, LIST, None, "get", None, 200),
    "programs:template_edit": ({MP, MO}, TEMPLATE, "own_template", "get", None, 200),
    "programs:run_new": ({MP}, LIST, "builtin", "get", None, 200),
    "programs:run": ({MP, RP}, RUN, "run", "get", None, 200),
    "programs:run_edit": ({MP}, RUN, "run", "get", None, 200),
    "programs:run_enrol": ({MP}, RUN, "run", "get", None, 200),
    "programs:run_print": ({MP, RP}, RUN, "run", "get", None, 200),
    "programs:session": ({MP, RP}, RUN, "session", "get", None, 200),
    "programs:session_edit": ({MP}, RUN, "session", "get", None, 200),
    "programs:enrolment": ({MP, RP}, RUN, "enrolment", "get", None, 200),
    "programs:enrolment_note": ({MP, RP}, RUN, "note", "get", None, 200),
    "programs:enrolment_measure": ({MP, RP}, RUN, "measure", "get", None, 200),
    # POSTs, after the pages they change: an empty interview form is shown again with its errors; completing
    # too early is refused with a message; withdrawing, cancelling and finishing change the spare objects.
    "programs:template_copy": ({MP, MO}, TEMPLATE, "own_template", "post", {}, 302),
    "programs:enrolment_interview": ({MP, RP}, RUN, "enrolment", "post", {}, 200),
    "programs:enrolment_complete": ({MP, RP}, RUN, "enrolment", "post", {}, 302),
    "programs:enrolment_withdraw": ({MP}, RUN, "spare_enrolment", "post", {"withdraw-reason": "Flyttet"}, 302),
    "programs:run_cancel": ({MP}, RUN, "spare_run", "post", {"reason": "For få påmeldte"}, 302),
    "programs:run_finish": ({MP}, RUN, "spare_run", "post", {}, 302),
}
PERSONAS = [
    "clinician",
    "child_responsible",
    "coordinator",
    "group_leader",
    "analyst",
    "admin",
    "outsider",
    "foreign_coordinator",
    "anonymous",
]


def test_every_page_is_in_the_matrix():
    resolver = get_resolver().namespace_dict["programs"][1]
    names = {f"programs:{name}" for name in resolver.reverse_dict if isinstance(name, str)}
    assert names == set(PAGES)


@pytest.fixture
def targets(world) -> dict[str, list]:
    cato = world.actor(world.coordinator)
    own = services.copy_template(cato, builtin(FIVE))
    a_run = run(world, FIVE)
    spare = run(world, FIVE, title="Reserve")
    session = a_run.sessions.get(number=1)
    enrolment = services.enrol(cato, a_run, participant(world, "Anna"))
    spare_enrolment = services.enrol(cato, a_run, participant(world, "Berit"))
    return {
        "builtin": [builtin(FIVE).pk],
        "own_template": [own.pk],
        "run": [a_run.pk],
        "spare_run": [spare.pk],
        "session": [session.pk],
        "enrolment": [enrolment.pk],
        "spare_enrolment": [spare_enrolment.pk],
        "note": [enrolment.pk, session.pk],
        "measure": [enrolment.pk, "coping_questionnaire", "baseline"],
    }


def _client(world, persona: str) -> tuple[Client, frozenset, bool, bool]:
    """The client, the persona's capabilities, whether it belongs to the unit, and whether it leads the runs."""
    if persona == "anonymous":
        return Client(), frozenset(), False, False
    if persona == "foreign_coordinator":
        user = make_user("fred@example.no", "Fred Foreign", world.other, Role.COORDINATOR)
    else:
        user = getattr(world, persona)
    membership = user.memberships.get()
    own = membership.organisation_id == world.unit.pk
    return world.client_for(user), membership.capabilities, own, user == world.group_leader


def _expected(needs, scope, owner_status, persona, capabilities, own, leads) -> int:
    if persona == "anonymous":
        return 302  # to the login page
    allowed = bool(needs & capabilities)
    if scope == LIST:
        return owner_status if allowed else 403
    if scope == TEMPLATE:
        if not allowed:
            return 403
        return owner_status if own else 404
    sees_run = own and (MP in capabilities or (RP in capabilities and leads))
    if not sees_run:
        return 404
    return owner_status if allowed else 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_matrix(world, targets, persona):
    client, capabilities, own, leads = _client(world, persona)
    failures = []
    for name, (needs, scope, target, method, data, owner_status) in PAGES.items():
        url = reverse(name, args=targets[target] if target else [])
        response = client.post(url, data) if method == "post" else client.get(url)
        expected = _expected(needs, scope, owner_status, persona, capabilities, own, leads)
        if response.status_code != expected:
            failures.append(f"{name}: {response.status_code} != {expected}")
        if persona == "anonymous" and expected == 302 and "/login/" not in response.url:
            failures.append(f"{name}: redirected to {response.url}, not to the login page")
    assert failures == []


def test_the_capabilities_in_the_matrix_are_the_roles_ones(world):
    """Coordinators manage programmes, group leaders run them, admins manage the organisation: the matrix's
    assumptions about the personas."""
    caps = {role: world.by_role[role].memberships.get().capabilities for role in world.by_role}
    assert MP in caps[Role.COORDINATOR] and RP in caps[Role.GROUP_LEADER] and MO in caps[Role.ORG_ADMIN]
    assert not any(c & {MP, RP, MO} for role, c in caps.items() if role in (Role.CLINICIAN, Role.ANALYST))
