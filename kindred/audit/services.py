"""The one way to write the audit trail. Every view and API endpoint that reads,
changes or exports personal data calls `record`; so do the sign-in signals."""

from __future__ import annotations

from typing import Any

from django.db import models

from kindred.audit.models import AccessLog
from kindred.orgs.actors import Actor

Action = AccessLog.Action


def _subject_of(obj: Any):
    """The person an object is about: a Person itself, or whatever its `audit_subject` names."""
    from kindred.people.models import Person

    if obj is None:
        return None
    if isinstance(obj, Person):
        return obj
    return getattr(obj, "audit_subject", None)


def record(
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    *,
    subject=None,
    object_type: str = "",
    object_id: str | int = "",
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> AccessLog:
    """Append one audit row for `actor` doing `action` on `obj` (and the person it concerns)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    return AccessLog.objects.create(
        user=user,
        user_label=user.email if user else (details or {}).get("attempted_email", ""),
        organisation=actor.organisation,
        role=actor.role,
        subject=subject if subject is not None else _subject_of(obj),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        request_id=actor.request_id,
        via=actor.via,
        reason=reason,
        details=details or {},
    )


def record_many(actor: Actor, action: str, objects: list[models.Model], *, object_type: str = "") -> None:
    """Append one audit row per object in a single insert (list pages and exports)."""
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    AccessLog.objects.bulk_create(
        AccessLog(
            user=user,
            user_label=user.email if user else "",
            organisation=actor.organisation,
            role=actor.role,
            subject=_subject_of(obj),
            action=action,
            object_type=object_type or obj._meta.label_lower,
            object_id=str(obj.pk),
            request_id=actor.request_id,
            via=actor.via,
        )
        for obj in objects
    )
