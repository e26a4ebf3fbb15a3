"""Person search (web page and API): by name prefixes or a national id, only within the access rule,
every shown person in the audit trail, never "everyone" for a short query."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kindred.audit.models import AccessLog
from kindred.care import services
from kindred.care.tests.factories import second_clinician
from kindred.people.models import Person
from kindred.people.services import PersonData, search_persons
from kindred.people.synthetic import first_valid_fnr
from kindred.people.views import SEARCH_PAGE_SIZE

pytestmark = pytest.mark.django_db

API = "/api/v1"
KARI_FNR = first_valid_fnr(date(1985, 3, 14))
CPR = "0101904000"  # a valid Danish CPR number (1 January 1990)


def _patient(actor, given: str, family: str, national_id: str = "", **episode) -> Person:
    episode = services.register_patient(
        actor,
        PersonData(
            given_name=given, family_name=family, national_id=national_id, birth_year=None if national_id else 1985
        ),
        services.EpisodeData(kind="outpatient", started_on=timezone.localdate(), **episode),
    )
    return episode.patient


@pytest.fixture(params=["checked one by one", "matched within the visible set"], autouse=True)
def search_path(request, monkeypatch):
    """Every test runs on both ways search_persons matches names (few matches in the country, or many)."""
    from kindred.people import services as people_services

    monkeypatch.setattr(people_services, "SEARCH_FEW", 200 if request.param == "checked one by one" else 0)
    return request.param


@pytest.fixture
def people(world):
    """Cora's patients, a child of one of them, another clinician's patient of the same unit, and a patient of
    another organisation who shares the name and national id prefix."""
    cora = world.actor(world.clinician)
    kari = _patient(cora, "Kari", "Nordmann", KARI_FNR)
    services.record_children_answer(
        cora,
        kari.episodes.get(),
        children_answer="has",
        siblings_answer="none",
        source="patient",
        children=[services.ChildInput(person=PersonData(given_name="Kim", family_name="Nordmann", birth_year=2015))],
    )
    kim = services.children_of(kari).get()
    karin = _patient(cora, "Karin", "Olsen")
    ola = _patient(cora, "Ola", "Normann")
    dane = _patient(cora, "Mette", "Østergaard", CPR)
    dan = second_clinician(world.unit)
    danslist = _patient(world.actor(dan), "Kari", "Nordby")
    elsewhere = _patient(world.actor(world.outsider), "Kari", "Nordstrand")
    return {
        "kari": kari,
        "kim": kim,
        "karin": karin,
        "ola": ola,
        "dane": dane,
        "dans": danslist,
        "elsewhere": elsewhere,
    }


def _found(actor, query: str) -> set[int]:
    return set(search_persons(actor, query).values_list("pk", flat=True))


# --- The matching rule (one implementation for the page and the API) ------------------------------------------


def test_a_name_prefix_matches_the_given_or_the_family_name(world, people):
    cora = world.actor(world.clinician)
    assert _found(cora, "kar") == {people["kari"].pk, people["karin"].pk}
    assert _found(cora, "Nordm") == {people["kari"].pk, people["kim"].pk}
    assert _found(cora, "nor") == {people["kari"].pk, people["kim"].pk, people["ola"].pk}
    assert _found(cora, "olsen") == {people["karin"].pk}


def test_every_word_must_match_the_start_of_a_name(world, people):
    cora = world.actor(world.clinician)
    assert _found(cora, "kari nor") == {people["kari"].pk}
    assert _found(cora, "nor  kari") == {people["kari"].pk}  # any order, extra spaces
    assert _found(cora, "kar ol") == {people["karin"].pk}
    assert _found(cora, "kari olsen") == {people["karin"].pk}  # "kari" is the start of "Karin"
    assert _found(cora, "kari normann") == set()
    assert _found(cora, "ari") == set()  # the middle of a name is not its start
    assert _found(cora, "mann") == set()


def test_the_case_does_not_matter(world, people):
    cora = world.actor(world.clinician)
    assert _found(cora, "KARI NORDMANN") == _found(cora, "kari nordmann") == {people["kari"].pk}
    assert _found(cora, "kArI nOrD") == {people["kari"].pk}
    assert _found(cora, "Øster") == {people["dane"].pk}


def test_no_match(world, people):
    cora = world.actor(world.clinician)
    assert _found(cora, "Zacharias") == set()
    assert _found(cora, "%%") == set()  # LIKE wildcards are literal
    assert _found(cora, "__") == set()


def test_a_norwegian_national_id_finds_exactly_that_person(world, people):
    cora = world.actor(world.clinician)
    assert _found(cora, KARI_FNR) == {people["kari"].pk}
    assert _found(cora, f"{KARI_FNR[:6]} {KARI_FNR[6:]}") == {people["kari"].pk}
    assert _found(cora, KARI_FNR[:6]) == set()  # a birth date alone is no national id and no name


def test_a_danish_cpr_number_with_or_without_the_hyphen(world, people):
    cora = world.actor(world.clinician)
    assert _found(cora, CPR) == {people["dane"].pk}
    assert _found(cora, f"{CPR[:6]}-{CPR[6:]}") == {people["dane"].pk}


def test_the_results_stay_within_the_access_rule(world, people):
    """Another clinician's patient of the unit and another organisation's patient are never found, not even
    by national id; the child-responsible staff see the whole unit but not the other organisation."""
    cora = world.actor(world.clinician)
    assert people["dans"].pk not in _found(cora, "kari")
    assert people["elsewhere"].pk not in _found(cora, "kari")
    assert _found(cora, "kari nordb") == set() and _found(cora, "kari nordst") == set()
    bo = world.actor(world.child_responsible)
    assert _found(bo, "kari") == {people["kari"].pk, people["karin"].pk, people["dans"].pk}
    otto = world.actor(world.outsider)
    assert _found(otto, "kari") == {people["elsewhere"].pk}
    assert _found(otto, KARI_FNR) == set()
    for persona in ("group_leader", "analyst", "admin"):
        assert _found(world.actor(getattr(world, persona)), "kari") == set()


def test_the_results_are_sorted_by_family_and_given_name(world, people):
    cora = world.actor(world.clinician)
    _patient(cora, "Anne", "Nordmann")
    names = [(p.family_name, p.given_name) for p in search_persons(cora, "nor")]
    assert names == [("Nordmann", "Anne"), ("Nordmann", "Kari"), ("Nordmann", "Kim"), ("Normann", "Ola")]


@pytest.mark.parametrize("query", ["", " ", "k", " k ", "5"])
def test_a_short_query_is_refused(world, people, query):
    with pytest.raises(ValidationError):
        search_persons(world.actor(world.clinician), query)


# --- The page --------------------------------------------------------------------------------------------------


def _page(client, **params):
    response = client.get(reverse("people:search"), params)
    assert response.status_code == 200
    return response.content.decode()


def _rows_since(before: int):
    return list(AccessLog.objects.filter(pk__gt=before).order_by("pk"))


def _last_log() -> int:
    return AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_the_page_lists_the_matches_and_audits_each_shown_person(world, people):
    client = world.client_for(world.clinician)
    before = _last_log()
    html = _page(client, q="kari nor")
    assert html.count('data-testid="search-row"') == 1
    assert reverse("people:person", args=[people["kari"].pk]) in html
    assert "Nordby" not in html and "Nordstrand" not in html
    rows = _rows_since(before)
    assert [(r.action, r.subject_id, r.object_type, r.user_id) for r in rows] == [
        ("view", people["kari"].pk, "people.person", world.clinician.pk)
    ]


def test_odd_input_is_no_error(world, people):
    client = world.client_for(world.clinician)
    assert 'data-testid="search-row"' in _page(client, q="kari\x00 nor")
    assert 'data-testid="no-results"' in _page(client, q="x" * 500)
    assert 'data-testid="no-results"' in _page(client, q="12345678901")  # digits, but no valid national id
    assert 'data-testid="search-row"' in _page(client, q="kari", page="999")  # the last page


def test_the_page_finds_by_national_id(world, people):
    client = world.client_for(world.clinician)
    html = _page(client, q=f"{CPR[:6]}-{CPR[6:]}")
    assert html.count('data-testid="search-row"') == 1 and "Østergaard" in html


def test_no_match_says_so_and_audits_nothing(world, people):
    client = world.client_for(world.clinician)
    before = _last_log()
    html = _page(client, q="Zacharias")
    assert 'data-testid="no-results"' in html and 'data-testid="search-row"' not in html
    assert _rows_since(before) == []


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "k"}, {"q": "  n  "}])
def test_a_short_or_missing_query_shows_a_hint_not_everyone(world, people, params):
    client = world.client_for(world.child_responsible)
    before = _last_log()
    html = _page(client, **params)
    assert 'data-testid="search-hint"' in html
    assert 'data-testid="search-row"' not in html and "Nordmann" not in html
    assert _rows_since(before) == []


def test_the_page_is_paginated(world):
    cora = world.actor(world.clinician)
    for n in range(SEARCH_PAGE_SIZE + 5):
        _patient(cora, f"Pasient{n:02d}", "Hansen")
    client = world.client_for(world.clinician)
    before = _last_log()
    html = _page(client, q="hansen")
    assert html.count('data-testid="search-row"') == SEARCH_PAGE_SIZE
    assert f'data-testid="search-count">{SEARCH_PAGE_SIZE + 5} ' in html
    assert "?q=hansen&amp;page=2" in html
    assert len(_rows_since(before)) == SEARCH_PAGE_SIZE
    before = _last_log()
    html = _page(client, q="hansen", page=2)
    assert html.count('data-testid="search-row"') == 5
    assert "Pasient29" in html and "Pasient00" not in html
    assert len(_rows_since(before)) == 5


@pytest.mark.parametrize("persona", ["analyst", "admin"])
def test_roles_without_personal_data_are_refused(world, persona):
    response = world.client_for(getattr(world, persona)).get(reverse("people:search"), {"q": "kari"})
    assert response.status_code == 403


def test_the_page_needs_a_login(client):
    response = client.get(reverse("people:search"), {"q": "kari"})
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_my_patients_links_to_the_search(world):
    html = world.client_for(world.clinician).get(reverse("care:my_work")).content.decode()
    assert 'data-testid="my-work-search"' in html and f'action="{reverse("people:search")}"' in html


# --- The API ---------------------------------------------------------------------------------------------------


def test_the_api_searches_with_q_and_audits_the_page(world, people):
    client = world.client_for(world.clinician)
    before = _last_log()
    body = client.get(API + "/persons", {"q": "kari nor"}).json()
    assert body["count"] == 1 and [p["id"] for p in body["items"]] == [people["kari"].pk]
    rows = _rows_since(before)
    assert [(r.action, r.subject_id, r.via) for r in rows] == [("view", people["kari"].pk, "api")]

    body = client.get(API + "/persons", {"q": f"{CPR[:6]}-{CPR[6:]}"}).json()
    assert [p["id"] for p in body["items"]] == [people["dane"].pk]
    body = client.get(API + "/persons", {"q": KARI_FNR}).json()
    assert [p["id"] for p in body["items"]] == [people["kari"].pk]
    body = client.get(API + "/persons", {"q": "nor", "limit": 2, "offset": 1}).json()
    assert body["count"] == 3 and len(body["items"]) == 2
    # The outsider finds only their own organisation's Kari.
    body = world.client_for(world.outsider).get(API + "/persons", {"q": "kari"}).json()
    assert [p["id"] for p in body["items"]] == [people["elsewhere"].pk]


def test_the_api_without_q_lists_everyone_visible_as_before(world, people):
    body = world.client_for(world.clinician).get(API + "/persons").json()
    assert body["count"] == 5  # Kari, Kim, Karin, Ola, Mette


def test_the_api_refuses_a_short_q(world, people):
    response = world.client_for(world.clinician).get(API + "/persons", {"q": "k"})
    assert response.status_code == 422
    assert "q" in response.json()["errors"]
    assert world.client_for(world.clinician).get(API + "/persons", {"q": "x" * 101}).status_code == 422
