"""The retention page: organisation admins see and change their own organisation's rules and today's dry run."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kindred.audit.models import AccessLog
from kindred.audit.services import Action
from kindred.orgs.models import Role
from kindred.retention.models import RecordType, RetentionRule
from kindred.retention.services import months_before
from kindred.retention.tests.helpers import self_referral
from kindred.testing import make_user

pytestmark = pytest.mark.django_db
URL = reverse("retention:rules")


def inherit_all(**changes) -> dict[str, str]:
    data = {f"{t}_mode": "inherit" for t in RecordType.values}
    data.update(changes)
    return data


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def test_anonymous_visitors_are_sent_to_log_in(world):
    response = Client().get(URL)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ORG_ADMIN])
def test_roles_without_manage_organisation_are_refused(world, role):
    client = world.client_for(world.by_role[role])
    assert client.get(URL).status_code == 403
    assert client.post(URL, inherit_all(self_referral_mode="months", self_referral_months="3")).status_code == 403
    assert not RetentionRule.objects.exists()


def test_the_admin_sees_the_rules_and_todays_dry_run(world):
    self_referral(world.unit, received=months_before(timezone.localdate(), 13))
    self_referral(world.other, received=months_before(timezone.localdate(), 13))
    response = world.client_for(world.admin).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="due-self_referral">1<' in page
    assert "Kept until a period is set" in page  # Norwegian clinical records
    assert "Built-in default" in page


def test_saving_a_rule_is_audited_and_changes_only_the_own_organisation(world):
    client = world.client_for(world.admin)
    response = client.post(
        URL, inherit_all(self_referral_mode="months", self_referral_months="6", clinical_mode="keep")
    )
    assert response.status_code == 302
    rules = {(r.organisation, r.record_type, r.months) for r in RetentionRule.objects.all()}
    assert rules == {(world.unit, RecordType.SELF_REFERRAL, 6), (world.unit, RecordType.CLINICAL, None)}
    rows = AccessLog.objects.filter(object_type="retention.retentionrule", action=Action.CHANGE)
    assert rows.count() == 2 and {r.organisation for r in rows} == {world.unit}
    assert "This organisation&#x27;s rule" in client.get(URL).content.decode()


def test_inherit_removes_the_organisations_own_rule(world):
    RetentionRule.objects.create(organisation=world.unit, record_type=RecordType.ANONYMOUS, months=24)
    response = world.client_for(world.admin).post(URL, inherit_all())
    assert response.status_code == 302
    assert not RetentionRule.objects.exists()
    assert AccessLog.objects.filter(object_type="retention.retentionrule", details__after="inherit").count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"clinical_mode": "months", "clinical_months": "60"}, "clinical_months", "greater than or equal to 120"),
        ({"access_log_mode": "months", "access_log_months": "12"}, "access_log_months", "greater than or equal to 24"),
        ({"anonymous_mode": "months", "anonymous_months": ""}, "anonymous_months", "Write the number of months."),
        ({"anonymous_mode": "months", "anonymous_months": "many"}, "anonymous_months", "Enter a whole number."),
        ({"anonymous_mode": "forever"}, "anonymous_mode", "Select a valid choice."),
    ],
)
def test_bad_input_gets_a_message_at_the_field_and_changes_nothing(world, data, field, message):
    response = world.client_for(world.admin).post(URL, inherit_all(**data))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not RetentionRule.objects.exists()
    assert not AccessLog.objects.filter(object_type="retention.retentionrule").exists()


def test_an_admin_of_another_organisation_changes_only_theirs(world):
    foreign_admin = make_user("frida@example.no", "Frida Foreign", world.other, Role.ORG_ADMIN)
    world.client_for(foreign_admin).post(URL, inherit_all(programme_mode="months", programme_months="24"))
    assert list(RetentionRule.objects.values_list("organisation", "months")) == [(world.other.pk, 24)]
