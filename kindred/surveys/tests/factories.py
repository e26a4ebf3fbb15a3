"""Campaigns and answers made through the services, the way an analyst and respondents would."""

from __future__ import annotations

from kindred.instruments.models import Instrument
from kindred.orgs.actors import Actor
from kindred.surveys import services
from kindred.surveys.models import Campaign

GROUP = {"key": "group", "label": "Group", "options": ["A", "B"]}
# The feelings thermometer has one item, "today" (0-10): heavy 0-3, in between 4-6, good 7-10.
HEAVY, IN_BETWEEN, GOOD = 2, 5, 8


def instrument(actor: Actor, key: str) -> Instrument:
    return next(i for i in services.eligible_instruments(actor) if i.key == key)


def campaign(
    actor: Actor,
    keys=("feelings_thermometer",),
    *,
    questions=(GROUP,),
    access=Campaign.Access.LINK,
    threshold=5,
    status=Campaign.Status.OPEN,
    title="Trivsel 2026",
) -> Campaign:
    made = services.create_campaign(
        actor,
        title=title,
        instrument_ids=[instrument(actor, k).pk for k in keys],
        background_questions=list(questions),
        access=access,
        threshold=threshold,
    )
    if status != Campaign.Status.DRAFT:
        services.open_campaign(actor, made)
    if status == Campaign.Status.CLOSED:
        services.close_campaign(actor, made)
    return made


def thermometer(campaign: Campaign, value: int, group: str = "", *, code: str = ""):
    """One respondent answering a campaign of the feelings thermometer alone."""
    pk = campaign.instruments.get().pk
    return services.respond(
        campaign, answers={pk: {"today": value}}, background={"group": group} if group else {}, code=code
    )


def answer_many(campaign: Campaign, counts: dict[tuple[int, str], int]) -> None:
    """`counts` respondents for each (thermometer value, group)."""
    for (value, group), n in counts.items():
        for _ in range(n):
            thermometer(campaign, value, group)
