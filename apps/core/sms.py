"""Pluggable SMS backends, chosen by settings.SMS_BACKEND (a dotted path)."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

# Messages sent by the in-memory backend, for tests (like django.core.mail.outbox).
outbox: list[tuple[str, str]] = []


class ConsoleSmsBackend:
    def send(self, numero: str, testo: str) -> None:
        # The number is masked: logs never hold personal data in clear.
        log.info("SMS a ***%s: %s", numero[-3:], testo)


class LocmemSmsBackend:
    def send(self, numero: str, testo: str) -> None:
        outbox.append((numero, testo))


def get_backend():
    return import_string(settings.SMS_BACKEND)()
