"""One-time submission tokens: a form sent twice (double click, back button, reload) runs its use case once.

Every POST form carries `{% submission_token %}` next to `{% csrf_token %}`: a fresh random value per rendered
form, stored nowhere until the form comes back. `SubmissionTokenMiddleware` claims the token in the cache before
the view runs (`cache.add` is atomic, in local memory and in Redis alike). When the view answers with a redirect,
the token is kept with that address for `SUBMISSION_TOKEN_HOURS`; the same form sent again by the same user is
not run again but redirected there. A copy that arrives while the first is still running waits for it. Any other
answer (a form shown again with errors, an error page) releases the token, so the corrected form can be sent.

A POST without the token (the API, scripts, tests) is untouched. Several app servers need a shared cache
(REDIS_URL), as the rate limits do.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time

from django import template
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext as _

FIELD = "submission_token"
_VALID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_PENDING = "pending"
# How long a copy waits for the first submission to finish, and how often it looks.
WAIT_SECONDS = 15.0
POLL_SECONDS = 0.05

register = template.Library()


@register.simple_tag
def submission_token() -> str:
    """A hidden field with a new one-time token (Kindred adds this tag to the template builtins).

    A text input with the `hidden` attribute, not type="hidden", and kindred.js changes its value once on load:
    browsers keep a changed text input's value and put it back when the user returns to the page with the back
    button, even when the page is fetched anew with a new token. So a form sent, left and sent again carries
    its first token. Without JavaScript the token still stops a double click or a reload."""
    return format_html(
        '<input type="text" name="{}" value="{}" hidden data-submission-token>', FIELD, secrets.token_urlsafe(18)
    )


def _cache_key(token: str) -> str:
    # Hashed so the cache never holds a token a form could still send.
    return "submission:" + hashlib.sha256(token.encode()).hexdigest()


def _owner(request) -> str:
    user = getattr(request, "user", None)
    return f"user:{user.pk}" if user is not None and user.is_authenticated else "anonymous"


class SubmissionTokenMiddleware:
    """Run a tokened form submission once; send repeats to where the first one went."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        claimed = getattr(request, "_submission_claim", None)
        if claimed is not None:
            key, owner = claimed
            location = response.get("Location") if response.status_code in (301, 302, 303) else None
            if location:
                cache.set(key, {"owner": owner, "url": location}, self.ttl())
            else:
                cache.delete(key)
        return response

    @staticmethod
    def ttl() -> int:
        return settings.SUBMISSION_TOKEN_HOURS * 3600

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Runs after CsrfViewMiddleware.process_view: a forged request is refused before it gets here.
        if request.method != "POST" or getattr(view_func, "csrf_exempt", False):
            # Tokened forms are the web's own; the JSON and FHIR APIs (csrf-exempt) read their body themselves, and
            # parsing a multipart body here first would leave it unreadable for them (a 500).
            return None
        token = request.POST.get(FIELD, "")
        if not _VALID.match(token):
            return None
        key, owner = _cache_key(token), _owner(request)
        if cache.add(key, {"owner": owner, "url": _PENDING}, int(WAIT_SECONDS) * 2):
            request._submission_claim = (key, owner)
            return None
        first = self._wait_for(key)
        if first is None or first.get("owner") != owner:
            # Released in the meantime (the first try was refused), or someone else's token: run as new.
            if cache.add(key, {"owner": owner, "url": _PENDING}, int(WAIT_SECONDS) * 2):
                request._submission_claim = (key, owner)
            return None
        # Still running after the wait: show the form again rather than run it twice.
        target = request.get_full_path() if first["url"] == _PENDING else first["url"]
        if owner != "anonymous":
            messages.info(request, _("This form had already been sent. You see the result of the first time."))
        return HttpResponseRedirect(target, status=303)

    @staticmethod
    def _wait_for(key: str) -> dict | None:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            entry = cache.get(key)
            if entry is None or entry["url"] != _PENDING or time.monotonic() >= deadline:
                return entry
            time.sleep(POLL_SECONDS)


# --- API rate limit -----------------------------------------------------------------------------------------


def _api_identity(group: str, request) -> str:
    """Whom an API request counts against: its bearer token, else the logged-in user, else its address."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, credential = header.partition(" ")
    if scheme.lower() == "bearer" and credential.strip():
        return "token:" + hashlib.sha256(credential.strip().encode()).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "ip:" + _client_address(request)


def _client_address(request) -> str:
    return request.META.get(settings.RATELIMIT_IP_META_KEY, "") or request.META.get("REMOTE_ADDR", "")


class ApiRateLimitMiddleware:
    """Limit /api/ requests per token (or user, or address) and per address, before authentication and the
    view run: a refused request is answered 429 with a JSON `detail`, and nothing is stored."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.urls import reverse

        if request.path.startswith(reverse("api:api-root")):
            limited = api_rate_limit(request)
            if limited is not None:
                return limited
        return self.get_response(request)


def api_rate_limit(request):
    """The API's limits (per token or user or address, and per address) counted for this request: a 429 answer
    when over a limit, else None. The JSON API (ApiRateLimitMiddleware) and the FHIR API share the counters."""
    from django.http import JsonResponse
    from django_ratelimit.core import get_usage

    checks = (
        ("api", _api_identity, settings.API_RATE),
        ("api_address", lambda group, req: _client_address(req), settings.API_IP_RATE),
    )
    for group, key, rate in checks:
        if not rate:
            continue  # an empty rate turns that limit off (e.g. for a load test)
        usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
        if usage is not None and usage["should_limit"]:
            response = JsonResponse({"detail": _("Too many requests. Wait a moment and try again.")}, status=429)
            response["Retry-After"] = str(max(1, int(usage["time_left"])))
            return response
    return None


# --- Limits counted only for what succeeded (or failed) -------------------------------------------------------


def limit_reached(request, group: str, rate: str, *, key: str = "ip") -> bool:
    """Whether this client has used up `rate` in `group`, without counting this request (django-ratelimit's
    cache counters). An empty rate is no limit."""
    from django_ratelimit.core import get_usage

    if not rate:
        return False
    usage = get_usage(request, group=group, key=key, rate=rate, increment=False)
    return usage is not None and usage["count"] >= usage["limit"]


def count_against_limit(request, group: str, rate: str, *, key: str = "ip") -> None:
    """Count this request in `group`: call it once the request did what the limit is about."""
    from django_ratelimit.core import get_usage

    if rate:
        get_usage(request, group=group, key=key, rate=rate, increment=True)
