"""Test personas: one user per role in a specialist unit, and an outsider elsewhere."""

from __future__ import annotations

from dataclasses import dataclass

from django.test import Client

from kindred.accounts.models import User
from kindred.orgs.actors import Actor
from kindred.orgs.models import Membership, Organisation, Role

PASSWORD = "correct-horse-battery-staple"


@dataclass
class World:
    unit: Organisation
    other: Organisation
    clinician: User  # Cora: clinician in the unit
    child_responsible: User  # Bo: child-responsible staff in the unit
    coordinator: User  # Cato: coordinator in the unit
    group_leader: User  # Grete: group leader in the unit
    analyst: User  # Ali: analyst in the unit
    admin: User  # Ada: organisation admin of the unit
    outsider: User  # Otto: clinician in another organisation, who should see nothing of the unit

    def actor(self, user: User, organisation: Organisation | None = None) -> Actor:
        memberships = Membership.objects.for_user(user)
        if organisation is not None:
            memberships = memberships.filter(organisation=organisation)
        return Actor(user, memberships.first(), "test-request")

    def client_for(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    @property
    def by_role(self) -> dict[str, User]:
        return {
            Role.CLINICIAN: self.clinician,
            Role.CHILD_RESPONSIBLE: self.child_responsible,
            Role.COORDINATOR: self.coordinator,
            Role.GROUP_LEADER: self.group_leader,
            Role.ANALYST: self.analyst,
            Role.ORG_ADMIN: self.admin,
        }


def make_user(email: str, name: str, organisation: Organisation, role: str) -> User:
    user = User.objects.create_user(email, PASSWORD, full_name=name)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def build_world() -> World:
    unit = Organisation.objects.create(
        name="Solberg behandlingssenter", kind=Organisation.Kind.SPECIALIST_UNIT, municipality_number="1103"
    )
    other = Organisation.objects.create(
        name="Annen kommune hjemmetjeneste", kind=Organisation.Kind.MUNICIPAL_SERVICE, municipality_number="4601"
    )
    return World(
        unit=unit,
        other=other,
        clinician=make_user("cora@example.no", "Cora Clinician", unit, Role.CLINICIAN),
        child_responsible=make_user("bo@example.no", "Bo Childresponsible", unit, Role.CHILD_RESPONSIBLE),
        coordinator=make_user("cato@example.no", "Cato Coordinator", unit, Role.COORDINATOR),
        group_leader=make_user("grete@example.no", "Grete Groupleader", unit, Role.GROUP_LEADER),
        analyst=make_user("ali@example.no", "Ali Analyst", unit, Role.ANALYST),
        admin=make_user("ada@example.no", "Ada Admin", unit, Role.ORG_ADMIN),
        outsider=make_user("otto@example.no", "Otto Outsider", other, Role.CLINICIAN),
    )
