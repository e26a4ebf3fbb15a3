"""manage.py scale_data: consistent, proportional, deterministic data; personas that work; no second run by
accident; never in production. Small sizes only (the same code writes the national set)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from stdnum.no import fodselsnummer

from kindred.accounts.models import User
from kindred.audit.models import AccessLog
from kindred.care.models import ChildSheet, ConcernReport, Episode, InformationGiven, Task
from kindred.care.services import _years_before
from kindred.directory.models import SelfReferral, YouthIntake
from kindred.instruments.models import Response
from kindred.orgs.models import Membership, Organisation, Role
from kindred.people.models import Person, Relationship
from kindred.programs.models import Attendance, Enrolment, Session
from kindred.referrals.models import Referral
from kindred.reports.scopes import Geography
from kindred.scale.generator import PERSONA_EMAILS, PERSONA_PASSWORD, WRITTEN_MODELS, Sizes, Writer

PERSONS = 2000
pytestmark = pytest.mark.django_db


def generate(persons: int = PERSONS, seed: int = 7, **options) -> str:
    out = StringIO()
    call_command("scale_data", persons=persons, seed=seed, stdout=out, stderr=StringIO(), verbosity=1, **options)
    return out.getvalue()


def test_scale_data_is_consistent():
    """One generation (they take a few seconds each), checked from every side."""
    generate()
    scale = Sizes.for_persons(PERSONS)
    _counts_follow_the_number_of_persons(scale)
    _every_national_id_is_valid_and_unique(scale)
    _children_are_minors_related_to_patients(scale)
    _everything_references_existing_rows(scale)
    _every_state_is_there(scale)
    _responses_carry_the_engines_scores(scale)
    _regions_and_statistics_scopes(scale)
    _personas(scale)


def _counts_follow_the_number_of_persons(scale):
    assert Person.objects.count() == scale.persons
    assert Episode.objects.count() == scale.episodes == 600
    assert Referral.objects.count() == scale.referrals == 100
    assert Enrolment.objects.count() == scale.enrolments == 40
    assert Response.objects.count() == scale.responses == 4000
    assert AccessLog.objects.count() == scale.access_log == 10_000
    assert Organisation.objects.count() == scale.organisations
    minors = Person.objects.filter(birth_date__gt=_years_before(timezone.localdate(), 18))
    assert minors.count() == scale.children == 700


def _every_national_id_is_valid_and_unique(scale):
    numbers = list(Person.objects.values_list("national_id", flat=True))
    assert len(numbers) == len(set(numbers)) == scale.persons
    assert all(fodselsnummer.is_valid(n) for n in numbers)
    # The birth date and sex in the number are the person's.
    for person in Person.objects.order_by("id")[:300]:
        assert fodselsnummer.get_birth_date(person.national_id) == person.birth_date
        assert fodselsnummer.get_gender(person.national_id) == ("M" if person.sex == "male" else "F")


def _children_are_minors_related_to_patients(scale):
    today = timezone.localdate()
    minors = Person.objects.filter(birth_date__gt=_years_before(today, 18))
    patients = Person.objects.filter(episodes__isnull=False)
    parented = minors.filter(relationships_to__kind="parent_of", relationships_to__person__in=patients).distinct()
    assert parented.count() == minors.count()
    # Every child is younger than each of its parents by at least 18 years.
    for rel in Relationship.objects.filter(kind="parent_of", other__in=minors).select_related("person", "other")[:500]:
        assert (rel.other.birth_date - rel.person.birth_date).days >= 18 * 365
    # Sheets, information and reports are about children of the episode's patient.
    for sheet in ChildSheet.objects.select_related("episode")[:200]:
        assert Relationship.objects.filter(person=sheet.episode.patient_id, other=sheet.child_id, kind="parent_of")


def _everything_references_existing_rows(scale):
    org_ids = set(Organisation.objects.values_list("id", flat=True))
    assert set(Episode.objects.values_list("organisation_id", flat=True)) <= org_ids
    # Each referral's consent is the person's own, recorded by the sender, covering the receiver.
    assert not Referral.objects.exclude(consent__person=F("person")).exists()
    assert not Referral.objects.exclude(consent__organisation=F("from_organisation")).exists()
    assert not Referral.objects.exclude(consent__recipient_organisation=F("to_organisation")).exists()
    # The check the command runs after writing, once more: every foreign key of every table it wrote.
    writer = Writer(None, verbosity=0)
    writer.models = list(WRITTEN_MODELS)
    writer.verify_references()


def _every_state_is_there(scale):
    statuses = set(Episode.objects.values_list("status", flat=True))
    assert statuses == {"intake", "active", "discharged"}
    answers = set(Episode.objects.values_list("children_answer", flat=True))
    assert {"has", "none", "not_asked", "declined"} <= answers
    assert set(ChildSheet.objects.values_list("concern_level", flat=True)) == {"none", "some", "serious"}
    # Pairs without a sheet, partly filled sheets and full ones.
    assert ChildSheet.objects.filter(answers__has_key="contingency").exists()
    assert ChildSheet.objects.exclude(answers__has_key="contingency").exists()
    today = timezone.localdate()
    assert Task.objects.overdue(today).exists()
    assert Task.objects.open().filter(due_on__gte=today).exists()
    assert Task.objects.filter(status="done").exists()
    assert InformationGiven.objects.exists() and ConcernReport.objects.exists()
    assert {"accepted", "declined", "completed"} <= set(Referral.objects.values_list("status", flat=True))
    assert not Referral.objects.filter(status__in=["accepted", "declined"], decided_at__isnull=True).exists()
    assert not Referral.objects.exclude(status="draft").filter(sent_at__isnull=True).exists()
    assert Attendance.objects.exists()
    assert Session.objects.filter(head_count__isnull=False).exists()
    assert SelfReferral.objects.exists() and YouthIntake.objects.exists()


def _responses_carry_the_engines_scores(scale):
    from kindred.instruments import engine
    from kindred.instruments.services import parsed_definition

    zones = Response.objects.exclude(zone="").values("instrument__key").annotate(n=Count("id"))
    assert zones.count() >= 5
    for response in Response.objects.select_related("instrument").order_by("?")[:60]:
        context = engine.Context(sex=response.context["sex"], pregnant=response.context["pregnant"])
        result = engine.score(parsed_definition(response.instrument), response.answers, context)
        assert result.scores == response.scores
        assert (result.zone.key if result.zone else "") == response.zone
    assert Response.objects.filter(person__isnull=True, organisation__isnull=True, created_at__isnull=True).exists()
    assert Response.objects.filter(episode__isnull=False, created_by__isnull=False).exists()


def _regions_and_statistics_scopes(scale):
    geography = Geography()
    country = geography.country("NO")
    regions = geography.parts(country)
    assert len(regions) == 11
    assert all(part.kind == "region" for part in regions)
    assert sum(len(r.organisation_ids) for r in regions) == len(country.organisation_ids) == scale.organisations
    # Organisations with departments, and kinds mixed.
    assert Organisation.objects.filter(parent__isnull=False).exists()
    assert Organisation.objects.values("kind").distinct().count() >= 9


def _personas(scale):
    unit = Organisation.objects.order_by("id").first()
    assert unit.kind == Organisation.Kind.SPECIALIST_UNIT
    assert Episode.objects.filter(organisation=unit).count() == 60
    clinician = User.objects.get(email="clinician@bench.kindred.no")
    assert Episode.objects.filter(organisation=unit, responsible=clinician).count() == 6
    centre = Membership.objects.get(user__email="senter@bench.kindred.no")
    assert centre.organisation.kind == Organisation.Kind.COMPETENCE_CENTRE and centre.role == Role.ANALYST
    overview_roles = {Role.CHILD_RESPONSIBLE, Role.COORDINATOR}  # the roles that may see the children overview
    for email in PERSONA_EMAILS:
        membership = Membership.objects.get(user__email=email)
        assert membership.organisation == (centre.organisation if email.startswith("senter") else unit)
        client = Client()
        # Django's test login (axes wants the request), and the real login form.
        assert client.login(request=RequestFactory().post("/"), email=email, password=PERSONA_PASSWORD), email
        response = Client().post(reverse("accounts:login"), {"email": email, "password": PERSONA_PASSWORD})
        assert response.status_code == 302, email
        if membership.role in overview_roles:
            page = client.get(reverse("care:children"))
            assert page.status_code == 200
            assert page.context["page"].paginator.count > 0


def test_same_seed_same_data_and_no_second_run_without_reset():
    def people():
        return list(Person.objects.order_by("id").values_list("id", "national_id", "given_name", "family_name"))

    def episodes():
        return list(Episode.objects.order_by("id").values_list("patient_id", "organisation_id", "started_on"))

    generate(persons=1000, seed=11)
    first, first_episodes = people(), episodes()
    with pytest.raises(CommandError, match="already exists"):
        generate(persons=1000, seed=11)
    assert people() == first
    generate(persons=1000, seed=11, reset=True)
    assert people() == first
    assert episodes() == first_episodes
    assert User.objects.filter(email__in=PERSONA_EMAILS).count() == len(PERSONA_EMAILS)
    generate(persons=1000, seed=12, reset=True)
    assert people() != first
    assert len(people()) == 1000


def test_never_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        generate()
    assert not Person.objects.exists()


def test_sizes():
    national = Sizes.for_persons(1_000_000)
    assert (national.episodes, national.children, national.referrals, national.enrolments) == (
        300_000,
        350_000,
        50_000,
        20_000,
    )
    assert (national.responses, national.access_log, national.organisations) == (2_000_000, 5_000_000, 300)
    assert Sizes.for_persons(100_000).organisations == 30
    with pytest.raises(ValueError):
        Sizes.for_persons(10)
