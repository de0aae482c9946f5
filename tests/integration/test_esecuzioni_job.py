"""Job runs on record (EsecuzioneJob): the graduatoria tasks write one per run, the operator reads
the outcome in the admin, and the Celery configuration makes a killed worker's task come back."""

import html
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError
from django.urls import reverse

from apps.core.jobs import CODA_NON_RAGGIUNGIBILE, descrivi_errore
from apps.core.models import AuditEvent, EsecuzioneJob
from apps.graduatorie import services
from apps.graduatorie.models import Posizione
from apps.graduatorie.tasks import calcola_graduatorie_task, pubblica_graduatorie_task
from bonuspsi.celery import app
from tests.factories import BandoFactory, BudgetFactory, DomandaFactory, regione

pytestmark = pytest.mark.django_db

CF = "RSSMRA85M01H501Q"


@pytest.fixture
def bando():
    bando = BandoFactory(anno=2094)
    BudgetFactory(bando=bando, regione=regione("120"), importo=Decimal("6500.00"))
    DomandaFactory(bando=bando, protocollo="J-1", isee=Decimal("1000.00"))
    DomandaFactory(bando=bando, protocollo="J-2", isee=Decimal("2000.00"))
    return bando


def azione(client, action, bando):
    return client.post(
        reverse("admin:domande_bando_changelist"),
        {"action": action, "_selected_action": [bando.pk]},
        follow=True,
    )


def msgs(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def esplode(*args, **kwargs):
    raise IntegrityError(
        f'duplicate key value violates unique constraint "x" for {CF}\nDETAIL: Key (cf)=({CF}) exists.'
    )


def test_the_worker_acknowledges_late_one_task_at_a_time_and_keeps_our_logging():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.worker_hijack_root_logger is False
    assert (conf.task_serializer, conf.result_serializer, conf.accept_content) == ("json", "json", ["json"])
    assert conf.task_soft_time_limit < conf.task_time_limit
    # Redis must not hand a running task to a second worker before its hard limit kills it.
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    for task in (calcola_graduatorie_task, pubblica_graduatorie_task):
        assert task.soft_time_limit < task.time_limit < conf.broker_transport_options["visibility_timeout"]


class TestTaskRecords:
    def test_a_run_that_succeeds_is_recorded_with_its_summary(self, bando, carol):
        risultato = calcola_graduatorie_task.delay(bando.pk, attore_id=carol.pk).result
        job = EsecuzioneJob.objects.get()
        assert job.job == "calcola_graduatorie_task" and job.parametri == {"bando_id": bando.pk}
        assert job.esito == EsecuzioneJob.Esito.RIUSCITA and job.errore == ""
        assert job.avviato_il <= job.terminato_il
        assert job.risultato["domande"] == 2 and job.risultato["finanziate"] == 2
        assert Decimal(job.risultato["assegnato"]) == Decimal("3000.00")
        assert job.oggetti_modificati == 2
        assert risultato["esecuzione"] == job.pk
        assert AuditEvent.objects.get(azione="graduatoria.calcolata").attore == carol

    def test_a_domain_error_in_the_worker_is_recorded_fallita_with_its_message(self, bando):
        pubblica_graduatorie_task.delay(bando.pk)  # not computed yet: refused
        job = EsecuzioneJob.objects.get()
        assert job.esito == EsecuzioneJob.Esito.FALLITA
        assert job.errore == "Calcolare la graduatoria del bando 2094 prima di pubblicarla."
        assert job.terminato_il is not None and job.risultato == {}

    def test_an_unexpected_error_is_recorded_without_personal_data_and_raised(self, bando, monkeypatch):
        monkeypatch.setattr(services, "calcola_graduatorie", esplode)
        with pytest.raises(IntegrityError):
            calcola_graduatorie_task.delay(bando.pk)
        job = EsecuzioneJob.objects.get()
        assert job.esito == EsecuzioneJob.Esito.FALLITA
        assert job.errore == 'IntegrityError: duplicate key value violates unique constraint "x" for ***'
        assert CF not in job.errore and "DETAIL" not in job.errore

    def test_a_task_redelivered_after_its_run_ended_does_not_run_again(self, bando):
        """acks_late: a worker that dies after the run but before acknowledging gets it redelivered."""
        primo = calcola_graduatorie_task.delay(bando.pk).result
        job = EsecuzioneJob.objects.get()
        Posizione.objects.all().delete()  # would be recomputed by a second run
        again = calcola_graduatorie_task.delay(bando.pk, esecuzione_id=job.pk).result
        assert again == primo
        assert not Posizione.objects.exists()
        assert AuditEvent.objects.filter(azione="graduatoria.calcolata").count() == 1


def test_error_text_masks_personal_data():
    errore = ValueError(
        f"{CF.lower()} alice@example.org +39 333 1234567 IT60X0542811101000000123456 ABCDEFGHJKLM 2094 ok"
    )
    assert descrivi_errore(errore) == "ValueError: *** *** *** *** *** 2094 ok"


class TestAdminActions:
    def test_eager_the_outcome_is_shown_with_the_amount_in_euro(self, client_carol, carol, bando):
        response = azione(client_carol, "calcola_graduatorie", bando)
        assert response.status_code == 200
        assert msgs(response) == [
            (
                "success",
                "Graduatorie del bando 2094 calcolate: 2 domande, 2 finanziate, 3.000,00 € assegnati.",
            )
        ]
        assert EsecuzioneJob.objects.get().richiesto_da == carol

    def test_an_unexpected_failure_shows_the_recorded_error_not_a_500(self, client_carol, bando, monkeypatch):
        monkeypatch.setattr(services, "calcola_graduatorie", esplode)
        response = azione(client_carol, "calcola_graduatorie", bando)
        assert response.status_code == 200
        job = EsecuzioneJob.objects.get()
        assert job.esito == EsecuzioneJob.Esito.FALLITA
        assert msgs(response) == [("error", job.errore)]

    def test_a_domain_failure_is_shown_and_on_record(self, client_carol, bando):
        response = azione(client_carol, "pubblica_graduatorie", bando)
        assert msgs(response) == [("error", "Calcolare la graduatoria del bando 2094 prima di pubblicarla.")]
        assert EsecuzioneJob.objects.get().esito == EsecuzioneJob.Esito.FALLITA

    def test_carol_reads_the_runs_in_esecuzioni_job_and_cannot_change_them(self, client_carol, bando):
        azione(client_carol, "pubblica_graduatorie", bando)
        job = EsecuzioneJob.objects.get()
        response = client_carol.get(reverse("admin:core_esecuzionejob_changelist"))
        assert response.status_code == 200 and "pubblica_graduatorie_task" in response.content.decode()
        response = client_carol.get(reverse("admin:core_esecuzionejob_change", args=[job.pk]))
        assert response.status_code == 200
        assert "prima di pubblicarla" in response.content.decode()
        response = client_carol.post(
            reverse("admin:core_esecuzionejob_delete", args=[job.pk]), {"post": "yes"}
        )
        assert response.status_code == 403 and EsecuzioneJob.objects.filter(pk=job.pk).exists()


@pytest.mark.django_db(transaction=True)
class TestWithABroker:
    """Not eager: the task goes to the broker once the request's writes are committed."""

    @pytest.fixture(autouse=True)
    def _broker(self, monkeypatch):
        app.conf.task_always_eager = False  # conftest sets it back for the next test
        self.inviati = []
        monkeypatch.setattr(calcola_graduatorie_task, "apply_async", lambda **kw: self.inviati.append(kw))

    def test_the_action_says_where_the_outcome_will_be(self, client_carol, bando):
        response = azione(client_carol, "calcola_graduatorie", bando)
        job = EsecuzioneJob.objects.get()
        assert job.esito == EsecuzioneJob.Esito.IN_CODA
        assert self.inviati == [{"kwargs": {"bando_id": bando.pk, "esecuzione_id": job.pk}}]
        [(livello, testo)] = msgs(response)
        assert livello == "info"
        testo = html.unescape(testo)
        assert "Calcolo delle graduatorie del bando 2094 avviato: l'esito sarà in Esecuzioni job" in testo
        assert reverse("admin:core_esecuzionejob_change", args=[job.pk]) in testo
        assert not Posizione.objects.exists()

        # The worker then runs it on the same record.
        calcola_graduatorie_task.run(**self.inviati[0]["kwargs"])
        job.refresh_from_db()
        assert job.esito == EsecuzioneJob.Esito.RIUSCITA and job.oggetti_modificati == 2

    def test_a_broker_that_refuses_the_task_is_an_error_message_and_a_failed_run(
        self, client_carol, bando, monkeypatch
    ):
        def rifiuta(**kwargs):
            raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

        monkeypatch.setattr(calcola_graduatorie_task, "apply_async", rifiuta)
        response = azione(client_carol, "calcola_graduatorie", bando)
        assert response.status_code == 200
        assert msgs(response) == [("error", str(CODA_NON_RAGGIUNGIBILE))]
        job = EsecuzioneJob.objects.get()
        assert job.esito == EsecuzioneJob.Esito.FALLITA and job.errore.startswith("ConnectionError")
