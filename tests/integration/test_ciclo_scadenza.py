"""scadenza_codici: the day of `valido_fino_al` nothing happens, the day after the code is scaduto and its
residuo is back in the region's pool; sedute held within the validity stay; later releases go to the pool."""

import datetime as dt

import pytest
from django.core.management import call_command

from apps.codici.models import CodiceUnivoco, MovimentoFondo
from apps.core.models import EsecuzioneJob, Notifica
from apps.graduatorie.ciclo import scadenza_codici
from apps.graduatorie.fondo import verifica_fondi
from apps.graduatorie.models import Graduatoria
from apps.sedute import services as sedute
from apps.sedute.models import Seduta

from .mondo_ciclo import (
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

pytestmark = pytest.mark.django_db
GIORNO_DOPO = FINE_VALIDITA + dt.timedelta(days=1)


def pool(bando):
    return Graduatoria.objects.get(bando=bando).disponibile


def test_the_day_of_expiry_nothing_changes_the_day_after_the_residuo_returns():
    bando = mondo()
    chi = professionista()
    a = codice("A")
    tenuta = prenota(chi, a, a_roma(PUBBLICAZIONE, 15), a_roma(PUBBLICAZIONE, 9))
    conferma(chi, tenuta, a_roma(PUBBLICAZIONE, 16))
    # Held on the last valid day, not yet confirmed: it stays, the professional may still confirm it.
    ultima = prenota(chi, a, a_roma(FINE_VALIDITA, 18), a_roma(FINE_VALIDITA, 9))
    assert pool(bando) == 0

    for giorno in (FINE_VALIDITA - dt.timedelta(days=1), FINE_VALIDITA):
        r = scadenza_codici(giorno)
        assert (r["scaduti"], r["restituiti"]) == (0, 0)
    assert CodiceUnivoco.objects.filter(stato=CodiceUnivoco.Stato.SCADUTO).count() == 0

    r = scadenza_codici(GIORNO_DOPO)
    assert r["scaduti"] == 3  # A, B, C (D and E have no code)
    assert r["sedute_annullate"] == 0
    a.refresh_from_db()
    assert a.stato == CodiceUnivoco.Stato.SCADUTO
    assert (a.assegnato, a.prenotato, a.utilizzato) == (D("100.00"), D("50.00"), D("50.00"))
    assert D(r["restituito"]) == D("1400.00") + D("1500.00") + D("500.00")
    assert pool(bando) == D("3400.00")
    assert verifica_fondi(bando) == []
    ultima.refresh_from_db()
    assert ultima.stato == Seduta.Stato.PRENOTATA

    # Confirmed after the expiry: still payable. Cancelled after it: to the pool, never to the code.
    conferma(chi, ultima, a_roma(GIORNO_DOPO, 10))
    a.refresh_from_db()
    assert (a.assegnato, a.prenotato, a.utilizzato) == (D("100.00"), D("0.00"), D("100.00"))
    sedute.annulla_seduta(chi[1], tenuta, adesso=a_roma(GIORNO_DOPO, 11))
    a.refresh_from_db()
    assert (a.assegnato, a.utilizzato, a.residuo) == (D("50.00"), D("50.00"), D("0.00"))
    assert pool(bando) == D("3450.00")
    assert MovimentoFondo.objects.filter(causale=MovimentoFondo.Causale.RILASCIO, codice=a).get().delta == D(
        "50.00"
    )
    assert verifica_fondi(bando) == []


def test_a_second_run_the_same_day_changes_nothing():
    bando = mondo()
    primo = scadenza_codici(GIORNO_DOPO)
    fondo, notifiche = MovimentoFondo.objects.count(), Notifica.objects.count()
    secondo = scadenza_codici(GIORNO_DOPO)
    assert primo["scaduti"] == 3 and primo["notifiche"] > 0
    assert {
        k: secondo[k] for k in ("scaduti", "sedute_annullate", "restituiti", "promemoria", "notifiche")
    } == dict.fromkeys(("scaduti", "sedute_annullate", "restituiti", "promemoria", "notifiche"), 0)
    assert (MovimentoFondo.objects.count(), Notifica.objects.count()) == (fondo, notifiche)
    assert verifica_fondi(bando) == []


def test_bookings_after_a_shortened_validity_are_cancelled_ex_officio_and_the_professional_told():
    bando = mondo(giorni_prima_seduta=None)
    chi = professionista()
    a = codice("A")
    futura = prenota(chi, a, a_roma(PUBBLICAZIONE + dt.timedelta(days=100), 10), a_roma(PUBBLICAZIONE, 9))
    CodiceUnivoco.objects.filter(pk=a.pk).update(valido_fino_al=PUBBLICAZIONE + dt.timedelta(days=50))
    r = scadenza_codici(PUBBLICAZIONE + dt.timedelta(days=51))
    assert (r["scaduti"], r["sedute_annullate"]) == (1, 1)
    futura.refresh_from_db()
    assert (futura.stato, futura.annullata_da) == (Seduta.Stato.ANNULLATA, Seduta.AnnullataDa.UFFICIO)
    a.refresh_from_db()
    assert (a.assegnato, a.prenotato, a.residuo) == (D("0.00"), D("0.00"), D("0.00"))
    assert pool(bando) == D("1500.00")
    assert (
        Notifica.objects.filter(chiave__startswith="scadenza-sedute:", destinatario=chi[0].email).count() == 1
    )
    assert Notifica.objects.filter(chiave=f"scadenza:{a.pk}:email", destinatario="a@example.org").exists()
    assert verifica_fondi(bando) == []


def test_the_booking_is_refused_on_the_day_after_the_validity_even_before_the_job():
    mondo()
    chi = professionista()
    from apps.core.exceptions import DomainError

    with pytest.raises(DomainError):
        prenota(chi, codice("A"), a_roma(FINE_VALIDITA, 18), a_roma(GIORNO_DOPO, 0, 1))


def test_reminder_30_days_before_once():
    mondo()
    trenta = FINE_VALIDITA - dt.timedelta(days=30)
    assert scadenza_codici(trenta - dt.timedelta(days=1))["promemoria"] == 0
    r = scadenza_codici(trenta)
    assert r["promemoria"] == 3 * 2  # e-mail and SMS for A, B, C
    assert scadenza_codici(trenta)["promemoria"] == 0
    assert scadenza_codici(trenta + dt.timedelta(days=1))["promemoria"] == 0
    testo = Notifica.objects.get(chiave=f"promemoria-scadenza:{codice('A').pk}:email").testo
    assert "07/10/2026" in testo and "A" in testo


def test_command_records_the_run_and_refuses_a_bad_date():
    from django.core.management.base import CommandError

    mondo()
    call_command("scadenza_codici", "--oggi", GIORNO_DOPO.isoformat())
    job = EsecuzioneJob.objects.get(job="scadenza_codici_task")
    assert job.esito == EsecuzioneJob.Esito.RIUSCITA and job.oggetti_modificati == 3
    assert job.risultato["restituito"] == "3500.00"
    with pytest.raises(CommandError, match="non valida"):
        call_command("scadenza_codici", "--oggi", "9999-99-99")
    for comando in (["scadenza_codici"], ["decadenza_prima_seduta"], ["scorrimento", "--bando", "2091"]):
        with pytest.raises(CommandError, match="fuori dall'intervallo"):
            call_command(*comando, "--oggi", "9999-12-31")
    with pytest.raises(CommandError, match="inesistente"):
        call_command("scorrimento", "--bando", "1900")


@pytest.mark.parametrize(
    "fine", [dt.date(2026, 3, 28), dt.date(2026, 10, 24)], ids=["ora-legale", "ora-solare"]
)
def test_the_validity_ends_at_midnight_rome_across_the_dst_change(fine):
    """Validity shortened to end on the eve of a DST change: a seduta at 23:59 of `fine` was within it and
    stays; one at 00:00 of the next day (Rome) was not and is cancelled."""
    pubblicazione = dt.date(2026, 3, 1)
    bando = mondo(giorni_prima_seduta=None, pubblicazione=pubblicazione)
    chi = professionista()
    a = codice("A")
    dentro = prenota(chi, a, a_roma(fine, 23, 59), a_roma(pubblicazione, 9))
    fuori = prenota(chi, a, a_roma(fine + dt.timedelta(days=1), 0, 0), a_roma(pubblicazione, 9))
    CodiceUnivoco.objects.filter(pk=a.pk).update(valido_fino_al=fine)
    assert scadenza_codici(fine)["scaduti"] == 0
    assert scadenza_codici(fine + dt.timedelta(days=1))["sedute_annullate"] == 1
    dentro.refresh_from_db(), fuori.refresh_from_db()
    assert (dentro.stato, fuori.stato) == (Seduta.Stato.PRENOTATA, Seduta.Stato.ANNULLATA)
    assert verifica_fondi(bando) == []


def test_the_billing_deadline_sweep_on_a_scaduto_code_returns_to_the_pool():
    from apps.graduatorie.chiusura import chiudi_fatturazione

    bando = mondo(termine_fatturazione=GIORNO_DOPO + dt.timedelta(days=10), giorni_prima_seduta=None)
    chi = professionista()
    a = codice("A")
    s = prenota(chi, a, a_roma(FINE_VALIDITA, 10), a_roma(FINE_VALIDITA, 9))
    conferma(chi, s, a_roma(FINE_VALIDITA, 11))  # confirmed, never invoiced
    scadenza_codici(GIORNO_DOPO)
    assert pool(bando) == D("3450.00")
    bando.refresh_from_db()
    r = chiudi_fatturazione(bando, GIORNO_DOPO + dt.timedelta(days=11))
    assert r["annullate"] == 1
    a.refresh_from_db()
    assert (a.assegnato, a.utilizzato, a.stato) == (D("0.00"), D("0.00"), CodiceUnivoco.Stato.SCADUTO)
    assert pool(bando) == D("3500.00")
    assert verifica_fondi(bando) == []
