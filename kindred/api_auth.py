"""API authentication: the browser's session (with CSRF) or a personal API token."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from kindred.orgs.actors import Actor
from kindred.orgs.services import membership_for_token, token_refusal


class TokenAuth(HttpBearer):
    openapi_description = "Personal API token (`Authorization: Bearer kdr_…`), scoped to one organisation and role."

    def authenticate(self, request, token: str):
        api_token = membership_for_token(token)
        if api_token is None:
            # A token was sent and is refused: say why (unknown, revoked, expired), without trying the session.
            raise HttpError(401, token_refusal(token))
        request.user = api_token.user
        request.membership = api_token.membership
        request.actor = Actor(api_token.user, api_token.membership, getattr(request, "request_id", ""), via="api")
        return api_token.user


class SessionAuth(APIKeyCookie):
    """The logged-in browser session; unsafe methods need the CSRF token."""

    param_name = "sessionid"
    openapi_description = "The browser session of a logged-in user (with X-CSRFToken on changes)."

    def _get_key(self, request):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        # _get_key above replaces ninja's, which is where ninja checks CSRF for cookie authentication: check here.
        if check_csrf(request) is not None:
            raise HttpError(403, _("The CSRF check failed. Send the X-CSRFToken header with the page's CSRF token."))
        request.actor = Actor(user, request.membership, getattr(request, "request_id", ""), via="api")
        return user
