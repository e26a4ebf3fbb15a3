"""Two organisations that cooperate, built through the services: A (the unit) holds a parent with a child,
B (a school health service in the same municipality) has a nurse; C is a third school health service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from kindred.accounts.models import User
from kindred.care import services as care
from kindred.care.models import Episode
from kindred.care.tests.factories import child, fnr_for, years_ago
from kindred.consent.models import Category, Consent
from kindred.consent.services import ConsentData, record_consent
from kindred.orgs.actors import Actor
from kindred.orgs.models import Membership, Organisation, Role
from kindred.people.models import Person
from kindred.people.services import PersonData
from kindred.testing import World, make_user

API = "/api/v1"


def today() -> date:
    return timezone.localdate()


@dataclass
class Cooperation:
    world: World
    school: Organisation  # B
    nurse: User  # Sara: clinician at B
    third: Organisation  # C: another school health service, never covered unless named
    episode: Episode
    parent: Person  # Pia Parent, the unit's patient
    child: Person  # Kim Parent, 8

    @property
    def a(self) -> Actor:
        return self.world.actor(self.world.clinician)

    @property
    def b(self) -> Actor:
        return Actor(self.nurse, Membership.objects.get(user=self.nurse), "test-request")

    def consent(self, **overrides) -> Consent:
        """A consent recorded at A (through the service) that A may share the person's information with B."""
        person = overrides.pop("person", self.parent)
        return record_consent(
            self.a, person, consent_data(**{"recipient_organisation_id": self.school.pk, **overrides})
        )


def consent_data(**overrides) -> ConsentData:
    fields = {
        "categories": [Category.CHILDREN, Category.EPISODE],
        "purpose": "Follow-up at school",
        "valid_from": today() - timedelta(days=1),
        "valid_until": today() + timedelta(days=180),
        "form": Consent.Form.WRITTEN,
    }
    fields.update(overrides)
    return ConsentData(**fields)


def build(world: World) -> Cooperation:
    school = Organisation.objects.create(
        name="Skolehelsetjenesten Solberg", kind=Organisation.Kind.SCHOOL_HEALTH, municipality_number="1103"
    )
    third = Organisation.objects.create(
        name="Helsestasjon Nord", kind=Organisation.Kind.SCHOOL_HEALTH, municipality_number="1103"
    )
    nurse = make_user("sara@example.no", "Sara Schoolnurse", school, Role.CLINICIAN)
    cora = world.actor(world.clinician)
    episode = care.register_patient(
        cora,
        PersonData(given_name="Pia", family_name="Parent", birth_date=years_ago(35)),
        care.EpisodeData(kind=Episode.Kind.OUTPATIENT, started_on=today(), problem_areas=["alcohol"]),
    )
    care.record_children_answer(
        cora,
        episode,
        children_answer="has",
        siblings_answer="none",
        source="patient",
        children=[child("Kim", 8, "Parent", parental_responsibility="shared", lives_together=True)],
    )
    kim = care.children_of(episode.patient).get()
    care.save_child_sheet(cora, episode, kim, answers={}, concern_level="serious", who_informs="school_health")
    care.record_information(cora, episode, kim, given_on=today(), form="talk", present="Pia")
    return Cooperation(world, school, nurse, third, episode, episode.patient, kim)


def with_national_id(person: Person) -> str:
    """Give the person a valid national id (for tests of identity detection) and return it."""
    number = fnr_for(person.birth_date)
    Person.objects.filter(pk=person.pk).update(national_id=number)
    return number
