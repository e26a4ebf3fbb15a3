"""Public browsing of the information library: filters by audience, age (its band), language and topic; only
public items for visitors; what staff may hand out; bad filters answered with a message, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kindred.library import services
from kindred.library.models import Audience, Item, Language, Topic, age_band
from kindred.library.tests.factories import item
from kindred.networks.models import Network, NetworkMembership, SharedItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf():
    return {
        "small": item("Bildebok", kind=Item.Kind.BOOK, audiences=[Audience.CHILDREN_0_5]),
        "nine": item("Til deg som er 6–12", audiences=[Audience.CHILDREN_6_12], languages=[Language.NB, Language.EN]),
        "danish": item("Pjece til børn", audiences=[Audience.CHILDREN_6_12], languages=[Language.DA]),
        "teen": item("Film for ungdom", kind=Item.Kind.FILM, audiences=[Audience.CHILDREN_13_17]),
        "partners": item("Til partnere", audiences=[Audience.PARTNERS], topics=[Topic.GAMBLING]),
        "hidden": item("Intern", audiences=[Audience.CHILDREN_6_12], public=False),
    }


def titles(response) -> set[str]:
    return {i.title for i in response.context["page"].object_list}


def browse(client: Client, **query) -> set[str]:
    response = client.get(reverse("library:browse"), query)
    assert response.status_code == 200
    return titles(response)


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (0, Audience.CHILDREN_0_5),
        (5, Audience.CHILDREN_0_5),
        (6, Audience.CHILDREN_6_12),
        (9, Audience.CHILDREN_6_12),
        (12, Audience.CHILDREN_6_12),
        (13, Audience.CHILDREN_13_17),
        (17, Audience.CHILDREN_13_17),
        (18, Audience.YOUNG_ADULTS),
        (25, Audience.YOUNG_ADULTS),
        (26, None),
    ],
)
def test_an_age_picks_its_band(age, band):
    assert age_band(age) == band


def test_without_filters_every_public_item_is_shown(shelf):
    assert browse(Client()) == {"Bildebok", "Til deg som er 6–12", "Pjece til børn", "Film for ungdom", "Til partnere"}


def test_filter_by_audience(shelf):
    assert browse(Client(), audience=Audience.PARTNERS) == {"Til partnere"}
    assert browse(Client(), audience=Audience.CHILDREN_0_5) == {"Bildebok"}


def test_filter_by_age_finds_the_leaflets_for_a_nine_year_old(shelf):
    assert browse(Client(), age=9) == {"Til deg som er 6–12", "Pjece til børn"}
    assert browse(Client(), age=15) == {"Film for ungdom"}


def test_filter_by_language(shelf):
    assert browse(Client(), language=Language.DA) == {"Pjece til børn"}
    assert browse(Client(), age=9, language=Language.EN) == {"Til deg som er 6–12"}


def test_filter_by_topic(shelf):
    assert browse(Client(), topic=Topic.GAMBLING) == {"Til partnere"}


def test_an_item_for_several_audiences_is_listed_once(shelf):
    item("Til alle barn", audiences=[Audience.CHILDREN_0_5, Audience.CHILDREN_6_12, Audience.CHILDREN_13_17])
    response = Client().get(reverse("library:browse"))
    listed = [i.title for i in response.context["page"].object_list]
    assert listed.count("Til alle barn") == 1


@pytest.mark.parametrize(
    "query",
    [{"age": "ni"}, {"age": "-1"}, {"age": "200"}, {"audience": "aliens"}, {"language": "xx"}, {"topic": "x"}],
)
def test_bad_filters_get_a_message_and_no_results(shelf, query):
    response = Client().get(reverse("library:browse"), query)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert b'data-testid="error-summary"' in response.content
    assert titles(response) == set()


def test_a_hidden_item_is_not_found_by_visitors(shelf):
    assert Client().get(reverse("library:item", args=[shelf["hidden"].pk])).status_code == 404
    assert Client().get(reverse("library:item", args=[shelf["nine"].pk])).status_code == 200


def test_staff_see_their_own_and_their_networks_items_but_not_other_organisations(world, shelf):
    own = item("Vår egen", public=False, organisation=world.unit)
    foreign = item("Deres egen", public=False, organisation=world.other)
    shared = item("Delt med oss", public=False, organisation=world.other)
    client = world.client_for(world.clinician)
    seen = browse(client, age=9)
    assert "Vår egen" in seen and "Deres egen" not in seen and "Delt med oss" not in seen

    network = Network.objects.create(name="Nettverk", kind=Network.Kind.PROFESSIONAL_NETWORK)
    for organisation in (world.unit, world.other):
        NetworkMembership.objects.create(network=network, organisation=organisation, joined_on="2025-01-01")
    SharedItem.objects.create(network=network, item=shared, shared_by=world.other)
    seen = browse(client, age=9)
    assert "Delt med oss" in seen and "Deres egen" not in seen
    assert client.get(reverse("library:item", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("library:item", args=[own.pk])).status_code == 200
    assert Client().get(reverse("library:item", args=[own.pk])).status_code == 404


@pytest.mark.parametrize("language", ["nb", "da", "en"])
def test_the_library_renders_in_each_language(shelf, language):
    response = Client().get(reverse("library:browse"), {"age": 9}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == language


def test_search_is_done_in_a_fixed_number_of_queries(shelf, django_assert_max_num_queries):
    for n in range(20):
        item(f"Ekstra {n}", audiences=[Audience.CHILDREN_6_12, Audience.PARENTS], languages=[Language.NB])
    with django_assert_max_num_queries(6):
        items = list(services.search(services.public_items(), age=9))
        for i in items:
            assert i.audience_values and i.language_values
    assert len(items) == 22
