"""The professional's pages through the test client: profile switch, first-access IBAN, booking journey,
actions on a seduta, and that every page is refused to anyone who is not the professional."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.codici.selectors import saldi_dal_registro
from apps.professionisti.models import CanaleAccredito, Professionista
from apps.sedute.models import Seduta
from tests.factories import (
    CanaleFactory,
    CodiceFactory,
    ProfessionistaFactory,
    SedutaFactory,
    UserFactory,
    entra_come_professionista,
    utente_di,
)

pytestmark = pytest.mark.django_db

IBAN = "IT60X0542811101000000123456"
IBAN_2 = "IT42L1234512345123456789012"


@pytest.fixture
def codice_di_alice():
    alice = UserFactory(nome="Alice", cognome="Russo")
    return CodiceFactory(
        domanda__cf_beneficiario=alice.codice_fiscale, domanda__richiedente=alice, assegnato=Decimal("120.00")
    )


# --- profile ------------------------------------------------------------------------------------


def test_a_citizen_who_is_not_a_professional_sees_no_profile_switch_and_gets_404(client):
    client.force_login(UserFactory())
    assert "Cambia profilo" not in client.get(reverse("cittadino:home")).content.decode()
    for name in ["cambia_profilo", "home", "canali", "prenota", "sedute", "studi", "primo_accesso"]:
        assert client.get(reverse(f"professionista:{name}")).status_code == 404, name


def test_logged_out_the_professional_pages_send_to_login(client):
    for name in ["home", "canali", "prenota", "sedute"]:
        response = client.get(reverse(f"professionista:{name}"))
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_professional_switches_profile_after_confirming_and_back(client, bob):
    client.force_login(utente_di(bob))
    assert reverse("professionista:cambia_profilo") in client.get(reverse("cittadino:home")).content.decode()
    # Not yet switched: professional pages lead to the confirmation page.
    assert client.get(reverse("professionista:home"))["Location"] == reverse("professionista:cambia_profilo")
    assert (
        "Prosegui come Psicoterapeuta"
        in client.get(reverse("professionista:cambia_profilo")).content.decode()
    )
    assert client.post(reverse("professionista:cambia_profilo"))["Location"] == reverse("professionista:home")
    assert client.get(reverse("professionista:home")).status_code == 200
    client.post(reverse("professionista:profilo_cittadino"))
    assert client.get(reverse("professionista:home"))["Location"] == reverse("professionista:cambia_profilo")


def test_first_access_requires_an_iban_before_anything_else(client):
    carla = ProfessionistaFactory()
    entra_come_professionista(client, carla)
    for name in ["home", "prenota", "sedute", "studi"]:
        assert client.get(reverse(f"professionista:{name}"))["Location"] == reverse(
            "professionista:primo_accesso"
        )
    assert "Prosegui" in client.get(reverse("professionista:primo_accesso")).content.decode()
    response = client.post(reverse("professionista:canali"), {"tipo": "personale", "iban": IBAN.lower()})
    assert response.status_code == 302
    canale = CanaleAccredito.objects.get(professionista=carla)
    assert canale.iban == IBAN and canale.attuale
    assert client.get(reverse("professionista:home")).status_code == 200


# --- IBAN ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dati, campo, messaggio",
    [
        ({"tipo": "personale", "iban": "IT60X0542811101000000123457"}, "iban", "IBAN non valido"),
        ({"tipo": "ente", "iban": IBAN_2, "denominazione": "Studio Neri"}, "partita_iva", "Partita IVA"),
        (
            {"tipo": "ente", "iban": IBAN_2, "partita_iva": "12345678901", "denominazione": "Studio"},
            "partita_iva",
            "Partita IVA non valida",
        ),
        ({"tipo": "ente", "iban": IBAN_2, "partita_iva": "01114601006"}, "denominazione", "denominazione"),
        ({"tipo": "personale", "iban": IBAN}, "iban", "già tra i tuoi canali"),
    ],
)
def test_a_wrong_iban_form_shows_the_message_next_to_the_field_and_changes_nothing(
    client, bob, dati, campo, messaggio
):
    entra_come_professionista(client, bob)
    response = client.post(reverse("professionista:canali"), dati)
    assert response.status_code == 200
    assert any(messaggio in e for e in response.context["form"].errors[campo])
    assert CanaleAccredito.objects.filter(professionista=bob).count() == 1


def test_an_ente_iban_is_added_and_made_current_and_the_old_one_is_kept(client, bob):
    entra_come_professionista(client, bob)
    dati = {"tipo": "ente", "iban": IBAN_2, "partita_iva": "01114601006", "denominazione": "Studio Neri Srl"}
    assert client.post(reverse("professionista:canali"), dati).status_code == 302
    nuovo = CanaleAccredito.objects.get(professionista=bob, iban=IBAN_2)
    assert not nuovo.attuale
    client.post(reverse("professionista:canale_attuale", args=[nuovo.pk]))
    assert list(CanaleAccredito.objects.filter(professionista=bob, attuale=True)) == [nuovo]
    assert CanaleAccredito.objects.filter(professionista=bob).count() == 2
    page = client.get(reverse("professionista:home")).content.decode()
    assert IBAN_2 not in page and nuovo.iban_mascherato in page  # masked outside the channels page


def test_another_professionals_iban_cannot_be_made_current(client, bob):
    altro = CanaleFactory()
    entra_come_professionista(client, bob)
    assert client.post(reverse("professionista:canale_attuale", args=[altro.pk])).status_code == 404
    altro.refresh_from_db()
    assert altro.attuale


# --- booking journey -----------------------------------------------------------------------------


def test_verify_then_book_then_receipt(client, bob, codice_di_alice):
    entra_come_professionista(client, bob)
    cf = codice_di_alice.domanda.cf_beneficiario
    page = client.post(
        reverse("professionista:prenota"), {"codice_fiscale": cf, "codice": codice_di_alice.codice}
    )
    html = page.content.decode()
    assert "Associazione verificata" in html and "RUSSO ALICE" in html and "50,00" in html
    domani = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(
        reverse("professionista:prenota_seduta"),
        {
            "data": domani.isoformat(),
            "ora": "10:30",
            "durata_minuti": "50",
            "importo": "45,50",
            "studio": bob.studi.first().pk,
        },
    )
    seduta = Seduta.objects.get(professionista=bob)
    assert response["Location"] == reverse("professionista:riepilogo", args=[seduta.pk]) + "?azione=prenotata"
    assert seduta.importo == Decimal("45.50")
    assert timezone.localtime(seduta.inizio).strftime("%d/%m/%Y %H:%M") == f"{domani:%d/%m/%Y} 10:30"
    riepilogo = client.get(response["Location"]).content.decode()
    assert "Seduta prenotata con successo" in riepilogo and "stesso paziente" in riepilogo
    pdf = client.get(reverse("professionista:ricevuta_pdf", args=[seduta.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    codice_di_alice.refresh_from_db()
    assert codice_di_alice.prenotato == Decimal("45.50")
    # "Another seduta for the same patient" goes straight to step 2.
    stesso = client.post(reverse("professionista:stesso_paziente", args=[seduta.pk]))
    assert stesso["Location"] == reverse("professionista:prenota_seduta")
    assert "74,50" in client.get(stesso["Location"]).content.decode()  # residuo 120 − 45.50


def test_a_failed_verification_shows_one_message_and_does_not_open_step_two(client, bob, codice_di_alice):
    entra_come_professionista(client, bob)
    page = client.post(
        reverse("professionista:prenota"),
        {"codice_fiscale": UserFactory().codice_fiscale, "codice": codice_di_alice.codice},
    )
    assert "non corrispondono a un contributo utilizzabile" in page.content.decode()
    assert client.get(reverse("professionista:prenota_seduta"))["Location"] == reverse(
        "professionista:prenota"
    )


def test_the_booking_form_rejects_bad_input_next_to_the_field(client, bob, codice_di_alice):
    entra_come_professionista(client, bob)
    session = client.session
    session["prenotazione_paziente"] = {
        "codice_id": codice_di_alice.pk,
        "cf": codice_di_alice.domanda.cf_beneficiario,
    }
    session.save()
    prima = codice_di_alice.valido_dal - dt.timedelta(days=1)
    casi = [
        ({"importo": "50,01"}, "importo", "50,00"),
        ({"importo": "0"}, "importo", "0,01"),
        ({"importo": "10,001"}, "importo", "due decimali"),
        ({"data": prima.isoformat()}, "data", "non può precedere"),
        ({"durata_minuti": "0"}, "durata_minuti", "almeno 1 minuto"),
    ]
    for modifica, campo, messaggio in casi:
        dati = {
            "data": timezone.localdate().isoformat(),
            "ora": "09:00",
            "durata_minuti": "50",
            "importo": "50",
            "studio": bob.studi.first().pk,
            **modifica,
        }
        response = client.post(reverse("professionista:prenota_seduta"), dati)
        assert response.status_code == 200, modifica
        assert any(messaggio in e for e in response.context["form"].errors[campo]), response.context[
            "form"
        ].errors
    assert not Seduta.objects.exists()


def test_a_revoked_professional_cannot_book_but_can_confirm(client, bob, codice_di_alice):
    seduta = SedutaFactory(
        professionista=bob, codice=codice_di_alice, inizio=timezone.now() - dt.timedelta(hours=1)
    )
    Professionista.objects.filter(pk=bob.pk).update(stato=Professionista.Stato.REVOCATO)
    entra_come_professionista(client, bob)
    assert "non puoi prenotare nuove sedute" in client.get(reverse("professionista:home")).content.decode()
    client.post(reverse("professionista:conferma", args=[seduta.pk]))
    seduta.refresh_from_db()
    assert seduta.stato == Seduta.Stato.CONFERMATA


# --- Le mie sedute and the actions ---------------------------------------------------------------


def test_le_mie_sedute_filters_and_paginates(client, bob):
    codice = CodiceFactory(assegnato=Decimal("1500.00"))
    base = timezone.now() - dt.timedelta(days=5)
    for n in range(25):
        SedutaFactory(
            professionista=bob, codice=codice, importo=Decimal("10.00"), inizio=base + dt.timedelta(hours=n)
        )
    SedutaFactory(professionista=bob, stato=Seduta.Stato.CONFERMATA)
    entra_come_professionista(client, bob)
    pagina = client.get(reverse("professionista:sedute")).context["pagina"]
    assert pagina.paginator.count == 26 and len(pagina.object_list) == 20
    assert len(client.get(reverse("professionista:sedute") + "?pagina=2").context["pagina"].object_list) == 6
    assert (
        client.get(reverse("professionista:sedute") + "?stato=confermata").context["pagina"].paginator.count
        == 1
    )
    per_paziente = client.get(reverse("professionista:sedute") + f"?paziente={codice.pk}")
    assert per_paziente.context["pagina"].paginator.count == 25
    assert codice.domanda.cf_beneficiario not in per_paziente.request["QUERY_STRING"]
    # A code that is not one of the professional's patients is not a valid choice.
    estraneo = CodiceFactory()
    assert client.get(reverse("professionista:sedute") + f"?paziente={estraneo.pk}").context["filtro"].errors
    giorno = timezone.localdate(base)
    dopo = client.get(reverse("professionista:sedute") + f"?dal={giorno + dt.timedelta(days=30)}")
    assert dopo.context["pagina"].paginator.count == 0
    errore = client.get(
        reverse("professionista:sedute") + f"?dal={giorno}&al={giorno - dt.timedelta(days=1)}"
    )
    assert "precede" in errore.content.decode()


def test_modify_cancel_confirm_from_the_detail_page(client, bob, codice_di_alice):
    futura = SedutaFactory(professionista=bob, codice=codice_di_alice, importo=Decimal("50.00"))
    passata = SedutaFactory(
        professionista=bob,
        codice=codice_di_alice,
        importo=Decimal("40.00"),
        inizio=timezone.now() - dt.timedelta(hours=2),
    )
    entra_come_professionista(client, bob)
    dettaglio = client.get(reverse("professionista:seduta", args=[futura.pk])).content.decode()
    assert "Modifica" in dettaglio and "Annulla" in dettaglio and "dopo il suo inizio" in dettaglio
    # Modify: the maximum is residuo (30) + own amount (50), capped at 50.
    locale = timezone.localtime(futura.inizio)
    dati = {"data": locale.date().isoformat(), "ora": "18:00", "durata_minuti": "45", "importo": "30"}
    assert client.post(reverse("professionista:modifica", args=[futura.pk]), dati).status_code == 302
    futura.refresh_from_db()
    assert (futura.importo, futura.durata_minuti) == (Decimal("30.00"), 45)
    # Confirm refused in the future, allowed once started.
    client.post(reverse("professionista:conferma", args=[futura.pk]))
    futura.refresh_from_db()
    assert futura.stato == Seduta.Stato.PRENOTATA
    response = client.post(reverse("professionista:conferma", args=[passata.pk]))
    assert response["Location"].endswith("?azione=confermata")
    assert "Seduta confermata con successo" in client.get(response["Location"]).content.decode()
    response = client.post(reverse("professionista:annulla", args=[futura.pk]))
    assert "Seduta annullata con successo" in client.get(response["Location"]).content.decode()
    codice_di_alice.refresh_from_db()
    assert (codice_di_alice.prenotato, codice_di_alice.utilizzato) == (Decimal("0.00"), Decimal("40.00"))
    assert saldi_dal_registro(codice_di_alice) == {
        "assegnato": codice_di_alice.assegnato,
        "prenotato": codice_di_alice.prenotato,
        "utilizzato": codice_di_alice.utilizzato,
    }


def test_professional_a_gets_404_on_everything_of_professional_b(client, bob):
    carla = ProfessionistaFactory()
    canale_di_carla = CanaleFactory(professionista=carla)
    seduta_di_carla = SedutaFactory(professionista=carla, inizio=timezone.now() - dt.timedelta(hours=1))
    entra_come_professionista(client, bob)
    for name in ["seduta", "riepilogo", "ricevuta_pdf", "modifica", "annulla", "conferma"]:
        url = reverse(f"professionista:{name}", args=[seduta_di_carla.pk])
        assert client.get(url).status_code == 404, name
        assert client.post(url).status_code in (404, 405), name
    assert (
        client.post(reverse("professionista:stesso_paziente", args=[seduta_di_carla.pk])).status_code == 404
    )
    assert client.post(reverse("professionista:canale_attuale", args=[canale_di_carla.pk])).status_code == 404
    seduta_di_carla.refresh_from_db()
    assert seduta_di_carla.stato == Seduta.Stato.PRENOTATA
    assert seduta_di_carla not in client.get(reverse("professionista:sedute")).context["pagina"].object_list


def test_the_channels_page_shows_the_owner_the_full_iban(client, bob):
    entra_come_professionista(client, bob)
    assert IBAN in client.get(reverse("professionista:canali")).content.decode()


def test_a_professional_adds_a_studio(client, bob, reference_data):
    entra_come_professionista(client, bob)
    dati = {"indirizzo": "Via Verdi 2", "comune": "Milano", "provincia": "MI", "cap": "20100"}
    assert client.post(reverse("professionista:studi"), dati).status_code == 302
    assert bob.studi.filter(comune="Milano").exists()
    doppio = client.post(reverse("professionista:studi"), dati)
    assert "già nel tuo elenco" in doppio.content.decode()
    assert client.post(reverse("professionista:studi"), {**dati, "cap": "201"}).context["form"].errors["cap"]


def test_after_too_many_failed_verifications_even_the_right_pair_is_refused(
    client, bob, codice_di_alice, settings
):
    settings.VERIFICA_MAX_ERRORI_UTENTE = 3
    entra_come_professionista(client, bob)
    url = reverse("professionista:prenota")
    giusto = {"codice_fiscale": codice_di_alice.domanda.cf_beneficiario, "codice": codice_di_alice.codice}
    for _ in range(3):
        client.post(url, {**giusto, "codice": "ZZZZZZZZZZZZ"})
    page = client.post(url, giusto).content.decode()
    assert "Troppe verifiche" in page and "Associazione verificata" not in page
    assert client.get(reverse("professionista:prenota_seduta"))["Location"] == url


def test_the_public_home_links_the_search_of_professionals(client):
    assert reverse("cittadino:professionisti") in client.get(reverse("home")).content.decode()
    assert client.get(reverse("cittadino:professionisti")).status_code == 200
