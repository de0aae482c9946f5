"""Celery tasks of the graduatorie: each run is on record in EsecuzioneJob (apps.core.jobs), so an
error raised in the worker reaches the operator who started it, not only the worker's log."""

import datetime as dt

from celery import shared_task

from apps.core.jobs import esegui_job
from apps.domande.models import Bando

from . import services


def _attore(job, attore_id):
    if job.richiesto_da_id is not None:
        return job.richiesto_da
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=attore_id).first() if attore_id else None


@shared_task(ignore_result=True, soft_time_limit=1500, time_limit=1800)
def calcola_graduatorie_task(bando_id: int, attore_id: int | None = None, esecuzione_id: int | None = None):
    return esegui_job(
        "calcola_graduatorie_task",
        {"bando_id": bando_id},
        lambda job: services.calcola_graduatorie(
            Bando.objects.get(pk=bando_id), attore=_attore(job, attore_id)
        ),
        esecuzione_id=esecuzione_id,
        modificati=lambda r: r["domande"],
    )


@shared_task(ignore_result=True, soft_time_limit=1500, time_limit=1800)
def pubblica_graduatorie_task(
    bando_id: int, data: str | None = None, attore_id: int | None = None, esecuzione_id: int | None = None
):
    giorno = dt.date.fromisoformat(data) if data else None
    return esegui_job(
        "pubblica_graduatorie_task",
        {"bando_id": bando_id, "data": data},
        lambda job: services.pubblica_graduatorie(
            Bando.objects.get(pk=bando_id), data=giorno, attore=_attore(job, attore_id)
        ),
        esecuzione_id=esecuzione_id,
        modificati=lambda r: r["codici"],
    )


@shared_task(ignore_result=True, soft_time_limit=3000, time_limit=3600)
def chiusura_fatturazione_task(oggi: str | None = None):
    """Daily (the beat job "chiusura-fatturazione"): every bando whose termine_fatturazione has
    passed, each in its own recorded run, so that one failing does not stop the others."""
    from django.utils import timezone

    from .chiusura import chiudi_fatturazione

    giorno = dt.date.fromisoformat(oggi) if oggi else timezone.localdate()
    risultati = []
    for bando in Bando.objects.filter(termine_fatturazione__lt=giorno).order_by("anno"):
        try:
            risultati.append(
                esegui_job(
                    "chiusura_fatturazione_task",
                    {"bando_id": bando.pk, "oggi": giorno.isoformat()},
                    lambda job, bando=bando: chiudi_fatturazione(bando, giorno),
                    modificati=lambda r: r["annullate"],
                )
            )
        except Exception:  # recorded in its EsecuzioneJob; the next bando still runs
            risultati.append({"bando": bando.anno, "errore": True})
    return risultati


def _giorno(oggi: str | None) -> dt.date:
    from django.utils import timezone

    return dt.date.fromisoformat(oggi) if oggi else timezone.localdate()


# The code's lifecycle, daily in this order (the schedule's times): expiry, decadenza, scorrimento. Each
# is its own task and its own recorded run, so one failing does not stop the others; the next day's
# schedule runs a failed one again (each is idempotent).
@shared_task(ignore_result=True, soft_time_limit=1500, time_limit=1800)
def scadenza_codici_task(oggi: str | None = None, esecuzione_id: int | None = None):
    from .ciclo import scadenza_codici

    giorno = _giorno(oggi)
    return esegui_job(
        "scadenza_codici_task",
        {"oggi": giorno.isoformat()},
        lambda job: scadenza_codici(giorno, attore=job.richiesto_da),
        esecuzione_id=esecuzione_id,
        modificati=lambda r: r["scaduti"] + r["sedute_annullate"],
    )


@shared_task(ignore_result=True, soft_time_limit=1500, time_limit=1800)
def decadenza_prima_seduta_task(oggi: str | None = None, esecuzione_id: int | None = None):
    from .ciclo import decadenza_prima_seduta

    giorno = _giorno(oggi)
    return esegui_job(
        "decadenza_prima_seduta_task",
        {"oggi": giorno.isoformat()},
        lambda job: decadenza_prima_seduta(giorno, attore=job.richiesto_da),
        esecuzione_id=esecuzione_id,
        modificati=lambda r: r["decaduti"] + r["sedute_annullate"],
    )


@shared_task(ignore_result=True, soft_time_limit=1500, time_limit=1800)
def scorrimento_task(oggi: str | None = None, bando_id: int | None = None, esecuzione_id: int | None = None):
    """Every published bando (or the one given), each in its own recorded run."""
    from .scorrimento import scorri

    giorno = _giorno(oggi)
    bandi = Bando.objects.filter(graduatoria_pubblicata_il__isnull=False).order_by("anno")
    if bando_id is not None:
        bandi = bandi.filter(pk=bando_id)
    risultati = []
    for bando in bandi:
        try:
            risultati.append(
                esegui_job(
                    "scorrimento_task",
                    {"bando_id": bando.pk, "oggi": giorno.isoformat()},
                    lambda job, bando=bando: scorri(bando, giorno, attore=job.richiesto_da),
                    esecuzione_id=esecuzione_id if bando_id is not None else None,
                    modificati=lambda r: r["nuovi_codici"] + r["integrazioni"],
                )
            )
        except Exception:  # recorded in its EsecuzioneJob; the next bando still runs
            risultati.append({"bando": bando.anno, "errore": True})
    return risultati
