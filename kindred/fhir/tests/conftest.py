"""FHIR test data: a family with one record of every kind the FHIR API serves, and API tokens per persona."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from stdnum.no import fodselsnummer

from kindred.accounts.models import User
from kindred.care import services as care
from kindred.care.models import ChildrenAnswer, ConcernReport, Episode, SiblingsAnswer
from kindred.care.tests.factories import fnr_for, years_ago
from kindred.consent.models import Consent
from kindred.instruments import services as instruments
from kindred.instruments.models import Instrument, Response
from kindred.orgs.models import Organisation
from kindred.orgs.services import issue_api_token
from kindred.people.models import Person, Relationship
from kindred.people.services import PersonData, add_relative
from kindred.programs import services as programmes
from kindred.programs.models import Enrolment
from kindred.programs.tests.factories import run as planned_run
from kindred.referrals.models import Referral
from kindred.referrals.services import ReferralData, create_referral
from kindred.referrals.tests.factories import consent as give_consent
from kindred.referrals.tests.factories import school_health
from kindred.testing import World

BASE = "/fhir/r4/"
AUDIT_ANSWERS = {"q1": 4, "q2": 3, "q3": 2, "q4": 1, "q5": 1, "q6": 0, "q7": 1, "q8": 1, "q9": 2, "q10": 2}
CPR = "0101901234"  # a valid Danish CPR number (born 1 January 1990)


def dnr_for(birth: date) -> str:
    """A Norwegian D-number (day + 40) with valid check digits for someone born on `birth`."""
    first = 500 if birth.year >= 2000 else 0
    for individual in range(first, first + 500):
        base = f"{birth.day + 40:02d}{birth:%m%y}{individual:03d}"
        k1 = fodselsnummer.calc_check_digit1(base)
        number = base + k1 + fodselsnummer.calc_check_digit2(base + k1)
        if len(number) == 11 and fodselsnummer.is_valid(number):
            return number
    raise AssertionError(f"No D-number found for {birth}")


def cpr_for(number: int) -> str:
    """A valid Danish CPR number; `cpr_for(0)` is CPR."""
    return f"{1 + number:02d}0190" + "1234"


def token_for(world: World, user: User, organisation: Organisation | None = None) -> str:
    _token, plain = issue_api_token(world.actor(user, organisation), name="FHIR test")
    return plain


class FhirClient:
    """A Django test client that speaks to the FHIR API with one bearer token."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, path: str, params=None, **extra):
        return self.client.get(BASE + path, params or {}, **self.headers, **extra)

    def post(self, path: str, data, *, raw: bool = False, **extra):
        import json

        body = data if raw else json.dumps(data)
        return self.client.post(BASE + path, body, content_type="application/fhir+json", **self.headers, **extra)


@pytest.fixture
def fhir_for(world):
    """`fhir_for(user)`: a FhirClient with a fresh token of the user's (first) membership."""
    return lambda user, organisation=None: FhirClient(token_for(world, user, organisation))


@dataclass
class Family:
    episode: Episode
    patient: Person
    children: list[Person]
    partner: Person
    response: Response
    consent: Consent
    referral: Referral
    report: ConcernReport
    enrolment: Enrolment

    def reads(self) -> dict[str, list[str]]:
        """One FHIR id of each resource type about this family."""
        child = self.children[0]
        relationship = Relationship.objects.get(person=self.patient, other=child)
        return {
            "Patient": [str(self.patient.pk), str(child.pk), str(self.partner.pk)],
            "RelatedPerson": [f"{relationship.pk}-{child.pk}", f"{relationship.pk}-{self.patient.pk}"],
            "Consent": [str(self.consent.pk)],
            "QuestionnaireResponse": [str(self.response.pk)],
            "Observation": [f"children-{self.episode.pk}", f"score-{self.response.pk}"],
            "ServiceRequest": [str(self.referral.pk)],
            "CarePlan": [str(self.enrolment.pk)],
            "Communication": [str(self.report.pk)],
        }


def build_family(world: World, number: int = 0) -> Family:
    """Pia Parent (fødselsnummer) with Kim (D-number) and Liv (no identifier, born in a known year), a Danish partner
    (CPR), an AUDIT response, a consent and a referral to school health, a concern report about Kim and Pia's place
    in the unit's self-help group. Cora is her clinician; the coordinator sees the whole unit. Families with another
    `number` are born on other days, so their national ids differ."""
    actor = world.actor(world.clinician)
    pia_birth = years_ago(35, days=40 + number)
    kim_birth = years_ago(9, days=20 + number)
    family_name = "Parent" if number == 0 else f"Parent{number}"
    episode = care.register_patient(
        actor,
        PersonData(given_name="Pia", family_name=family_name, national_id=fnr_for(pia_birth), sex="female"),
        care.EpisodeData(kind=Episode.Kind.OUTPATIENT, started_on=timezone.localdate()),
    )
    care.record_children_answer(
        actor,
        episode,
        children_answer=ChildrenAnswer.HAS,
        siblings_answer=SiblingsAnswer.NONE,
        source=Episode.Source.PATIENT,
        children=[
            care.ChildInput(
                person=PersonData(given_name="Kim", family_name=family_name, national_id=dnr_for(kim_birth)),
                parental_responsibility="shared",
                lives_together=True,
                contact_arrangement="Every other weekend with the father",
            ),
            care.ChildInput(
                person=PersonData(given_name="Liv", family_name=family_name, birth_year=timezone.localdate().year - 5),
                parental_responsibility="yes",
            ),
        ],
    )
    patient = episode.patient
    kim = Person.objects.get(given_name="Kim", relationships_to__person=patient)
    liv = Person.objects.get(given_name="Liv", relationships_to__person=patient)
    partner = add_relative(
        actor,
        patient,
        PersonData(given_name="Dag", family_name="Dansk", national_id=cpr_for(number), preferred_language="da"),
        Relationship.Kind.PARTNER,
        lives_together=False,
    ).other
    instruments.sync_builtin_instruments()
    audit = Instrument.objects.get(organisation__isnull=True, key="audit")
    response = instruments.record_response(actor, audit, patient, AUDIT_ANSWERS, episode=episode)
    school = school_health()
    consent = give_consent(actor, patient, school, categories=("children", "episode"))
    referral = create_referral(
        actor,
        patient,
        ReferralData(to_organisation_id=school.pk, reason="Oppfølging av barna", categories=["children"]),
    )
    report = care.send_concern_report(
        actor,
        episode,
        kim,
        care.ConcernData(
            recipient="Barnevernet i Stavanger",
            basis=ConcernReport.Basis.OWN_INITIATIVE,
            reason="Bekymring for omsorgen",
            parent_informed=False,
            parent_not_informed_reason="Fare for barnet",
            sent_on=timezone.localdate() - timedelta(days=2),
        ),
    )
    coordinator = world.actor(world.coordinator)
    group = planned_run(world)
    participant = programmes.register_participant(coordinator, programmes.ParticipantData(name="Pia"), person=patient)
    enrolment = programmes.enrol(coordinator, group, participant)
    return Family(episode, patient, [kim, liv], partner, response, consent, referral, report, enrolment)


@pytest.fixture
def family(world) -> Family:
    return build_family(world)


def transaction_of(patient: dict | None, related: list[dict], *, patient_url: str = "urn:uuid:patient") -> dict:
    """A transaction Bundle creating `patient` and `related` (their `patient` pointing to it), as a client sends it:
    without server ids, each entry a POST to its type."""

    def strip(resource: dict) -> dict:
        return {k: v for k, v in resource.items() if k not in ("id", "meta")}

    entries = []
    if patient is not None:
        entries.append(
            {"fullUrl": patient_url, "resource": strip(patient), "request": {"method": "POST", "url": "Patient"}}
        )
    for index, resource in enumerate(related):
        resource = {**strip(resource), "patient": resource.get("patient") or {"reference": patient_url}}
        if patient is not None and resource["patient"].get("reference", "").startswith("Patient/"):
            resource["patient"] = {"reference": patient_url}
        entries.append(
            {
                "fullUrl": f"urn:uuid:related-{index}",
                "resource": resource,
                "request": {"method": "POST", "url": "RelatedPerson"},
            }
        )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}
