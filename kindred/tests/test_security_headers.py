"""Security headers, cookies and `check --deploy` with the settings production really gets (KINDRED_PRODUCTION=1).

The production values are read from a separate Python process started with the production environment, so the
tests check what kindred/settings.py gives production, not a copy of it."""

from __future__ import annotations

import json
import os
import pathlib
import re
import secrets
import subprocess
import sys

import pytest
from django.test import override_settings
from django.urls import reverse

from kindred.testing import PASSWORD

pytestmark = pytest.mark.django_db

ROOT = pathlib.Path(__file__).resolve().parents[2]
KINDRED = ROOT / "kindred"
PRODUCTION_KEYS = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_HTTPONLY",
]


def production_environment() -> dict[str, str]:
    # The test run's own switches (conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright) are not production's.
    unset = ("DEBUG", "SECURE_", "KINDRED_", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(unset)}
    env.update(
        KINDRED_PRODUCTION="1",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="kindred.example",
        CSRF_TRUSTED_ORIGINS="https://kindred.example",
        DJANGO_SETTINGS_MODULE="kindred.settings",
    )
    return env


def _in_production(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=production_environment(), capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def production() -> dict:
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{k: getattr(settings, k) for k in {[*PRODUCTION_KEYS, 'PASSWORD_HASHERS']!r}}}))"
    )
    result = _in_production("-c", script)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def as_production(production):
    with override_settings(**{key: production[key] for key in PRODUCTION_KEYS}):
        yield production


def test_check_deploy_is_clean_with_production_settings():
    result = _in_production("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output


def test_production_turns_on_https_only_cookies_hsts_and_the_redirect(production):
    assert production["DEBUG"] is False
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and production["SECURE_HSTS_PRELOAD"]
    for cookie in ("SESSION", "CSRF", "LANGUAGE"):
        assert production[f"{cookie}_COOKIE_SECURE"] is True, cookie
        assert production[f"{cookie}_COOKIE_HTTPONLY"] is True, cookie


def test_passwords_are_hashed_with_argon2_and_must_be_long_and_uncommon(production, world):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    assert production["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    for weak in ("kort123", "1234567890123", "password1234", "cora@example.no"):
        with pytest.raises(ValidationError):
            validate_password(weak, world.clinician)
    validate_password("seven lanterns over the fjord", world.clinician)


def test_production_refuses_to_start_without_a_secret_key():
    env = production_environment()
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "SECRET_KEY must be set in production." in result.stderr


def _assert_security_headers(response) -> None:
    headers = response.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = dict(item.strip().split("=", 1) for item in headers["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "bluetooth", "serial", "hid"):
        assert policy[feature] == "()", feature


def _csp(response) -> dict[str, list[str]]:
    directives = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_pages_send_every_security_header(client, as_production):
    response = client.get(reverse("accounts:login"), secure=True)
    assert response.status_code == 200
    _assert_security_headers(response)
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert csp["form-action"] == ["'self'"] and csp["base-uri"] == ["'self'"]
    assert not any("unsafe" in value for values in csp.values() for value in values)


def test_api_answers_and_error_pages_send_them_too(client, as_production):
    _assert_security_headers(client.get(reverse("api:me"), secure=True))
    not_found = client.get("/no-such-page/", secure=True)
    assert not_found.status_code == 404
    _assert_security_headers(not_found)
    assert "Content-Security-Policy" in not_found.headers


def test_plain_http_is_sent_to_https_except_the_health_check(client, as_production):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 301 and response["Location"] == "https://testserver/login/"
    assert client.get("/healthz").status_code == 200


def test_session_csrf_and_language_cookies_are_secure_http_only_and_same_site(world, client, as_production):
    login_page = client.get(reverse("accounts:login"), secure=True)
    csrf = login_page.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"

    logged_in = client.post(
        reverse("accounts:login"), {"email": world.clinician.email, "password": PASSWORD}, secure=True
    )
    assert logged_in.status_code == 302
    session = logged_in.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert session["expires"] == "" and session["max-age"] == ""  # ends with the browser

    language = client.post(reverse("set_language"), {"language": "en", "next": "/"}, secure=True)
    cookie = language.cookies["django_language"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on…= event handler"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"\shx-on", re.I), "hx-on (evaluated script)"),
]


def test_no_template_has_inline_script_style_or_event_handlers():
    """The CSP allows scripts and styles from our own files only; what it would block must not be written."""
    found = []
    for path in sorted(KINDRED.glob("**/templates/**/*.html")):
        text = path.read_text()
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                found.append(f"{path.relative_to(KINDRED)}: {what}: {match.group(0)!r}")
    assert found == []


def test_the_inline_pattern_catches_what_it_should():
    samples = {
        "<script>alert(1)</script>": "inline <script>",
        '<a href="#" onclick="x()">': "on…= event handler",
        '<p style="color:red">': "style= attribute",
        "<style>p{}</style>": "<style> element",
    }
    for sample, what in samples.items():
        assert [w for pattern, w in INLINE if pattern.search(sample)] == [what], sample
    assert not any(pattern.search('<script src="/static/x.js" defer></script>') for pattern, _w in INLINE)
    assert not any(pattern.search('<text font-style="italic">') for pattern, _w in INLINE)
