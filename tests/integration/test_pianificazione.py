"""The scheduled jobs are django-celery-beat rows created once by load_reference_data and then the
operators' (apps/core/pianificazione.py)."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from apps.core.pianificazione import PIANIFICAZIONE
from apps.domande.reference import load_reference_data
from bonuspsi.celery import app

pytestmark = pytest.mark.django_db

NOMI = {
    "invia-notifiche", "scadenza-codici", "decadenza-prima-seduta", "scorrimento", "genera-rimborsi-mensile",
    "chiusura-fatturazione", "monitoraggio-mensile", "pulisci-archivi-fatture",
}  # fmt: skip


def _righe():
    return sorted(
        PeriodicTask.objects.filter(name__in=NOMI).values_list(
            "name", "task", "enabled", "interval__every", "crontab__minute", "crontab__hour",
            "crontab__day_of_month", "crontab__timezone",
        )
    )  # fmt: skip


def test_every_job_is_a_row_and_a_second_run_creates_nothing(reference_data):
    prima = _righe()
    assert {r[0] for r in prima} == NOMI
    assert all(r[2] for r in prima)  # enabled
    assert load_reference_data()["pianificazioni_create"] == 0
    assert _righe() == prima
    assert PeriodicTask.objects.filter(name__in=NOMI).count() == len(NOMI)


CICLO = ["scadenza-codici", "decadenza-prima-seduta", "scorrimento"]


def test_the_lifecycle_runs_nightly_in_order_expiry_decadenza_scorrimento(reference_data):
    orari = {
        t.name: (int(t.crontab.hour), int(t.crontab.minute), str(t.crontab.timezone))
        for t in PeriodicTask.objects.filter(name__in=CICLO)
    }
    assert orari["scadenza-codici"] < orari["decadenza-prima-seduta"] < orari["scorrimento"]
    assert {tz for _h, _m, tz in orari.values()} == {"Europe/Rome"}
    mensile = PeriodicTask.objects.get(name="monitoraggio-mensile").crontab
    assert (mensile.day_of_month, mensile.hour) == ("1", "3")


def test_an_operators_edit_survives_the_next_deploy(reference_data):
    job = PeriodicTask.objects.get(name="scorrimento")
    job.crontab = CrontabSchedule.objects.create(minute="15", hour="4", timezone="Europe/Rome")
    job.enabled = False
    job.save()
    PeriodicTask.objects.get(name="invia-notifiche").delete()

    uscita = io.StringIO()
    call_command("load_reference_data", stdout=uscita)
    assert "1 lavori pianificati creati" in uscita.getvalue()

    job.refresh_from_db()
    assert (job.enabled, job.crontab.hour, job.crontab.minute) == (False, "4", "15")
    # A job an operator deleted by mistake comes back; nothing else changes.
    assert PeriodicTask.objects.get(name="invia-notifiche").interval.every == 300
    assert PeriodicTask.objects.filter(name__in=NOMI).count() == len(NOMI)


def test_every_scheduled_task_is_a_registered_celery_task():
    app.loader.import_default_modules()
    for job in PIANIFICAZIONE:
        assert job.task in app.tasks, job.task


def test_beat_takes_its_schedule_from_the_database_only():
    # A schedule in settings would be written over the operators' rows each time beat starts.
    assert settings.CELERY_BEAT_SCHEDULE == {}
    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"


def test_operators_may_change_a_schedule_but_not_create_or_delete_jobs(reference_data):
    from django.contrib.auth.models import Group

    codici = set(
        Group.objects.get(name="Operatore INPS")
        .permissions.filter(content_type__app_label="django_celery_beat")
        .values_list("codename", flat=True)
    )
    assert {"view_periodictask", "change_periodictask"} <= codici
    assert not {"add_periodictask", "delete_periodictask"} & codici


def test_docker_compose_runs_one_beat_and_loads_the_schedule_at_init():
    # No YAML parser among the dependencies: the file's lines are enough for what must hold.
    righe = (Path(settings.BASE_DIR) / "docker-compose.yml").read_text().splitlines()
    comandi = [r for r in righe if r.strip().startswith("command:")]
    beat = [r for r in comandi if '"beat"' in r]
    assert len(beat) == 1 and "DatabaseScheduler" in beat[0]
    inizio = righe.index("  beat:")
    assert "    deploy: {replicas: 1}" in righe[inizio : inizio + 6]
    assert any("migrate --noinput && python manage.py load_reference_data" in r for r in comandi)


def test_an_operator_reads_and_edits_the_jobs_in_the_operators_site(client_carol):
    lista = client_carol.get("/operatori/django_celery_beat/periodictask/")
    assert lista.status_code == 200
    assert "scadenza-codici" in lista.content.decode()
    job = PeriodicTask.objects.get(name="scadenza-codici")
    assert client_carol.get(f"/operatori/django_celery_beat/periodictask/{job.pk}/change/").status_code == 200
    assert client_carol.get("/operatori/django_celery_beat/periodictask/add/").status_code == 403
