"""A simulated year of the 2025 bando on a small world, through the commands operators and beat run:
apply → rank → publish → book → decadenza → scorrimento → bookings on the new codes → decadenza of a new
code (no second scorrimento) → expiry → scorrimento of the expiry funds → monitoring. The pools'
invariant (apps.graduatorie.fondo.verifica_fondi) is checked after every step."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.codici.models import CodiceUnivoco, MovimentoFondo
from apps.core.models import EsecuzioneJob
from apps.graduatorie.fondo import verifica_fondi
from apps.graduatorie.models import Esito, Graduatoria, Posizione, Scorrimento
from apps.monitoraggio.services import genera_instantanee
from apps.rimborsi.services import mese_successivo
from tests.factories import BandoFactory, BudgetFactory, DomandaFactory, regione

from .mondo_ciclo import a_roma, conferma, prenota, professionista

pytestmark = pytest.mark.django_db
D = Decimal
PUBBLICAZIONE = dt.date(2025, 12, 15)
N = PUBBLICAZIONE + dt.timedelta(days=60)  # 2026-02-13
SCADENZA = PUBBLICAZIONE + dt.timedelta(days=270)  # 2026-09-11


def cmd(nome, *args):
    call_command(nome, *args)


def codice(protocollo):
    return CodiceUnivoco.objects.get(domanda__protocollo=protocollo)


def esito(protocollo):
    return Posizione.objects.get(domanda__protocollo=protocollo).esito


def pool(bando, r):
    return Graduatoria.objects.get(bando=bando, regione_id=r).disponibile


def test_a_year_of_the_2025_bando(django_assert_max_num_queries):
    bando = BandoFactory(
        anno=2081, apertura=dt.date(2025, 9, 15), chiusura=dt.date(2025, 11, 14), giorni_validita=270,
        giorni_prima_seduta=60, scorrimenti_massimi=1, giorni_regolarizzazione=15,
    )  # fmt: skip
    # Apply: Lazio 4 000 € for L1 1 500, L2 1 500, L3 1 000 of 1 500; L4, L5 behind. Campania 1 000 € for
    # C1 1 000; C2 behind.
    BudgetFactory(bando=bando, regione=regione("120"), importo=D("4000.00"))
    BudgetFactory(bando=bando, regione=regione("150"), importo=D("1000.00"))
    for p, isee, r in (
        ("L1", "1000", "120"), ("L2", "2000", "120"), ("L3", "3000", "120"), ("L4", "16000", "120"),
        ("L5", "40000", "120"), ("C1", "20000", "150"), ("C2", "21000", "150"),
    ):  # fmt: skip
        DomandaFactory(bando=bando, protocollo=p, isee=D(isee), regione=regione(r))
    cmd("run_graduatoria", "--bando", "2081")
    cmd("pubblica_graduatoria", "--bando", "2081", "--data", PUBBLICAZIONE.isoformat())
    assert [esito(p) for p in ("L1", "L2", "L3", "L4", "C1", "C2")] == [
        Esito.ACCOLTA, Esito.ACCOLTA, Esito.PARZIALMENTE_ACCOLTA, Esito.NON_ACCOLTA_PROVVISORIA,
        Esito.ACCOLTA, Esito.NON_ACCOLTA_PROVVISORIA,
    ]  # fmt: skip
    assert verifica_fondi(bando) == []

    # Book: L1 and L3 hold and confirm their first seduta in time; L2 books but never confirms; C1 nothing.
    chi = professionista()
    for p in ("L1", "L3"):
        s = prenota(chi, codice(p), a_roma(dt.date(2026, 1, 20), 10), a_roma(dt.date(2026, 1, 5), 9))
        conferma(chi, s, a_roma(dt.date(2026, 1, 20), 11))
    prenota(chi, codice("L2"), a_roma(N, 18), a_roma(dt.date(2026, 1, 5), 9))
    assert verifica_fondi(bando) == []

    # Decadenza the day after N: L2 (1 500) and C1 (1 000) lapse.
    cmd("decadenza_prima_seduta", "--oggi", (N + dt.timedelta(days=1)).isoformat())
    assert (codice("L2").stato, codice("C1").stato) == (CodiceUnivoco.Stato.DECADUTO,) * 2
    assert (pool(bando, "120"), pool(bando, "150")) == (D("1500.00"), D("1000.00"))
    assert verifica_fondi(bando) == []

    # Scorrimento (once for decadenza funds): L3 topped up by 500, L4 funded 1 000; C2 funded 1 000.
    giorno = N + dt.timedelta(days=1)
    cmd("scorrimento", "--bando", "2081", "--oggi", giorno.isoformat())
    assert codice("L3").assegnato == D("1500.00") and esito("L3") == Esito.ACCOLTA
    assert (codice("L4").assegnato, codice("C2").assegnato) == (D("1000.00"), D("1000.00"))
    assert codice("L4").prima_seduta_entro == giorno + dt.timedelta(days=60)  # across the DST change
    assert (pool(bando, "120"), pool(bando, "150")) == (D("0.00"), D("0.00"))
    assert Scorrimento.objects.get().usa_decadenza
    assert verifica_fondi(bando) == []

    # Bookings on the new codes: L4 confirms its first seduta on its deadline day; C2 never does.
    n2 = codice("L4").prima_seduta_entro
    s = prenota(chi, codice("L4"), a_roma(n2, 9), a_roma(giorno, 12))
    conferma(chi, s, a_roma(n2, 23, 30))
    cmd("decadenza_prima_seduta", "--oggi", (n2 + dt.timedelta(days=1)).isoformat())
    assert codice("L4").stato == CodiceUnivoco.Stato.ATTIVO
    assert codice("C2").stato == CodiceUnivoco.Stato.DECADUTO
    # The bando has scrolled once: C2's 1 000 stay in Campania's pool.
    cmd("scorrimento", "--bando", "2081", "--oggi", (n2 + dt.timedelta(days=1)).isoformat())
    assert pool(bando, "150") == D("1000.00") and Scorrimento.objects.count() == 1
    assert verifica_fondi(bando) == []

    # Expiry of the first codes: L1 and L3 give back their residuo (1 450 each); L4's code lives on.
    cmd("scadenza_codici", "--oggi", (SCADENZA + dt.timedelta(days=1)).isoformat())
    assert (codice("L1").stato, codice("L3").stato, codice("L4").stato) == (
        CodiceUnivoco.Stato.SCADUTO, CodiceUnivoco.Stato.SCADUTO, CodiceUnivoco.Stato.ATTIVO,
    )  # fmt: skip
    assert pool(bando, "120") == D("2900.00")
    assert verifica_fondi(bando) == []
    # Expiry funds are reassigned: L5 (500) is funded; Campania's blocked decadenza funds are not.
    cmd("scorrimento", "--bando", "2081", "--oggi", (SCADENZA + dt.timedelta(days=1)).isoformat())
    assert codice("L5").assegnato == D("500.00") and pool(bando, "120") == D("2400.00")
    assert pool(bando, "150") == D("1000.00")
    assert verifica_fondi(bando) == []
    # Every run is on record.
    assert EsecuzioneJob.objects.filter(esito=EsecuzioneJob.Esito.RIUSCITA).count() == 6  # 3 jobs, 6 runs
    assert not EsecuzioneJob.objects.exclude(esito=EsecuzioneJob.Esito.RIUSCITA).exists()

    # Monitoring: the month's snapshot counts every code issued (7), whatever its state since.
    mese = timezone.localdate().replace(day=1)
    (istantanea,) = genera_instantanee(mese, oggi=mese_successivo(mese))
    assert istantanea.dati["beneficiari"]["totale"] == CodiceUnivoco.objects.count() == 7
    assert istantanea.dati["beneficiari"]["per_regione"] == {"120": 5, "150": 2}
    assert istantanea.dati["sedute"]["svolte"] == 3
    assert MovimentoFondo.objects.filter(bando=bando).count() > 0
