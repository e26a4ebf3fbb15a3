"""Build patients, episodes and children through the services, the way a clinician would."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from django.utils import timezone
from stdnum.no import fodselsnummer

from kindred.accounts.models import User
from kindred.care.models import ChildrenAnswer, Episode, SiblingsAnswer
from kindred.care.services import ChildInput, EpisodeData, children_of, record_children_answer, register_patient
from kindred.orgs.actors import Actor
from kindred.orgs.models import Organisation, Role
from kindred.people.models import Person
from kindred.people.services import PersonData
from kindred.testing import make_user


def today() -> date:
    return timezone.localdate()


def years_ago(years: int, *, days: int = 0, on: date | None = None) -> date:
    """The date `years` whole years before `on` (29 February falls back to the 28th), minus `days`."""
    day = on or today()
    try:
        then = day.replace(year=day.year - years)
    except ValueError:
        then = day.replace(year=day.year - years, day=28)
    return then - timedelta(days=days)


def fnr_for(birth: date) -> str:
    """A fødselsnummer with valid check digits for someone born on `birth` (1900–2039)."""
    first = 500 if birth.year >= 2000 else 0
    for individual in range(first, first + 500):
        base = f"{birth:%d%m%y}{individual:03d}"
        k1 = fodselsnummer.calc_check_digit1(base)
        number = base + k1 + fodselsnummer.calc_check_digit2(base + k1)
        if len(number) == 11 and fodselsnummer.get_birth_date(number) == birth:
            return number
    raise AssertionError(f"No fødselsnummer found for {birth}")


def second_clinician(organisation: Organisation, email: str = "dan@example.no") -> User:
    """Another clinician in the same unit, whose caseload Cora does not share."""
    return make_user(email, "Dan Doctor", organisation, Role.CLINICIAN)


def child(given_name: str, age: int, family_name: str = "", **fields) -> ChildInput:
    """A new child of `age` whole years (birthday a month ago, so not near a boundary)."""
    return ChildInput(
        person=PersonData(given_name=given_name, family_name=family_name, birth_date=years_ago(age, days=30)),
        **fields,
    )


def patient_with_children(
    actor: Actor,
    *,
    given_name: str = "Pia",
    family_name: str = "Parent",
    children: Sequence[tuple[str, int]] = (("Kim", 8),),
    started_on: date | None = None,
    responsible: User | None = None,
    child_contact: User | None = None,
    answered: bool = True,
) -> tuple[Episode, list[Person]]:
    """Register a patient, open an episode and (unless `answered` is False) name the minor children.

    `children` are (given name, age) pairs; the children share the parent's family name.
    Returns the episode and the children in the order given."""
    episode = register_patient(
        actor,
        PersonData(given_name=given_name, family_name=family_name, birth_date=years_ago(35)),
        EpisodeData(
            kind=Episode.Kind.OUTPATIENT,
            started_on=started_on or today(),
            responsible_id=responsible.pk if responsible else None,
            child_contact_id=child_contact.pk if child_contact else None,
        ),
    )
    if not answered:
        return episode, []
    record_children_answer(
        actor,
        episode,
        children_answer=ChildrenAnswer.HAS if children else ChildrenAnswer.NONE,
        siblings_answer=SiblingsAnswer.NONE,
        source=Episode.Source.PATIENT,
        children=[child(name, age, family_name) for name, age in children],
    )
    by_name = {person.given_name: person for person in children_of(episode.patient)}
    return episode, [by_name[name] for name, _age in children]
