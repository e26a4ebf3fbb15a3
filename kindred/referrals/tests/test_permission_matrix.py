"""Every page of cooperation and consent, for every role of the unit and for an outsider, on the
organisation's own objects and on another organisation's: the expected status, and an audit row for
every personal-data response. A new page without an entry in PAGES fails
`test_every_page_is_in_the_matrix`."""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from kindred.audit.models import AccessLog
from kindred.orgs.models import Capability as C
from kindred.referrals import services
from kindred.referrals.models import Notification
from kindred.referrals.tests.factories import actor_for, consent, family, nurse, school_health

pytestmark = pytest.mark.django_db

LIST = "list"  # no object: every role with the capability gets the page
PERSON = "person"  # an object about a person of the owning organisation, under the access rule
ORG = "org"  # an object of the owning organisation, for every member with the capability
SHARED = "shared"  # a person another organisation shares with the owning organisation

# url name -> (capability the role needs, kind of object, whether a response shows personal data)
PAGES = {
    "cooperation:referrals": (C.VIEW_PERSONAL_DATA, LIST, False),
    "cooperation:referral_new": (C.EDIT_CASES, PERSON, True),
    "cooperation:referral": (C.VIEW_PERSONAL_DATA, PERSON, True),
    "cooperation:consultations": (C.VIEW_PERSONAL_DATA, LIST, False),
    "cooperation:consultation_new": (C.VIEW_PERSONAL_DATA, LIST, False),
    "cooperation:consultation": (C.VIEW_PERSONAL_DATA, ORG, True),
    "cooperation:agreements": (C.VIEW_PERSONAL_DATA, PERSON, True),
    "cooperation:notifications": (C.VIEW_PERSONAL_DATA, LIST, False),
    "consent:new": (C.EDIT_CASES, PERSON, True),
    "consent:shared": (C.VIEW_PERSONAL_DATA, LIST, False),
    "consent:shared_person": (C.VIEW_PERSONAL_DATA, SHARED, True),
    # POST only, last: in this order (a reply before closing; the revocation at the very end).
    "cooperation:referral_status": (C.EDIT_CASES, PERSON, True),
    "cooperation:consultation_reply": (C.VIEW_PERSONAL_DATA, ORG, True),
    "cooperation:consultation_close": (C.VIEW_PERSONAL_DATA, ORG, True),
    "cooperation:notification_read": (C.VIEW_PERSONAL_DATA, ORG, False),
    "consent:revoke": (C.EDIT_CASES, PERSON, True),
}
POST_DATA = {
    "cooperation:referral_status": {"status": "completed"},  # not allowed from "sent": refused, nothing changes
    "cooperation:consultation_reply": {"text": "Takk for svaret."},
    "cooperation:consultation_close": {},
    "cooperation:notification_read": {},
    "consent:revoke": {},
}
PERSONAS = ["clinician", "child_responsible", "coordinator", "group_leader", "analyst", "admin", "outsider"]


def test_every_page_is_in_the_matrix():
    names = set()
    for namespace in ("cooperation", "consent"):
        resolver = get_resolver().namespace_dict[namespace][1]
        names |= {f"{namespace}:{name}" for name in resolver.reverse_dict if isinstance(name, str)}
    assert names == set(PAGES)
    assert set(POST_DATA) <= set(PAGES)


def _objects(owner_actor, school, school_actor) -> dict:
    """What one organisation holds: a patient with a child, a consent, a referral and a consultation to the
    school health service, an agreement, a notification, and a person the school shares with it."""
    owner = owner_actor.organisation
    _episode, patient, child = family(owner_actor, given_name=f"Pia{owner.pk}")
    record = consent(owner_actor, patient, school, ["children", "episode"])
    referral = services.create_referral(
        owner_actor,
        patient,
        services.ReferralData(
            to_organisation_id=school.pk, reason="Grunn", categories=["children"], child_ids=(child.pk,)
        ),
    )
    consultation = services.ask_consultation(
        owner_actor, to_organisation_id=school.pk, title="Råd", question="Hva gjør vi?", person=patient
    )
    services.set_agreement(owner_actor, child, task="talks", responsible_organisation_id=owner.pk)
    services.notify(owner, Notification.Kind.REFERRAL, "Ny status", f"/cooperation/referrals/{referral.pk}/")
    _e, pupil, _c = family(school_actor, given_name=f"Elev{owner.pk}", family_name="Skole")
    consent(school_actor, pupil, owner, ["episode"])
    return {
        "owner": owner,
        "patient": patient,
        "child": child,
        "consent": record,
        "referral": referral,
        "consultation": consultation,
        "notification": Notification.objects.get(organisation=owner),
        "shared": pupil,
    }


@pytest.fixture
def scenarios(world):
    school = school_health()
    school_actor = actor_for(nurse(school))
    return {
        "own": _objects(world.actor(world.clinician), school, school_actor),
        "foreign": _objects(world.actor(world.outsider), school, school_actor),
    }


def _url(name: str, o: dict) -> str:
    args = {
        "cooperation:referral_new": [o["patient"].pk],
        "cooperation:referral": [o["referral"].pk],
        "cooperation:referral_status": [o["referral"].pk],
        "cooperation:consultation": [o["consultation"].pk],
        "cooperation:consultation_reply": [o["consultation"].pk],
        "cooperation:consultation_close": [o["consultation"].pk],
        "cooperation:agreements": [o["child"].pk],
        "cooperation:notification_read": [o["notification"].pk],
        "consent:new": [o["patient"].pk],
        "consent:revoke": [o["consent"].pk],
        "consent:shared_person": [o["shared"].pk],
    }.get(name, [])
    return reverse(name, args=args)


def _expected(world, persona: str, name: str, owner) -> int:
    capability, kind, _personal = PAGES[name]
    membership = getattr(world, persona).memberships.get()
    if not membership.can(capability):
        return 403
    ok = 302 if name in POST_DATA else 200
    if kind == LIST:
        return ok
    if membership.organisation != owner:
        return 404  # another organisation's object: not found, never forbidden
    if kind == PERSON and persona == "group_leader":
        return 404  # no episode of theirs: the person is not found
    return ok


@pytest.mark.parametrize("scenario", ["own", "foreign"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_matrix(world, scenarios, persona, scenario):
    user = getattr(world, persona)
    objects = scenarios[scenario]
    client = world.client_for(user)
    failures = []
    for name in PAGES:
        url = _url(name, objects)
        rows = AccessLog.objects.filter(user=user).exclude(action="login")
        before = rows.count()
        last_id = rows.order_by("-id").values_list("id", flat=True).first() or 0
        response = client.post(url, POST_DATA[name]) if name in POST_DATA else client.get(url)
        expected = _expected(world, persona, name, objects["owner"])
        if response.status_code != expected:
            failures.append(f"{name}: {response.status_code} != {expected}")
            continue
        if expected in (200, 302) and PAGES[name][2] and rows.count() == before:
            failures.append(f"{name}: no audit row for a personal-data response")
        if expected in (403, 404) and rows.filter(id__gt=last_id, subject__isnull=False).exists():
            failures.append(f"{name}: an audit row about a person was written for a refused request")
    assert failures == []


def test_get_is_refused_on_post_only_pages(world, scenarios):
    client = world.client_for(world.clinician)
    for name in POST_DATA:
        assert client.get(_url(name, scenarios["own"])).status_code == 405, name


def test_anonymous_users_are_sent_to_log_in(client, scenarios):
    for name in PAGES:
        response = (
            client.post(_url(name, scenarios["own"])) if name in POST_DATA else client.get(_url(name, scenarios["own"]))
        )
        assert response.status_code == 302, name
        assert response["Location"].startswith("/login/"), name
