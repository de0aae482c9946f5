"""Publication: codes for the funded, validity from the publication date, outcomes queued once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from apps.codici.models import ALFABETO, LUNGHEZZA, CodiceUnivoco
from apps.codici.selectors import saldi_dal_registro
from apps.core import sms
from apps.core.exceptions import DomainError
from apps.core.models import AuditEvent, Notifica
from apps.core.services import send_pending
from apps.graduatorie.models import ESITI_FINANZIATI, Graduatoria, Posizione
from apps.graduatorie.services import accoda_esiti, calcola_graduatorie, pubblica_graduatorie
from tests.factories import BandoFactory, BudgetFactory, DomandaFactory, regione

pytestmark = pytest.mark.django_db
D = Decimal
PUBBLICAZIONE = dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def graduatoria_calcolata(**bando_kw):
    bando = BandoFactory(**bando_kw)
    BudgetFactory(bando=bando, regione=regione("120"), importo=D("2100.00"))
    DomandaFactory(bando=bando, protocollo="P-1", isee=D("1000.00"), email="alice@example.org")
    DomandaFactory(bando=bando, protocollo="P-2", isee=D("20000.00"), email="bob@example.org")
    DomandaFactory(bando=bando, protocollo="P-3", isee=D("40000.00"), email="carla@example.org")
    DomandaFactory(bando=bando, protocollo="P-4", isee=D("60000.00"), email="dario@example.org")
    calcola_graduatorie(bando)
    return bando


def test_one_code_per_funded_domanda_with_the_assigned_amount(django_capture_on_commit_callbacks):
    bando = graduatoria_calcolata(anno=2095, giorni_validita=270, giorni_prima_seduta=60)
    riepilogo = pubblica_graduatorie(bando, data=PUBBLICAZIONE)
    assert riepilogo["codici"] == 2

    finanziate = Posizione.objects.filter(graduatoria__bando=bando, esito__in=ESITI_FINANZIATI)
    codici = CodiceUnivoco.objects.filter(domanda__bando=bando).select_related("domanda__posizione")
    assert {c.domanda_id for c in codici} == set(finanziate.values_list("domanda_id", flat=True))
    assert {c.domanda.protocollo: c.assegnato for c in codici} == {"P-1": D("1500.00"), "P-2": D("600.00")}
    for c in codici:
        assert c.assegnato == c.domanda.posizione.importo_assegnato
        assert len(c.codice) == LUNGHEZZA == 12
        assert set(c.codice) <= set(ALFABETO)
        assert not set(c.codice) & set("0O1I")
        assert c.stato == CodiceUnivoco.Stato.ATTIVO
        assert (c.valido_dal, c.valido_fino_al) == (PUBBLICAZIONE, dt.date(2027, 8, 28))
        assert c.prima_seduta_entro == dt.date(2027, 1, 30)
        assert c.residuo == c.assegnato
        saldi = saldi_dal_registro(c)
        assert (saldi["assegnato"], saldi["prenotato"], saldi["utilizzato"]) == (
            c.assegnato, c.prenotato, c.utilizzato,
        )  # fmt: skip
    assert len({c.codice for c in codici}) == 2


def test_no_first_seduta_deadline_when_the_bando_has_none():
    bando = graduatoria_calcolata(anno=2094, giorni_validita=180, giorni_prima_seduta=None)
    pubblica_graduatorie(bando, data=PUBBLICAZIONE)
    for c in CodiceUnivoco.objects.filter(domanda__bando=bando):
        assert c.prima_seduta_entro is None
        assert c.valido_fino_al == PUBBLICAZIONE + dt.timedelta(days=180)


def test_publication_freezes_the_graduatorie_and_is_audited():
    bando = graduatoria_calcolata(anno=2095)
    pubblica_graduatorie(bando, data=PUBBLICAZIONE)
    assert set(Graduatoria.objects.filter(bando=bando).values_list("stato", "pubblicata_il")) == {
        (Graduatoria.Stato.PUBBLICATA, PUBBLICAZIONE)
    }
    evento = AuditEvent.objects.get(azione="graduatoria.pubblicata")
    assert evento.dettagli["codici"] == 2 and evento.dettagli["data"] == "2026-12-01"


def test_publishing_twice_is_refused_and_creates_nothing_more():
    bando = graduatoria_calcolata(anno=2095)
    pubblica_graduatorie(bando, data=PUBBLICAZIONE)
    with pytest.raises(DomainError, match="già pubblicata"):
        pubblica_graduatorie(bando, data=PUBBLICAZIONE + dt.timedelta(days=1))
    assert CodiceUnivoco.objects.filter(domanda__bando=bando).count() == 2
    assert Notifica.objects.count() == 8
    assert Graduatoria.objects.get(bando=bando, regione_id="120").pubblicata_il == PUBBLICAZIONE


def test_one_email_and_one_sms_per_applicant():
    bando = graduatoria_calcolata(anno=2095)
    pubblica_graduatorie(bando, data=PUBBLICAZIONE)
    righe = list(Notifica.objects.values_list("canale", "destinatario"))
    assert sorted(d for c, d in righe if c == "email") == [
        "alice@example.org", "bob@example.org", "carla@example.org", "dario@example.org",
    ]  # fmt: skip
    assert [c for c, _ in righe].count("sms") == 4
    testi = dict(Notifica.objects.filter(canale="email").values_list("destinatario", "testo"))
    assert "accolta" in testi["alice@example.org"]
    assert "non è stata finanziata" in testi["carla@example.org"]
    assert "non è stata accolta" in testi["dario@example.org"]


def test_an_applicant_without_mobile_gets_only_the_email():
    bando = BandoFactory(anno=2095)
    DomandaFactory(bando=bando, cellulare="")
    calcola_graduatorie(bando)
    pubblica_graduatorie(bando, data=PUBBLICAZIONE)
    assert list(Notifica.objects.values_list("canale", flat=True)) == ["email"]


def test_sending_after_commit_then_again_never_double_sends(django_capture_on_commit_callbacks):
    bando = graduatoria_calcolata(anno=2095)
    with django_capture_on_commit_callbacks(execute=True):
        pubblica_graduatorie(bando, data=PUBBLICAZIONE)
    assert len(mail.outbox) == 4
    assert len(sms.outbox) == 4
    assert send_pending() == 0
    assert send_pending() == 0
    assert (len(mail.outbox), len(sms.outbox)) == (4, 4)
    assert set(Notifica.objects.values_list("stato", flat=True)) == {Notifica.Stato.INVIATA}


def test_queueing_the_outcomes_twice_queues_nothing_new():
    bando = graduatoria_calcolata(anno=2095)
    pubblica_graduatorie(bando, data=PUBBLICAZIONE)
    assert accoda_esiti(bando) == 0  # nothing new: each chiave is already in the outbox
    assert Notifica.objects.count() == 8
    send_pending()
    assert accoda_esiti(bando) == 0
    send_pending()
    assert (len(mail.outbox), len(sms.outbox)) == (4, 4)


def test_a_domanda_arrived_after_the_calculation_blocks_the_publication_until_recalculated():
    bando = graduatoria_calcolata(anno=2095)
    tardiva = DomandaFactory(bando=bando, protocollo="P-5", isee=D("500.00"), email="elena@example.org")
    with pytest.raises(DomainError, match="dopo il calcolo della graduatoria: ricalcolarla"):
        pubblica_graduatorie(bando, data=PUBBLICAZIONE)
    assert not CodiceUnivoco.objects.exists() and not Notifica.objects.exists()
    assert not Graduatoria.objects.filter(bando=bando, stato=Graduatoria.Stato.PUBBLICATA).exists()
    calcola_graduatorie(bando)
    pubblica_graduatorie(bando, data=PUBBLICAZIONE)
    assert CodiceUnivoco.objects.filter(domanda=tardiva).exists()  # ranked first: the lowest ISEE
