"""Items handed out with information to a child: recorded through the care use case in one transaction,
audited, offered by the child's age band, and counted in the statistics (GROUP BY in the database)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kindred.audit.models import AccessLog
from kindred.care.models import InformationGiven
from kindred.care.tests.factories import patient_with_children
from kindred.library import services, stats
from kindred.library.models import Audience, Handout, Item
from kindred.library.tests.factories import item
from kindred.reports import kpis
from kindred.reports.scopes import Period

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(world):
    episode, (ella, tor) = patient_with_children(world.actor(world.clinician), children=[("Ella", 9), ("Tor", 15)])
    return episode, ella, tor


@pytest.fixture
def shelf(world):
    return {
        "leaflet": item("Til deg som er 6–12", audiences=[Audience.CHILDREN_6_12]),
        "film": item("Film for ungdom", kind=Item.Kind.FILM, audiences=[Audience.CHILDREN_13_17]),
        "both": item("For barn og foreldre", kind=Item.Kind.BOOK, audiences=[Audience.CHILDREN_6_12, Audience.PARENTS]),
        "foreign": item("Annen enhets", public=False, organisation=world.other),
    }


def give(world, episode, child, items, *, user=None, given_on=None):
    return services.record_information(
        world.actor(user or world.child_responsible),
        episode,
        child,
        given_on=given_on or timezone.localdate(),
        form=InformationGiven.Form.LEAFLET,
        present="Ella og mor",
        items=items,
    )


def test_items_handed_out_are_recorded_with_the_information_and_audited(world, family, shelf):
    episode, ella, _tor = family
    information = give(world, episode, ella, [shelf["leaflet"], shelf["both"], shelf["leaflet"]])
    handouts = Handout.objects.filter(information_given=information)
    assert {h.item_id for h in handouts} == {shelf["leaflet"].pk, shelf["both"].pk}
    assert all(h.handed_out_by == world.child_responsible for h in handouts)
    rows = AccessLog.objects.filter(object_type="library.handout", action=AccessLog.Action.CREATE)
    assert rows.count() == 2
    assert {row.subject_id for row in rows} == {ella.pk}
    assert AccessLog.objects.filter(object_type="care.informationgiven", subject=ella).count() == 1


def test_an_item_the_organisation_may_not_hand_out_refuses_the_whole_record(world, family, shelf):
    episode, ella, _tor = family
    with pytest.raises(ValidationError) as caught:
        give(world, episode, ella, [shelf["leaflet"], shelf["foreign"]])
    assert "items" in caught.value.message_dict
    assert not InformationGiven.objects.exists()
    assert not Handout.objects.exists()


def test_a_role_that_may_not_edit_cases_hands_out_nothing(world, family, shelf):
    episode, ella, _tor = family
    with pytest.raises(PermissionError):
        give(world, episode, ella, [shelf["leaflet"]], user=world.analyst)
    assert not Handout.objects.exists()


def test_the_form_offers_the_items_for_the_childs_age_band(world, family, shelf):
    episode, ella, tor = family
    client = world.client_for(world.child_responsible)
    nine = client.get(reverse("care:information", args=[episode.pk, ella.pk]))
    offered = {i.title for i in nine.context["form"].fields["items"].queryset}
    assert offered == {"Til deg som er 6–12", "For barn og foreldre"}
    fifteen = client.get(reverse("care:information", args=[episode.pk, tor.pk]))
    assert {i.title for i in fifteen.context["form"].fields["items"].queryset} == {"Film for ungdom"}


def test_the_care_page_records_the_items_handed_out(world, family, shelf):
    episode, ella, _tor = family
    client = world.client_for(world.child_responsible)
    response = client.post(
        reverse("care:information", args=[episode.pk, ella.pk]),
        {"given_on": timezone.localdate().isoformat(), "form": "leaflet", "items": [shelf["leaflet"].pk]},
    )
    assert response.status_code == 302
    assert Handout.objects.get().item == shelf["leaflet"]


def test_the_care_page_refuses_an_item_not_offered_and_stores_nothing(world, family, shelf):
    episode, ella, _tor = family
    client = world.client_for(world.child_responsible)
    for bad in (shelf["film"].pk, shelf["foreign"].pk, "x", 10**12):
        response = client.post(
            reverse("care:information", args=[episode.pk, ella.pk]),
            {"given_on": timezone.localdate().isoformat(), "form": "leaflet", "items": [bad]},
        )
        assert response.status_code == 200
        assert response.context["form"].errors["items"]
    assert not InformationGiven.objects.exists()


# --- Statistics ---------------------------------------------------------------------------------------

JANUARY = Period(date(2026, 1, 1), date(2026, 1, 31))


@pytest.fixture
def handed_out(world, family, shelf):
    episode, ella, tor = family
    january = date(2026, 1, 15)
    give(world, episode, ella, [shelf["leaflet"], shelf["both"]], given_on=january)
    give(world, episode, ella, [shelf["leaflet"]], given_on=january + timedelta(days=3))
    give(world, episode, tor, [shelf["film"]], given_on=january)
    give(world, episode, tor, [shelf["film"]], given_on=date(2026, 2, 2))  # outside the period
    # Another organisation's handout is not counted for the unit.
    other_episode, (kim,) = patient_with_children(world.actor(world.outsider), children=[("Kim", 9)])
    give(world, other_episode, kim, [shelf["leaflet"]], user=world.outsider, given_on=january)
    return shelf


def test_handouts_are_counted_per_item_in_the_scope_and_period(world, handed_out):
    rows = {r["item__title"]: r["n"] for r in stats.handouts_by_item([world.unit.pk], JANUARY)}
    assert rows == {"Til deg som er 6–12": 2, "For barn og foreldre": 1, "Film for ungdom": 1}
    everywhere = {r["item__title"]: r["n"] for r in stats.handouts_by_item(None, JANUARY)}
    assert everywhere["Til deg som er 6–12"] == 3


def test_handouts_are_counted_per_audience(world, handed_out):
    rows = {r["audience"]: r["n"] for r in stats.handouts_by_audience([world.unit.pk], JANUARY)}
    assert rows == {Audience.CHILDREN_6_12: 3, Audience.PARENTS: 1, Audience.CHILDREN_13_17: 1}


def test_the_key_figure_counts_handouts_per_organisation_and_kind(world, handed_out):
    metric = kpis.get_metric("library_handouts")
    rows = {(r["org"], r["category"]): r["n"] for r in metric.query([world.unit.pk, world.other.pk], JANUARY)}
    assert rows == {
        (world.unit.pk, Item.Kind.LEAFLET): 2,
        (world.unit.pk, Item.Kind.BOOK): 1,
        (world.unit.pk, Item.Kind.FILM): 1,
        (world.other.pk, Item.Kind.LEAFLET): 1,
    }


def test_statistics_are_one_query(world, handed_out, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(stats.handouts_by_item([world.unit.pk], JANUARY))
    with django_assert_num_queries(1):
        list(stats.handouts_by_audience([world.unit.pk], JANUARY))


def test_the_statistics_dashboard_shows_the_handouts(world, handed_out, settings):
    settings.LANGUAGE_CODE = "en"
    settings.STATS_SUPPRESSION_THRESHOLD = 1  # these small test numbers are not hidden
    response = world.client_for(world.analyst).get(
        reverse("reports:dashboard"), {"from_month": "2026-01", "to_month": "2026-01"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    figures = {i.metric.key: i for s in response.context["sections"] for i in s.figures}
    table = figures["library_handouts"].table
    assert table.total == 4
    assert table.column_totals == (2, 1, 1, 0)  # leaflets, films, books, web pages
    assert "Information material handed out" in response.content.decode()
