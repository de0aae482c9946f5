"""decadenza_prima_seduta (circ. 124/2025 §6): the first seduta held and confirmed by the end of day N
(Europe/Rome) saves the code; confirmed at 00:00 of N+1 it is too late. Across the DST change too."""

import datetime as dt

import pytest

from apps.codici.models import CodiceUnivoco, MovimentoFondo
from apps.core.exceptions import DomainError
from apps.core.models import Notifica
from apps.graduatorie.ciclo import decadenza_prima_seduta
from apps.graduatorie.fondo import verifica_fondi
from apps.graduatorie.models import Graduatoria
from apps.sedute.models import Seduta

from .mondo_ciclo import D, a_roma, codice, conferma, mondo, prenota, professionista

pytestmark = pytest.mark.django_db


def _mondo(n: dt.date):
    """Published so that the first-seduta deadline N falls on `n`."""
    return mondo(pubblicazione=n - dt.timedelta(days=60))


@pytest.mark.parametrize(
    "n",
    [dt.date(2026, 3, 11), dt.date(2026, 3, 29), dt.date(2026, 10, 25)],  # a weekday; both DST Sundays
    ids=["ordinario", "ora-legale", "ora-solare"],
)
def test_confirmed_on_day_n_counts_at_midnight_it_is_too_late(n):
    bando = _mondo(n)
    chi = professionista()
    a, b = codice("A"), codice("B")
    # A: held at 23:00 of N, confirmed at 23:59 of N. B: held at 23:00 of N, confirmed at 00:00 of N+1
    # (refused: the deadline has passed), so B lapses.
    sa = prenota(chi, a, a_roma(n, 23), a_roma(n, 8))
    conferma(chi, sa, a_roma(n, 23, 59))
    sb = prenota(chi, b, a_roma(n, 23), a_roma(n, 8))
    with pytest.raises(DomainError, match="prima seduta"):
        conferma(chi, sb, a_roma(n + dt.timedelta(days=1), 0, 0))

    assert decadenza_prima_seduta(n - dt.timedelta(days=1))["decaduti"] == 0
    assert decadenza_prima_seduta(n)["decaduti"] == 0
    r = decadenza_prima_seduta(n + dt.timedelta(days=1))
    assert r["decaduti"] == 2  # B and C (C never booked)
    a.refresh_from_db(), b.refresh_from_db()
    assert a.stato == CodiceUnivoco.Stato.ATTIVO
    assert b.stato == CodiceUnivoco.Stato.DECADUTO
    assert (b.assegnato, b.prenotato, b.utilizzato) == (D("0.00"), D("0.00"), D("0.00"))
    sb.refresh_from_db()
    assert (sb.stato, sb.annullata_da) == (Seduta.Stato.ANNULLATA, Seduta.AnnullataDa.UFFICIO)
    assert Graduatoria.objects.get(bando=bando).disponibile == D("1500.00") + D("500.00")
    assert MovimentoFondo.objects.filter(causale=MovimentoFondo.Causale.DECADENZA).count() == 2
    assert verifica_fondi(bando) == []
    assert Notifica.objects.filter(chiave=f"decadenza:{b.pk}:email", destinatario="b@example.org").exists()
    assert Notifica.objects.filter(chiave__startswith="decadenza-sedute:").count() == 1


def test_held_in_time_but_confirmed_late_is_not_enough_and_nothing_can_be_booked_meanwhile():
    n = dt.date(2026, 3, 11)
    _mondo(n)
    chi = professionista()
    a = codice("A")
    prenota(chi, a, a_roma(n, 10), a_roma(n, 8))
    with pytest.raises(DomainError):  # day N+1, before the job: the code can no longer be used
        prenota(chi, a, a_roma(n + dt.timedelta(days=3), 10), a_roma(n + dt.timedelta(days=1), 8))


def test_a_code_without_deadline_never_lapses_and_a_second_run_changes_nothing():
    n = dt.date(2026, 3, 11)
    bando = _mondo(n)
    CodiceUnivoco.objects.filter(domanda__protocollo="C").update(prima_seduta_entro=None)
    primo = decadenza_prima_seduta(n + dt.timedelta(days=1))
    assert primo["decaduti"] == 2
    movimenti, notifiche = MovimentoFondo.objects.count(), Notifica.objects.count()
    secondo = decadenza_prima_seduta(n + dt.timedelta(days=1))
    assert (
        secondo["decaduti"],
        secondo["sedute_annullate"],
        secondo["restituiti"],
        secondo["notifiche"],
    ) == (0, 0, 0, 0)
    assert (MovimentoFondo.objects.count(), Notifica.objects.count()) == (movimenti, notifiche)
    assert codice("C").stato == CodiceUnivoco.Stato.ATTIVO
    assert verifica_fondi(bando) == []
