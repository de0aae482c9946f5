"""The monthly monitoring job, on record in EsecuzioneJob (apps.core.jobs)."""

import datetime as dt

from celery import shared_task

from apps.core.jobs import esegui_job
from apps.rimborsi.tasks import mese_appena_finito

from . import services


@shared_task(ignore_result=True, soft_time_limit=1500, time_limit=1800)
def monitoraggio_task(mese: str | None = None, esecuzione_id: int | None = None):
    """The snapshots of `mese` (YYYY-MM); without one, of the month just ended (beat, on day 1)."""
    giorno = dt.date.fromisoformat(f"{mese}-01") if mese else mese_appena_finito()
    return esegui_job(
        "monitoraggio_task",
        {"mese": giorno.strftime("%Y-%m")},
        lambda job: {"istantanee": [i.pk for i in services.genera_instantanee(giorno)]},
        esecuzione_id=esecuzione_id,
        modificati=lambda r: len(r["istantanee"]),
    )
