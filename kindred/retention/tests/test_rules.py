"""Which rule applies: the organisation's own over the country's over the built-in default."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from kindred.orgs.models import Organisation
from kindred.retention.models import DEFAULT_MONTHS, RecordType, RetentionRule
from kindred.retention.services import Source, effective_rules, months_before
from kindred.retention.tests.helpers import rule

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 15), 1, date(2026, 2, 15)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2024, 2, 29), 12, date(2023, 2, 28)),
        (date(2026, 1, 15), 120, date(2016, 1, 15)),
        (date(2026, 1, 31), 13, date(2024, 12, 31)),
    ],
)
def test_months_before_counts_calendar_months(day, months, expected):
    assert months_before(day, months) == expected


def test_built_in_defaults_keep_norwegian_clinical_records_and_count_months_for_the_rest(world):
    rules = effective_rules(world.unit)  # a Norwegian unit
    assert rules[RecordType.CLINICAL].months is None and rules[RecordType.CLINICAL].keeps
    assert {t: r.months for t, r in rules.items() if t != RecordType.CLINICAL} == {
        RecordType.PROGRAMME: 60,
        RecordType.SELF_REFERRAL: 12,
        RecordType.ANONYMOUS: 60,
        RecordType.ACCESS_LOG: 120,
    }
    assert {r.source for r in rules.values()} == {Source.BUILT_IN}


def test_danish_clinical_records_are_kept_ten_years_by_default(world):
    danish = Organisation.objects.create(name="Familieteamet", kind="municipal_service", country="DK")
    assert effective_rules(danish)[RecordType.CLINICAL].months == 120


def test_records_without_an_organisation_follow_the_built_in_default(db):
    assert {t: r.months for t, r in effective_rules(None).items()} == DEFAULT_MONTHS


def test_country_rule_overrides_the_built_in_default(world):
    RetentionRule.objects.create(country="NO", record_type=RecordType.SELF_REFERRAL, months=6)
    chosen = effective_rules(world.unit)[RecordType.SELF_REFERRAL]
    assert (chosen.months, chosen.source) == (6, Source.COUNTRY)


def test_organisation_rule_overrides_the_country_rule_and_only_for_that_organisation(world):
    RetentionRule.objects.create(country="NO", record_type=RecordType.SELF_REFERRAL, months=6)
    rule(world.unit, RecordType.SELF_REFERRAL, 3)
    mine, theirs = effective_rules(world.unit), effective_rules(world.other)
    assert (mine[RecordType.SELF_REFERRAL].months, mine[RecordType.SELF_REFERRAL].source) == (3, Source.ORGANISATION)
    assert (theirs[RecordType.SELF_REFERRAL].months, theirs[RecordType.SELF_REFERRAL].source) == (6, Source.COUNTRY)


def test_an_organisation_rule_of_keep_overrides_a_period(world):
    RetentionRule.objects.create(country="NO", record_type=RecordType.ANONYMOUS, months=24)
    rule(world.unit, RecordType.ANONYMOUS, None)
    chosen = effective_rules(world.unit)[RecordType.ANONYMOUS]
    assert chosen.keeps and chosen.source == Source.ORGANISATION


def test_a_danish_country_rule_does_not_touch_norwegian_organisations(world):
    RetentionRule.objects.create(country="DK", record_type=RecordType.PROGRAMME, months=12)
    assert effective_rules(world.unit)[RecordType.PROGRAMME].months == 60


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"record_type": RecordType.CLINICAL, "months": 119}, "months"),
        ({"record_type": RecordType.ACCESS_LOG, "months": 23}, "months"),
        ({"record_type": RecordType.ANONYMOUS, "months": 1201}, "months"),
        ({"record_type": RecordType.ANONYMOUS, "months": 12, "country": "NO"}, "__all__"),
    ],
)
def test_rules_below_the_minimum_or_for_both_an_organisation_and_a_country_are_refused(world, fields, field):
    with pytest.raises(ValidationError) as caught:
        RetentionRule(organisation=world.unit, **fields).clean()
    assert field in caught.value.message_dict


def test_the_minimum_itself_is_allowed(world):
    RetentionRule(organisation=world.unit, record_type=RecordType.CLINICAL, months=120).clean()
    RetentionRule(organisation=world.unit, record_type=RecordType.ACCESS_LOG, months=24).clean()


def test_the_demo_rules_are_created_once(world):
    from kindred.retention.demo import create_retention_demo

    orgs = {"unit": world.unit, "young": world.other}
    create_retention_demo(orgs)
    create_retention_demo(orgs)
    assert effective_rules(world.unit)[RecordType.CLINICAL].months == 120
    assert effective_rules(world.other)[RecordType.SELF_REFERRAL].months == 6
    assert RetentionRule.objects.count() == 3
