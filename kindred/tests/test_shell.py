import pytest
from django.test import override_settings
from django.urls import reverse

from kindred.env import env_bool, env_int, env_list

pytestmark = pytest.mark.django_db


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_not_found_page_is_friendly_and_in_the_users_language(client):
    client.cookies["django_language"] = "en"
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    client.cookies["django_language"] = "nb"
    assert "Fant ikke siden" in client.get("/no-such-page/").content.decode()


def test_forbidden_page_is_friendly(world):
    client = world.client_for(world.clinician)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("orgs:members"))
    assert response.status_code == 403 and "No access" in response.content.decode()


@override_settings(DEBUG=False)
def test_server_error_page_renders_without_context():
    from django.test import RequestFactory

    from kindred.views import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500 and b"Kindred" in response.content


def test_security_headers_on_pages(client):
    response = client.get(reverse("accounts:login"))
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Request-ID"]


def test_env_helpers(monkeypatch):
    monkeypatch.setenv("K_BOOL", "yes")
    monkeypatch.setenv("K_INT", "42")
    monkeypatch.setenv("K_LIST", "a, b,,c")
    assert env_bool("K_BOOL") is True and env_bool("K_MISSING", True) is True
    assert env_int("K_INT", 1) == 42 and env_int("K_MISSING", 7) == 7
    assert env_list("K_LIST") == ["a", "b", "c"]
    monkeypatch.setenv("K_BOOL", "perhaps")
    with pytest.raises(ValueError, match="K_BOOL"):
        env_bool("K_BOOL")


def test_language_switch_sets_cookie(client):
    response = client.post(reverse("set_language"), {"language": "da", "next": "/login/"})
    assert response.status_code == 302
    assert "Log ind" in client.get("/login/").content.decode()
