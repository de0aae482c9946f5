"""Row locks that never hang a request (pretix's locking.py).

Every transaction that takes a row lock (`select_for_update`, an UPDATE on a hot row) first calls
`limita_attesa()`: PostgreSQL then gives up after `LOCK_TIMEOUT` instead of waiting forever, and
`servizio_occupato()` turns that give-up into the DomainError a person reads ("il servizio è occupato,
riprova"), so the whole transaction rolls back and nothing is half-written.
"""

from contextlib import contextmanager

from django.conf import settings
from django.db import OperationalError, connection
from django.utils.translation import gettext_lazy as _

from .exceptions import DomainError

SERVIZIO_OCCUPATO = _("Il servizio è occupato in questo momento: riprova tra qualche istante.")


def limita_attesa() -> None:
    """Inside a transaction: wait at most settings.LOCK_TIMEOUT for any lock (PostgreSQL only)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # SET LOCAL lasts until the end of the transaction; the value is ours, never user input.
            cursor.execute(f"SET LOCAL lock_timeout = '{int(settings.LOCK_TIMEOUT_MS)}ms'")


def _attesa_scaduta(exc: OperationalError) -> bool:
    # 55P03 lock_not_available: what lock_timeout raises.
    return getattr(getattr(exc, "__cause__", None), "sqlstate", None) == "55P03"


@contextmanager
def servizio_occupato():
    """Wrap the atomic block (outside it): a lock timeout becomes DomainError(SERVIZIO_OCCUPATO)."""
    try:
        yield
    except OperationalError as exc:
        if _attesa_scaduta(exc):
            raise DomainError(SERVIZIO_OCCUPATO) from exc
        raise
