"""Test data for programmes and the help directory: municipalities, offers, templates and runs."""

from __future__ import annotations

from datetime import time, timedelta

from django.utils import timezone

from kindred.directory.models import HelpOffer
from kindred.orgs.models import Municipality
from kindred.programs import services
from kindred.programs.models import ProgrammeTemplate


def municipality(number="1103", name="Stavanger", region="Rogaland", country="NO") -> Municipality:
    return Municipality.objects.get_or_create(
        country=country, number=number, defaults={"name": name, "region": region}
    )[0]


def offer(organisation, *, municipalities=(), **fields) -> HelpOffer:
    defaults = {
        "provider": organisation.name if organisation else "Hjelpelinje",
        "name": "Ung pårørende-samtaler",
        "summary": "Samtaler for unge som har vokst opp med rus i familien.",
        "country": "NO",
        "for_young_people": True,
        "min_age": 14,
        "max_age": 35,
        "accepts_self_referral": organisation is not None,
        "phone": "51 00 00 00",
    }
    defaults.update(fields)
    created = HelpOffer.objects.create(organisation=organisation, **defaults)
    if municipalities:
        created.municipalities.set(municipalities)
    return created


def builtin(key: str) -> ProgrammeTemplate:
    services.sync_builtin_templates()
    return ProgrammeTemplate.objects.get(organisation__isnull=True, key=key)


def run(world, key="self-help-group", *, starts_on=None, capacity=None, leaders=None, **fields):
    """A run planned by the unit's coordinator, led by the group leader unless told otherwise."""
    actor = world.actor(world.coordinator)
    data = services.RunData(
        title=fields.pop("title", "Gruppe høsten"),
        starts_on=starts_on or timezone.localdate() - timedelta(days=1),
        start_time=fields.pop("start_time", time(18, 0)),
        venue=fields.pop("venue", "Kirkegata 1"),
        capacity=capacity,
        leader_ids=[u.pk for u in (leaders if leaders is not None else [world.group_leader])],
        **fields,
    )
    return services.plan_run(actor, builtin(key), data)


def participant(world, name="Tone", **fields):
    data = services.ParticipantData(name=name, phone=fields.pop("phone", "912 34 567"), **fields)
    return services.register_participant(world.actor(world.coordinator), data)
