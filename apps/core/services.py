"""Writes of the core app: audit trail and the notifications outbox."""

import datetime as dt
import hashlib
import logging
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from .models import AuditEvent, Notifica
from .net import ip_corrente
from .sms import get_backend

log = logging.getLogger(__name__)

MAX_TENTATIVI = 5


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
    # Compare-and-swap: only one worker moves a row from in_coda to in_invio, and says since when.
    return (
        Notifica.objects.filter(pk=notifica_id, stato=Notifica.Stato.IN_CODA).update(
            stato=Notifica.Stato.IN_INVIO, in_invio_dal=timezone.now()
        )
        == 1
    )


def message_id(notifica: Notifica) -> str:
    """The e-mail's Message-ID, derived from the notifica's key: a copy sent again after a reclaim
    carries the same one, so mail servers and clients recognise and collapse the duplicate.
    A digest, so the header tells nothing about the domanda."""
    dominio = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "bonuspsicologo.invalid"
    return f"<notifica.{hashlib.sha256(notifica.chiave.encode()).hexdigest()[:32]}@{dominio}>"


def send_notifica(notifica: Notifica) -> bool:
    if not _claim(notifica.pk):
        return False
    try:
        if notifica.canale == Notifica.Canale.EMAIL:
            EmailMessage(
                notifica.oggetto, notifica.testo, None, [notifica.destinatario],
                headers={"Message-ID": message_id(notifica)},
            ).send()  # fmt: skip
        else:
            get_backend().send(notifica.destinatario, notifica.testo)
    except Exception as exc:  # a failed send goes back to the queue, up to 5 attempts
        tentativi = notifica.tentativi + 1
        stato = Notifica.Stato.ERRORE if tentativi >= MAX_TENTATIVI else Notifica.Stato.IN_CODA
        Notifica.objects.filter(pk=notifica.pk).update(
            stato=stato, tentativi=tentativi, ultimo_errore=str(exc)[:300], in_invio_dal=None
        )
        log.warning("Invio notifica %s fallito (tentativo %s)", notifica.pk, tentativi)
        return False
    Notifica.objects.filter(pk=notifica.pk).update(
        stato=Notifica.Stato.INVIATA, inviata_il=timezone.now(), tentativi=notifica.tentativi + 1
    )
    return True


INTERROTTO = "Invio interrotto: il processo che inviava si è fermato prima di registrarne l'esito."


def recupera_notifiche_bloccate(adesso=None) -> dict:
    """Rows left in_invio by a sender that died (killed, out of memory, host lost) between the claim
    and recording the outcome. Older than NOTIFICHE_RECUPERO_SECONDI, longer than any send can take
    (EMAIL_TIMEOUT and the SMS gateway's timeout, plus a margin), the send is over one way or another;
    whether the gateway accepted it cannot be known, so each channel has its rule:

    - e-mail, at least once: back to the queue (one attempt counted); a copy that had gone out is sent
      again with the same Message-ID, which mail software collapses. Missing an outcome is worse.
    - SMS, at most once: esito_incerto, shown in admin for an operator to check with the gateway; never
      resent automatically, since a second SMS cannot be recognised as a copy.

    A row whose send was recorded (inviata) is never touched. Runs at the start of every sender run."""
    limite = (adesso or timezone.now()) - dt.timedelta(seconds=settings.NOTIFICHE_RECUPERO_SECONDI)
    # Rows claimed before in_invio_dal existed have none: stuck by definition.
    bloccate = Notifica.objects.filter(stato=Notifica.Stato.IN_INVIO).filter(
        Q(in_invio_dal__lt=limite) | Q(in_invio_dal__isnull=True)
    )
    email = bloccate.filter(canale=Notifica.Canale.EMAIL).update(
        stato=Case(
            When(tentativi__gte=MAX_TENTATIVI - 1, then=Value(Notifica.Stato.ERRORE)),
            default=Value(Notifica.Stato.IN_CODA),
        ),
        tentativi=F("tentativi") + 1,
        in_invio_dal=None,
        ultimo_errore=INTERROTTO,
    )
    sms = bloccate.filter(canale=Notifica.Canale.SMS).update(
        stato=Notifica.Stato.ESITO_INCERTO, in_invio_dal=None, ultimo_errore=INTERROTTO
    )
    if email or sms:
        log.warning(
            "Notifiche rimaste in invio recuperate: %s e-mail in coda, %s SMS da verificare", email, sms
        )
    return {"email": email, "sms": sms}


def send_pending(limit: int = 1000, dopo_id: int = 0) -> int:
    """Send up to `limit` queued notifications with id above `dopo_id`; returns how many went out.
    A run from the start (`dopo_id` 0) first reclaims what dead senders left in_invio."""
    if dopo_id == 0:
        recupera_notifiche_bloccate()
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

    recupera_notifiche_bloccate()
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
