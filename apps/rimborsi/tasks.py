"""Celery tasks of the rimborsi: each run is on record in EsecuzioneJob (apps.core.jobs)."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from apps.core.jobs import esegui_job

from . import services


def mese_appena_finito(oggi: dt.date | None = None) -> dt.date:
    """The first day of the month before `oggi`'s (beat runs on day 1 for the month just ended)."""
    oggi = oggi or timezone.localdate()
    return (oggi.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def riepilogo(lotto) -> dict:
    return {
        "lotto": lotto.pk,
        "mese": lotto.mese.isoformat(),
        "creato": getattr(lotto, "creato_ora", False),
        "rimborsi": lotto.numero_rimborsi,
        "totale": str(lotto.totale),
        "sospese": lotto.numero_sospese,
        "in_attesa_iban": getattr(lotto, "in_attesa_iban", None),
    }


def _utente(job, attore_id):
    if job.richiesto_da_id is not None:
        return job.richiesto_da
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=attore_id).first() if attore_id else None


@shared_task(ignore_result=True, soft_time_limit=1500, time_limit=1800)
def genera_rimborsi_task(
    mese: str | None = None, attore_id: int | None = None, esecuzione_id: int | None = None
):
    """The batch of `mese` (YYYY-MM or YYYY-MM-DD); without one, of the month just ended (beat)."""
    giorno = dt.date.fromisoformat(f"{mese}-01" if mese and len(mese) == 7 else mese) if mese else None
    giorno = giorno or mese_appena_finito()
    return esegui_job(
        "genera_rimborsi_task",
        {"mese": giorno.strftime("%Y-%m")},
        lambda job: riepilogo(services.genera_rimborsi(giorno, utente=_utente(job, attore_id))),
        esecuzione_id=esecuzione_id,
        modificati=lambda r: r["rimborsi"] if r.get("creato") else 0,
    )
