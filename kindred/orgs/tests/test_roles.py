import pytest

from kindred.orgs.models import ROLE_CAPABILITIES, Capability, Membership, Role


def test_every_role_has_a_row_in_the_capability_table():
    assert set(ROLE_CAPABILITIES) == set(Role.values)


@pytest.mark.parametrize(
    ("role", "sees_personal_data"),
    [
        (Role.CLINICIAN, True),
        (Role.CHILD_RESPONSIBLE, True),
        (Role.COORDINATOR, True),
        (Role.GROUP_LEADER, True),
        (Role.ANALYST, False),
        (Role.ORG_ADMIN, False),
    ],
)
def test_only_casework_roles_see_personal_data(role, sees_personal_data):
    assert Membership(role=role).sees_personal_data is sees_personal_data


def test_only_org_admins_manage_members():
    assert [r for r in Role.values if Membership(role=r).can(Capability.MANAGE_MEMBERS)] == [Role.ORG_ADMIN]
