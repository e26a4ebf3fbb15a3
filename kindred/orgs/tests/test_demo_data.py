import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from kindred.accounts.models import User
from kindred.orgs.demo import USERS
from kindred.orgs.models import Membership, Organisation, Role

pytestmark = pytest.mark.django_db


def test_demo_data_has_one_user_per_role_and_is_idempotent():
    call_command("demo_data", stdout=None)
    call_command("demo_data")
    assert User.objects.count() == len(USERS)
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    kinds = set(Organisation.objects.values_list("kind", flat=True))
    assert {
        "specialist_unit",
        "allocation_office",
        "child_welfare",
        "school_health",
        "low_threshold",
        "competence_centre",
        "municipal_service",
    } <= kinds


@override_settings(PRODUCTION=True)
def test_demo_data_is_refused_in_production():
    with pytest.raises(CommandError):
        call_command("demo_data")
    assert not User.objects.exists()


def test_demo_data_includes_cooperation():
    from kindred.consent.models import Consent
    from kindred.referrals.models import Consultation, Referral

    call_command("demo_data")
    call_command("demo_data")
    assert (Consent.objects.count(), Referral.objects.count(), Consultation.objects.count()) == (1, 1, 1)
    assert Referral.objects.get().status == "sent"
