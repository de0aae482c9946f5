"""The lifecycle jobs racing the people and each other: real parallel transactions on PostgreSQL.

- A booking at the instant the code expires: either the booking lands first and the expiry sees it, or
  the expiry lands first and the booking is refused; never a booking on a scaduto code. Control: a
  booking that does not lock the code gets past its check on a code the expiry has just made scaduto.
- Two scorrimenti at once move the funds once (they queue on the graduatoria rows). Control: without
  those row locks both see the same pool as spendable.
- Expiry and scorrimento at once: both lock the graduatorie first, then codes, so they queue. Control:
  an expiry that locks its codes before the graduatorie deadlocks with a scorrimento topping up one of them.
Each test widens the window with a sleep at the point that matters, and checks the pools' invariant.
"""

import datetime as dt
import time

import pytest
from django.db import connection

from apps.codici import services as codici
from apps.codici.models import CodiceUnivoco
from apps.graduatorie import ciclo, scorrimento
from apps.graduatorie.fondo import verifica_fondi
from apps.graduatorie.models import Graduatoria, Scorrimento
from apps.sedute import services as sedute
from apps.sedute.models import Seduta

from .mondo_ciclo import (
    ENTRO,
    FINE_VALIDITA,
    PUBBLICAZIONE,
    D,
    a_roma,
    codice,
    conferma,
    mondo,
    prenota,
    professionista,
)
from .test_fatture_concorrenza import in_parallelo

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("concorrenza")]
FINESTRA = 0.6
GIORNO_DOPO = FINE_VALIDITA + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _solo_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and real parallel transactions need PostgreSQL")


def _mondo_senza_decadenza():
    bando = mondo(giorni_prima_seduta=None)
    return bando, professionista(), codice("A")


# --- A booking at the instant of expiry -------------------------------------------------------------


def _prenota_ultimo_giorno(chi, a):
    return lambda: prenota(chi, a, a_roma(FINE_VALIDITA, 20), a_roma(FINE_VALIDITA, 23, 59)).numero


def test_booking_first_then_the_expiry_sees_it(monkeypatch):
    bando, chi, a = _mondo_senza_decadenza()
    blocca = codici.blocca_codice

    def blocca_e_aspetta(codice_id):  # the booking holds the code's lock for a while
        c = blocca(codice_id)
        time.sleep(FINESTRA)
        return c

    monkeypatch.setattr(sedute, "blocca_codice", blocca_e_aspetta)

    def scadenza():
        time.sleep(FINESTRA / 3)  # the booking has the lock by now
        return ciclo.scadenza_codici(GIORNO_DOPO)["scaduti"]

    prenotazione, scaduti = in_parallelo(_prenota_ultimo_giorno(chi, a), scadenza)
    assert isinstance(prenotazione, str) and scaduti == 3
    a.refresh_from_db()
    assert a.stato == CodiceUnivoco.Stato.SCADUTO
    # Held within the validity: it stays prenotata, its amount kept on the code, the rest in the pool.
    assert (a.assegnato, a.prenotato) == (D("50.00"), D("50.00"))
    assert verifica_fondi(bando) == []


def test_expiry_first_then_the_booking_is_refused(monkeypatch):
    bando, chi, a = _mondo_senza_decadenza()
    annulla = ciclo._annulla_sedute

    def annulla_e_aspetta(*args, **kwargs):  # the expiry holds the codes it has just made scaduto
        n = annulla(*args, **kwargs)
        time.sleep(FINESTRA)
        return n

    monkeypatch.setattr(ciclo, "_annulla_sedute", annulla_e_aspetta)

    def prenotazione():
        time.sleep(FINESTRA / 3)
        return _prenota_ultimo_giorno(chi, a)()

    scaduti, esito = in_parallelo(lambda: ciclo.scadenza_codici(GIORNO_DOPO)["scaduti"], prenotazione)
    assert scaduti == 3
    assert esito[0] == "DomainError"  # AssociazioneNonValida: the code is scaduto
    assert not Seduta.objects.filter(codice=a).exists()
    assert verifica_fondi(bando) == []


def test_control_without_the_code_lock_a_booking_passes_its_check_on_a_scaduto_code(monkeypatch):
    bando, chi, a = _mondo_senza_decadenza()
    monkeypatch.setattr(sedute, "blocca_codice", lambda pk: CodiceUnivoco.objects.get(pk=pk))
    associato = sedute._associato
    passati = []

    def controlla_e_aspetta(c, cf, oggi):
        ok = associato(c, cf, oggi)
        if ok:
            time.sleep(FINESTRA)  # the expiry commits meanwhile
            passati.append(CodiceUnivoco.objects.get(pk=c.pk).stato)
        return ok

    monkeypatch.setattr(sedute, "_associato", controlla_e_aspetta)

    def scadenza():
        time.sleep(FINESTRA / 3)
        return ciclo.scadenza_codici(GIORNO_DOPO)["scaduti"]

    esito, scaduti = in_parallelo(_prenota_ultimo_giorno(chi, a), scadenza)
    assert scaduti == 3
    assert passati == [CodiceUnivoco.Stato.SCADUTO]  # the race: checked attivo, writing on scaduto
    assert esito[0] == "IntegrityError"  # only the CheckConstraint stopped the overspending


# --- Two scorrimenti at once -------------------------------------------------------------------------


def _mondo_con_fondi():
    """B's code lapses at the deadline: 1 500 in Lazio's pool for C's top-up and D."""
    bando = mondo()
    chi = professionista()
    for p in ("A", "C"):
        s = prenota(
            chi, codice(p), a_roma(PUBBLICAZIONE + dt.timedelta(days=5), 10), a_roma(PUBBLICAZIONE, 9)
        )
        conferma(chi, s, a_roma(PUBBLICAZIONE + dt.timedelta(days=5), 11))
    ciclo.decadenza_prima_seduta(ENTRO + dt.timedelta(days=1))
    assert Graduatoria.objects.get(bando=bando).disponibile == D("1500.00")
    return bando


def _lenti(monkeypatch, visti):
    bloccati = scorrimento._bloccati

    def bloccati_e_aspetta(bando):
        r = bloccati(bando)
        visti.append(Graduatoria.objects.get(bando=bando).disponibile)
        time.sleep(FINESTRA)
        return r

    monkeypatch.setattr(scorrimento, "_bloccati", bloccati_e_aspetta)


def test_two_scorrimenti_at_once_move_the_funds_once(monkeypatch):
    bando = _mondo_con_fondi()
    visti = []
    _lenti(monkeypatch, visti)
    giorno = ENTRO + dt.timedelta(days=1)
    r1, r2 = in_parallelo(
        lambda: scorrimento.scorri(bando, giorno), lambda: scorrimento.scorri(bando, giorno)
    )
    assert sorted(r["nuovi_codici"] for r in (r1, r2)) == [0, 1]
    assert sorted(visti) == [D("0.00"), D("1500.00")]  # the second saw the pool already spent
    assert Scorrimento.objects.count() == 1
    assert CodiceUnivoco.objects.filter(domanda__protocollo="D").count() == 1
    assert verifica_fondi(bando) == []


def test_control_without_the_graduatoria_locks_both_see_the_pool(monkeypatch):
    bando = _mondo_con_fondi()
    visti = []
    _lenti(monkeypatch, visti)
    originale = Graduatoria.objects.select_for_update
    monkeypatch.setattr(
        type(Graduatoria.objects), "select_for_update", lambda self, *a, **k: Graduatoria.objects.all()
    )
    assert Graduatoria.objects.select_for_update is not originale
    giorno = ENTRO + dt.timedelta(days=1)
    in_parallelo(lambda: scorrimento.scorri(bando, giorno), lambda: scorrimento.scorri(bando, giorno))
    assert visti == [D("1500.00"), D("1500.00")]  # the race: both would spend the same 1 500


# --- Expiry and scorrimento at once ------------------------------------------------------------------


def test_expiry_and_scorrimento_at_once_queue_and_keep_the_pools_exact(monkeypatch):
    bando = _mondo_con_fondi()
    visti = []
    _lenti(monkeypatch, visti)

    def scadenza():
        time.sleep(FINESTRA / 3)
        return ciclo.scadenza_codici(GIORNO_DOPO)

    r, s = in_parallelo(lambda: scorrimento.scorri(bando, GIORNO_DOPO), scadenza)
    assert isinstance(r, dict) and isinstance(s, dict), (r, s)
    assert (r["integrazioni"], r["nuovi_codici"]) == (1, 1)  # C topped up, D funded, before the expiry
    assert s["scaduti"] == 2  # A and C (D's new code is valid from today)
    assert codice("C").stato == CodiceUnivoco.Stato.SCADUTO
    assert verifica_fondi(bando) == []


def test_control_an_expiry_locking_codes_before_the_graduatorie_deadlocks(monkeypatch):
    bando = _mondo_con_fondi()
    _lenti(monkeypatch, [])
    monkeypatch.setattr(ciclo, "_blocca_graduatorie", lambda codici: None)

    def scadenza():
        time.sleep(FINESTRA / 3)
        return ciclo.scadenza_codici(GIORNO_DOPO)

    esiti = in_parallelo(lambda: scorrimento.scorri(bando, GIORNO_DOPO), scadenza)
    errori = [e for e in esiti if isinstance(e, tuple)]
    assert errori, esiti  # one of them was aborted: deadlock, or a lock wait past LOCK_TIMEOUT_MS
    assert errori[0][0] in ("OperationalError", "DeadlockDetected", "DomainError"), errori
