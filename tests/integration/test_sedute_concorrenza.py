"""Sedute racing on one code: real parallel transactions on PostgreSQL, one thread and connection each.

The services lock the code row (`blocca_codice`) before reading the residuo, so concurrent bookings,
or a confirmation and a cancellation, queue behind each other. Every test widens the window between
the check and the write (a sleep, or a barrier for two threads) and counts who got through it; each
has a control with the lock disabled that must see the race happen, or the test would prove nothing.

100 bookings run through 40 threads, released together by a barrier and taking jobs from a queue of
100: one connection per thread, and PostgreSQL allows 100 (max_connections) for the whole machine,
while the other xdist worker, the test's own connection and other developers' test runs hold some
too. 40 simultaneous transactions on one row are plenty to show the race; 100 threads would risk
"too many clients" failures that have nothing to do with the code under test.
"""

import contextlib
import datetime as dt
import queue
import threading
import time
from collections import Counter
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection
from django.db.models import QuerySet, Sum
from django.utils import timezone

from apps.codici.models import CodiceUnivoco
from apps.codici.selectors import saldi_dal_registro
from apps.core.exceptions import DomainError
from apps.sedute import services
from apps.sedute.models import Seduta
from tests.factories import CodiceFactory, ProfessionistaFactory, SedutaFactory, utente_di

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("concorrenza")]

THREAD = 40
TENTATIVI = 100
FINESTRA = 0.05  # seconds between the residuo check and the write, in every booking that passed it
TROPPO_20 = "L'importo supera il massimo disponibile per questa seduta: 20,00 €"


@pytest.fixture(autouse=True)
def _solo_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and real parallel transactions need PostgreSQL")


def esegui_in_parallelo(lavori, thread=THREAD) -> Counter:
    """Run the callables on `thread` threads released at once; count the outcomes."""
    coda = queue.SimpleQueue()
    for lavoro in lavori:
        coda.put(lavoro)
    via = threading.Barrier(min(thread, len(lavori)))
    esiti: list = []

    def lavora():
        try:
            via.wait(timeout=30)
            while True:
                try:
                    lavoro = coda.get_nowait()
                except queue.Empty:
                    return
                try:
                    esiti.append(lavoro())
                except DomainError as exc:
                    esiti.append(("DomainError", exc.field, exc.message))
                except IntegrityError as exc:
                    esiti.append(("IntegrityError", getattr(exc.__cause__.diag, "constraint_name", "")))
                except Exception as exc:  # anything else fails the test by name
                    esiti.append((type(exc).__name__, str(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=lavora) for _ in range(min(thread, len(lavori)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return Counter(esiti)


def senza_lock_sul_codice(monkeypatch):
    """The control: read the code without SELECT … FOR UPDATE."""
    monkeypatch.setattr(services, "blocca_codice", lambda codice_id: CodiceUnivoco.objects.get(pk=codice_id))


def finestra_larga(monkeypatch) -> list:
    """Sleep after the residuo check, before the amounts move; returns who got past the check."""
    passati: list = []
    muovi_importi = services.muovi_importi

    def muovi_dopo_una_pausa(codice, tipo, **kwargs):
        passati.append(threading.get_ident())
        time.sleep(FINESTRA)
        return muovi_importi(codice, tipo, **kwargs)

    monkeypatch.setattr(services, "muovi_importi", muovi_dopo_una_pausa)
    return passati


def assert_coerente(codice: CodiceUnivoco) -> CodiceUnivoco:
    """Columns equal the ledger's sums and hold exactly the amounts of the sedute in each state."""
    codice.refresh_from_db()
    assert saldi_dal_registro(codice) == {
        "assegnato": codice.assegnato,
        "prenotato": codice.prenotato,
        "utilizzato": codice.utilizzato,
    }
    assert codice.prenotato == _somma(codice, Seduta.Stato.PRENOTATA)
    assert codice.utilizzato == _somma(codice, Seduta.Stato.CONFERMATA)
    return codice


def _somma(codice, stato) -> Decimal:
    return Seduta.objects.filter(codice=codice, stato=stato).aggregate(s=Sum("importo"))["s"] or Decimal(
        "0.00"
    )


# --- 100 simultaneous bookings of 50.00 on a code with 120.00 -------------------------------------


@pytest.fixture
def codice_120():
    return CodiceFactory(assegnato=Decimal("120.00"))


def prenotazioni(codice, professionisti: int) -> list:
    bob, carol = ProfessionistaFactory(), ProfessionistaFactory()
    chi = [(bob, utente_di(bob), bob.studi.get()), (carol, utente_di(carol), carol.studi.get())]
    inizio = timezone.now() + dt.timedelta(days=2)

    def prenota(professionista, utente, studio):
        def lavoro():
            seduta = services.prenota_seduta(
                utente,
                professionista,
                codice_id=codice.pk,
                codice_fiscale=codice.domanda.cf_beneficiario,
                studio=studio,
                inizio=inizio,
                durata_minuti=50,
                importo=Decimal("50.00"),
            )
            return ("prenotata", seduta.professionista_id)

        return lavoro

    return [prenota(*chi[n % professionisti]) for n in range(TENTATIVI)]


def riassunto(esiti: Counter) -> Counter:
    return Counter(e[0] for e in esiti.elements())


@pytest.mark.parametrize("professionisti", [1, 2], ids=["un_professionista", "due_professionisti"])
def test_simultaneous_bookings_never_spend_more_than_the_residuo(codice_120, monkeypatch, professionisti):
    passati = finestra_larga(monkeypatch)
    esiti = esegui_in_parallelo(prenotazioni(codice_120, professionisti))
    assert riassunto(esiti) == {"prenotata": 2, "DomainError": 98}, esiti
    assert esiti[("DomainError", "importo", TROPPO_20)] == 98  # the clear message, with what is left
    assert len(passati) == 2  # with the lock nobody else ever got past the check
    codice = assert_coerente(codice_120)
    assert (codice.residuo, codice.prenotato) == (Decimal("20.00"), Decimal("100.00"))
    assert Seduta.objects.filter(codice=codice).count() == 2


@pytest.mark.parametrize("professionisti", [1, 2], ids=["un_professionista", "due_professionisti"])
def test_control_without_the_lock_bookings_pass_the_check_and_only_the_database_stops_them(
    codice_120, monkeypatch, professionisti
):
    senza_lock_sul_codice(monkeypatch)
    passati = finestra_larga(monkeypatch)
    esiti = esegui_in_parallelo(prenotazioni(codice_120, professionisti))
    # The race happens: far more than two bookings saw 120.00 (or 70.00) and passed the check…
    assert len(passati) > 2
    # …and only the CheckConstraint prenotato + utilizzato <= assegnato refused the overspending.
    fermati = esiti[("IntegrityError", "codice_non_oltre_assegnato")]
    assert fermati >= 1
    assert fermati == len(passati) - 2
    assert riassunto(esiti) == {"prenotata": 2, "IntegrityError": fermati, "DomainError": 98 - fermati}, esiti
    codice = assert_coerente(codice_120)
    assert codice.residuo == Decimal("20.00")


# --- a confirmation racing a cancellation on one seduta ------------------------------------------


@pytest.fixture
def seduta_passata():
    """A prenotata seduta of 40.00 that started an hour ago (so it may be confirmed) on a 500.00 code."""
    return SedutaFactory(inizio=timezone.now() - dt.timedelta(hours=1), importo=Decimal("40.00"))


def conferma_contro_annulla(seduta, monkeypatch) -> tuple[Counter, bool]:
    """Confirm and cancel at once; a barrier after both have read the seduta (and before the amounts
    move) tells whether both got there together."""
    insieme = threading.Barrier(2)
    incontro: list = []
    muovi_importi = services.muovi_importi

    def muovi_dopo_la_barriera(codice, tipo, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            insieme.wait(timeout=1)  # with the lock the other one is still waiting for it: times out
            incontro.append(True)
        return muovi_importi(codice, tipo, **kwargs)

    monkeypatch.setattr(services, "muovi_importi", muovi_dopo_la_barriera)
    bob = seduta.professionista
    utente = utente_di(bob)

    def conferma():
        return ("confermata", services.conferma_seduta(utente, seduta).stato)

    def annulla():
        return ("annullata", services.annulla_seduta(utente, seduta).stato)

    esiti = esegui_in_parallelo([conferma, annulla], thread=2)
    return esiti, bool(incontro)


def _altra_prenotata(seduta):
    SedutaFactory(codice=seduta.codice, professionista=seduta.professionista, importo=Decimal("50.00"))


@pytest.mark.parametrize("altra", [False, True], ids=["sola", "con_altra_prenotata"])
def test_confirm_racing_cancel_ends_in_one_consistent_state(seduta_passata, monkeypatch, altra):
    if altra:
        _altra_prenotata(seduta_passata)
    esiti, insieme = conferma_contro_annulla(seduta_passata, monkeypatch)
    assert not insieme  # the second one waited for the lock: never both between read and write
    # Either the cancellation went first (the confirmation is then refused), or the confirmation did
    # and the cancellation released what it had moved to utilizzato: annullata either way.
    assert esiti in (
        Counter(
            {
                ("annullata", "annullata"): 1,
                ("DomainError", None, "La seduta è annullata: non si può confermare."): 1,
            }
        ),
        Counter({("confermata", "confermata"): 1, ("annullata", "annullata"): 1}),
    ), esiti
    seduta_passata.refresh_from_db()
    assert seduta_passata.stato == Seduta.Stato.ANNULLATA
    codice = assert_coerente(seduta_passata.codice)
    altra_importo = Decimal("50.00") if altra else Decimal("0.00")
    assert (codice.prenotato, codice.utilizzato) == (altra_importo, 0)


def test_control_without_locks_a_double_release_is_stopped_only_by_the_database(seduta_passata, monkeypatch):
    monkeypatch.setattr(QuerySet, "select_for_update", lambda self, *a, **kw: self)
    esiti, insieme = conferma_contro_annulla(seduta_passata, monkeypatch)
    assert insieme  # the race happens: both read "prenotata" and both move its 40.00 out of prenotato
    # The second UPDATE would leave prenotato at -40.00: only the non-negative constraint refuses it.
    assert esiti[("IntegrityError", "codice_importi_non_negativi")] == 1, esiti
    assert_coerente(seduta_passata.codice)


def test_control_without_locks_the_double_release_goes_unnoticed_when_other_amounts_hide_it(
    seduta_passata, monkeypatch
):
    _altra_prenotata(seduta_passata)
    monkeypatch.setattr(QuerySet, "select_for_update", lambda self, *a, **kw: self)
    esiti, insieme = conferma_contro_annulla(seduta_passata, monkeypatch)
    assert insieme
    assert riassunto(esiti) == {"confermata": 1, "annullata": 1}, esiti  # both "succeeded"
    codice = seduta_passata.codice
    codice.refresh_from_db()
    # The 40.00 left prenotato twice (the other seduta's 50.00 paid for it) and went to utilizzato
    # once, whatever state the seduta ended in: the columns no longer match the sedute.
    assert (codice.prenotato, codice.utilizzato) == (Decimal("10.00"), Decimal("40.00"))
    with pytest.raises(AssertionError):
        assert_coerente(codice)
