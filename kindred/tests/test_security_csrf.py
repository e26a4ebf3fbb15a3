"""CSRF everywhere: every form and every session-authenticated API change needs the token; the only views exempt
are the ones no browser session can drive (token-authenticated APIs, anonymous survey pages without cookies)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from kindred.care.models import Task
from kindred.care.tests.factories import patient_with_children, today
from kindred.orgs.services import issue_api_token
from kindred.testing import PASSWORD

pytestmark = pytest.mark.django_db

# Views that may be csrf_exempt, and why (SECURITY.md repeats this list).
EXEMPT = {
    # django-ninja marks its views exempt and checks CSRF itself for cookie (session) authentication.
    "ninja.operation": "the JSON API: CSRF is checked by SessionAuth; bearer tokens cannot be forged by a page",
    # The FHIR API accepts bearer tokens only, never the session.
    "kindred.fhir.views": "the FHIR API: bearer tokens only",
    # Anonymous respondents: no account, no session, no cookie; a forged request can act as nobody.
    "kindred.surveys.views.respondent_start": "anonymous survey, no session",
    "kindred.surveys.views.respondent_answer": "anonymous survey, no session",
}


def _views(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.callback


def _allowed(callback) -> bool:
    module = callback.__module__
    return module in EXEMPT or f"{module}.{callback.__name__}" in EXEMPT


def test_only_the_listed_views_are_exempt_from_csrf():
    exempt = [
        f"{route} ({callback.__module__}.{callback.__name__})"
        for route, callback in _views(get_resolver().url_patterns)
        if getattr(callback, "csrf_exempt", False) and not _allowed(callback)
    ]
    assert exempt == []


@pytest.fixture
def episode(world):
    episode, _children = patient_with_children(world.actor(world.clinician))
    return episode


def _task(world) -> dict:
    return {"title": "Ring skolen", "assignee": str(world.clinician.pk), "due_on": today().isoformat(), "child": ""}


def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(world, episode):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.clinician)
    url = reverse("care:new_task", args=[episode.pk])
    before = Task.objects.count()
    assert client.post(url, _task(world)).status_code == 403
    assert Task.objects.count() == before

    client.get(url)  # the form page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert client.post(url, {**_task(world), "csrfmiddlewaretoken": token}).status_code == 302
    assert Task.objects.count() == before + 1


def test_login_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    data = {"email": world.clinician.email, "password": PASSWORD}
    assert client.post(reverse("accounts:login"), data).status_code == 403
    client.get(reverse("accounts:login"))
    data["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
    assert client.post(reverse("accounts:login"), data).status_code == 302


def test_a_forged_csrf_token_is_refused(world, episode):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.clinician)
    url = reverse("care:new_task", args=[episode.pk])
    client.get(url)
    forged = {**_task(world), "csrfmiddlewaretoken": "x" * 64}
    assert client.post(url, forged).status_code == 403


def test_api_changes_with_the_session_need_the_csrf_header(world, episode):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.clinician)
    client.cookies["django_language"] = "en"
    # Reading needs no CSRF token; a change does.
    assert client.get(reverse("api:me")).status_code == 200
    tasks = f"/api/v1/episodes/{episode.pk}/tasks"
    body = {"title": "Ring skolen", "due_on": today().isoformat(), "assignee_id": world.clinician.pk}
    before = Task.objects.count()
    refused = client.post(tasks, body, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("The CSRF check failed.")
    assert Task.objects.count() == before
    client.get(reverse("accounts:profile"))
    csrf = client.cookies["csrftoken"].value
    accepted = client.post(tasks, body, content_type="application/json", headers={"X-CSRFToken": csrf})
    assert accepted.status_code == 201, accepted.content
    assert Task.objects.count() == before + 1


def test_api_changes_with_a_bearer_token_need_no_csrf(world, episode):
    _token, plain = issue_api_token(world.actor(world.clinician), name="EPJ")
    client = Client(enforce_csrf_checks=True)
    tasks = f"/api/v1/episodes/{episode.pk}/tasks"
    body = {"title": "Ring skolen", "due_on": today().isoformat(), "assignee_id": world.clinician.pk}
    response = client.post(tasks, body, content_type="application/json", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 201, response.content
