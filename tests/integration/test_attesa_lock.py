"""A row held by another transaction: the code (blocca_codice) and the bando's graduatorie.

A second connection, in its own thread, takes the lock and keeps it for ATTESA seconds, then lets go
by itself (so no test can hang). With LOCK_TIMEOUT_MS small, the action gives up fast with "il servizio
è occupato" and nothing changed; the control, without limita_attesa, really waits for the holder."""

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from apps.codici import services as codici_services
from apps.codici.models import CodiceUnivoco, MovimentoCodice
from apps.core.exceptions import DomainError
from apps.core.locking import SERVIZIO_OCCUPATO
from apps.core.models import EsecuzioneJob
from apps.domande.models import Bando
from apps.domande.reference import OPERATORE_GROUP
from apps.graduatorie import services as graduatorie_services
from apps.graduatorie.models import Graduatoria, Posizione
from apps.sedute import services as sedute
from apps.sedute.models import Seduta
from tests.factories import (
    BandoFactory,
    BudgetFactory,
    CodiceFactory,
    DomandaFactory,
    UserFactory,
    entra_come_professionista,
    regione,
    utente_di,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("concorrenza")]

ATTESA = 1.5  # seconds the other transaction holds the lock
OCCUPATO = str(SERVIZIO_OCCUPATO)


@pytest.fixture(autouse=True)
def _postgresql_e_attesa_breve(settings):
    if connection.vendor != "postgresql":
        pytest.skip("lock_timeout is PostgreSQL's")
    settings.LOCK_TIMEOUT_MS = 200


class Blocco:
    """Another connection holding SELECT … FOR UPDATE on `queryset` for ATTESA seconds."""

    def __init__(self, queryset):
        self.queryset, self.preso = queryset, threading.Event()
        self.thread = threading.Thread(target=self._tieni)

    def _tieni(self):
        try:
            with transaction.atomic():
                list(self.queryset.select_for_update())
                self.preso.set()
                time.sleep(ATTESA)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.preso.wait(timeout=10)
        return self

    def __exit__(self, *exc):
        self.thread.join(timeout=ATTESA + 10)
        assert not self.thread.is_alive()


def cronometra(azione):
    inizio = time.monotonic()
    try:
        return azione(), time.monotonic() - inizio
    except DomainError as exc:
        return exc, time.monotonic() - inizio


@pytest.fixture
def prenotazione(bob):
    codice = CodiceFactory(assegnato=Decimal("500.00"))

    def prenota():
        return sedute.prenota_seduta(
            utente_di(bob), bob, codice_id=codice.pk, codice_fiscale=codice.domanda.cf_beneficiario,
            studio=bob.studi.first(), inizio=timezone.now() + dt.timedelta(days=1), durata_minuti=50,
            importo=Decimal("50.00"),
        )  # fmt: skip

    return bob, codice, prenota


def assert_codice_intatto(codice):
    codice.refresh_from_db()
    assert (codice.prenotato, codice.utilizzato) == (Decimal("0.00"), Decimal("0.00"))
    assert not Seduta.objects.exists()
    assert MovimentoCodice.objects.filter(codice=codice).count() == 1  # the assignment only


class TestCodiceBloccato:
    def test_booking_gives_up_fast_with_the_busy_message_and_books_nothing(self, prenotazione):
        _, codice, prenota = prenotazione
        with Blocco(CodiceUnivoco.objects.filter(pk=codice.pk)):
            esito, durata = cronometra(prenota)
        assert isinstance(esito, DomainError) and esito.message == SERVIZIO_OCCUPATO
        assert durata < ATTESA - 0.5
        assert_codice_intatto(codice)

    def test_control_without_the_bounded_wait_the_booking_waits_for_the_holder(
        self, prenotazione, monkeypatch
    ):
        monkeypatch.setattr(codici_services, "limita_attesa", lambda: None)
        _, codice, prenota = prenotazione
        with Blocco(CodiceUnivoco.objects.filter(pk=codice.pk)):
            esito, durata = cronometra(prenota)
        assert isinstance(esito, Seduta)  # it went through, once the holder let go
        assert durata >= ATTESA - 0.3

    def test_cancel_and_confirm_give_up_too(self, prenotazione):
        bob, codice, prenota = prenotazione
        seduta = prenota()
        with Blocco(CodiceUnivoco.objects.filter(pk=codice.pk)):
            for azione in (sedute.annulla_seduta, sedute.conferma_seduta):
                esito, durata = cronometra(lambda a=azione: a(utente_di(bob), seduta, adesso=seduta.inizio))
                assert isinstance(esito, DomainError) and esito.message == SERVIZIO_OCCUPATO
                assert durata < ATTESA - 0.5
        seduta.refresh_from_db()
        assert seduta.stato == Seduta.Stato.PRENOTATA

    def test_the_booking_page_says_the_service_is_busy(self, client, prenotazione):
        bob, codice, _ = prenotazione
        entra_come_professionista(client, bob, paziente=codice)
        dati = {
            "data": (timezone.localdate() + dt.timedelta(days=1)).isoformat(), "ora": "10:30",
            "durata_minuti": "50", "importo": "40", "studio": bob.studi.first().pk,
        }  # fmt: skip
        with Blocco(CodiceUnivoco.objects.filter(pk=codice.pk)):
            response = client.post(reverse("professionista:prenota_seduta"), dati)
        assert response.status_code == 200
        assert "Il servizio è occupato" in response.content.decode()
        assert_codice_intatto(codice)


@pytest.fixture
def bando():
    bando = BandoFactory(anno=2095)
    BudgetFactory(bando=bando, regione=regione("120"), importo=Decimal("2000.00"))
    DomandaFactory(bando=bando, isee=Decimal("1000.00"))
    return bando


class TestBandoBloccato:
    def test_the_ranking_gives_up_fast_and_computes_nothing(self, bando):
        with Blocco(Bando.objects.filter(pk=bando.pk)):
            esito, durata = cronometra(lambda: graduatorie_services.calcola_graduatorie(bando))
        assert isinstance(esito, DomainError) and esito.message == SERVIZIO_OCCUPATO
        assert durata < ATTESA - 0.5
        assert not Posizione.objects.exists() and not Graduatoria.objects.exists()

    def test_control_without_the_bounded_wait_the_ranking_waits(self, bando, monkeypatch):
        monkeypatch.setattr(graduatorie_services, "limita_attesa", lambda: None)
        with Blocco(Bando.objects.filter(pk=bando.pk)):
            esito, durata = cronometra(lambda: graduatorie_services.calcola_graduatorie(bando))
        assert esito["domande"] == 1
        assert durata >= ATTESA - 0.3

    def test_publication_gives_up_on_a_locked_graduatoria(self, bando):
        graduatorie_services.calcola_graduatorie(bando)
        with Blocco(Graduatoria.objects.filter(bando=bando, regione_id="120")):
            esito, durata = cronometra(lambda: graduatorie_services.pubblica_graduatorie(bando))
        assert isinstance(esito, DomainError) and esito.message == SERVIZIO_OCCUPATO
        assert durata < ATTESA - 0.5
        assert not CodiceUnivoco.objects.exists()
        assert not Graduatoria.objects.filter(stato=Graduatoria.Stato.PUBBLICATA).exists()

    def test_the_command_fails_with_the_message(self, bando):
        with (
            Blocco(Bando.objects.filter(pk=bando.pk)),
            pytest.raises(CommandError, match="servizio è occupato"),
        ):
            call_command("run_graduatoria", "--bando", "2095")

    def test_the_admin_action_shows_the_message_and_records_the_failed_run(
        self, client, bando, reference_data
    ):
        carol = UserFactory(nome="Carol", cognome="Operatrice", is_staff=True)
        carol.groups.add(Group.objects.get(name=OPERATORE_GROUP))
        client.force_login(carol)
        with Blocco(Bando.objects.filter(pk=bando.pk)):
            response = client.post(
                reverse("admin:domande_bando_changelist"),
                {"action": "calcola_graduatorie", "_selected_action": [bando.pk]},
                follow=True,
            )
        assert response.status_code == 200
        assert [str(m) for m in get_messages(response.wsgi_request)] == [OCCUPATO]
        assert EsecuzioneJob.objects.get().errore == OCCUPATO
