import pytest
from django.urls import reverse

from kindred.audit.models import AccessLog
from kindred.orgs.models import Membership, Role

pytestmark = pytest.mark.django_db


def test_admin_sees_only_own_organisations_members(world):
    response = world.client_for(world.admin).get(reverse("orgs:members"))
    assert response.status_code == 200
    emails = {m.user.email for m in response.context["members"]}
    assert "cora@example.no" in emails and "otto@example.no" not in emails


@pytest.mark.parametrize("persona", ["clinician", "child_responsible", "coordinator", "group_leader", "analyst"])
def test_other_roles_may_not_manage_members(world, persona):
    assert world.client_for(getattr(world, persona)).get(reverse("orgs:members")).status_code == 403


def test_admin_adds_a_new_member_who_gets_a_set_password_link(world):
    client = world.client_for(world.admin)
    response = client.post(
        reverse("orgs:members"), {"email": "New@Example.no", "full_name": "Nina New", "role": Role.CLINICIAN}
    )
    assert response.status_code == 200
    membership = Membership.objects.get(user__email="new@example.no")
    assert membership.organisation == world.unit and membership.role == Role.CLINICIAN
    assert not membership.user.has_usable_password()
    assert "/account/password/set/" in response.context["set_password_link"]
    assert AccessLog.objects.filter(action="create", object_type="orgs.membership").count() == 1


def test_invalid_new_member_changes_nothing(world):
    before = Membership.objects.count()
    response = world.client_for(world.admin).post(
        reverse("orgs:members"), {"email": "not-an-address", "full_name": "", "role": "emperor"}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"email", "full_name", "role"}
    assert Membership.objects.count() == before


def test_admin_cannot_touch_another_organisations_member(world):
    foreign = Membership.objects.get(user=world.outsider)
    client = world.client_for(world.admin)
    assert client.post(reverse("orgs:change_role", args=[foreign.pk]), {"role": Role.ANALYST}).status_code == 404
    assert client.post(reverse("orgs:remove", args=[foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.role == Role.CLINICIAN


def test_admin_changes_role_and_removes_member(world):
    membership = Membership.objects.get(user=world.analyst)
    client = world.client_for(world.admin)
    client.post(reverse("orgs:change_role", args=[membership.pk]), {"role": Role.GROUP_LEADER})
    membership.refresh_from_db()
    assert membership.role == Role.GROUP_LEADER
    client.post(reverse("orgs:remove", args=[membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_last_admin_cannot_be_removed(world):
    own = Membership.objects.get(user=world.admin)
    world.client_for(world.admin).post(reverse("orgs:remove", args=[own.pk]))
    assert Membership.objects.filter(pk=own.pk).exists()


def test_admin_requires_two_factor_for_own_organisation(world):
    client = world.client_for(world.admin)
    assert client.post(reverse("orgs:two_factor_policy"), {"require_two_factor": "on"}).status_code == 302
    world.unit.refresh_from_db()
    assert world.unit.require_two_factor
    assert world.client_for(world.clinician).get(reverse("start")).url == reverse("accounts:two_factor_setup")
    client.post(reverse("orgs:two_factor_policy"), {})
    world.unit.refresh_from_db()
    assert not world.unit.require_two_factor
    assert world.client_for(world.clinician).post(reverse("orgs:two_factor_policy"), {}).status_code == 403
    world.other.refresh_from_db()
    assert not world.other.require_two_factor
