"""Job runs on record (EsecuzioneJob): an operator sees in admin how a job they started ended.

`accoda_job` writes the run (in_coda) and hands it to Celery with its id; the task body calls
`esegui_job`, which marks it in_corso, runs the service and records riuscita with the summary or
fallita with the error. The record is written outside the service's transaction, so a failed run
stays visible after its changes rolled back. A task redelivered after its worker died (acks_late)
finds its own record: if that run already ended, it is not run again.
"""

import logging
import re
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .exceptions import DomainError
from .models import EsecuzioneJob

log = logging.getLogger(__name__)

CODA_NON_RAGGIUNGIBILE = _("Impossibile avviare il job: la coda dei job non risponde. Riprova più tardi.")

# Personal data that an unexpected exception's text could carry (a database error quoting a row):
# codici fiscali, codici univoci, IBANs, e-mail addresses, phone numbers.
_DATI_PERSONALI = [
    re.compile(r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]", re.I),
    re.compile(r"\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b", re.I),
    re.compile(r"\b[A-HJ-NP-Z2-9]{12}\b"),
    re.compile(r"[^\s@()=,;:'\"]+@[^\s@()=,;:'\"]+"),
    re.compile(r"\+?\d[\d ]{6,}\d"),
]


def descrivi_errore(exc: BaseException) -> str:
    """What the record keeps of an error: a DomainError's message; otherwise the exception's class and
    the first line of its text (a database error's DETAIL line quotes the row), personal data masked."""
    if isinstance(exc, DomainError):
        return str(exc.message)
    testo = (str(exc).strip().splitlines() or [""])[0]
    for pattern in _DATI_PERSONALI:
        testo = pattern.sub("***", testo)
    return f"{type(exc).__name__}: {testo}"[:1000]


def _termina(job_id: int, esito: str, **campi) -> None:
    EsecuzioneJob.objects.filter(pk=job_id).update(esito=esito, terminato_il=timezone.now(), **campi)


def accoda_job(task, parametri: dict, richiesto_da=None) -> EsecuzioneJob:
    """Record a run of `task` with these keyword arguments and queue it; returns the record, re-read.

    Eager (no broker: the embedded default and the tests) the job has run when this returns, and
    the record holds its outcome. With a broker the task is sent once the current transaction
    commits, so the worker finds the record; if the broker refuses it, the run is recorded fallita
    and the caller gets a DomainError to show."""
    utente = richiesto_da if richiesto_da is not None and richiesto_da.is_authenticated else None
    job = EsecuzioneJob.objects.create(
        job=task.name.rsplit(".", 1)[-1], parametri=parametri, richiesto_da=utente
    )
    kwargs = {**parametri, "esecuzione_id": job.pk}
    if task.app.conf.task_always_eager:
        try:
            task.apply_async(kwargs=kwargs)
        except Exception:  # already on the record by esegui_job; the log keeps the traceback
            log.exception("Job %s (esecuzione %s) fallito", job.job, job.pk)
    else:
        try:
            transaction.on_commit(lambda: task.apply_async(kwargs=kwargs))
        except Exception as exc:  # the broker is down: say so now, not "avviato" for ever
            _termina(job.pk, EsecuzioneJob.Esito.FALLITA, errore=descrivi_errore(exc))
            log.exception("Job %s (esecuzione %s) non accodato", job.job, job.pk)
            raise DomainError(CODA_NON_RAGGIUNGIBILE) from exc
    job.refresh_from_db()
    return job


def esegui_job(
    nome: str,
    parametri: dict,
    funzione: Callable[[EsecuzioneJob], dict],
    *,
    esecuzione_id: int | None = None,
    modificati: Callable[[dict], int] = lambda risultato: 0,
) -> dict:
    """Run `funzione(job)` as one recorded run. `esecuzione_id` is the record made by accoda_job (a
    scheduled run, without one, gets a new record). Returns the summary, with `esecuzione` (the
    record's id). A DomainError is the operator's to read, not a bug: recorded and not raised. Any
    other exception is recorded and raised again, for the worker's log and error tracking."""
    if esecuzione_id is None:
        job = EsecuzioneJob.objects.create(job=nome, parametri=parametri)
    else:
        job = EsecuzioneJob.objects.select_related("richiesto_da").get(pk=esecuzione_id)
        if job.esito in (EsecuzioneJob.Esito.RIUSCITA, EsecuzioneJob.Esito.FALLITA):
            # Redelivered after the run ended (the worker died before acknowledging): never run twice.
            return {**job.risultato, "esecuzione": job.pk}
    EsecuzioneJob.objects.filter(pk=job.pk).update(
        esito=EsecuzioneJob.Esito.IN_CORSO, avviato_il=timezone.now(), terminato_il=None, errore=""
    )
    try:
        risultato = funzione(job)
    except DomainError as exc:
        _termina(job.pk, EsecuzioneJob.Esito.FALLITA, errore=descrivi_errore(exc))
        return {"esecuzione": job.pk, "errore": str(exc.message)}
    except Exception as exc:
        _termina(job.pk, EsecuzioneJob.Esito.FALLITA, errore=descrivi_errore(exc))
        raise
    _termina(
        job.pk, EsecuzioneJob.Esito.RIUSCITA, risultato=risultato, oggetti_modificati=modificati(risultato)
    )
    return {**risultato, "esecuzione": job.pk}
