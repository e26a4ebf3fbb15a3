"""The information library in a real Chromium: a child-responsible finds a leaflet for a 9-year-old, opens it,
and records it as handed out when she records the information given to the child. Axe checks every page."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kindred.care.models import InformationGiven
from kindred.care.tests.factories import patient_with_children
from kindred.library.models import Audience, Handout, Item, Language
from kindred.library.tests.factories import item
from kindred.tests.browser.helpers import log_in, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEAFLET = "Når mor eller far drikker – til deg som er 6–12 år"


def _no_violations(page) -> None:
    assert serious_accessibility_violations(page) == [], page.url


def test_a_child_responsible_finds_a_leaflet_for_a_nine_year_old_and_records_it_as_given(world, page):
    leaflet = item(LEAFLET, audiences=[Audience.CHILDREN_6_12], languages=[Language.NB, Language.EN])
    item("Film for ungdom", kind=Item.Kind.FILM, audiences=[Audience.CHILDREN_13_17])
    item("Bildebok", kind=Item.Kind.BOOK, audiences=[Audience.CHILDREN_0_5])
    episode, (ella,) = patient_with_children(world.actor(world.clinician), children=[("Ella", 9)])

    # The open library, without logging in.
    page.goto("/info/")
    _no_violations(page)
    expect(page.get_by_test_id("item")).to_have_count(3)

    log_in(page, "bo@example.no")
    page.goto("/info/")
    page.fill("input[name=age]", "9")
    page.get_by_test_id("library-filters").locator("button[type=submit]").click()
    page.wait_for_url("**/info/?*")
    items = page.get_by_test_id("item")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text(LEAFLET)
    _no_violations(page)
    items.first.get_by_role("link", name=LEAFLET).click()
    page.wait_for_url(f"**/info/{leaflet.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(LEAFLET)
    _no_violations(page)

    # Record the talk with Ella and the leaflet handed out.
    page.goto(f"/care/episodes/{episode.pk}/")
    page.locator(f"a[href$='/children/{ella.pk}/information/']").click()
    page.wait_for_url(f"**/children/{ella.pk}/information/")
    _no_violations(page)
    expect(page.get_by_label(LEAFLET, exact=False)).to_have_count(1)
    expect(page.get_by_text("Film for ungdom")).to_have_count(0)
    page.fill("#id_given_on", timezone.localdate().isoformat())
    page.select_option("#id_form", "leaflet")
    page.get_by_label(LEAFLET, exact=False).check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/care/episodes/{episode.pk}/")

    information = InformationGiven.objects.get(child=ella)
    assert information.form == InformationGiven.Form.LEAFLET
    assert [h.item for h in Handout.objects.filter(information_given=information)] == [leaflet]


def test_an_organisation_admin_shares_a_leaflet_with_a_network(world, page):
    from kindred.networks.models import SharedItem
    from kindred.networks.tests.factories import network

    net = network(world.unit, world.other)
    own = item("Vår egen brosjyre", public=False, organisation=world.unit)
    log_in(page, "ada@example.no")
    page.goto("/networks/")
    _no_violations(page)
    page.get_by_role("link", name=net.name).click()
    page.wait_for_url(f"**/networks/{net.pk}/")
    _no_violations(page)
    page.select_option("#id_item", str(own.pk))
    page.get_by_test_id("share-item-form").locator("button[type=submit]").click()
    page.wait_for_url(f"**/networks/{net.pk}/")
    expect(page.get_by_test_id("shared-item")).to_have_count(1)
    _no_violations(page)
    assert SharedItem.objects.get().item == own
