"""The one sanctioned way rows leave the access log: `expire`, used by the access-log retention rule only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kindred.audit.models import ACCESS_LOG_MINIMUM_DAYS, AccessLog, AppendOnlyError
from kindred.audit.services import Action

pytestmark = pytest.mark.django_db


def row(days_old: int, organisation=None) -> AccessLog:
    return AccessLog.objects.create(
        at=timezone.now() - timedelta(days=days_old), organisation=organisation, action=Action.VIEW
    )


def test_expire_deletes_only_rows_of_the_queryset_older_than_the_limit(world):
    old, young, other = row(5000, world.unit), row(400, world.unit), row(5000, world.other)
    deleted = AccessLog.objects.filter(organisation=world.unit).expire(timezone.now() - timedelta(days=1000))
    assert deleted == 1
    assert set(AccessLog.objects.values_list("pk", flat=True)) == {young.pk, other.pk}
    assert old.pk not in set(AccessLog.objects.values_list("pk", flat=True))


def test_expire_refuses_to_delete_rows_younger_than_the_minimum(world):
    row(ACCESS_LOG_MINIMUM_DAYS - 1, world.unit)
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().expire(timezone.now() - timedelta(days=ACCESS_LOG_MINIMUM_DAYS - 2))
    assert AccessLog.objects.count() == 1


def test_the_ordinary_delete_and_update_still_refuse(world):
    row(5000, world.unit)
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.get().delete()
    assert AccessLog.objects.count() == 1
