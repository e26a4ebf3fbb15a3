"""Demo networks: the national network of family therapists (seed 003) and a municipal resource group
(seed 002, Ålesund/Rogaland A-senter). Never in production."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from kindred.accounts.models import User
from kindred.library import services as library
from kindred.library.models import Audience, Item, Language, Topic
from kindred.networks import services
from kindred.networks.models import ContactPerson, Network, NetworkMembership
from kindred.orgs.actors import Actor
from kindred.orgs.models import Membership, Organisation, Role
from kindred.programs import services as programs
from kindred.programs.models import ProgrammeTemplate

THERAPISTS = "Nettverk for behandlere av familier med rusproblematikk"


def _actor(email: str, organisation: Organisation, role: str) -> Actor:
    user = User.objects.get(email=email)
    return Actor(user, Membership.objects.get(user=user, organisation=organisation, role=role), "demo", via="cli")


def _member(network: Network, organisation: Organisation, joined: date, email: str, phone: str, contacts=()):
    membership = NetworkMembership.objects.create(
        network=network, organisation=organisation, joined_on=joined, contact_email=email, contact_phone=phone
    )
    for name, title, contact_email, contact_phone in contacts:
        ContactPerson.objects.create(
            membership=membership, name=name, title=title, email=contact_email, phone=contact_phone
        )


@transaction.atomic
def create_networks_demo(orgs: dict[str, Organisation]) -> None:
    if Network.objects.filter(kind=Network.Kind.PROFESSIONAL_NETWORK, name=THERAPISTS).exists():
        return
    therapists = Network.objects.create(
        name=THERAPISTS,
        kind=Network.Kind.PROFESSIONAL_NETWORK,
        regions="Hele Norge",
        description=(
            "Faglig nettverk for ansatte som behandler familier i TSB og familieambulatoriene: utveksling av "
            "kunnskap og samordning, så gravide, spe- og småbarn og familier får kunnskapsbaserte og likeverdige "
            "tilbud i hele landet."
        ),
    )
    _member(
        therapists,
        orgs["unit"],
        date(2024, 1, 27),
        "familie@solberg.example.no",
        "51 00 00 10",
        [("Berit Barneansvarlig", "Barneansvarlig", "barneansvarlig@demo.kindred.no", "51 00 00 11")],
    )
    _member(therapists, orgs["region"], date(2024, 1, 27), "tsb@helsevestnord.example.no", "51 00 00 20")
    _member(
        therapists,
        orgs["centre"],
        date(2024, 1, 27),
        "post@korus-vest.example.no",
        "55 00 00 30",
        [("Anders Analytiker", "Rådgiver, koordinator for nettverket", "analytiker@demo.kindred.no", "55 00 00 31")],
    )
    resource_group = Network.objects.create(
        name="Ressursgruppe barn som pårørende, Stavanger",
        kind=Network.Kind.RESOURCE_GROUP,
        regions="Rogaland",
        description=(
            "Barneansvarlige fra hjemmetjenesten, barnevernet, skolehelsetjenesten, lavterskeltilbudet og "
            "spesialisthelsetjenesten møtes to til tre ganger hvert halvår for å dele erfaringer og avklare "
            "samarbeid rundt barna."
        ),
    )
    for key, email, phone in (
        ("unit", "familie@solberg.example.no", "51 00 00 10"),
        ("home", "rus-psykisk@stavanger.example.no", "51 00 00 40"),
        ("cw", "barnevern@stavanger.example.no", "51 00 00 50"),
        ("school", "helsesykepleier@stavanger.example.no", "51 00 00 60"),
        ("young", "post@fyrlykta.example.no", "51 00 00 70"),
    ):
        _member(resource_group, orgs[key], date(2025, 2, 1), email, phone)

    admin = _actor("admin@demo.kindred.no", orgs["unit"], Role.ORG_ADMIN)
    leaflet = library.save_item(
        admin,
        None,
        library.ItemData(
            kind=Item.Kind.LEAFLET,
            title="Når mor eller far er innlagt – informasjon til barn 6–12 år",
            description="Enhetens egen brosjyre om hvordan det er på avdelingen, og om å besøke mor eller far.",
            public=False,
            audiences=[Audience.CHILDREN_6_12],
            languages=[Language.NB],
            topics=[Topic.ALCOHOL, Topic.DRUGS],
        ),
    )
    services.share_item(admin, therapists, leaflet.pk)
    live = _actor("lavterskel@demo.kindred.no", orgs["young"], Role.ORG_ADMIN)
    own = ProgrammeTemplate.objects.filter(organisation=orgs["young"], active=True).first()
    if own is None:
        builtin = ProgrammeTemplate.objects.filter(organisation__isnull=True, active=True).order_by("pk").first()
        own = programs.copy_template(live, builtin) if builtin is not None else None
    if own is not None:
        services.share_template(live, resource_group, own.pk)
