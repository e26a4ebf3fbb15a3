"""A form sent twice (double click, reload, back button) runs its use case once: kindred/security.py."""

from __future__ import annotations

import pathlib
import re
import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from kindred.care.models import Task
from kindred.care.tests.factories import patient_with_children, today
from kindred.directory.models import SelfReferral
from kindred.programs.tests import factories
from kindred.security import FIELD, SubmissionTokenMiddleware, _cache_key

pytestmark = pytest.mark.django_db

TEMPLATES = pathlib.Path(__file__).resolve().parent.parent
# Forms whose effect lives in the browser's session or cookie: a copy sent while the first answer is lost
# (a double click aborts the first request) must run again, or the browser would never get that cookie.
SESSION_FORMS = {
    "templates/base.html",  # organisation switch, language, log out
    "accounts/templates/accounts/login.html",
    "accounts/templates/accounts/two_factor_verify.html",
    "accounts/templates/accounts/two_factor_setup.html",
}


def _token_of(response) -> str:
    found = re.search(rf'name="{FIELD}" value="([^"]+)"', response.content.decode())
    assert found, "the form has no submission token"
    return found.group(1)


@pytest.fixture
def episode(world):
    episode, _children = patient_with_children(world.actor(world.clinician))
    return episode


def _task_form(world, token: str | None) -> dict:
    data = {"title": "Ring skolen", "assignee": str(world.clinician.pk), "due_on": today().isoformat(), "child": ""}
    if token is not None:
        data[FIELD] = token
    return data


def test_every_post_form_carries_a_submission_token():
    missing = []
    for path in sorted(TEMPLATES.glob("**/templates/**/*.html")):
        name = str(path.relative_to(TEMPLATES))
        text = path.read_text()
        if name in SESSION_FORMS or "{% csrf_token %}" not in text:
            continue
        if text.count("{% csrf_token %}") != text.count("{% csrf_token %}{% submission_token %}"):
            missing.append(name)
    assert missing == []


def test_a_form_sent_twice_creates_one_task_and_the_copy_goes_where_the_first_went(world, episode):
    client = world.client_for(world.clinician)
    client.cookies["django_language"] = "en"
    url = reverse("care:new_task", args=[episode.pk])
    token = _token_of(client.get(url))
    before = Task.objects.count()

    first = client.post(url, _task_form(world, token))
    second = client.post(url, _task_form(world, token), follow=True)

    assert first.status_code == 302 and first.url == reverse("care:episode", args=[episode.pk])
    assert second.redirect_chain == [(first.url, 303)]
    assert Task.objects.count() == before + 1
    assert "This form had already been sent." in second.content.decode()


def test_a_new_token_is_a_new_submission(world, episode):
    client = world.client_for(world.clinician)
    url = reverse("care:new_task", args=[episode.pk])
    before = Task.objects.count()
    client.post(url, _task_form(world, _token_of(client.get(url))))
    client.post(url, _task_form(world, _token_of(client.get(url))))
    assert Task.objects.count() == before + 2


def test_posts_without_a_token_work_as_before(world, episode):
    client = world.client_for(world.clinician)
    url = reverse("care:new_task", args=[episode.pk])
    before = Task.objects.count()
    assert client.post(url, _task_form(world, None)).status_code == 302
    assert client.post(url, _task_form(world, "not a token!")).status_code == 302
    assert Task.objects.count() == before + 2


def test_a_refused_form_releases_its_token_so_the_corrected_form_is_saved(world, episode):
    client = world.client_for(world.clinician)
    url = reverse("care:new_task", args=[episode.pk])
    token = _token_of(client.get(url))
    before = Task.objects.count()
    refused = client.post(url, {**_task_form(world, token), "title": ""})
    assert refused.status_code == 200 and Task.objects.count() == before
    assert client.post(url, _task_form(world, token)).status_code == 302
    assert Task.objects.count() == before + 1


def test_someone_elses_token_is_not_a_shortcut_to_their_result(world, episode):
    clinician = world.client_for(world.clinician)
    url = reverse("care:new_task", args=[episode.pk])
    token = _token_of(clinician.get(url))
    clinician.post(url, _task_form(world, token))
    # Another user sending the same token is treated as a new submission, with their own access rules.
    other = world.client_for(world.outsider)
    assert other.post(url, _task_form(world, token)).status_code == 404


def test_the_cache_holds_a_hash_of_the_token_not_the_token(world, episode):
    client = world.client_for(world.clinician)
    url = reverse("care:new_task", args=[episode.pk])
    token = _token_of(client.get(url))
    client.post(url, _task_form(world, token))
    stored = cache.get(_cache_key(token))
    assert stored == {"owner": f"user:{world.clinician.pk}", "url": reverse("care:episode", args=[episode.pk])}
    assert token not in _cache_key(token)


def test_a_public_self_referral_sent_twice_is_stored_once(world):
    offer = factories.offer(world.unit, municipalities=[factories.municipality()], youth_intake=True)
    client = Client()
    url = reverse("directory:self_refer", args=[offer.pk])
    data = {
        "help_wanted": "Pappa spiller bort alle pengene.",
        "age": "17",
        "relation": "parent",
        "name": "Sara",
        "contact_method": "sms",
        "phone": "912 34 567",
        "safe_times": "Etter skolen",
        "consent": "on",
        "website": "",
        FIELD: _token_of(client.get(url)),
    }
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == 302 and second.status_code == 303
    assert second["Location"] == first["Location"] == reverse("directory:receipt")
    assert SelfReferral.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_copy_arriving_while_the_first_runs_waits_for_it(world, episode, monkeypatch):
    """Two requests at once (a double click): the second waits for the first and follows it."""
    url = reverse("care:new_task", args=[episode.pk])
    token = _token_of(world.client_for(world.clinician).get(url))
    started, release = threading.Event(), threading.Event()
    from kindred.care import services

    real_create = services.create_task

    def slow_create(*args, **kwargs):
        started.set()
        assert release.wait(10)
        return real_create(*args, **kwargs)

    monkeypatch.setattr(services, "create_task", slow_create)
    answers = {}
    clients = {"first": world.client_for(world.clinician), "second": world.client_for(world.clinician)}

    def send(name):
        answers[name] = clients[name].post(url, _task_form(world, token))
        connection.close()

    before = Task.objects.count()
    first = threading.Thread(target=send, args=["first"])
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=send, args=["second"])
    second.start()
    second.join(0.3)
    assert second.is_alive(), "the copy should wait while the first is running"
    release.set()
    first.join(10)
    second.join(10)
    assert answers["first"].status_code == 302 and answers["second"].status_code == 303
    assert answers["second"]["Location"] == answers["first"]["Location"]
    assert Task.objects.count() == before + 1


def test_ttl_comes_from_settings(settings):
    settings.SUBMISSION_TOKEN_HOURS = 2
    assert SubmissionTokenMiddleware.ttl() == 7200
