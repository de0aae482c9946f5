"""Fatture racing: real parallel transactions on PostgreSQL, one thread and connection each.

Two registrations over one seduta: registra_fattura locks the code and then the sedute before checking
them, so the second waits and finds the seduta fatturata. A withdrawal racing the monthly batch: both
lock the fattura row, so one of them finds the other's state. Each test widens the window between the
check and the write (a sleep) and records who got past the check; each has a control with the locks
disabled that must see both get past it, or the test would prove nothing.
"""

import threading
import time
import uuid
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from apps.codici.models import CodiceUnivoco
from apps.core.exceptions import DomainError
from apps.fatture import services
from apps.fatture.models import Fattura, SedutaFatturata
from apps.sedute.models import Seduta
from tests.factories import (
    CodiceFactory,
    ProfessionistaFactory,
    fattura_registrata,
    seduta_confermata,
    utente_di,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("concorrenza")]

FINESTRA = 0.3  # seconds between the check and the write, for whoever passed the check


@pytest.fixture(autouse=True)
def _solo_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and real parallel transactions need PostgreSQL")


def in_parallelo(*lavori) -> list:
    """Run the callables at once, one thread (and connection) each; their outcomes in order."""
    via = threading.Barrier(len(lavori))
    esiti: list = [None] * len(lavori)

    def lavora(i, lavoro):
        try:
            via.wait(timeout=30)
            esiti[i] = lavoro()
        except DomainError as exc:
            esiti[i] = ("DomainError", exc.field, str(exc.message))
        except Exception as exc:  # anything else fails the test by name
            esiti[i] = (type(exc).__name__, str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=lavora, args=(i, lavoro)) for i, lavoro in enumerate(lavori)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return esiti


# --- Two registrations over one seduta -------------------------------------------------------------


def finestra_dopo_il_controllo(monkeypatch) -> list:
    """Sleep after a check that found nothing wrong; returns who got past it."""
    passati: list = []
    errori = services._errori

    def controlla_e_aspetta(*args, **kwargs):
        trovati = errori(*args, **kwargs)
        if not trovati:
            passati.append(threading.get_ident())
            time.sleep(FINESTRA)
        return trovati

    monkeypatch.setattr(services, "_errori", controlla_e_aspetta)
    return passati


def senza_lock(monkeypatch):
    """The control: read the code and the sedute without SELECT … FOR UPDATE."""
    monkeypatch.setattr(services, "blocca_codice", lambda codice_id: CodiceUnivoco.objects.get(pk=codice_id))
    monkeypatch.setattr(
        services,
        "_blocca_sedute",
        lambda professionista, ids: list(services._sedute_del_professionista(professionista, ids)),
    )


@pytest.fixture
def contesa():
    """One professional's confermata seduta, and two registrations of it (two numbers, two tabs)."""
    bob = ProfessionistaFactory()
    utente = utente_di(bob)
    seduta = seduta_confermata(bob, CodiceFactory(), giorni_fa=3)

    def registra(numero):
        def lavoro():
            fattura = services.registra_fattura(
                utente,
                bob,
                sedute=[seduta.pk],
                emittente=bob.nominativo,
                numero=numero,
                data=timezone.localdate(),
                totale=Decimal("50.00"),
            )
            return ("registrata", fattura.numero)

        return lavoro

    return seduta, [registra("1"), registra("2")]


def assert_una_sola_fattura(seduta):
    assert Fattura.objects.count() == 1
    assert SedutaFatturata.objects.filter(seduta=seduta, attiva=True).count() == 1
    seduta.refresh_from_db()
    assert seduta.stato == Seduta.Stato.FATTURATA


def test_two_registrations_of_one_seduta_exactly_one_wins(contesa, monkeypatch):
    seduta, lavori = contesa
    passati = finestra_dopo_il_controllo(monkeypatch)
    esiti = in_parallelo(*lavori)
    assert Counter(e[0] for e in esiti) == {"registrata": 1, "DomainError": 1}, esiti
    perso = next(e for e in esiti if e[0] == "DomainError")
    assert perso[1] == "sedute" and "è già fatturata" in perso[2]  # it read the winner's write, under lock
    assert len(passati) == 1  # with the locks nobody else ever got past the check
    assert_una_sola_fattura(seduta)


def test_control_without_the_locks_both_read_the_seduta_as_free(contesa, monkeypatch):
    seduta, lavori = contesa
    senza_lock(monkeypatch)
    passati = finestra_dopo_il_controllo(monkeypatch)
    esiti = in_parallelo(*lavori)
    # The race happens: both saw the seduta confermata and passed the check…
    assert len(passati) == 2
    # …and only the partial unique index (one active SedutaFatturata per seduta) stopped the second,
    # which still reads a message, not a 500.
    assert Counter(e[0] for e in esiti) == {"registrata": 1, "DomainError": 1}, esiti
    perso = next(e for e in esiti if e[0] == "DomainError")
    assert perso[1:] == ("sedute", "Una o più sedute selezionate sono già state fatturate.")
    assert_una_sola_fattura(seduta)


def test_one_number_on_two_codes_at_once_one_wins_and_the_other_reads_why(monkeypatch):
    """Two patients' fatture share no lock: the unique number per professional and year decides."""
    bob = ProfessionistaFactory()
    utente = utente_di(bob)
    sedute = [seduta_confermata(bob, CodiceFactory(), giorni_fa=3) for _ in range(2)]
    passati = finestra_dopo_il_controllo(monkeypatch)

    def registra(seduta):
        def lavoro():
            services.registra_fattura(
                utente, bob, sedute=[seduta], emittente="X", numero="7", data=timezone.localdate(), totale=50
            )
            return ("registrata",)

        return lavoro

    esiti = in_parallelo(registra(sedute[0]), registra(sedute[1]))
    assert len(passati) == 2  # both checked the number before either wrote it
    assert Counter(e[0] for e in esiti) == {"registrata": 1, "DomainError": 1}, esiti
    perso = next(e for e in esiti if e[0] == "DomainError")
    assert perso[1] == "numero" and "Hai già registrato la fattura numero 7" in perso[2]
    assert Fattura.objects.count() == 1
    assert sorted(Seduta.objects.values_list("stato", flat=True)) == [
        Seduta.Stato.CONFERMATA,
        Seduta.Stato.FATTURATA,
    ]


def test_a_double_click_registers_once(monkeypatch):
    """Two submissions of one form (same one-time key) at once: the second waits on the code's lock and
    gets the fattura the first registered."""
    bob = ProfessionistaFactory()
    utente = utente_di(bob)
    seduta = seduta_confermata(bob, CodiceFactory(), giorni_fa=3)
    chiave = uuid.uuid4()
    passati = finestra_dopo_il_controllo(monkeypatch)

    def invia():
        fattura = services.registra_fattura(
            utente,
            bob,
            sedute=[seduta],
            emittente="X",
            numero="1",
            data=timezone.localdate(),
            totale=50,
            chiave_invio=chiave,
        )
        return ("registrata", fattura.pk)

    esiti = in_parallelo(invia, invia)
    assert esiti[0] == esiti[1] == ("registrata", Fattura.objects.get().pk), esiti
    assert len(passati) == 1


# --- A withdrawal racing the monthly batch ---------------------------------------------------------


def lotto_che_blocca(fattura, bloccata: threading.Event):
    """What the batch does to a fattura: lock its row FOR UPDATE, then (a while later) move it."""

    def lavoro():
        with transaction.atomic():
            list(Fattura.objects.select_for_update().filter(pk=fattura.pk))
            bloccata.set()
            time.sleep(FINESTRA)
            return ("lotto", services.segna_in_pagamento([fattura.pk]))

    return lavoro


def ritiro_dopo(fattura, bloccata: threading.Event):
    def lavoro():
        assert bloccata.wait(timeout=10)
        services.ritira_fattura(None, fattura)
        return ("ritirata",)

    return lavoro


def test_withdrawal_racing_the_batch_loses_when_the_batch_locked_first():
    fattura = fattura_registrata()
    bloccata = threading.Event()
    esiti = in_parallelo(lotto_che_blocca(fattura, bloccata), ritiro_dopo(fattura, bloccata))
    assert esiti[0] == ("lotto", 1)
    assert esiti[1][0] == "DomainError" and "non si può più ritirare" in esiti[1][2], esiti
    fattura.refresh_from_db()
    assert fattura.stato == Fattura.Stato.IN_PAGAMENTO
    assert SedutaFatturata.objects.filter(fattura=fattura, attiva=True).count() == 2
    assert set(Seduta.objects.values_list("stato", flat=True)) == {Seduta.Stato.FATTURATA}


def test_withdrawal_first_then_the_batch_skips_it(monkeypatch):
    fattura = fattura_registrata()
    bloccata = threading.Event()
    blocca = services._blocca_fattura

    def blocca_e_aspetta(pk):
        riga = blocca(pk)
        bloccata.set()
        time.sleep(FINESTRA)
        return riga

    monkeypatch.setattr(services, "_blocca_fattura", blocca_e_aspetta)

    def lotto():
        assert bloccata.wait(timeout=10)
        with transaction.atomic():
            list(Fattura.objects.select_for_update().filter(pk=fattura.pk))
            return ("lotto", services.segna_in_pagamento([fattura.pk]))

    esiti = in_parallelo(lambda: (services.ritira_fattura(None, fattura), ("ritirata",))[1], lotto)
    assert esiti == [("ritirata",), ("lotto", 0)]
    fattura.refresh_from_db()
    assert fattura.stato == Fattura.Stato.RITIRATA


def test_control_without_the_fattura_lock_both_the_batch_and_the_withdrawal_succeed(monkeypatch):
    fattura = fattura_registrata()
    monkeypatch.setattr(services, "_blocca_fattura", lambda pk: Fattura.objects.get(pk=pk))
    bloccata = threading.Event()
    esiti = in_parallelo(lotto_che_blocca(fattura, bloccata), ritiro_dopo(fattura, bloccata))
    # The race happens: the withdrawal read da_pagare while the batch was taking the fattura…
    assert esiti == [("lotto", 1), ("ritirata",)], esiti
    fattura.refresh_from_db()
    # …and the batch's fattura ends withdrawn, its sedute free again: the lock is what prevents it.
    assert fattura.stato == Fattura.Stato.RITIRATA
    assert set(Seduta.objects.values_list("stato", flat=True)) == {Seduta.Stato.CONFERMATA}
