"""scorrimento: the pool tops up the partially funded applicant first, then funds the next in graduatoria
order (the last partially); decadenza funds scroll once (circ. 124/2025 §6), expiry funds while valid."""

import datetime as dt

import pytest
from django.core.management import call_command

from apps.codici.models import CodiceUnivoco, MovimentoCodice, MovimentoFondo
from apps.core.models import Notifica
from apps.graduatorie.ciclo import decadenza_prima_seduta, scadenza_codici
from apps.graduatorie.fondo import verifica_fondi
from apps.graduatorie.models import Esito, Graduatoria, Posizione, Scorrimento
from apps.graduatorie.scorrimento import scorri
from apps.graduatorie.selectors import esito_pubblicato

from .mondo_ciclo import ENTRO, PUBBLICAZIONE, D, a_roma, codice, conferma, mondo, prenota, professionista

pytestmark = pytest.mark.django_db
DOPO = ENTRO + dt.timedelta(days=1)


def esito(protocollo):
    return Posizione.objects.get(domanda__protocollo=protocollo)


def pool(bando):
    return Graduatoria.objects.get(bando=bando).disponibile


def _primo_in_tempo(chi, *protocolli):
    for p in protocolli:
        s = prenota(
            chi, codice(p), a_roma(PUBBLICAZIONE + dt.timedelta(days=5), 10), a_roma(PUBBLICAZIONE, 9)
        )
        conferma(chi, s, a_roma(PUBBLICAZIONE + dt.timedelta(days=5), 11))


def test_decadenza_funds_top_up_the_partial_first_then_the_next_in_order():
    bando = mondo()
    chi = professionista()
    _primo_in_tempo(chi, "A", "C")
    decadenza_prima_seduta(DOPO)  # B lapses: 1 500 back
    assert pool(bando) == D("1500.00")

    r = scorri(bando, DOPO)
    assert (r["integrazioni"], r["nuovi_codici"], r["assegnato"]) == (1, 1, "1500.00")
    c = codice("C")
    assert c.assegnato == D("1000.00") and esito("C").esito == Esito.ACCOLTA
    assert c.movimenti.filter(tipo=MovimentoCodice.Tipo.INTEGRAZIONE).get().delta_assegnato == D("500.00")
    d = codice("D")
    assert (d.assegnato, d.valido_dal, d.valido_fino_al, d.prima_seduta_entro) == (
        D("1000.00"),
        DOPO,
        DOPO + dt.timedelta(days=270),
        DOPO + dt.timedelta(days=60),
    )
    assert esito("D").esito == Esito.ACCOLTA and esito("D").scorrimento_id == r["scorrimento"]
    assert esito("E").esito == Esito.NON_ACCOLTA_PROVVISORIA
    assert pool(bando) == 0
    assert verifica_fondi(bando) == []
    # D's provvedimento and notice
    pubblicato = esito_pubblicato(d.domanda)
    assert pubblicato.finanziata and pubblicato.codice == d and pubblicato.scorrimento_il == DOPO
    assert (
        Notifica.objects.filter(
            chiave__startswith=f"scorrimento:{r['scorrimento']}:", destinatario="d@example.org"
        ).count()
        == 1
    )
    assert (
        Notifica.objects.filter(
            chiave__startswith=f"scorrimento:{r['scorrimento']}:", destinatario="c@example.org"
        ).count()
        == 1
    )

    # Twice the same day: nothing moves.
    movimenti = MovimentoFondo.objects.count()
    again = scorri(bando, DOPO)
    assert (again["integrazioni"], again["nuovi_codici"], again["assegnato"]) == (0, 0, "0.00")
    assert MovimentoFondo.objects.count() == movimenti and Scorrimento.objects.count() == 1


def test_the_last_funded_is_partial_and_later_decadenze_do_not_scroll_again_but_expiry_funds_do():
    bando = mondo()
    chi = professionista()
    _primo_in_tempo(chi, "A")
    decadenza_prima_seduta(DOPO)  # B (1 500) and C (500) lapse: 2 000 back; C's code is dead, no top-up
    r = scorri(bando, DOPO)
    assert (r["integrazioni"], r["nuovi_codici"]) == (0, 2)
    assert (codice("D").assegnato, codice("E").assegnato) == (D("1000.00"), D("500.00"))
    assert pool(bando) == D("500.00")  # nobody left to fund: it stays in the pool
    assert verifica_fondi(bando) == []

    # D's and E's new codes lapse 60 days later: the funds return, but the bando has scrolled once.
    secondo = DOPO + dt.timedelta(days=61)
    assert decadenza_prima_seduta(secondo)["decaduti"] == 2
    assert pool(bando) == D("2000.00")
    assert scorri(bando, secondo)["nuovi_codici"] == 0
    assert verifica_fondi(bando) == []


def test_expiry_funds_fund_the_next_applicant_but_blocked_decadenza_funds_stay():
    bando = mondo(budget=D("3000.00"))  # A, B funded; C 1 000 and the rest not
    chi = professionista()
    _primo_in_tempo(chi, "A", "B")
    assert esito("C").esito == Esito.NON_ACCOLTA_PROVVISORIA
    # Nothing lapses; at expiry A and B give back 1 450 each (50 used).
    fine = PUBBLICAZIONE + dt.timedelta(days=271)
    scadenza_codici(fine)
    assert pool(bando) == D("2900.00")
    r = scorri(bando, fine)
    assert r["nuovi_codici"] == 3  # C 1 000, D 1 000, E 500 (400 left)
    assert pool(bando) == D("400.00")
    assert Scorrimento.objects.get().usa_decadenza is False
    assert verifica_fondi(bando) == []


def test_nothing_after_the_billing_deadline_and_the_command_reports():
    bando = mondo(termine_fatturazione=DOPO)
    decadenza_prima_seduta(DOPO + dt.timedelta(days=1))
    assert scorri(bando, DOPO + dt.timedelta(days=1))["nuovi_codici"] == 0
    assert CodiceUnivoco.objects.filter(domanda__protocollo__in=["D", "E"]).count() == 0
    type(bando).objects.filter(pk=bando.pk).update(termine_fatturazione=None)
    call_command(
        "scorrimento", "--bando", str(bando.anno), "--oggi", (DOPO + dt.timedelta(days=1)).isoformat()
    )
    assert CodiceUnivoco.objects.filter(domanda__protocollo__in=["D", "E"]).count() == 2
    assert verifica_fondi(bando) == []
