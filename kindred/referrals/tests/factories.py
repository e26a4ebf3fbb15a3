"""Cooperation test data, built through the services the way users would."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from kindred.accounts.models import User
from kindred.care.tests.factories import patient_with_children
from kindred.consent.models import Consent
from kindred.consent.services import ConsentData, record_consent
from kindred.orgs.actors import Actor
from kindred.orgs.models import Membership, Organisation, Role
from kindred.people.models import Person
from kindred.testing import make_user


def school_health(name: str = "Solberg skolehelsetjeneste") -> Organisation:
    return Organisation.objects.create(name=name, kind=Organisation.Kind.SCHOOL_HEALTH, municipality_number="1103")


def nurse(organisation: Organisation, email: str = "helle@example.no", role: str = Role.CLINICIAN) -> User:
    return make_user(email, "Helle Helsesøster", organisation, role)


def actor_for(user: User, organisation: Organisation | None = None) -> Actor:
    memberships = Membership.objects.for_user(user)
    if organisation is not None:
        memberships = memberships.filter(organisation=organisation)
    return Actor(user, memberships.first(), "test-request")


def consent(actor: Actor, person: Person, to: Organisation, categories=("children",), *, days: int = 365) -> Consent:
    today = timezone.localdate()
    return record_consent(
        actor,
        person,
        ConsentData(
            categories=list(categories),
            purpose="Oppfølging",
            valid_from=today,
            valid_until=today + timedelta(days=days),
            form="verbal",
            recipient_organisation_id=to.pk,
        ),
    )


def family(actor: Actor, **kwargs):
    """A patient of the actor's unit with one child of 8; returns (episode, patient, child)."""
    episode, children = patient_with_children(actor, **kwargs)
    return episode, episode.patient, children[0]
