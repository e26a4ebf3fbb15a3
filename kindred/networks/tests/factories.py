"""A network with members, and organisations' own programme templates, for the network tests."""

from __future__ import annotations

from datetime import date

from kindred.networks.models import ContactPerson, Network, NetworkMembership
from kindred.programs.models import ProgrammeTemplate


def network(*organisations, name: str = "Nettverk for familiebehandlere", kind=Network.Kind.PROFESSIONAL_NETWORK):
    made = Network.objects.create(name=name, kind=kind, regions="Rogaland, Vestland")
    for organisation in organisations:
        membership = NetworkMembership.objects.create(
            network=made,
            organisation=organisation,
            joined_on=date(2025, 1, 27),
            contact_email=f"post{organisation.pk}@example.no",
            contact_phone="51 00 00 00",
        )
        ContactPerson.objects.create(
            membership=membership, name=f"Kontakt {organisation.name}", email=f"kontakt{organisation.pk}@example.no"
        )
    return made


def template(organisation, name: str = "Samtalegruppe for pårørende") -> ProgrammeTemplate:
    return ProgrammeTemplate.objects.create(
        organisation=organisation,
        kind=ProgrammeTemplate.Kind.SELF_HELP_GROUP,
        name=name,
        sessions=[
            {"title": "Bli kjent", "description": "", "form": ""},
            {"title": "Grensesetting", "description": "", "form": ""},
        ],
    )
