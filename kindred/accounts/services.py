"""Use cases for accounts: two-factor enrolment and verification, ending sessions."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django_otp.plugins.otp_totp.models import TOTPDevice

from kindred.accounts.models import User
from kindred.audit.services import Action, record
from kindred.orgs.actors import Actor


def confirmed_totp_devices(user: User):
    return TOTPDevice.objects.filter(user=user, confirmed=True)


def start_totp_enrolment(user: User) -> TOTPDevice:
    """A fresh unconfirmed authenticator for the user; an earlier unfinished one is replaced."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=False)


@transaction.atomic
def confirm_totp_device(actor: Actor, device: TOTPDevice, token: str) -> bool:
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record(actor, Action.CHANGE, device.user, details={"two_factor": "enabled"})
    return True


def verify_totp(user: User, token: str) -> TOTPDevice | None:
    for device in confirmed_totp_devices(user):
        if device.verify_token(token):
            return device
    return None


@transaction.atomic
def end_all_sessions(actor: Actor) -> None:
    """Log the user out on every device: all session hashes change at once."""
    User.objects.filter(pk=actor.user.pk).update(session_generation=F("session_generation") + 1)
    record(actor, Action.CHANGE, actor.user, details={"sessions": "ended everywhere"})
