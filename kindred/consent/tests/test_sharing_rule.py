"""The sharing rule as a table: what organisation B gets of organisation A's patient and her child.

A (world.unit) holds Pia Parent with her child Kim (a child sheet, information given, an agreement).
B is a school health service in A's municipality with one nurse. For every consent state and every
referral state, B gets exactly the consented parts, in the web pages and in the API; the outsider
(world.other, never covered) always gets 404. A referral never shares by itself: the one it was made
under is revoked afterwards, so only the consent of the row can share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from kindred.audit.models import AccessLog
from kindred.care import services as care
from kindred.consent.models import Category
from kindred.consent.services import revoke_consent, shares_for
from kindred.consent.tests.cooperation import API, Cooperation, build, today
from kindred.orgs.models import Organisation
from kindred.referrals import services as referrals
from kindred.referrals.models import ChildAgreement, Referral

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Expect:
    parent: bool  # B may open Pia (200, else 404)
    episodes: bool  # … and sees her episodes
    children: bool  # … and sees her children's situation
    child: bool  # B may open Kim himself (a consent about the parent with the children category)


NOTHING = Expect(parent=False, episodes=False, children=False, child=False)
EVERYTHING = Expect(parent=True, episodes=True, children=True, child=True)

# consent state → (how to record it at A, what B gets)
CONSENT_STATES = {
    "none": (None, NOTHING),
    "valid": ({}, EVERYTHING),
    "valid episode only": ({"categories": [Category.EPISODE]}, Expect(True, True, False, False)),
    "valid children only": ({"categories": [Category.CHILDREN]}, Expect(True, False, True, True)),
    "expired": ({"valid_from": -60, "valid_until": -1}, NOTHING),
    "revoked": ({"revoke": True}, NOTHING),
    "not yet valid": ({"valid_from": 5, "valid_until": 100}, NOTHING),
    "wrong category": ({"categories": [Category.INSTRUMENTS, Category.PROGRAMMES]}, Expect(True, False, False, False)),
    "wrong recipient organisation": ({"recipient": "third"}, NOTHING),
    "kind in B's municipality": ({"recipient": ("school_health", "1103")}, EVERYTHING),
    "kind in any municipality": ({"recipient": ("school_health", "")}, EVERYTHING),
    "kind in another municipality": ({"recipient": ("school_health", "4601")}, NOTHING),
    "other kind in B's municipality": ({"recipient": ("child_welfare", "1103")}, NOTHING),
}

REFERRAL_STATES = ["none", "sent", "accepted", "declined", "withdrawn"]


def record_row_consent(coop: Cooperation, state: str) -> None:
    spec, _expect = CONSENT_STATES[state]
    if spec is None:
        return
    spec = dict(spec)
    fields = {}
    for key in ("valid_from", "valid_until"):
        if key in spec:
            fields[key] = today() + timedelta(days=spec.pop(key))
    if "categories" in spec:
        fields["categories"] = spec.pop("categories")
    recipient = spec.pop("recipient", None)
    if recipient == "third":
        fields["recipient_organisation_id"] = coop.third.pk
    elif recipient is not None:
        fields.update(recipient_organisation_id=None, recipient_kind=recipient[0], recipient_municipality=recipient[1])
    consent = coop.consent(**fields)
    if spec.pop("revoke", False):
        revoke_consent(coop.a, consent)
    assert not spec


def make_referral(coop: Cooperation, state: str) -> Referral | None:
    """A referral of Pia (with Kim) to B in the given state, under a consent that is then revoked."""
    if state == "none":
        return None
    own = coop.consent(categories=[Category.EPISODE])
    referral = referrals.create_referral(
        coop.a,
        coop.parent,
        referrals.ReferralData(
            to_organisation_id=coop.school.pk,
            reason="Needs follow-up at school",
            categories=[Category.EPISODE],
            child_ids=(coop.child.pk,),
        ),
    )
    if state == "accepted":
        referrals.change_status(coop.b, referral, Referral.Status.ACCEPTED)
    elif state == "declined":
        referrals.change_status(coop.b, referral, Referral.Status.DECLINED, decline_reason="no_capacity")
    elif state == "withdrawn":
        referrals.change_status(coop.a, referral, Referral.Status.WITHDRAWN)
    referral.refresh_from_db()
    assert referral.status == state
    revoke_consent(coop.a, own)
    assert shares_for(coop.b, coop.parent) == []
    return referral


def sections(response) -> tuple[bool, bool]:
    html = response.content.decode()
    return 'data-testid="shared-episodes"' in html, 'data-testid="shared-child"' in html


@pytest.mark.parametrize("referral_state", REFERRAL_STATES)
@pytest.mark.parametrize("consent_state", list(CONSENT_STATES))
def test_what_organisation_b_gets(world, consent_state, referral_state):
    coop = build(world)
    referrals.set_agreement(
        coop.a, coop.child, task=ChildAgreement.Task.SCHOOL, responsible_organisation_id=coop.school.pk
    )
    referral = make_referral(coop, referral_state)
    record_row_consent(coop, consent_state)
    expect = CONSENT_STATES[consent_state][1]
    nurse = world.client_for(coop.nurse)
    parent, child = coop.parent.pk, coop.child.pk

    # The web page about the parent: the status and exactly the consented sections.
    response = nurse.get(f"/consent/shared/{parent}/")
    assert response.status_code == (200 if expect.parent else 404)
    assert sections(response) == (expect.episodes, expect.children)

    # The API about the parent: a part that is not consented to is null, never an empty list.
    response = nurse.get(f"{API}/shared/{parent}")
    assert response.status_code == (200 if expect.parent else 404)
    if expect.parent:
        body = response.json()
        assert body["person"]["id"] == parent and "national_id" not in body["person"]
        [share] = body["shares"]
        assert share["organisation_id"] == world.unit.pk
        assert (share["episodes"] is not None, share["children"] is not None) == (expect.episodes, expect.children)
        if expect.episodes:
            assert [(e["kind"], e["problem_areas"]) for e in share["episodes"]] == [("outpatient", ["alcohol"])]
        if expect.children:
            [row] = share["children"]
            assert row["child"]["id"] == child
            assert [s["concern_level"] for s in row["sheets"]] == ["serious"]
            assert [i["form"] for i in row["information"]] == ["talk"]
            assert [(a["task"], a["responsible_organisation_id"]) for a in row["agreements"]] == [
                ("school", coop.school.pk)
            ]
    else:
        assert set(response.json()) == {"detail"}

    # The child, when the consent about the parent covers the children's situation: only the child's part.
    response = nurse.get(f"/consent/shared/{child}/")
    assert response.status_code == (200 if expect.child else 404)
    assert sections(response) == (False, expect.child)
    response = nurse.get(f"{API}/shared/{child}")
    assert response.status_code == (200 if expect.child else 404)
    if expect.child:
        [share] = response.json()["shares"]
        assert share["categories"] == ["children"] and share["episodes"] is None
        assert [row["child"]["id"] for row in share["children"]] == [child]

    # The list of persons shared with B.
    listed = {p["id"] for p in nurse.get(f"{API}/shared").json()["items"]}
    assert listed == {p for p, shown in ((parent, expect.parent), (child, expect.child)) if shown}

    # The referral itself is B's once sent, but shows the person only under a consent in force.
    if referral is not None:
        response = nurse.get(f"{API}/referrals/{referral.pk}")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == referral_state and body["direction"] == "in"
        assert (body["person"] is not None, body["reason"] is not None) == (expect.parent, expect.parent)
        if expect.parent:
            assert [c["id"] for c in body["children"]] == ([child] if expect.child else [])
        else:
            assert body["children"] is None

    # The outsider is never covered.
    outsider = world.client_for(world.outsider)
    for pk in (parent, child):
        assert outsider.get(f"/consent/shared/{pk}/").status_code == 404
        assert outsider.get(f"{API}/shared/{pk}").status_code == 404
    assert outsider.get(f"{API}/shared").json()["count"] == 0
    if referral is not None:
        assert outsider.get(f"{API}/referrals/{referral.pk}").status_code == 404


def test_reading_what_is_shared_is_audited_with_the_categories(world):
    coop = build(world)
    consent = coop.consent()
    nurse = world.client_for(coop.nurse)
    assert nurse.get(f"{API}/shared/{coop.parent.pk}").status_code == 200
    rows = AccessLog.objects.filter(user=coop.nurse, action="view").order_by("pk")
    parent_row = rows.get(subject=coop.parent)
    assert parent_row.details["shared_by"] == {str(world.unit.pk): ["children", "episode"]}
    assert parent_row.details["consents"] == [consent.pk]
    assert rows.filter(subject=coop.child).exists(), "the child shown is in the audit trail too"


def test_a_consent_about_a_grandparent_does_not_reach_the_adult_patient_or_her_children(world):
    """The children category of a consent about a parent covers minor children only."""
    from kindred.people.services import PersonData, add_relative

    coop = build(world)
    grandmother = add_relative(
        coop.a, coop.parent, PersonData(given_name="Gro", family_name="Parent", birth_year=1950), "parent_of"
    ).person
    coop.consent(person=grandmother, categories=[Category.CHILDREN])
    assert shares_for(coop.b, grandmother) != []
    assert shares_for(coop.b, coop.parent) == []
    nurse = world.client_for(coop.nurse)
    assert nurse.get(f"/consent/shared/{coop.parent.pk}/").status_code == 404
    assert nurse.get(f"{API}/shared/{coop.parent.pk}").status_code == 404
    assert nurse.get(f"{API}/shared/{coop.child.pk}").status_code == 404
    listed = {p["id"] for p in nurse.get(f"{API}/shared").json()["items"]}
    assert listed == {grandmother.pk}


def test_a_consent_recorded_by_b_itself_shares_nothing_with_b(world):
    coop = build(world)
    coop.consent()
    assert shares_for(world.actor(world.clinician), coop.parent) == []  # A's own consent is not "shared with A"


def test_an_organisation_of_the_named_kind_elsewhere_is_not_covered(world):
    coop = build(world)
    coop.consent(recipient_organisation_id=None, recipient_kind="municipal_service", recipient_municipality="1103")
    assert world.other.kind == Organisation.Kind.MUNICIPAL_SERVICE and world.other.municipality_number == "4601"
    assert world.client_for(world.outsider).get(f"{API}/shared/{coop.parent.pk}").status_code == 404


def test_concern_reports_need_no_consent(world):
    coop = build(world)
    assert coop.parent.consents.count() == 0
    report = care.send_concern_report(
        coop.a,
        coop.episode,
        coop.child,
        care.ConcernData(
            recipient="Barneverntjenesten i Solberg",
            basis="own_initiative",
            reason="Serious worry about care at home",
            parent_informed=False,
            parent_not_informed_reason="Telling could put the child at risk",
            sent_on=today(),
        ),
    )
    assert report.pk
    row = AccessLog.objects.get(object_type="care.concernreport", object_id=str(report.pk))
    assert row.action == "create" and row.subject_id == coop.child.pk
    assert row.details["without_consent"] is True and row.details["concern_report"] is True
    # …and sending it shares nothing with anyone.
    assert shares_for(coop.b, coop.child) == []
