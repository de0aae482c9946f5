"""Two batch generations at once: real parallel transactions on PostgreSQL, one thread and connection each.

genera_rimborsi serialises every generation with one advisory lock, so the second run waits, then finds
the month's lotto and returns it. Both threads meet at a barrier placed after the "does this month's lotto
exist?" check: with the lock the second never gets there while the first is inside (the barrier times
out), without it both do — and the controls show what the lock prevents: a second lotto of the same month
stopped only by the unique constraint on LottoRimborsi.mese, and, for two different months, the same
fattura charged twice stopped only by the partial unique constraint on VoceRimborso(fattura).
A withdrawal in flight (row locked, state changed, not yet committed) is waited for by the batch's
FOR UPDATE on the fatture; its control, without that lock, commits funds to a withdrawn fattura.
"""

import contextlib
import datetime as dt
import threading
import time
import zoneinfo
from collections import Counter
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection

from apps.core.exceptions import DomainError
from apps.fatture.models import Fattura
from apps.rimborsi import services
from apps.rimborsi.models import LottoRimborsi, VoceRimborso
from tests.factories import (
    BandoFactory,
    CanaleFactory,
    CodiceFactory,
    ProfessionistaFactory,
    TrasferimentoFactory,
    fattura_registrata,
    regione,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("concorrenza")]

ROMA = zoneinfo.ZoneInfo("Europe/Rome")
OTTOBRE, NOVEMBRE = dt.date(2025, 10, 1), dt.date(2025, 11, 1)


@pytest.fixture(autouse=True)
def _solo_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks and real parallel transactions need PostgreSQL")


@pytest.fixture
def fatture():
    """Six fatture of two professionals, registered in October, with funds for all of them."""
    bando = BandoFactory(anno=2025)
    TrasferimentoFactory(bando=bando, regione=regione("120"), importo=Decimal("1000.00"))
    risultato = []
    for n in range(2):
        prof = ProfessionistaFactory()
        CanaleFactory(professionista=prof)
        for giorno in (3, 4, 5):
            codice = CodiceFactory(domanda__bando=bando, domanda__regione=regione("120"))
            quando = dt.datetime(2025, 10, giorno + n, 10, tzinfo=ROMA)
            risultato.append(fattura_registrata(prof, codice, sedute=1, registrata_il=quando))
    return risultato


def in_parallelo(*lavori) -> Counter:
    via = threading.Barrier(len(lavori))
    esiti: list = []

    def lavora(lavoro):
        try:
            via.wait(timeout=10)
            esiti.append(lavoro())
        except DomainError as exc:
            esiti.append(("DomainError", str(exc)))
        except IntegrityError as exc:
            esiti.append(("IntegrityError", getattr(exc.__cause__.diag, "constraint_name", "")))
        except Exception as exc:  # anything else fails the test by name
            esiti.append((type(exc).__name__, str(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=lavora, args=(lavoro,)) for lavoro in lavori]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return Counter(esiti)


def incontro_dopo_la_verifica(monkeypatch) -> list:
    """A barrier at the pause point after the existence check; returns whether both threads met there."""
    insieme = threading.Barrier(2)
    incontri: list = []

    def punto(fase):
        if fase == "verificato":
            with contextlib.suppress(threading.BrokenBarrierError):
                insieme.wait(timeout=1)  # with the lock the other one is still waiting for it: times out
                incontri.append(True)

    monkeypatch.setattr(services, "punto_di_pausa", punto)
    return incontri


def senza_lock(monkeypatch):
    """The control: no serialisation of the generations (the fatture are still locked FOR UPDATE)."""
    monkeypatch.setattr(services, "blocca_generazione_lotti", lambda: None)


def lotto(mese):
    def lavoro():
        return ("lotto", services.genera_rimborsi(mese).pk)

    return lavoro


def assert_ogni_fattura_in_una_voce(fatture):
    assert sorted(VoceRimborso.objects.filter(attiva=True).values_list("fattura_id", flat=True)) == sorted(
        f.pk for f in fatture
    )
    assert set(Fattura.objects.values_list("stato", flat=True)) == {Fattura.Stato.IN_PAGAMENTO}


def test_two_runs_at_once_make_one_batch(fatture, monkeypatch):
    incontri = incontro_dopo_la_verifica(monkeypatch)
    esiti = in_parallelo(lotto(OTTOBRE), lotto(OTTOBRE))
    unico = LottoRimborsi.objects.get()
    assert esiti == Counter({("lotto", unico.pk): 2}), esiti  # both return the same batch
    assert not incontri  # the second waited for the first's lock: never both past the check
    assert (unico.numero_rimborsi, unico.totale) == (2, Decimal("300.00"))
    assert_ogni_fattura_in_una_voce(fatture)


def test_control_without_the_lock_the_second_batch_is_stopped_only_by_the_unique_month(fatture, monkeypatch):
    senza_lock(monkeypatch)
    incontri = incontro_dopo_la_verifica(monkeypatch)
    esiti = in_parallelo(lotto(OTTOBRE), lotto(OTTOBRE))
    assert incontri == [True, True]  # the race happens: both saw no lotto and went on to make one
    unico = LottoRimborsi.objects.get()
    assert esiti == Counter(
        {("lotto", unico.pk): 1, ("IntegrityError", "rimborsi_lottorimborsi_mese_key"): 1}
    ), esiti
    assert_ogni_fattura_in_una_voce(fatture)


def test_two_months_at_once_never_charge_a_fattura_twice(fatture, monkeypatch):
    incontri = incontro_dopo_la_verifica(monkeypatch)
    esiti = in_parallelo(lotto(OTTOBRE), lotto(NOVEMBRE))
    assert not incontri
    # Whichever ran first took the six fatture; the other, after it, either found nothing left
    # (November after October) or was refused (October after November).
    assert sum(n for e, n in esiti.items() if e[0] == "lotto") >= 1, esiti
    assert not [e for e in esiti if e[0] not in ("lotto", "DomainError")], esiti
    assert_ogni_fattura_in_una_voce(fatture)
    assert sum(lt.totale for lt in LottoRimborsi.objects.all()) == Decimal("300.00")


def test_control_without_any_lock_two_months_charge_the_same_fatture_stopped_only_by_the_voce_constraint(
    fatture, monkeypatch
):
    senza_lock(monkeypatch)
    monkeypatch.setattr(services, "_blocca_fatture", lambda fine: None)
    incontri = incontro_dopo_la_verifica(monkeypatch)
    esiti = in_parallelo(lotto(OTTOBRE), lotto(NOVEMBRE))
    assert incontri == [True, True]
    # Both read the same funds and the same six fatture as free: the second one's voci would commit
    # the region's funds a second time; only "fattura_pagata_una_sola_volta" refuses them.
    assert esiti[("IntegrityError", "fattura_pagata_una_sola_volta")] == 1, esiti
    assert_ogni_fattura_in_una_voce(fatture)


# --- a withdrawal racing the batch ----------------------------------------------------------------


def ritiro_e_lotto(fattura) -> Counter:
    """A withdrawal (as ritira_fattura does it: lock the row, check, update) holds its lock for a moment
    while the batch starts; returns both outcomes."""
    bloccata = threading.Event()

    def ritira():
        from django.db import transaction

        with transaction.atomic():
            f = Fattura.objects.select_for_update().get(pk=fattura.pk)
            assert f.ritirabile
            Fattura.objects.filter(pk=f.pk).update(stato=Fattura.Stato.RITIRATA)
            bloccata.set()
            time.sleep(0.5)  # the batch runs meanwhile
        return ("ritirata", f.pk)

    def genera():
        assert bloccata.wait(timeout=10)
        return ("lotto", services.genera_rimborsi(OTTOBRE).pk)

    return in_parallelo(ritira, genera)


def test_a_withdrawal_in_flight_is_waited_for_and_the_withdrawn_fattura_is_not_batched(fatture):
    esiti = ritiro_e_lotto(fatture[0])
    assert esiti[("ritirata", fatture[0].pk)] == 1, esiti
    assert Fattura.objects.get(pk=fatture[0].pk).stato == Fattura.Stato.RITIRATA
    assert not VoceRimborso.objects.filter(fattura=fatture[0]).exists()
    assert_ogni_fattura_in_una_voce_tranne(fatture, fatture[0])


def test_control_without_locking_the_fatture_a_withdrawn_fattura_gets_paid(fatture, monkeypatch):
    monkeypatch.setattr(services, "_blocca_fatture", lambda fine: None)
    esiti = ritiro_e_lotto(fatture[0])
    assert esiti[("ritirata", fatture[0].pk)] == 1, esiti
    # The batch read it as da_pagare before the withdrawal committed: its funds are committed to a
    # withdrawn fattura (an active voce), while the fattura says ritirata.
    assert Fattura.objects.get(pk=fatture[0].pk).stato == Fattura.Stato.RITIRATA
    assert VoceRimborso.objects.filter(fattura=fatture[0], attiva=True).exists()


def assert_ogni_fattura_in_una_voce_tranne(fatture, esclusa):
    altre = [f for f in fatture if f.pk != esclusa.pk]
    assert sorted(VoceRimborso.objects.filter(attiva=True).values_list("fattura_id", flat=True)) == sorted(
        f.pk for f in altre
    )
