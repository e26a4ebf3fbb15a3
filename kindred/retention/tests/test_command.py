"""manage.py apply_retention: the report per organisation and kind of record, --dry-run and --today."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from kindred.directory.models import SelfReferral
from kindred.retention.services import months_before
from kindred.retention.tests.helpers import self_referral

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("apply_retention", *args, stdout=out)
    return out.getvalue()


def test_dry_run_reports_per_organisation_and_kind_and_deletes_nothing(world):
    today = timezone.localdate()
    self_referral(world.unit, received=months_before(today, 13))
    output = run("--dry-run")
    assert (
        f"{world.unit.name} | self_referral | 12 months (built_in), older than {months_before(today, 12)} | 1 due"
        in output
    )
    assert f"{world.unit.name} | clinical | kept | 0 due" in output
    assert "(no organisation) | access_log" in output
    assert "nothing deleted (dry run)" in output
    assert SelfReferral.objects.count() == 1


def unit_line(output: str, world, record_type: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(f"{world.unit.name} | {record_type} |"))


def test_today_moves_the_cutoff(world):
    today = timezone.localdate()
    self_referral(world.unit, received=months_before(today, 6))
    assert unit_line(run("--dry-run"), world, "self_referral").endswith("| 0 due")
    ahead = today + timedelta(days=200)
    line = unit_line(run("--dry-run", "--today", ahead.isoformat()), world, "self_referral")
    assert line.endswith("| 1 due") and f"older than {months_before(ahead, 12).isoformat()}" in line


def test_a_real_run_deletes_and_says_so(world):
    self_referral(world.unit, received=months_before(timezone.localdate(), 13))
    output = run()
    assert "| self_referral |" in output and "1 due, 1 deleted" in output
    assert not SelfReferral.objects.exists()


@pytest.mark.parametrize("day", ["2026-13-01", "yesterday", "01.02.2026"])
def test_a_bad_day_is_refused(world, day):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--dry-run", "--today", day)


def test_a_real_run_for_a_future_day_is_refused(world):
    self_referral(world.unit, received=months_before(timezone.localdate(), 13))
    with pytest.raises(CommandError):
        run("--today", (timezone.localdate() + timedelta(days=1)).isoformat())
    assert SelfReferral.objects.count() == 1
