"""Demo retention rules: Fyrlykta keeps its self-referrals and programme data shorter than the defaults, and the
specialist unit has set the ten-year period from its archive plan (Norwegian clinical records are otherwise kept)."""

from __future__ import annotations

from kindred.orgs.models import Organisation
from kindred.retention.models import RecordType, RetentionRule

DEMO_RULES = [
    ("unit", RecordType.CLINICAL, 120),
    ("young", RecordType.SELF_REFERRAL, 6),
    ("young", RecordType.PROGRAMME, 36),
]


def create_retention_demo(orgs: dict[str, Organisation]) -> None:
    for key, record_type, months in DEMO_RULES:
        if key in orgs:
            RetentionRule.objects.get_or_create(
                organisation=orgs[key], record_type=record_type, defaults={"months": months}
            )
