from __future__ import annotations

import re
import time
import uuid

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give each request an id (or keep a well-formed one from the proxy) for logs and audit rows."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class IdleSessionMiddleware(SessionMiddleware):
    """Django's sessions, renewed for another SESSION_IDLE_MINUTES by the requests that use them, but written to the
    database at most once per SESSION_RENEW_SECONDS: an UPDATE and its commit on every request cost more than the
    rest of a small page. A session therefore ends between SESSION_IDLE_MINUTES minus SESSION_RENEW_SECONDS and
    SESSION_IDLE_MINUTES after the last request, never later."""

    RENEWED = "_renewed_at"

    @classmethod
    def renewed_at_login(cls, sender, request, user, **kwargs):
        if getattr(request, "session", None) is not None:
            request.session[cls.RENEWED] = int(time.time())

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is not None and session.accessed and not session.is_empty():
            now = int(time.time())
            if now - session.get(self.RENEWED, 0) >= settings.SESSION_RENEW_SECONDS:
                session[self.RENEWED] = now  # modified: SessionMiddleware saves it with a new expiry date
        return super().process_response(request, response)
