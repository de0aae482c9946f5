"""The monthly monitoring job, on record in EsecuzioneJob (apps.core.jobs)."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from apps.core.jobs import esegui_job

from . import services


@shared_task(ignore_result=True, soft_time_limit=1500, time_limit=1800)
def monitoraggio_task(mese: str | None = None, esecuzione_id: int | None = None):
    """The snapshots of `mese` (YYYY-MM); without one, of the month just ended (beat, on day 1)."""
    if mese:
        giorno = dt.date.fromisoformat(f"{mese}-01")
    else:
        giorno = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return esegui_job(
        "monitoraggio_task",
        {"mese": giorno.strftime("%Y-%m")},
        lambda job: {"istantanee": [i.pk for i in services.genera_instantanee(giorno)]},
        esecuzione_id=esecuzione_id,
        modificati=lambda r: len(r["istantanee"]),
    )
