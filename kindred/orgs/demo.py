"""A believable Norwegian (and one Danish) setup for trying Kindred. Never in production."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from kindred.accounts.models import User
from kindred.orgs.models import Membership, Organisation, Role

DEMO_PASSWORD = "kindred-demo-2026"

K = Organisation.Kind

ORGANISATIONS = [
    # key, name, kind, municipality, country, parent key
    ("region", "Helse Vest-Nord rusbehandling", K.SPECIALIST_UNIT, "1103", "NO", None),
    ("unit", "Solberg behandlingssenter, avdeling rus og avhengighet", K.SPECIALIST_UNIT, "1103", "NO", "region"),
    ("allocation", "Stavanger kommune, tildelingskontoret", K.ALLOCATION_OFFICE, "1103", "NO", None),
    ("home", "Stavanger kommune, hjemmetjenesten rus og psykisk helse", K.MUNICIPAL_SERVICE, "1103", "NO", None),
    ("cw", "Barneverntjenesten i Stavanger", K.CHILD_WELFARE, "1103", "NO", None),
    ("school", "Skolehelsetjenesten i Stavanger", K.SCHOOL_HEALTH, "1103", "NO", None),
    ("young", "Fyrlykta, lavterskeltilbud for unge pårørende", K.LOW_THRESHOLD, "1103", "NO", None),
    ("centre", "Regionalt kompetansesenter rus Vest", K.COMPETENCE_CENTRE, "4601", "NO", None),
    ("dk", "Familieteamet, Rusmiddelcenter Odense", K.MUNICIPAL_SERVICE, "461", "DK", None),
]


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    memberships: tuple[tuple[str, str], ...]  # (organisation key, role)
    language: str = "nb"


USERS = [
    DemoUser("klinikker@demo.kindred.no", "Kari Klinikker", (("unit", Role.CLINICIAN),)),
    DemoUser("barneansvarlig@demo.kindred.no", "Berit Barneansvarlig", (("unit", Role.CHILD_RESPONSIBLE),)),
    DemoUser(
        "koordinator@demo.kindred.no",
        "Kristian Koordinator",
        (("home", Role.COORDINATOR), ("allocation", Role.CLINICIAN)),
    ),
    DemoUser("gruppeleder@demo.kindred.no", "Gunn Gruppeleder", (("young", Role.GROUP_LEADER),)),
    DemoUser(
        "lavterskel@demo.kindred.no",
        "Live Lavterskel",
        (("young", Role.COORDINATOR), ("young", Role.ORG_ADMIN)),
    ),
    DemoUser("analytiker@demo.kindred.no", "Anders Analytiker", (("centre", Role.ANALYST),)),
    DemoUser("admin@demo.kindred.no", "Ola Organisasjonsadmin", (("unit", Role.ORG_ADMIN),)),
    DemoUser("helsesykepleier@demo.kindred.no", "Helle Helsesykepleier", (("school", Role.CLINICIAN),)),
    DemoUser("behandler@demo.kindred.dk", "Dorthe Behandler", (("dk", Role.CLINICIAN),), language="da"),
]


@transaction.atomic
def create_demo_data() -> dict[str, Organisation]:
    """Create (or bring up to date) the demo organisations and users; safe to run again."""
    orgs: dict[str, Organisation] = {}
    for key, name, kind, municipality, country, parent in ORGANISATIONS:
        orgs[key], _ = Organisation.objects.update_or_create(
            name=name,
            defaults={
                "kind": kind,
                "municipality_number": municipality,
                "country": country,
                "parent": orgs[parent] if parent else None,
            },
        )
    for demo in USERS:
        user = User.objects.filter(email=demo.email).first()
        if user is None:
            user = User.objects.create_user(demo.email, DEMO_PASSWORD, full_name=demo.full_name, language=demo.language)
        for org_key, role in demo.memberships:
            Membership.objects.get_or_create(user=user, organisation=orgs[org_key], role=role)
    return orgs
