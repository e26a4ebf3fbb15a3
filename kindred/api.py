"""The JSON API at /api/v1/: one NinjaAPI, routers from each app, the same services as the web."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
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


@api.exception_handler(DjangoValidationError)
def _rejected(request, exc):
    """A service refused the input: 422 with the translated message(s), by field when the service named them."""
    messages = [str(m) for m in exc.messages]
    if hasattr(exc, "error_dict"):
        errors = {field: [str(m) for m in field_messages] for field, field_messages in exc.message_dict.items()}
    else:
        errors = messages
    detail = messages[0] if len(messages) == 1 else _("The request is not valid.")
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


@api.exception_handler(PermissionError)
def _forbidden(request, exc):
    """A service refused the actor's role: it raises PermissionError(<capability>)."""
    from kindred.orgs.models import Capability

    capability = exc.args[0] if exc.args else None
    if capability not in Capability.values:
        raise exc  # an operating-system permission error is the server's fault, not the role's
    detail = _("Your role does not allow this: %(capability)s.") % {"capability": Capability(capability).label}
    return api.create_response(request, {"detail": detail}, status=403)


@api.exception_handler(Http404)
def _not_found(request, exc):
    # Deliberately the same text for "does not exist" and "not yours to see": ids leak nothing.
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


def _register_routers() -> None:
    from kindred.accounts.api import router as accounts_router
    from kindred.care.api import router as care_router
    from kindred.competence.api import router as competence_router
    from kindred.consent.api import router as consent_router
    from kindred.directory.api import router as directory_router
    from kindred.forums.api import router as forums_router
    from kindred.imports.api import router as imports_router
    from kindred.instruments.api import router as instruments_router
    from kindred.library.api import router as library_router
    from kindred.networks.api import router as networks_router
    from kindred.people.api import router as people_router
    from kindred.programs.api import router as programs_router
    from kindred.referrals.api import router as referrals_router
    from kindred.reports.api import router as reports_router

    api.add_router("/", accounts_router)
    api.add_router("/", people_router)
    api.add_router("/", care_router)
    api.add_router("/", consent_router)
    api.add_router("/", referrals_router)
    api.add_router("/", instruments_router)
    api.add_router("/", directory_router)
    api.add_router("/", programs_router)
    api.add_router("/", library_router)
    api.add_router("/", networks_router)
    api.add_router("/", forums_router)
    api.add_router("/", competence_router)
    api.add_router("/", reports_router)
    api.add_router("/", imports_router)


_register_routers()
