"""Text messages through a pluggable backend, like Django's e-mail backends.

SMS_BACKEND names a class with `send(to: str, text: str) -> None`. Kindred ships:
- ConsoleSMSBackend: prints the message (development and the demo);
- LocmemSMSBackend: keeps messages in `outbox` (tests);
- DisabledSMSBackend: drops them (a site without an SMS gateway; e-mail reminders still go out).
A gateway integration is a small class of its own, named in the setting.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

# An SMS is 160 GSM characters; longer texts are split by the gateway and cost more.
SMS_LENGTH = 160


@dataclass(frozen=True)
class TextMessage:
    to: str
    text: str


outbox: list[TextMessage] = []


class ConsoleSMSBackend:
    def send(self, to: str, text: str) -> None:
        sys.stdout.write(f"SMS to {to}: {text}\n")


class LocmemSMSBackend:
    def send(self, to: str, text: str) -> None:
        outbox.append(TextMessage(to, text))


class DisabledSMSBackend:
    def send(self, to: str, text: str) -> None:
        return None


def sms_ready(text: str) -> str:
    """One line of at most 160 characters, cut at a word with an ellipsis when longer."""
    text = " ".join(text.split())
    if len(text) <= SMS_LENGTH:
        return text
    return text[: SMS_LENGTH - 1].rsplit(" ", 1)[0] + "…"


def send_sms(to: str, text: str) -> None:
    import_string(settings.SMS_BACKEND)().send(to, sms_ready(text))
