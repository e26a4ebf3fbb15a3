"""Demo competence: the standard course for child-responsible staff (e-learning with discussion tasks) and the
competence centre's spring and autumn seminars, with the unit's child-responsible staff member trained.
Never in production."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from kindred.accounts.models import User
from kindred.competence import services
from kindred.competence.models import Course, Enrolment
from kindred.orgs.actors import Actor
from kindred.orgs.models import Membership, Organisation, Role

BASIC_TASKS = (
    "Hvordan spør vi pasienten om barn, og hva gjør vi når svaret er nei?\n"
    "Hva trenger et barn på 9 år å vite om mors eller fars rusproblem?\n"
    "Når skal vi melde bekymring til barnevernet, og hvordan forteller vi foreldrene det?"
)


def _actor(email: str, organisation: Organisation, role: str) -> Actor | None:
    membership = Membership.objects.filter(user__email=email, organisation=organisation, role=role).first()
    return Actor(membership.user, membership, "demo", via="cli") if membership else None


@transaction.atomic
def create_competence_demo(orgs: dict[str, Organisation]) -> None:
    centre = orgs["centre"]
    year = timezone.localdate().year
    courses = [
        {
            "key": "child-responsible-basic",
            "kind": Course.Kind.E_LEARNING,
            "title": "Barneansvarlig personell – grunnkurs",
            "description": "E-læringskurs i fem deler om barneansvarlig personells oppgaver etter "
            "helsepersonelloven § 10 a, med drøftingsoppgaver til hver del.",
            "discussion_tasks": BASIC_TASKS,
            "child_responsible_training": True,
            "valid_months": 36,
        },
        {
            "key": f"spring-seminar-{year}",
            "kind": Course.Kind.SEMINAR,
            "title": f"Vårseminar {year}: barn som pårørende",
            "starts_on": date(year, 4, 22),
            "ends_on": date(year, 4, 22),
            "place": "Stavanger, Clarion Energy",
        },
        {
            "key": f"autumn-seminar-{year}",
            "kind": Course.Kind.SEMINAR,
            "title": f"Høstseminar {year}: barn som pårørende",
            "starts_on": date(year, 10, 14),
            "ends_on": date(year, 10, 15),
            "place": "Bergen, Scandic Ørnen",
        },
    ]
    for spec in courses:
        key = spec.pop("key")
        Course.objects.get_or_create(provider=centre, key=key, defaults=spec)
    basic = Course.objects.get(provider=centre, key="child-responsible-basic")
    berit = User.objects.filter(email="barneansvarlig@demo.kindred.no").first()
    leader = _actor("admin@demo.kindred.no", orgs["unit"], Role.ORG_ADMIN)
    staff = _actor("barneansvarlig@demo.kindred.no", orgs["unit"], Role.CHILD_RESPONSIBLE)
    if berit is None or leader is None or staff is None or Enrolment.objects.filter(user=berit).exists():
        return
    enrolment = services.enrol(staff, basic)
    services.record_completion(leader, enrolment, timezone.localdate() - timedelta(days=400))
