"""Schemathesis against the OpenAPI document of the JSON API, in process through Django's WSGI application.

A few examples per operation (derandomised, so CI repeats the same ones), sent as the personas in turn — a
clinician, a coordinator, a group leader, an organisation admin, an analyst and nobody — with their API tokens.
Whatever the input: never a server error, and every refusal is a JSON object with a `detail` field, answered with
a status the operation documents (or a 4xx every operation may give: 401, 403, 404, 405, 422, 429).
"""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from kindred.api import api
from kindred.orgs.services import issue_api_token
from kindred.testing import build_world

APP = get_wsgi_application()
# Only the fuzzing phase: the coverage phase sends hundreds of boundary cases per operation, too many for every CI run.
CONFIG = SchemathesisConfig.from_dict(
    {"phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}, "stateful": {"enabled": False}}}
)
SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=CONFIG)
PERSONAS = ("clinician", "coordinator", "group_leader", "admin", "analyst", "")
ALWAYS_POSSIBLE = {400, 401, 403, 404, 405, 413, 415, 422, 429}  # input, auth, rate and method refusals
_turn = itertools.count()


@pytest.fixture
def _keep_connection():
    """As Django's test client does: the WSGI handler must not close the test's database connection (PostgreSQL)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(db, _keep_connection):
    world = build_world()
    return {name: issue_api_token(world.actor(getattr(world, name)), name="Fuzz")[1] for name in PERSONAS if name} | {
        "": ""
    }


@SCHEMA.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_every_input_without_a_server_error(case, tokens):
    persona = PERSONAS[next(_turn) % len(PERSONAS)]
    headers = {"Authorization": f"Bearer {tokens[persona]}"} if persona else {}
    response = case.call(app=APP, headers=headers)
    where = f"{case.method} {case.formatted_path} as {persona or 'anonymous'}: {response.status_code}"
    assert response.status_code < 500, f"{where} {response.text[:500]}"
    if response.status_code >= 400:
        documented = {int(code) for code in case.operation.definition.raw.get("responses", {}) if code.isdigit()}
        assert response.status_code in documented | ALWAYS_POSSIBLE, f"{where} is not documented"
        body = response.json()
        assert isinstance(body, dict) and isinstance(body.get("detail"), str) and body["detail"], (
            f"{where}: an error must be a JSON object with a `detail` text, got {response.text[:300]}"
        )
