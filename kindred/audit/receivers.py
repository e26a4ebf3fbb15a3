"""Sign-in events from django.contrib.auth, written through the one audit function."""

from __future__ import annotations

from kindred.audit.services import Action, record
from kindred.orgs.actors import Actor


def _request_id(request) -> str:
    return getattr(request, "request_id", "") if request is not None else ""


def on_login(sender, request, user, **kwargs) -> None:
    from kindred.orgs.services import default_membership

    record(Actor(user, default_membership(user), _request_id(request)), Action.LOGIN, user)


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    from kindred.accounts.models import User

    email = (credentials.get("username") or credentials.get("email") or "")[:254]
    user = User.objects.filter(email__iexact=email).first() if email else None
    record(
        Actor(user, None, _request_id(request)),
        Action.FAILED_LOGIN,
        user,
        details={"attempted_email": email, "stage": credentials.get("stage", "password")},
    )


def on_logout(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    record(Actor(user, getattr(request, "membership", None), _request_id(request)), Action.LOGOUT, user)
