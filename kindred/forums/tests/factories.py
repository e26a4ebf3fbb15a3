"""A network of the unit and a partner organisation (the outsider's organisation is not a member), and series."""

from __future__ import annotations

from datetime import date, time

from kindred.accounts.models import User
from kindred.forums import services
from kindred.forums.models import MeetingSeries
from kindred.networks.models import Network, NetworkMembership
from kindred.orgs.models import Organisation, Role
from kindred.testing import World, make_user


def network(world: World, name: str = "Barneansvarlig-forum Rogaland") -> Network:
    """The unit and a municipal partner with one child-responsible member (Pia); not the outsider's organisation."""
    net = Network.objects.create(name=name, kind=Network.Kind.CHILD_RESPONSIBLE_FORUM)
    partner = Organisation.objects.create(
        name="Sandnes kommune, rus og psykisk helse", kind=Organisation.Kind.MUNICIPAL_SERVICE
    )
    for organisation in (world.unit, partner):
        NetworkMembership.objects.create(network=net, organisation=organisation, joined_on=date(2025, 1, 1))
    make_user("pia@example.no", "Pia Partner", partner, Role.CHILD_RESPONSIBLE)
    return net


def pia() -> User:
    return User.objects.get(email="pia@example.no")


def series(
    world: World,
    net: Network,
    *,
    first: date = date(2026, 1, 13),
    count: int = 3,
    recurrence: str = MeetingSeries.Recurrence.MONTHLY,
    title: str = "Månedlig forum for barneansvarlige",
) -> MeetingSeries:
    return services.plan_series(
        world.actor(world.child_responsible),
        services.SeriesData(
            network_id=net.pk,
            title=title,
            recurrence=recurrence,
            start_time=time(13, 0),
            first_date=first,
            count=count,
            place="Møterom Fjorden",
        ),
    )
