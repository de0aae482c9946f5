"""Writes of the core app: audit trail and the notifications outbox."""

import logging

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import AuditEvent, Notifica
from .net import ip_corrente
from .sms import get_backend

log = logging.getLogger(__name__)


def audit(attore, azione: str, oggetto=None, **dettagli) -> AuditEvent:
    """Append one audit event. `attore` may be None for system jobs; the client IP of the request being
    served (None in jobs and commands) is recorded by ClientIpMiddleware's context variable."""
    return AuditEvent.objects.create(
        attore=attore if attore is not None and attore.is_authenticated else None,
        azione=azione,
        oggetto_tipo=oggetto._meta.label_lower if oggetto is not None else "",
        oggetto_id=str(oggetto.pk) if oggetto is not None else "",
        dettagli=dettagli,
        ip=ip_corrente(),
    )


def queue_notifiche(righe: list[Notifica]) -> int:
    """Queue notifications; a row whose `chiave` already exists is skipped (never queued twice).

    Sending is scheduled after commit, so nothing goes out for a rolled-back change.
    """
    if not righe:
        return 0
    created = Notifica.objects.bulk_create(righe, ignore_conflicts=True, batch_size=2000)
    avvia_invio()
    return len(created)


def avvia_invio() -> None:
    """Start the sender once the current transaction commits: nothing goes out for a rollback."""
    from .tasks import send_pending_notifiche

    transaction.on_commit(send_pending_notifiche.delay)


def _claim(notifica_id: int) -> bool:
    # Compare-and-swap: only one worker moves a row from in_coda to in_invio.
    return (
        Notifica.objects.filter(pk=notifica_id, stato=Notifica.Stato.IN_CODA).update(
            stato=Notifica.Stato.IN_INVIO
        )
        == 1
    )


def send_notifica(notifica: Notifica) -> bool:
    if not _claim(notifica.pk):
        return False
    try:
        if notifica.canale == Notifica.Canale.EMAIL:
            send_mail(notifica.oggetto, notifica.testo, None, [notifica.destinatario])
        else:
            get_backend().send(notifica.destinatario, notifica.testo)
    except Exception as exc:  # a failed send goes back to the queue, up to 5 attempts
        tentativi = notifica.tentativi + 1
        stato = Notifica.Stato.ERRORE if tentativi >= 5 else Notifica.Stato.IN_CODA
        Notifica.objects.filter(pk=notifica.pk).update(
            stato=stato, tentativi=tentativi, ultimo_errore=str(exc)[:300]
        )
        log.warning("Invio notifica %s fallito (tentativo %s)", notifica.pk, tentativi)
        return False
    Notifica.objects.filter(pk=notifica.pk).update(
        stato=Notifica.Stato.INVIATA, inviata_il=timezone.now(), tentativi=notifica.tentativi + 1
    )
    return True


def send_pending(limit: int = 1000, dopo_id: int = 0) -> int:
    """Send up to `limit` queued notifications with id above `dopo_id`; returns how many went out."""
    sent = 0
    for notifica in Notifica.objects.filter(stato=Notifica.Stato.IN_CODA, pk__gt=dopo_id).order_by("id")[
        :limit
    ]:
        sent += send_notifica(notifica)
    return sent


def drain_queue(budget_seconds: float, batch: int = 500) -> int:
    """Send the whole queue in batches, moving forward by id so that a failed send is retried by
    the next run (beat, every 5 minutes), not at once; stops when the time budget is spent."""
    import time

    fine = time.monotonic() + budget_seconds
    dopo_id, sent = 0, 0
    while time.monotonic() < fine:
        ids = list(
            Notifica.objects.filter(stato=Notifica.Stato.IN_CODA, pk__gt=dopo_id)
            .order_by("id")
            .values_list("id", flat=True)[:batch]
        )
        if not ids:
            break
        sent += send_pending(limit=batch, dopo_id=dopo_id)
        dopo_id = ids[-1]
    return sent
