"""The scheduled jobs, as rows of django-celery-beat's DatabaseScheduler that operators see and change in
/operatori/ ("Periodic tasks").

`crea_pianificazioni()` (called by `load_reference_data`, so by every deploy's init step) creates a job that
is missing and never touches one that exists: an operator who moved a time or disabled a job keeps it.
CELERY_BEAT_SCHEDULE stays empty on purpose: the DatabaseScheduler writes that setting over its rows each
time beat starts, which would undo the operators' edits.

Times are Europe/Rome. The code's lifecycle runs every night in this order, each its own task and its own
EsecuzioneJob, so one failing does not stop the others: expiry 01:00, decadenza 01:20, scorrimento 01:40
(it reassigns what the two before freed). The descriptions are data in the operators' language (Italian).
"""

from dataclasses import dataclass

ROMA = "Europe/Rome"


@dataclass(frozen=True)
class Job:
    nome: str
    task: str
    descrizione: str
    ogni_secondi: int | None = None
    minuto: str = "0"
    ora: str = "*"
    giorno_del_mese: str = "*"


PIANIFICAZIONE = [
    Job("invia-notifiche", "apps.core.tasks.send_pending_notifiche",
        "Invia le notifiche in coda (e-mail, PEC).", ogni_secondi=300),
    Job("scadenza-codici", "apps.graduatorie.tasks.scadenza_codici_task",
        "Codici oltre la validità: scaduti, prenotazioni annullate d'ufficio, residuo al fondo regionale; "
        "promemoria 30 giorni prima della scadenza.", minuto="0", ora="1"),
    Job("decadenza-prima-seduta", "apps.graduatorie.tasks.decadenza_prima_seduta_task",
        "Codici senza prima seduta confermata entro il termine: decaduti, importo al fondo regionale.",
        minuto="20", ora="1"),
    Job("scorrimento", "apps.graduatorie.tasks.scorrimento_task",
        "Scorrimento delle graduatorie pubblicate con i fondi regionali disponibili.", minuto="40", ora="1"),
    Job("genera-rimborsi-mensile", "apps.rimborsi.tasks.genera_rimborsi_task",
        "Lotto mensile dei rimborsi del mese appena finito.", minuto="0", ora="2", giorno_del_mese="1"),
    Job("chiusura-fatturazione", "apps.graduatorie.tasks.chiusura_fatturazione_task",
        "Bandi oltre il termine di fatturazione: annulla le sedute confermate mai fatturate.",
        minuto="30", ora="2"),
    Job("monitoraggio-mensile", "apps.monitoraggio.tasks.monitoraggio_task",
        "Istantanea di monitoraggio del mese appena finito (circ. 124/2025 §8).",
        minuto="0", ora="3", giorno_del_mese="1"),
    Job("pulisci-archivi-fatture", "apps.fatture.tasks.pulisci_archivi_fatture",
        "Elimina gli archivi di fatture preparati per i cittadini da più di 24 ore.", ogni_secondi=3600),
]  # fmt: skip


def crea_pianificazioni() -> int:
    """Create the missing jobs; returns how many were created (0 on every later run)."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    creati = 0
    for job in PIANIFICAZIONE:
        if PeriodicTask.objects.filter(name=job.nome).exists():
            continue  # as the operators left it
        if job.ogni_secondi:
            intervallo, _ = IntervalSchedule.objects.get_or_create(
                every=job.ogni_secondi, period=IntervalSchedule.SECONDS
            )
            pianificazione = {"interval": intervallo}
        else:
            orario, _ = CrontabSchedule.objects.get_or_create(
                minute=job.minuto, hour=job.ora, day_of_month=job.giorno_del_mese,
                month_of_year="*", day_of_week="*", timezone=ROMA,
            )  # fmt: skip
            pianificazione = {"crontab": orario}
        _task, nuovo = PeriodicTask.objects.get_or_create(
            name=job.nome, defaults={"task": job.task, "description": job.descrizione, **pianificazione}
        )
        creati += nuovo
    return creati
