"""The JSON API at /api/v1/: one NinjaAPI, routers from each app, the same services as the web."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from kindred.api_auth import SessionAuth, TokenAuth

api = NinjaAPI(
    title="Kindred API",
    version="1",
    description="Case management and coordination for children and relatives of people with substance-use "
    "or gambling problems. Errors are JSON objects with a `detail` field.",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    docs_url="/docs",
)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(request, {"detail": _("Log in or send a valid API token.")}, status=401)


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    return api.create_response(request, {"detail": _("The request is not valid."), "errors": exc.errors}, status=422)


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


def _register_routers() -> None:
    from kindred.accounts.api import router as accounts_router

    api.add_router("/", accounts_router)


_register_routers()
