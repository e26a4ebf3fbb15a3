from __future__ import annotations

from datetime import date

from kindred.competence.models import Course
from kindred.orgs.models import Organisation


def centre() -> Organisation:
    return Organisation.objects.get_or_create(
        name="Regionalt kompetansesenter rus", defaults={"kind": Organisation.Kind.COMPETENCE_CENTRE}
    )[0]


def course(provider: Organisation | None = None, **fields) -> Course:
    defaults = {
        "kind": Course.Kind.COURSE,
        "title": "Barneansvarlig personell – grunnkurs",
        "starts_on": date(2024, 1, 10),
        "child_responsible_training": True,
        "valid_months": 36,
    }
    return Course.objects.create(provider=provider or centre(), **{**defaults, **fields})
