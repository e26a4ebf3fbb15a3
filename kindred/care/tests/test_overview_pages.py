"""The overview pages run a fixed number of queries however many families there are (no N+1)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kindred.care import services
from kindred.people.services import PersonData

pytestmark = pytest.mark.django_db


def _families(world, n: int, start: int = 0) -> None:
    cora = world.actor(world.clinician)
    today = timezone.localdate()
    for i in range(start, start + n):
        episode = services.register_patient(
            cora,
            PersonData(given_name=f"P{i}", family_name="Familie", birth_year=1980),
            services.EpisodeData(kind="outpatient", started_on=today, child_contact_id=world.child_responsible.pk),
        )
        services.record_children_answer(
            cora,
            episode,
            children_answer="has",
            siblings_answer="none",
            source="patient",
            children=[
                services.ChildInput(person=PersonData(given_name=f"A{i}", birth_date=today - timedelta(days=2000))),
                services.ChildInput(person=PersonData(given_name=f"B{i}", birth_date=today - timedelta(days=4000))),
            ],
        )
        child = services.children_of(episode.patient).first()
        services.create_task(cora, episode, title="x", assignee_id=world.clinician.pk, due_on=today, child=child)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("persona", "url_name"),
    [
        ("child_responsible", "care:children"),
        ("clinician", "care:my_work"),
        ("clinician", "care:tasks"),
        ("child_responsible", "care:tasks"),
    ],
)
def test_overview_query_count_does_not_grow_with_families(world, persona, url_name):
    client = world.client_for(getattr(world, persona))
    url = reverse(url_name)
    _families(world, 2)
    few = _queries(client, url)
    _families(world, 6, start=2)
    many = _queries(client, url)
    assert few == many


def test_children_overview_lists_every_minor_child(world):
    _families(world, 3)
    page = world.client_for(world.child_responsible).get(reverse("care:children"))
    assert len(page.context["page"].object_list) == 6


def test_episode_page_query_count_does_not_grow_with_children(world):
    _families(world, 1)
    client = world.client_for(world.clinician)
    from kindred.care.models import Episode

    episode = Episode.objects.get()
    few = _queries(client, reverse("care:episode", args=[episode.pk]))
    cora = world.actor(world.clinician)
    today = timezone.localdate()
    services.record_children_answer(
        cora,
        episode,
        children_answer="has",
        siblings_answer="none",
        source="patient",
        children=[
            services.ChildInput(person=PersonData(given_name=f"C{i}", birth_date=today - timedelta(days=900)))
            for i in range(4)
        ],
    )
    many = _queries(client, reverse("care:episode", args=[episode.pk]))
    assert few == many


def _awaiting(world, n: int) -> None:
    """n of Cora's episodes without the children answer: Venter00 started today, Venter01 a day earlier, …"""
    cora = world.actor(world.clinician)
    today = timezone.localdate()
    for i in range(n):
        services.register_patient(
            cora,
            PersonData(given_name=f"Venter{i:02d}", family_name="Familie", birth_year=1980),
            services.EpisodeData(kind="outpatient", started_on=today - timedelta(days=i)),
        )


def test_the_first_page_shows_the_oldest_episodes_without_the_children_answer_and_how_many(world):
    _awaiting(world, 12)
    client = world.client_for(world.child_responsible)
    html = client.get(reverse("care:children")).content.decode()
    # The ten oldest (started 11 to 2 days ago), the count of all twelve and the way to the whole list.
    assert "Venter11" in html and "Venter02" in html
    assert "Venter01" not in html and "Venter00" not in html
    assert "De 10 eldste av 12 episoder." in html
    assert reverse("care:my_work") in html
    assert "0 oppgaver over fristen i enheten." in html
    # Deeper pages of the children list do not repeat the summaries.
    _families(world, 26)  # 52 children: two pages
    second = client.get(reverse("care:children") + "?page=2").content.decode()
    assert "Venter11" not in second
    assert "i enheten." not in second


def test_my_patients_lists_every_episode_awaiting_the_answer_a_page_at_a_time(world):
    _awaiting(world, 53)
    client = world.client_for(world.child_responsible)
    first = client.get(reverse("care:my_work")).content.decode()
    assert first.count("Venter") == 50 and "Venter52" in first and "Venter02" not in first  # oldest first
    assert "Side 1 av 2" in first
    second = client.get(reverse("care:my_work") + "?page=2").content.decode()
    assert second.count("Venter") == 3 and "Venter00" in second
