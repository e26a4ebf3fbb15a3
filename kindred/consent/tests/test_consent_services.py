"""Recording and revoking consents: refusals record nothing, only the recording organisation may revoke, and a
revocation stops sharing at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from kindred.audit.models import AccessLog
from kindred.consent.models import Category, Consent
from kindred.consent.services import record_consent, revoke_consent, shares_for
from kindred.consent.tests.cooperation import build, consent_data, today

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"valid_from": today() + timedelta(days=10), "valid_until": today()}, "valid_until"),
        ({"recipient_organisation_id": 999_999}, "recipient_organisation"),
        ({"recipient_kind": "school_health"}, "recipient_kind"),
        ({"recipient_municipality": "1103"}, "recipient_kind"),
        ({"given_by": Consent.GivenBy.GUARDIAN, "guardian_name": "  "}, "guardian_name"),
        ({"categories": []}, "categories"),
        ({"categories": ["everything"]}, "categories"),
        ({"recipient_organisation_id": None}, "recipient_organisation"),
        ({"recipient_organisation_id": None, "recipient_kind": "spaceport"}, "recipient_kind"),
        ({"purpose": "   "}, "purpose"),
        ({"form": "telepathic"}, "form"),
        (
            {"recipient_organisation_id": None, "recipient_kind": "school_health", "recipient_municipality": "11a3"},
            "recipient_municipality",
        ),
    ],
    ids=[
        "dates reversed",
        "unknown organisation",
        "named organisation and kind",
        "named organisation and municipality",
        "guardian without name",
        "no categories",
        "unknown category",
        "no recipient",
        "unknown kind",
        "no purpose",
        "unknown form",
        "bad municipality",
    ],
)
def test_invalid_consents_are_refused_and_nothing_is_recorded(world, overrides, field):
    coop = build(world)
    overrides = {"recipient_organisation_id": coop.school.pk, **overrides}
    consents, audit = Consent.objects.count(), AccessLog.objects.count()
    with pytest.raises(ValidationError) as refused:
        record_consent(coop.a, coop.parent, consent_data(**overrides))
    assert field in refused.value.message_dict
    assert Consent.objects.count() == consents
    assert AccessLog.objects.count() == audit


def test_a_valid_consent_is_recorded_and_audited(world):
    coop = build(world)
    consent = record_consent(
        coop.a,
        coop.child,
        consent_data(
            recipient_organisation_id=None,
            recipient_kind="school_health",
            recipient_municipality="1103",
            given_by=Consent.GivenBy.GUARDIAN,
            guardian_name=" Pia Parent ",
            categories=[Category.EPISODE, Category.CHILDREN, Category.EPISODE],
            purpose="  Follow-up  ",
        ),
    )
    assert consent.organisation == world.unit and consent.recorded_by == world.clinician
    assert consent.categories == ["children", "episode"]
    assert (consent.guardian_name, consent.purpose, consent.state) == ("Pia Parent", "Follow-up", "valid")
    assert consent.covers(coop.school) and not consent.covers(world.other)
    row = AccessLog.objects.get(object_type="consent.consent", object_id=str(consent.pk))
    assert (row.action, row.subject_id) == ("create", coop.child.pk)


def test_roles_without_edit_cases_cannot_record_or_revoke(world):
    coop = build(world)
    consent = coop.consent()
    for user in (world.group_leader, world.analyst, world.admin):
        with pytest.raises(PermissionError):
            record_consent(world.actor(user), coop.parent, consent_data(recipient_organisation_id=coop.school.pk))
        with pytest.raises(PermissionError):
            revoke_consent(world.actor(user), consent)
    assert Consent.objects.count() == 1
    assert Consent.objects.get().revoked_at is None


def test_revoking_another_organisations_consent_is_not_found(world):
    coop = build(world)
    consent = coop.consent()
    with pytest.raises(Http404):
        revoke_consent(world.actor(world.outsider), consent)
    with pytest.raises(Http404):
        revoke_consent(coop.b, consent)  # the receiver cannot revoke it either
    consent.refresh_from_db()
    assert consent.revoked_at is None
    assert shares_for(coop.b, coop.parent) != []


def test_revocation_takes_effect_immediately(world):
    coop = build(world)
    consent = coop.consent()
    [share] = shares_for(coop.b, coop.parent)
    assert share.categories == {"children", "episode"}
    assert shares_for(coop.b, coop.child) != []

    revoke_consent(coop.a, consent)

    assert shares_for(coop.b, coop.parent) == []
    assert shares_for(coop.b, coop.child) == []
    consent.refresh_from_db()
    assert consent.state == "revoked" and consent.revoked_on == today() and consent.revoked_by == world.clinician
    row = AccessLog.objects.filter(object_type="consent.consent", action="change").get()
    assert row.details == {"revoked": today().isoformat()}

    # Revoking again changes nothing and writes nothing.
    before = AccessLog.objects.count()
    revoke_consent(coop.a, consent)
    assert AccessLog.objects.count() == before


def test_a_revocation_date_in_the_future_is_refused(world):
    coop = build(world)
    consent = coop.consent()
    with pytest.raises(ValidationError) as refused:
        revoke_consent(coop.a, consent, revoked_on=today() + timedelta(days=1))
    assert "revoked_on" in refused.value.message_dict
    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_a_revocation_dated_earlier_is_recorded_with_that_date(world):
    coop = build(world)
    consent = coop.consent()
    revoke_consent(coop.a, consent, revoked_on=today() - timedelta(days=2))
    consent.refresh_from_db()
    assert consent.revoked_on == today() - timedelta(days=2)
    assert shares_for(coop.b, coop.parent) == []


def test_the_first_and_last_day_of_a_consent_are_inside_it(world):
    coop = build(world)
    coop.consent(valid_from=today(), valid_until=today())
    assert shares_for(coop.b, coop.parent) != []
