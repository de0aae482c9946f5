"""The billing deadline: after termine_fatturazione the bando's un-invoiced sedute are cancelled ex
officio, their amounts released in the codes' ledger, each professional told once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum

from apps.codici.models import CodiceUnivoco, MovimentoCodice
from apps.core.models import Notifica
from apps.graduatorie.chiusura import chiudi_fatturazione
from apps.graduatorie.tasks import chiusura_fatturazione_task
from apps.sedute.models import Seduta
from tests.factories import (
    BandoFactory,
    CodiceFactory,
    ProfessionistaFactory,
    SedutaFactory,
    UserFactory,
    fattura_registrata,
    seduta_confermata,
)

pytestmark = pytest.mark.django_db

TERMINE = dt.date(2026, 9, 30)


@pytest.fixture
def bando():
    return BandoFactory(anno=2025, termine_fatturazione=TERMINE)


@pytest.fixture
def scenario(bando):
    """Anna: one prenotata, one confermata, one fatturata; Bruno: two confermate on two codes; Carla:
    one already cancelled; Dario: a prenotata on another bando's code."""
    codice_1, codice_2 = CodiceFactory(domanda__bando=bando), CodiceFactory(domanda__bando=bando)
    anna = ProfessionistaFactory(cognome="Anna", email="anna@example.org")
    bruno = ProfessionistaFactory(cognome="Bruno", email="", pec="bruno@pec.example.org")
    carla, dario = ProfessionistaFactory(cognome="Carla"), ProfessionistaFactory(cognome="Dario")
    UserFactory(codice_fiscale=bruno.codice_fiscale, lingua="en")
    s = {
        "anna_prenotata": SedutaFactory(professionista=anna, codice=codice_1, importo=Decimal("40.00")),
        "anna_confermata": seduta_confermata(anna, codice_1, importo=Decimal("45.50")),
        "bruno_1": seduta_confermata(bruno, codice_1),
        "bruno_2": seduta_confermata(bruno, codice_2, importo=Decimal("30.00")),
        "carla_annullata": SedutaFactory(professionista=carla, codice=codice_2, stato=Seduta.Stato.ANNULLATA),
        "dario_altro_bando": SedutaFactory(professionista=dario),
    }
    s["anna_fatturata"] = fattura_registrata(anna, codice_2, sedute=1).righe.get().seduta
    return s


def _stato(seduta):
    seduta.refresh_from_db()
    return seduta.stato, seduta.annullata_da


def _registro_esatto():
    for codice in CodiceUnivoco.objects.all():
        somma = MovimentoCodice.objects.filter(codice=codice).aggregate(
            p=Sum("delta_prenotato"), u=Sum("delta_utilizzato")
        )
        assert (somma["p"] or 0, somma["u"] or 0) == (codice.prenotato, codice.utilizzato), codice


def test_nothing_happens_on_the_deadline_day(bando, scenario):
    assert chiudi_fatturazione(bando, TERMINE)["annullate"] == 0
    assert _stato(scenario["anna_prenotata"]) == (Seduta.Stato.PRENOTATA, "")
    assert not Notifica.objects.exists()


def test_the_day_after_cancels_prenotate_and_confermate_and_releases_their_amounts(bando, scenario):
    codice_1 = scenario["anna_prenotata"].codice
    prima = CodiceUnivoco.objects.get(pk=codice_1.pk)
    r = chiudi_fatturazione(bando, TERMINE + dt.timedelta(days=1))
    assert r == {"bando": 2025, "annullate": 4, "professionisti": 2, "notifiche": 2}
    for nome in ("anna_prenotata", "anna_confermata", "bruno_1", "bruno_2"):
        assert _stato(scenario[nome]) == (Seduta.Stato.ANNULLATA, Seduta.AnnullataDa.UFFICIO), nome
    assert _stato(scenario["anna_fatturata"])[0] == Seduta.Stato.FATTURATA
    assert _stato(scenario["carla_annullata"]) == (Seduta.Stato.ANNULLATA, "")
    assert _stato(scenario["dario_altro_bando"])[0] == Seduta.Stato.PRENOTATA
    dopo = CodiceUnivoco.objects.get(pk=codice_1.pk)
    assert dopo.prenotato == prima.prenotato - Decimal("40.00")
    assert dopo.utilizzato == prima.utilizzato - Decimal("45.50") - Decimal("50.00")
    _registro_esatto()


def test_one_notification_per_professional_in_their_language(bando, scenario):
    chiudi_fatturazione(bando, TERMINE + dt.timedelta(days=1))
    anna = Notifica.objects.get(destinatario="anna@example.org")
    assert anna.canale == Notifica.Canale.EMAIL
    assert "2025" in anna.oggetto and "2 tue sedute" in anna.testo and "30/09/2026" in anna.testo
    bruno = Notifica.objects.get(destinatario="bruno@pec.example.org")  # no e-mail: the PEC
    assert bruno.oggetto == "Psychology bonus: the invoicing deadline of the 2025 call has passed"
    assert "2 of your booked or confirmed sessions" in bruno.testo and "cancelled ex officio" in bruno.testo


def test_a_second_run_changes_nothing_and_sends_nothing(bando, scenario):
    chiudi_fatturazione(bando, TERMINE + dt.timedelta(days=1))
    movimenti, notifiche = MovimentoCodice.objects.count(), Notifica.objects.count()
    r = chiudi_fatturazione(bando, TERMINE + dt.timedelta(days=1))
    assert r["annullate"] == r["notifiche"] == 0
    assert chiudi_fatturazione(bando, TERMINE + dt.timedelta(days=2))["annullate"] == 0
    assert (MovimentoCodice.objects.count(), Notifica.objects.count()) == (movimenti, notifiche)
    _registro_esatto()


def test_a_bando_without_deadline_is_never_swept(scenario):
    bando = BandoFactory(anno=2026, termine_fatturazione=None)
    SedutaFactory(codice=CodiceFactory(domanda__bando=bando))
    assert chiudi_fatturazione(bando, dt.date(2099, 1, 1))["annullate"] == 0


def test_command_and_daily_task(bando, scenario, capsys):
    call_command("chiusura_fatturazione", "--bando", "2025", "--oggi", TERMINE.isoformat())
    assert "non è passato" in capsys.readouterr().out
    assert _stato(scenario["bruno_1"])[0] == Seduta.Stato.CONFERMATA
    altro = scenario["dario_altro_bando"].codice.domanda.bando
    altro.termine_fatturazione = TERMINE + dt.timedelta(days=1)  # passes only tomorrow
    altro.save()
    chiusura_fatturazione_task((TERMINE + dt.timedelta(days=1)).isoformat())
    assert _stato(scenario["bruno_1"])[0] == Seduta.Stato.ANNULLATA
    assert _stato(scenario["dario_altro_bando"])[0] == Seduta.Stato.PRENOTATA
    call_command("chiusura_fatturazione", "--bando", "2025", "--oggi", "2026-10-02")
    assert "0 sedute annullate" in capsys.readouterr().out


def test_a_seduta_invoiced_meanwhile_is_left_alone(bando, scenario):
    """The sweep re-reads each seduta under its code's lock: one invoiced since it was listed stays."""
    from django.utils import timezone

    from apps.sedute.services import annulla_seduta_d_ufficio

    stale = scenario["bruno_1"]
    Seduta.objects.filter(pk=stale.pk).update(stato=Seduta.Stato.FATTURATA)
    movimenti = MovimentoCodice.objects.count()
    assert annulla_seduta_d_ufficio(stale, timezone.now()) is False
    assert MovimentoCodice.objects.count() == movimenti
    assert _stato(stale) == (Seduta.Stato.FATTURATA, "")


def test_the_daily_beat_entry_runs_the_task(reference_data):
    from django_celery_beat.models import PeriodicTask

    voce = PeriodicTask.objects.get(name="chiusura-fatturazione")
    assert voce.task == chiusura_fatturazione_task.name
    assert (voce.crontab.day_of_month, voce.crontab.hour, voce.crontab.minute) == ("*", "2", "30")
