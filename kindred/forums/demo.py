"""Demo forums: a monthly forum for child-responsible staff in Stavanger (one meeting held, with minutes and
attendance), the resource group's meetings twice a half-year and the national therapists' network's chosen
dates. Never in production."""

from __future__ import annotations

from datetime import date, time, timedelta

from django.db import transaction
from django.utils import timezone

from kindred.forums import services
from kindred.forums.models import MeetingSeries
from kindred.networks.models import Network, NetworkMembership
from kindred.orgs.actors import Actor
from kindred.orgs.models import Membership, Organisation, Role

R = MeetingSeries.Recurrence


def _actor(email: str, organisation: Organisation, role: str) -> Actor | None:
    membership = Membership.objects.filter(user__email=email, organisation=organisation, role=role).first()
    return Actor(membership.user, membership, "demo", via="cli") if membership else None


@transaction.atomic
def create_forums_demo(orgs: dict[str, Organisation]) -> None:
    if MeetingSeries.objects.exists():
        return
    berit = _actor("barneansvarlig@demo.kindred.no", orgs["unit"], Role.CHILD_RESPONSIBLE)
    if berit is None:
        return
    forum, created = Network.objects.get_or_create(
        name="Forum for barneansvarlige i Stavanger",
        defaults={
            "kind": Network.Kind.CHILD_RESPONSIBLE_FORUM,
            "regions": "Stavanger",
            "description": "Barneansvarlige i kommunen og spesialisthelsetjenesten møtes hver måned for å dele "
            "erfaringer.",
        },
    )
    if created:
        for key in ("unit", "home", "school", "young"):
            NetworkMembership.objects.create(network=forum, organisation=orgs[key], joined_on=date(2025, 1, 1))
    today = timezone.localdate()
    first = (today - timedelta(days=40)).replace(day=8)
    monthly = services.plan_series(
        berit,
        services.SeriesData(
            network_id=forum.pk,
            title="Månedlig forum for barneansvarlige",
            description="Erfaringsdeling og faglig påfyll. Ingen personopplysninger om pasienter i referatet.",
            recurrence=R.MONTHLY,
            first_date=first,
            count=10,
            start_time=time(13, 0),
            place="Solberg behandlingssenter, møterom Fjorden",
        ),
    )
    held = monthly.meetings.order_by("date").first()
    services.update_meeting(
        berit,
        held,
        {
            "agenda": "1. Runde: erfaringer siden sist\n2. Barnesamtaler etter innleggelse\n3. Neste møte",
            "minutes": "Runde: flere har hatt barnesamtaler etter innleggelse. Vi drøftet en familie med tre barn, "
            "uten navn, der barneverntjenesten var koblet inn.\nBarnesamtaler: kompetansesenteret har en ny "
            "veileder, se delt dokument.\nNeste møte som planlagt.",
        },
    )
    attendees = [
        user.pk
        for user, membership in services.eligible_attendees(held)
        if membership.role in (Role.CHILD_RESPONSIBLE, Role.COORDINATOR, Role.CLINICIAN)
    ]
    services.record_attendance(berit, held, attendees)
    services.add_document(
        berit, held, title="Veileder: samtaler med barn som pårørende", url="https://www.helsedirektoratet.no/"
    )

    resource_group = Network.objects.filter(kind=Network.Kind.RESOURCE_GROUP, memberships__organisation=orgs["unit"])
    if resource_group.exists():
        services.plan_series(
            berit,
            services.SeriesData(
                network_id=resource_group.first().pk,
                title="Ressursgruppemøte",
                recurrence=R.TWICE_A_HALF_YEAR,
                first_date=today + timedelta(days=20),
                count=4,
                start_time=time(9, 0),
                duration_minutes=120,
                place="Stavanger rådhus",
            ),
        )
    therapists = Network.objects.filter(
        kind=Network.Kind.PROFESSIONAL_NETWORK, memberships__organisation=orgs["unit"]
    ).first()
    if therapists is not None:
        services.plan_series(
            berit,
            services.SeriesData(
                network_id=therapists.pk,
                title="Nettverkssamling for familiebehandlere",
                recurrence=R.CUSTOM,
                custom_dates=[date(today.year + 1, 2, 5), date(today.year + 1, 9, 10)],
                start_time=time(10, 0),
                duration_minutes=300,
                place="Digitalt (Teams)",
            ),
        )
