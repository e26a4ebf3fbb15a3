"""A process keeps the public self-tests' instruments for a while, and forgets them when an instrument changes."""

import time

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from kindred.instruments import services
from kindred.instruments.models import Instrument

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(settings):
    settings.PUBLIC_INSTRUMENT_CACHE_SECONDS = 60
    services.forget_public_instruments()
    yield
    services.forget_public_instruments()


def queries(call) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as ctx:
        result = call()
    return result, len(ctx.captured_queries)


def test_the_second_answer_needs_no_query(kept):
    first, n = queries(lambda: services.public_instrument("audit"))
    assert n >= 1
    again, n = queries(lambda: services.public_instrument("audit"))
    assert (again, n) == (first, 0)


def test_a_saved_instrument_is_fetched_again(kept):
    audit = services.public_instrument("audit")
    audit.active = False
    audit.save(update_fields=["active"])
    with pytest.raises(Http404):
        services.public_instrument("audit")
    # A 404 is not kept: active again, found again.
    audit.active = True
    audit.save(update_fields=["active"])
    assert services.public_instrument("audit") == audit


def test_a_deleted_instrument_is_forgotten(kept):
    audit = services.public_instrument("audit")
    Instrument.objects.filter(pk=audit.pk).update(active=False)  # no signal: this process still has it
    assert services.public_instrument("audit") == audit
    old_pk = audit.pk
    audit.delete()
    # The shipped definition comes back as a new row (sync_builtin_instruments), not the deleted one.
    assert services.public_instrument("audit").pk != old_pk


def test_other_processes_follow_within_the_setting(kept, monkeypatch):
    audit = services.public_instrument("audit")
    Instrument.objects.filter(pk=audit.pk).update(active=False)  # as another process would
    later = time.monotonic() + 61
    monkeypatch.setattr(services.time, "monotonic", lambda: later)
    with pytest.raises(Http404):
        services.public_instrument("audit")


def test_with_zero_seconds_every_answer_asks_the_database(settings):
    settings.PUBLIC_INSTRUMENT_CACHE_SECONDS = 0
    services.public_instrument("audit")
    _instrument, n = queries(lambda: services.public_instrument("audit"))
    assert n >= 1
