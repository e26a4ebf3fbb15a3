"""Shared test fixtures: named personas per role, an outsider, and a real Chromium for browser tests."""

from __future__ import annotations

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by
# the test itself (creating data, reading audit rows) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("KINDRED_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_configure(config):
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SMS_BACKEND = "kindred.messaging.LocmemSMSBackend"
    # Tests change data between figures (hypothesis examples within one test): compute statistics live.
    # kindred/reports/tests/test_statistics_cache.py turns the cache on to test it.
    settings.STATISTICS_CACHE_SECONDS = 0
    # Instruments change between tests (each test's rows are rolled back): fetch the public one every time.
    # kindred/instruments/tests/test_public_instrument_cache.py turns it on to test it.
    settings.PUBLIC_INSTRUMENT_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _clean_slate():
    """Each test starts with an empty cache (rate limits) and an empty text-message outbox."""
    from django.core.cache import cache

    from kindred import messaging

    cache.clear()
    messaging.outbox.clear()
    yield


@pytest.fixture
def world(db):
    from kindred.testing import build_world

    return build_world()


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        message = f"Browser tests need Chromium at {CHROMIUM} (apt-get install chromium)."
        if os.environ.get("KINDRED_REQUIRE_BROWSER"):
            pytest.fail(message + " KINDRED_REQUIRE_BROWSER is set, so this is a failure, not a skip.")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="nb-NO")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
