"""The professional's "Le mie fatture" through the test client (seed 000, "Registrazione e rimborso
fattura", "dettaglio rimborso seduta/fattura"): register, riepilogo, list with filters and pages, detail
with the payment, withdrawal; every error at once and never a 500; another professional's fattura is a 404."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from apps.accounts.models import User
from apps.fatture import services
from apps.fatture.models import Fattura
from apps.rimborsi.models import FatturaSospesa, LottoRimborsi, Rimborso, VoceRimborso
from apps.sedute.models import Seduta
from tests.factories import (
    CanaleFactory,
    CodiceFactory,
    ProfessionistaFactory,
    SedutaFactory,
    UserFactory,
    entra_come_professionista,
    fattura_registrata,
    seduta_confermata,
)

pytestmark = pytest.mark.django_db

IBAN = "IT60X0542811101000000123456"


@pytest.fixture
def bob():
    professionista = ProfessionistaFactory(cognome="Bianchi", nome="Bob")
    CanaleFactory(professionista=professionista, iban=IBAN, attuale=True)
    return professionista


@pytest.fixture
def codice_di_alice():
    alice = UserFactory(nome="Alice", cognome="Russo")
    return CodiceFactory(domanda__cf_beneficiario=alice.codice_fiscale, domanda__richiedente=alice)


@pytest.fixture
def sedute_di_alice(bob, codice_di_alice):
    return [
        seduta_confermata(bob, codice_di_alice, giorni_fa=5, importo=Decimal("50.00")),
        seduta_confermata(bob, codice_di_alice, giorni_fa=3, importo=Decimal("40.00")),
    ]


@pytest.fixture
def entrato(client, bob):
    entra_come_professionista(client, bob)
    return client


def dati(scelte, **kw):
    valori = {
        "sedute": [str(s.pk) for s in scelte],
        "emittente": "Dott. Bob Bianchi",
        "data": timezone.localdate().isoformat(),
        "numero": "12/2026",
        "totale": "120,00",
        "chiave_invio": str(uuid.uuid4()),
    }
    valori.update(kw)
    return valori


def html_di(response) -> str:
    return response.content.decode()


URL_REGISTRA = reverse("professionista:registra_fattura")


# --- Registra fattura ----------------------------------------------------------------------------


def test_the_page_lists_confirmed_sedute_by_patient_and_prefills_the_issuer(entrato, bob, sedute_di_alice):
    altra = seduta_confermata(bob, CodiceFactory(), giorni_fa=2)
    SedutaFactory(professionista=bob, codice=sedute_di_alice[0].codice)  # prenotata: not listed
    fatturata = fattura_registrata(bob, sedute=1)
    html = html_di(entrato.get(URL_REGISTRA))
    assert "RUSSO ALICE" in html
    assert altra.codice.domanda.cf_beneficiario in html  # never logged in: shown by codice fiscale
    for seduta in [*sedute_di_alice, altra]:
        assert f'value="{seduta.pk}"' in html
    assert f'value="{fatturata.righe.get().seduta_id}"' not in html
    assert html.count('type="checkbox"') == 3
    assert 'value="Bianchi Bob"' in html or f'value="{bob.nominativo}"' in html


def test_the_issuer_is_the_entes_name_when_the_current_iban_is_an_entes(client, sedute_di_alice):
    carla = ProfessionistaFactory()
    CanaleFactory(
        professionista=carla,
        tipo="ente",
        partita_iva="01114601006",
        denominazione="Studio Associato Neri",
        iban="IT42L1234512345123456789012",
    )
    seduta_confermata(carla)
    entra_come_professionista(client, carla)
    assert 'value="Studio Associato Neri"' in html_di(client.get(URL_REGISTRA))


def test_nothing_to_invoice(entrato):
    assert "Non hai sedute confermate da fatturare" in html_di(entrato.get(URL_REGISTRA))


def test_conferma_fattura_registers_and_shows_the_riepilogo(entrato, bob, sedute_di_alice):
    response = entrato.post(URL_REGISTRA, dati(sedute_di_alice, numero=" fa 3 / 2026", totale="1.200,50"))
    fattura = Fattura.objects.get()
    assert response["Location"] == reverse("professionista:riepilogo_fattura", args=[fattura.pk])
    assert (fattura.numero, fattura.totale, fattura.importo_bonus) == (
        "FA 3/2026",
        Decimal("1200.50"),
        Decimal("90.00"),
    )
    html = html_di(entrato.get(response["Location"]))
    assert "Fattura registrata con successo" in html
    assert "FA 3/2026" in html and "RUSSO ALICE" in html
    assert "1.200,50 €" in html and "90,00 €" in html and "1.110,50 €" in html
    for seduta in sedute_di_alice:
        assert seduta.numero in html
    assert set(Seduta.objects.values_list("stato", flat=True)) == {Seduta.Stato.FATTURATA}


def test_a_double_submit_registers_once(entrato, sedute_di_alice):
    valori = dati(sedute_di_alice)
    prima = entrato.post(URL_REGISTRA, valori)
    seconda = entrato.post(URL_REGISTRA, valori)
    assert prima["Location"] == seconda["Location"]
    assert Fattura.objects.count() == 1


def test_every_error_shows_at_once_and_nothing_is_saved(entrato, sedute_di_alice):
    domani = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = entrato.post(URL_REGISTRA, dati(sedute_di_alice, numero="", totale="89,99", data=domani))
    assert response.status_code == 200
    html = html_di(response)
    assert "Il modulo contiene 3 errori" in html
    assert "Indica il numero della fattura." in html  # the form's
    assert "La data della fattura non può essere nel futuro." in html  # the service's, though the form failed
    assert "non può essere inferiore alla somma delle sedute selezionate (90,00 €)" in html
    assert 'id="id_totale_error"' in html and 'id="id_data_error"' in html and 'id="id_numero_error"' in html
    # The ticked boxes stay ticked.
    assert html.count(" checked") == 2
    assert not Fattura.objects.exists()


def test_the_service_rules_when_the_form_is_valid(entrato, bob, sedute_di_alice):
    giorno_prima = timezone.localdate(sedute_di_alice[1].inizio) - dt.timedelta(days=1)
    fattura_registrata(bob, numero="12/2026", data=timezone.localdate())
    response = entrato.post(URL_REGISTRA, dati(sedute_di_alice, data=giorno_prima.isoformat()))
    html = html_di(response)
    assert "Il modulo contiene 2 errori" in html
    assert "non può precedere l&#x27;ultima seduta fatturata" in html
    assert "Hai già registrato la fattura numero 12/2026" in html
    assert Fattura.objects.count() == 1


@pytest.mark.parametrize(
    ("campi", "messaggio"),
    [
        ({"sedute": []}, "Seleziona almeno una seduta da fatturare."),
        ({"sedute": ["abc"]}, "Seleziona le sedute dall&#x27;elenco."),
        ({"sedute": ["99999999999999999999999"]}, "Seleziona le sedute dall&#x27;elenco."),
        ({"data": "9999-12-31"}, "La data della fattura non può essere nel futuro."),
        ({"data": "31/02/2026"}, "Inserisci una data valida."),
        ({"data": ""}, "Indica la data della fattura."),
        ({"totale": "99999999999999"}, "Il totale della fattura non può superare 9.999.999.999,99 €."),
        ({"totale": "1e400"}, "Il totale della fattura non può superare 9.999.999.999,99 €."),
        ({"totale": "-5"}, "Il totale della fattura deve essere di almeno 0,01 €."),
        ({"totale": "dieci"}, "Indica un importo in euro con al massimo due decimali"),
        ({"totale": "NaN"}, "Indica un importo in euro con al massimo due decimali"),
        ({"totale": "120,001"}, "Il totale della fattura ha al massimo due decimali."),
        ({"totale": ""}, "Indica il totale della fattura in euro."),
        ({"emittente": "   "}, "Indica chi ha emesso la fattura"),
        ({"emittente": "x" * 201}, "non contenga più di 200 caratteri"),
        ({"numero": "X" * 31}, "Il numero della fattura ha al massimo 30 caratteri."),
        ({"numero": "X" * 61}, "non contenga più di 60 caratteri"),
    ],
)
def test_bad_input_gives_a_message_never_a_500(entrato, sedute_di_alice, campi, messaggio):
    response = entrato.post(URL_REGISTRA, dati(sedute_di_alice, **campi))
    assert response.status_code == 200
    assert messaggio in html_di(response)
    assert not Fattura.objects.exists()


def test_someone_elses_seduta_is_refused(entrato, bob, codice_di_alice):
    altrui = seduta_confermata(ProfessionistaFactory(), codice_di_alice)
    mia = seduta_confermata(bob, codice_di_alice)
    html = html_di(entrato.post(URL_REGISTRA, dati([altrui, mia])))
    assert "non sono tra le tue sedute da fatturare" in html
    assert not Fattura.objects.exists()


def test_two_patients_sedute_are_refused(entrato, bob, sedute_di_alice):
    altra = seduta_confermata(bob, CodiceFactory(), giorni_fa=2)
    html = html_di(entrato.post(URL_REGISTRA, dati([*sedute_di_alice, altra], totale="200")))
    assert "seleziona le sedute di un solo paziente" in html
    assert not Fattura.objects.exists()


# --- Le mie fatture ------------------------------------------------------------------------------


def test_the_list_filters_by_state_patient_and_period(entrato, bob, codice_di_alice):
    oggi = timezone.localdate()
    di_alice = fattura_registrata(bob, codice_di_alice, numero="A-1", data=oggi - dt.timedelta(days=2))
    altra = fattura_registrata(bob, numero="B-1", data=oggi - dt.timedelta(days=20))
    ritirata = fattura_registrata(bob, numero="C-1", data=oggi - dt.timedelta(days=1))
    services.ritira_fattura(None, ritirata)
    fattura_registrata(numero="ALTRUI-1")  # another professional's
    url = reverse("professionista:fatture")

    def numeri(**filtri):
        html = html_di(entrato.get(url, filtri))
        return {n for n in ["A-1", "B-1", "C-1", "ALTRUI-1"] if f">{n}<" in html}

    assert numeri() == {"A-1", "B-1", "C-1"}
    assert numeri(stato="ritirata") == {"C-1"}
    assert numeri(stato="da_pagare") == {"A-1", "B-1"}
    assert numeri(paziente=codice_di_alice.pk) == {"A-1"}
    assert numeri(dal=(oggi - dt.timedelta(days=2)).isoformat()) == {"A-1", "C-1"}
    assert numeri(al=(oggi - dt.timedelta(days=2)).isoformat()) == {"A-1", "B-1"}
    assert "La data finale precede quella iniziale." in html_di(
        entrato.get(url, {"dal": oggi.isoformat(), "al": (oggi - dt.timedelta(days=1)).isoformat()})
    )
    assert "RUSSO ALICE" in html_di(entrato.get(url))
    assert di_alice.pk and altra.pk
    # Bad filters: a message, no 500.
    response = entrato.get(url, {"dal": "9999-99-99", "paziente": "x", "stato": "boh"})
    assert response.status_code == 200


def test_the_list_has_pages_of_20_and_its_queries_do_not_grow_with_rows(entrato, bob):
    url = reverse("professionista:fatture")
    codice = CodiceFactory()
    for n in range(3):
        fattura_registrata(bob, codice, sedute=1, numero=f"P-{n}")
    with CaptureQueriesContext(connection) as poche:
        assert entrato.get(url).status_code == 200
    for n in range(3, 25):
        fattura_registrata(bob, CodiceFactory(), sedute=1, numero=f"P-{n}")
    with CaptureQueriesContext(connection) as tante:
        html = html_di(entrato.get(url))
    assert len(tante) == len(poche)
    assert "Fatture 1–20 di 25" in html and "Pagina 1 di 2" in html
    html = html_di(entrato.get(url, {"pagina": 2}))
    assert "Fatture 21–25 di 25" in html
    assert html_di(entrato.get(url, {"pagina": "999"})).count("<tr>") == 6  # the last page, header + 5


# --- Detail, payment, withdrawal -----------------------------------------------------------------


def _rimborso(fattura, *, pagato_il=None, attiva=True, motivo=""):
    lotto = LottoRimborsi.objects.create(mese=dt.date(2026, 10, 1))
    rimborso = Rimborso.objects.create(
        lotto=lotto,
        numero=f"R-{fattura.pk}",
        professionista=fattura.professionista,
        canale=fattura.professionista.canali.get(attuale=True),
        iban=IBAN,
        beneficiario="X",
        importo=fattura.importo_bonus,
        stato=Rimborso.Stato.PAGATO if pagato_il else Rimborso.Stato.IN_PAGAMENTO,
        pagato_il=pagato_il,
        motivo_rifiuto=motivo,
    )
    VoceRimborso.objects.create(
        rimborso=rimborso,
        fattura=fattura,
        bando=fattura.bando,
        regione=fattura.regione,
        importo=fattura.importo_bonus,
        attiva=attiva,
    )
    return rimborso


def test_detail_of_a_fattura_waiting_for_payment(entrato, bob, codice_di_alice):
    fattura = fattura_registrata(bob, codice_di_alice, totale=Decimal("130.00"))
    html = html_di(entrato.get(reverse("professionista:fattura", args=[fattura.pk])))
    assert "Dettaglio rimborso" in html
    assert "registrata, da pagare" in html
    assert "100,00 €" in html and "30,00 €" in html  # bonus share and the patient's
    assert "Il pagamento sarà predisposto da INPS entro il mese successivo" in html
    assert reverse("professionista:ritira_fattura", args=[fattura.pk]) in html


def test_detail_of_a_paid_fattura_and_of_its_seduta(entrato, bob):
    fattura = fattura_registrata(bob)
    _rimborso(fattura, pagato_il=dt.date(2026, 11, 5))
    services.segna_in_pagamento([fattura.pk])
    services.segna_rimborsate([fattura.pk], dt.date(2026, 11, 5))
    mascherato = "IT60" + "•" * 19 + "3456"
    for url in [
        reverse("professionista:fattura", args=[fattura.pk]),
        reverse("professionista:seduta", args=[fattura.righe.first().seduta_id]),
    ]:
        html = html_di(entrato.get(url))
        assert "rimborsata" in html
        assert "Ottobre 2026" in html
        assert "05/11/2026" in html
        assert mascherato in html and IBAN not in html
        assert f"R-{fattura.pk}" in html
    assert "Ritira fattura" not in html_di(entrato.get(reverse("professionista:fattura", args=[fattura.pk])))


def test_a_suspended_fattura_says_why(entrato, bob):
    fattura = fattura_registrata(bob)
    lotto = LottoRimborsi.objects.create(mese=dt.date(2026, 10, 1))
    FatturaSospesa.objects.create(lotto=lotto, fattura=fattura)
    services.segna_sospese([fattura.pk])
    for url in [
        reverse("professionista:fattura", args=[fattura.pk]),
        reverse("professionista:seduta", args=[fattura.righe.first().seduta_id]),
    ]:
        html = html_di(entrato.get(url))
        assert "sospesa — mancata trasmissione fondi da parte della Regione" in html
        assert "Pagamento sospeso per mancata trasmissione dei fondi da parte della Regione" in html
        assert "Ottobre 2026" in html


def test_a_rejected_transfer_says_so(entrato, bob):
    fattura = fattura_registrata(bob)
    _rimborso(fattura, attiva=False, motivo="AC04")
    html = html_di(entrato.get(reverse("professionista:fattura", args=[fattura.pk])))
    assert "respinto dalla banca (motivo AC04)" in html


def test_seduta_detail_before_invoicing_and_the_fattura_link(entrato, bob, sedute_di_alice):
    url = reverse("professionista:seduta", args=[sedute_di_alice[0].pk])
    html = html_di(entrato.get(url))
    assert "La seduta non è ancora fatturata" in html and URL_REGISTRA in html
    entrato.post(URL_REGISTRA, dati(sedute_di_alice))
    fattura = Fattura.objects.get()
    html = html_di(entrato.get(url))
    assert reverse("professionista:fattura", args=[fattura.pk]) in html
    assert "registrata, da pagare" in html
    prenotata = SedutaFactory(professionista=bob)
    assert "Dettaglio rimborso" not in html_di(
        entrato.get(reverse("professionista:seduta", args=[prenotata.pk]))
    )


def test_withdrawal_with_a_confirmation_page(entrato, bob):
    fattura = fattura_registrata(bob)
    url = reverse("professionista:ritira_fattura", args=[fattura.pk])
    assert "Conferma il ritiro" in html_di(entrato.get(url))
    response = entrato.post(url)
    assert response["Location"] == reverse("professionista:fattura", args=[fattura.pk])
    fattura.refresh_from_db()
    assert fattura.stato == Fattura.Stato.RITIRATA
    html = html_di(entrato.get(response["Location"]))
    assert "Fattura ritirata: le sue sedute sono di nuovo da fatturare." in html
    assert "non sarà pagata" in html
    assert entrato.get(url)["Location"] == response["Location"]  # nothing left to withdraw


def test_a_fattura_in_a_batch_is_frozen(entrato, bob):
    fattura = fattura_registrata(bob)
    services.segna_in_pagamento([fattura.pk])
    url = reverse("professionista:ritira_fattura", args=[fattura.pk])
    response = entrato.get(url, follow=True)
    assert "non si può più ritirare" in html_di(response)
    response = entrato.post(url, follow=True)
    assert "non si può più ritirare" in html_di(response)
    fattura.refresh_from_db()
    assert fattura.stato == Fattura.Stato.IN_PAGAMENTO


def test_another_professionals_fattura_is_a_404(entrato):
    altrui = fattura_registrata()
    for nome in ["fattura", "riepilogo_fattura", "ritira_fattura"]:
        assert entrato.get(reverse(f"professionista:{nome}", args=[altrui.pk])).status_code == 404, nome
    assert entrato.post(reverse("professionista:ritira_fattura", args=[altrui.pk])).status_code == 404
    altrui.refresh_from_db()
    assert altrui.stato == Fattura.Stato.DA_PAGARE


def test_pages_are_refused_to_non_professionals(client):
    client.force_login(UserFactory())
    for nome in ["fatture", "registra_fattura"]:
        assert client.get(reverse(f"professionista:{nome}")).status_code == 404
    client.logout()
    assert client.get(reverse("professionista:fatture")).status_code == 302


def test_home_and_menu_link_the_fatture(entrato):
    html = html_di(entrato.get(reverse("professionista:home")))
    assert reverse("professionista:fatture") in html
    assert URL_REGISTRA in html


@pytest.mark.parametrize(
    ("lingua", "attesi"),
    [
        (
            "en",
            ["Register invoice", "Sessions to invoice", "Confirm invoice", "The invoice date cannot be in"],
        ),
        ("de", ["Rechnung erfassen", "Abzurechnende Sitzungen", "Rechnung bestätigen", "Das Rechnungsdatum"]),
    ],
)
def test_the_pages_and_messages_are_in_the_professionals_language(
    client, bob, sedute_di_alice, lingua, attesi
):
    entra_come_professionista(client, bob)
    User.objects.filter(codice_fiscale=bob.codice_fiscale).update(lingua=lingua)
    try:
        domani = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
        pagina = html_di(client.post(URL_REGISTRA, dati(sedute_di_alice, data=domani)))
        assert f'<html lang="{lingua}"' in pagina
        for testo in attesi:
            assert testo in pagina
        fattura = fattura_registrata(bob)
        pagina = html_di(client.get(reverse("professionista:fattura", args=[fattura.pk])))
        assert ("Reimbursement details" if lingua == "en" else "Details der Rückerstattung") in pagina
    finally:
        translation.activate("it")
