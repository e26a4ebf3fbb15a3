"""In a real Chromium: a double click on a form's submit button, and going back to the sent form and sending it
again, store one record (kindred/security.py and kindred.js)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from kindred.care import services
from kindred.care.models import Task
from kindred.care.tests.factories import patient_with_children
from kindred.tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Ring skolen om Kim"


def test_double_click_and_back_button_create_one_task(world, page, monkeypatch):
    episode, _children = patient_with_children(world.actor(world.clinician))
    real_create = services.create_task

    def slow_create(*args, **kwargs):
        # A slow server: the second click comes while the first request is still being handled.
        time.sleep(0.5)
        return real_create(*args, **kwargs)

    monkeypatch.setattr(services, "create_task", slow_create)
    blocked: list[str] = []  # anything the Content-Security-Policy refused (an inline script or style we missed)
    page.on(
        "console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None
    )
    log_in(page, world.clinician.email)
    page.wait_for_url("**/")
    page.goto(f"/care/episodes/{episode.pk}/tasks/new/")
    page.fill("input[name=title]", TITLE)
    page.fill("input[name=due_on]", "2030-01-31")
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)

    page.locator("main form button[type=submit]").dblclick()
    page.wait_for_url(f"**/care/episodes/{episode.pk}/")
    expect(page.get_by_text(TITLE)).to_be_visible()
    assert Task.objects.filter(title=TITLE).count() == 1

    # Back to the filled-in form (fetched anew, with a new token in the HTML) and send it again.
    page.go_back()
    page.wait_for_url("**/tasks/new/")
    expect(page.locator("input[name=title]")).to_have_value(TITLE)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/care/episodes/{episode.pk}/")
    # The notice that the form had already been sent (an info message; the first time said "created").
    expect(page.locator('.ds-alert[data-color="info"]')).to_be_visible()

    assert len(posts) >= 2, "the form should have reached the server at least twice"
    assert Task.objects.filter(title=TITLE).count() == 1
    assert blocked == []
