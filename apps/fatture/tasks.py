"""Celery tasks of the fatture: the citizen's large downloads (see apps.fatture.documenti)."""

from celery import shared_task

from . import documenti


@shared_task(ignore_result=True, soft_time_limit=1500, time_limit=1560)
def prepara_archivio_fatture(archivio_id: int):
    """Build a citizen's archive of fatture (one PDF or a ZIP), recording its progress."""
    documenti.prepara_archivio(archivio_id)


@shared_task(ignore_result=True)
def pulisci_archivi_fatture():
    """Delete the archives older than documenti.CONSERVAZIONE (beat: hourly)."""
    return documenti.elimina_archivi_scaduti()
