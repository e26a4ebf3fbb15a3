"""Bench helper that talks to Django directly; bench/run.py calls it with the bench database's environment.

    python bench/prepare.py status  --personas '{"clinician": "clinician@bench.kindred.no", ...}'
    python bench/prepare.py prepare --personas '{...}'

`status` says whether the schema exists and which persona users are missing (nothing is changed).
`prepare` issues one-day API tokens for the personas that the API scenarios use, picks the ids the scenarios
need (patients of the clinician's caseload and their children, patients for the FHIR read) and
describes the data (row counts, database version). It prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kindred.settings")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.db import connection  # noqa: E402

# Personas whose API token the API scenarios use.
TOKEN_ROLES = ("clinician", "barneansvarlig")
# How many distinct targets each rotating scenario gets (family pages, searches, sheets, FHIR reads).
PICK = 25
COUNTED = [
    ("persons", "people.Person"),
    ("relationships", "people.Relationship"),
    ("episodes", "care.Episode"),
    ("child_sheets", "care.ChildSheet"),
    ("organisations", "orgs.Organisation"),
    ("referrals", "referrals.Referral"),
    ("enrolments", "programs.Enrolment"),
    ("responses", "instruments.Response"),
    ("access_log", "audit.AccessLog"),
    ("users", "accounts.User"),
]


def status(personas: dict[str, str]) -> dict:
    if "accounts_user" not in connection.introspection.table_names():
        return {"migrated": False, "missing": sorted(personas)}
    from kindred.accounts.models import User

    found = set(User.objects.filter(email__in=list(personas.values()), is_active=True).values_list("email", flat=True))
    return {"migrated": True, "missing": sorted(role for role, email in personas.items() if email not in found)}


def _membership(user):
    """The persona's membership: one that sees personal data first, as the start page would pick."""
    from kindred.orgs.models import Capability, Membership

    memberships = list(Membership.objects.for_user(user).order_by("id"))
    for membership in memberships:
        if membership.can(Capability.VIEW_PERSONAL_DATA):
            return membership
    return memberships[0] if memberships else None


def _counts() -> dict[str, int | None]:
    counts: dict[str, int | None] = {}
    for name, label in COUNTED:
        try:
            counts[name] = apps.get_model(label).objects.count()
        except LookupError:
            counts[name] = None
    return counts


def _database() -> dict:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version()")
        else:
            cursor.execute("SELECT 'SQLite ' || sqlite_version()")
        version = cursor.fetchone()[0]
    return {"vendor": connection.vendor, "version": version, "name": str(connection.settings_dict["NAME"])}


def _caseload(actor) -> dict:
    """Open episodes of the clinician's caseload with children, and what the scenarios need from them."""
    from kindred.care.models import Episode
    from kindred.care.services import children_of
    from kindred.instruments.models import Response
    from kindred.people.access import visible_episodes

    episodes = (
        visible_episodes(actor)
        .exclude(status=Episode.Status.DISCHARGED)
        .select_related("patient")
        .order_by("id")[: PICK * 8]
    )
    patients, sheets = [], []
    for episode in episodes:
        children = list(children_of(episode.patient).values_list("id", flat=True)[:2])
        if children:
            patients.append(episode.patient)
            sheets.extend([episode.pk, child] for child in children)
        if len(patients) >= PICK and len(sheets) >= PICK:
            break
    patients = list({p.pk: p for p in patients}.values())[:PICK]
    patient_ids = [p.pk for p in patients]
    responses = list(
        Response.objects.filter(organisation=actor.organisation, person_id__in=patient_ids)
        .order_by("id")
        .values_list("id", flat=True)[:PICK]
    )
    if not responses:  # the patients' own responses first; otherwise any the clinician may see
        everyone = list(visible_episodes(actor).order_by("id").values_list("patient_id", flat=True)[:2000])
        responses = list(
            Response.objects.filter(organisation=actor.organisation, person_id__in=everyone)
            .order_by("id")
            .values_list("id", flat=True)[:PICK]
        )
    return {
        "family_ids": patient_ids,
        "sheet_targets": sheets[:PICK],
        "search_names": [p.family_name for p in patients if p.family_name],
        "search_full_names": [f"{p.given_name} {p.family_name}".strip() for p in patients if p.family_name],
        "search_ids": [p.national_id for p in patients if p.national_id],
        "response_ids": responses,
    }


def prepare(personas: dict[str, str]) -> dict:
    from kindred.accounts.models import User
    from kindred.orgs.actors import Actor
    from kindred.orgs.services import issue_api_token

    result: dict = {"database": _database(), "counts": _counts(), "personas": {}, "tokens": {}}
    actors = {}
    for role, email in personas.items():
        user = User.objects.filter(email=email, is_active=True).first()
        membership = _membership(user) if user else None
        if membership is None:
            result["personas"][role] = None
            continue
        organisation = membership.organisation
        actors[role] = Actor(user, membership, "bench", via="api")
        result["personas"][role] = {
            "email": email,
            "role": membership.role,
            "organisation": organisation.name,
            "organisation_id": organisation.pk,
            "country": getattr(organisation, "country", "") or "NO",
        }
    for role in TOKEN_ROLES:
        if role in actors:
            _token, plain = issue_api_token(actors[role], name="bench/run.py", days=1)
            result["tokens"][role] = plain
    result["caseload"] = _caseload(actors["clinician"]) if "clinician" in actors else {}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["status", "prepare"])
    parser.add_argument("--personas", required=True, help="JSON object: persona name → e-mail")
    args = parser.parse_args(argv)
    personas = json.loads(args.personas)
    output = status(personas) if args.command == "status" else prepare(personas)
    sys.stdout.write(json.dumps(output) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
