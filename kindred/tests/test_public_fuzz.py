"""Hostile input against the public pages anyone can reach without logging in: the self-tests, the
self-referral form and the help directory's search.

Very long strings, NUL and control characters, bytes that are not UTF-8, HTML and JavaScript, SQL fragments,
huge numbers, repeated and missing fields. The properties: never a server error, nothing stored when the input
is refused (row counts unchanged), and nothing echoed unescaped (the injected markup never comes back raw).
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kindred.directory.forms import SelfReferralForm
from kindred.directory.models import SelfReferral
from kindred.instruments import services as instruments
from kindred.instruments.forms import ItemsForm, SelfTestOptionsForm
from kindred.instruments.models import Response
from kindred.orgs.models import Organisation
from kindred.programs.tests.factories import municipality, offer

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
INJECTED = (SCRIPT.encode(), b"<img src=x onerror=alert(2)>")
HOSTILE = [
    SCRIPT,
    IMG,
    "' OR '1'='1",
    "1; DROP TABLE directory_selfreferral; --",
    "a\x00b",
    "\x00",
    "\x1b[2J\x07",
    "\u202e\ufeff\u200b",
    "9" * 400,
    "-99999999999999999999",
    "1e999",
    "NaN",
    "x" * 20_000,
    "",
    "  ",
    "on",
    "true",
    "0",
]
VALUES = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300), st.integers().map(str))
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def posts(draw, names: list[str]) -> MultiValueDict:
    """A form post: each field missing, given once, or given several times, with hostile values."""
    data = MultiValueDict()
    for name in names:
        values = draw(st.lists(VALUES, max_size=2))
        if values:
            data.setlist(name, values)
    return data


def _assert_safe(response, where: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code}"
    for marker in INJECTED:
        assert marker not in response.content, f"{where}: {marker!r} echoed unescaped"


@pytest.fixture
def help_offer(db):
    unit = Organisation.objects.create(
        name="Fyrlykta", kind=Organisation.Kind.LOW_THRESHOLD, municipality_number="1103"
    )
    return offer(unit, municipalities=[municipality()], youth_intake=True, name="Samtaler for unge")


def test_self_referral_refuses_hostile_input_without_storing_it(help_offer):
    url = reverse("directory:self_refer", args=[help_offer.pk])
    names = list(SelfReferralForm(offer=help_offer).fields)
    client = Client()

    @SETTINGS
    @given(posts(names))
    def check(data):
        cache.clear()  # the rate limit would otherwise answer for the form after a few posts
        before = SelfReferral.objects.count()
        response = client.post(url, data)
        _assert_safe(response, f"POST {url} {dict(data.lists())!r:.300}")
        if response.status_code != 302:  # refused: the form again, with its errors
            assert SelfReferral.objects.count() == before, "a refused self-referral was stored"

    check()


@pytest.mark.parametrize("key", ["relatives_self_check", "audit_c"])
def test_self_test_refuses_hostile_input_without_storing_it(key):
    instrument = instruments.public_instrument(key)
    definition = instrument.parsed()
    names = [*ItemsForm(definition=definition, language="nb").fields, *SelfTestOptionsForm(ask_sex=True).fields]
    url = reverse("selftest:take", args=[key])
    client = Client()

    @SETTINGS
    @given(posts(names))
    def check(data):
        cache.clear()
        before = Response.objects.count()
        response = client.post(url, data)
        _assert_safe(response, f"POST {url} {dict(data.lists())!r:.300}")
        if "instruments/selftest_result.html" not in [t.name for t in response.templates]:
            assert Response.objects.count() == before, "a refused self-test answer was stored"

    check()


@SETTINGS
@given(
    st.dictionaries(st.sampled_from(["municipality", "audience", "age", "q", "country", "page"]), VALUES, max_size=5)
)
def test_directory_search_answers_hostile_queries(query):
    response = Client().get(reverse("directory:search"), query)
    _assert_safe(response, f"GET /help/ {query!r:.300}")


@pytest.mark.parametrize(
    "body",
    [
        b"help_wanted=%FF%FE%FD&age=17&consent=on",  # percent-encoded bytes that are not UTF-8
        b"help_wanted=\xff\xfe\xc0\xaf&age=\xff",  # raw bytes that are not UTF-8
        b"help_wanted=" + b"A" * 200_000 + b"&age=" + b"9" * 5_000,  # very long values
        b"help_wanted=%00%00&age=%00&relation=%00",  # NULs
        b"\xff\xff\xff",  # not even a form
        b"",  # nothing at all
    ],
)
def test_broken_encodings_are_refused_not_crashed(help_offer, body):
    client = Client()
    targets = [
        reverse("directory:self_refer", args=[help_offer.pk]),
        reverse("selftest:take", args=["relatives_self_check"]),
    ]
    for url in targets:
        counts = SelfReferral.objects.count(), Response.objects.count()
        response = client.generic("POST", url, body, content_type="application/x-www-form-urlencoded")
        _assert_safe(response, f"POST {url} {body[:60]!r}")
        assert (SelfReferral.objects.count(), Response.objects.count()) == counts, f"{url} stored broken input"
    for query in ("municipality=%FF%FE&age=%C0%AF", "age=" + "9" * 5000, "q=%00", "audience=%3Cscript%3E"):
        _assert_safe(client.get(f"{reverse('directory:search')}?{query}"), f"GET /help/?{query[:60]}")
        _assert_safe(client.get(f"{reverse('selftest:list')}?{query}"), f"GET /self-test/?{query[:60]}")
