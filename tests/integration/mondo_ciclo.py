"""A small published world for the lifecycle tests: one region (Lazio), budget 3 500,00 €.

In graduatoria order: A 1 500 (accolta), B 1 500 (accolta), C 500 of 1 000 (parzialmente accolta),
D 1 000 and E 500 (non accolte, in graduatoria). Published on PUBBLICAZIONE: codes valid 270 days,
first seduta within 60 days (2025 rules)."""

import datetime as dt
from decimal import Decimal

from apps.codici.models import CodiceUnivoco
from apps.graduatorie.fondo import verifica_fondi
from apps.graduatorie.services import calcola_graduatorie, pubblica_graduatorie
from tests.factories import BandoFactory, BudgetFactory, DomandaFactory, regione

D = Decimal
PUBBLICAZIONE = dt.date(2026, 1, 10)
ENTRO = PUBBLICAZIONE + dt.timedelta(days=60)  # 2026-03-11
FINE_VALIDITA = PUBBLICAZIONE + dt.timedelta(days=270)  # 2026-10-07


BUDGET = D("3500.00")
CINQUANTA = D("50.00")


def mondo(budget=BUDGET, pubblicazione=PUBBLICAZIONE, **bando_kw):
    bando_kw = {
        "anno": 2091,
        "giorni_validita": 270,
        "giorni_prima_seduta": 60,
        "scorrimenti_massimi": 1,
    } | bando_kw
    bando = BandoFactory(**bando_kw)
    BudgetFactory(bando=bando, regione=regione("120"), importo=budget)
    for protocollo, isee in (("A", "1000"), ("B", "2000"), ("C", "20000"), ("D", "25000"), ("E", "40000")):
        DomandaFactory(
            bando=bando, protocollo=protocollo, isee=D(isee), email=f"{protocollo.lower()}@example.org"
        )
    calcola_graduatorie(bando)
    pubblica_graduatorie(bando, data=pubblicazione)
    assert verifica_fondi(bando) == []
    return bando


def codice(protocollo: str) -> CodiceUnivoco:
    return CodiceUnivoco.objects.get(domanda__protocollo=protocollo)


def a_roma(giorno: dt.date, ore=12, minuti=0) -> dt.datetime:
    from apps.domande.models import ROME

    return dt.datetime.combine(giorno, dt.time(ore, minuti), tzinfo=ROME)


def professionista():
    from tests.factories import ProfessionistaFactory, utente_di

    p = ProfessionistaFactory()
    return p, utente_di(p)


def prenota(chi, cod: CodiceUnivoco, inizio: dt.datetime, adesso: dt.datetime, importo=CINQUANTA):
    from apps.sedute import services

    p, utente = chi
    return services.prenota_seduta(
        utente,
        p,
        codice_id=cod.pk,
        codice_fiscale=cod.domanda.cf_beneficiario,
        studio=p.studi.first(),
        inizio=inizio,
        durata_minuti=50,
        importo=importo,
        adesso=adesso,
    )


def conferma(chi, seduta, adesso: dt.datetime):
    from apps.sedute import services

    return services.conferma_seduta(chi[1], seduta, adesso=adesso)
