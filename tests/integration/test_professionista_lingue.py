"""The professional's pages, messages and PDF ricevuta in their saved language (issue 8 §1), and the
markup issue 8 §4 asked for: neutral welcome, "Prosegui" outside the success callout, tables with caption
and header scopes in a responsive region, every error of a form at once next to its field."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from apps.professionisti.models import CanaleAccredito
from tests.factories import (
    CanaleFactory,
    CodiceFactory,
    ProfessionistaFactory,
    SedutaFactory,
    UserFactory,
    entra_come_professionista,
    utente_di,
)
from tests.pdf_testo import pdf_in_chiaro

pytestmark = pytest.mark.django_db

IBAN = "IT60X0542811101000000123456"


@pytest.fixture(autouse=True)
def torna_all_italiano():
    """A request activates the user's language in this thread and nothing resets it: the tests after
    these would run their services in German."""
    yield
    translation.activate("it")


@pytest.fixture
def bob():
    professionista = ProfessionistaFactory()
    CanaleFactory(professionista=professionista, iban=IBAN, attuale=True)
    return professionista


@pytest.fixture
def codice():
    alice = UserFactory(nome="Alice", cognome="Russo")
    return CodiceFactory(
        domanda__cf_beneficiario=alice.codice_fiscale, domanda__richiedente=alice, assegnato=Decimal("120.00")
    )


def in_lingua(professionista, lingua: str):
    utente = utente_di(professionista)
    utente.lingua = lingua
    utente.save(update_fields=["lingua"])


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    "lingua, attesi",
    [
        ("it", ["Le mie sedute", "Prenota una seduta", "Canale di accredito attuale:"]),
        ("en", ["My sessions", "Book a session", "Current payment account:"]),
        ("de", ["Meine Sitzungen", "Eine Sitzung vormerken", "Aktuelles Zahlungskonto:"]),
    ],
)
def test_the_home_is_in_the_professionals_saved_language(client, bob, lingua, attesi):
    in_lingua(bob, lingua)
    entra_come_professionista(client, bob)
    client.cookies["django_language"] = "it" if lingua != "it" else "de"  # the saved language wins
    pagina = html(client.get(reverse("professionista:home")))
    assert f'<html lang="{lingua}"' in pagina
    for testo in attesi:
        assert testo in pagina


def test_the_home_card_opens_the_booking_and_does_not_say_sign_in(client, bob):
    in_lingua(bob, "en")
    entra_come_professionista(client, bob)
    pagina = html(client.get(reverse("professionista:home")))
    assert re.search(r'href="/professionista/prenota/\?nuovo=1">Open</a>', pagina)


def test_the_first_access_greets_everyone_the_same_way(client):
    carla = ProfessionistaFactory()
    entra_come_professionista(client, carla)
    for lingua, saluto in [("it", "Ti diamo il benvenuto"), ("de", "Willkommen"), ("en", "Welcome")]:
        in_lingua(carla, lingua)
        pagina = html(client.get(reverse("professionista:primo_accesso")))
        assert saluto in pagina
        assert "Benvenuto " not in pagina and "Benvenuta" not in pagina


def test_after_verifying_prosegui_is_a_button_outside_the_success_callout(client, bob, codice):
    """Bootstrap Italia colours links inside `.callout.success` green, a button's text too (1.1:1 on blue)."""
    entra_come_professionista(client, bob)
    pagina = html(
        client.post(
            reverse("professionista:prenota"),
            {"codice_fiscale": codice.domanda.cf_beneficiario, "codice": codice.codice},
        )
    )
    inizio = pagina.index('id="esito-verifica"')
    fine_callout = pagina.index("</dl>", inizio)
    assert "Prosegui" not in pagina[inizio:fine_callout]
    assert re.search(
        r'</dl>\s*</div>\s*<p class="mt-3">'
        r'<a class="btn btn-primary" id="prosegui" href="[^"]+">Prosegui</a>',
        pagina[fine_callout:],
    )


def test_a_verification_message_is_in_the_professionals_language(client, bob, codice):
    in_lingua(bob, "de")
    entra_come_professionista(client, bob)
    pagina = html(
        client.post(
            reverse("professionista:prenota"),
            {"codice_fiscale": codice.domanda.cf_beneficiario, "codice": "X" * 12},
        )
    )
    assert "entsprechen keinem verwendbaren Beitrag" in pagina


def test_a_date_in_a_service_message_follows_the_language(client, bob, codice):
    in_lingua(bob, "de")
    entra_come_professionista(client, bob, codice)
    oltre = codice.valido_fino_al + dt.timedelta(days=1)
    response = client.post(
        reverse("professionista:prenota_seduta"),
        {"data": oltre.isoformat(), "ora": "10:00", "durata_minuti": "50", "importo": "40",
         "studio": bob.studi.first().pk},
    )  # fmt: skip
    attesa = f"Der Code ist bis {codice.valido_fino_al:%d.%m.%Y} gültig."
    assert attesa in html(response)


def test_every_error_of_the_booking_form_shows_at_once_next_to_its_field(client, bob, codice):
    entra_come_professionista(client, bob, codice)
    pagina = html(
        client.post(reverse("professionista:prenota_seduta"), {"durata_minuti": "0", "importo": "abc"})
    )
    riepilogo = pagina[pagina.index('id="riepilogo-errori"') :]
    for campo in ["data", "ora", "durata_minuti", "importo", "studio"]:
        assert f'id="id_{campo}_error"' in pagina, campo
        assert f'href="#id_{campo}"' in riepilogo, campo
    assert "Il modulo contiene 5 errori" in pagina


def test_the_filter_of_le_mie_sedute_shows_its_error_with_the_summary_and_the_fields_id(client, bob):
    entra_come_professionista(client, bob)
    pagina = html(client.get(reverse("professionista:sedute"), {"dal": "2026-03-10", "al": "2026-03-01"}))
    assert 'id="riepilogo-errori"' in pagina and 'href="#id_al"' in pagina
    assert re.search(
        r'id="id_al"[^>]*aria-describedby="id_al_error"|aria-describedby="id_al_error"[^>]*id="id_al"', pagina
    )
    assert re.search(r'<div class="invalid-feedback d-block" id="id_al_error">La data finale precede', pagina)


def test_the_tables_have_a_caption_header_scopes_and_a_labelled_scroll_region(client, bob, codice):
    SedutaFactory(professionista=bob, codice=codice, studio=bob.studi.first())
    entra_come_professionista(client, bob)
    for nome in ["sedute", "canali"]:
        pagina = html(client.get(reverse(f"professionista:{nome}")))
        assert re.search(
            r'<div class="table-responsive position-relative" tabindex="0" role="region" '
            r'aria-labelledby="titolo-tabella">\s*<table class="table">\s*<caption id="titolo-tabella">',
            pagina,
        ), nome
        assert '<th scope="col">' in pagina and '<th scope="row"' in pagina, nome


@pytest.mark.parametrize(
    "lingua, titolo", [("it", "Ricevuta della seduta"), ("de", "Empfangsbestätigung der Sitzung")]
)
def test_the_pdf_ricevuta_is_in_the_professionals_saved_language(client, bob, codice, lingua, titolo):
    seduta = SedutaFactory(professionista=bob, codice=codice, studio=bob.studi.first())
    in_lingua(bob, lingua)
    entra_come_professionista(client, bob)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("professionista:ricevuta_pdf", args=[seduta.pk]))
    assert response.status_code == 200
    contenuto = pdf_in_chiaro(response.content)
    assert f"/Lang ({lingua})".encode() in contenuto
    completo = f"{titolo} {seduta.numero}"
    # WeasyPrint writes a non-ASCII title as UTF-16 in hex, an ASCII one as a literal string.
    esadecimale = b"/Title <feff" + completo.encode("utf-16-be").hex().encode()
    assert esadecimale in contenuto or f"/Title ({completo})".encode() in contenuto


def test_the_professionals_iban_error_is_in_their_language(client, bob):
    in_lingua(bob, "en")
    entra_come_professionista(client, bob)
    response = client.post(
        reverse("professionista:canali"), {"tipo": "personale", "iban": "IT60X054281110100000012345"}
    )
    assert "an IBAN starting with IT has 27 characters, the one entered has 26" in html(response)
    assert CanaleAccredito.objects.filter(professionista=bob).count() == 1


def test_booking_in_german_books_as_in_italian(client, bob, codice):
    in_lingua(bob, "de")
    entra_come_professionista(client, bob, codice)
    domani = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(
        reverse("professionista:prenota_seduta"),
        {"data": domani.isoformat(), "ora": "10:00", "durata_minuti": "50", "importo": "40,50",
         "studio": bob.studi.first().pk},
    )  # fmt: skip
    assert response.status_code == 302
    assert "Sitzung erfolgreich vorgemerkt." in html(client.get(response["Location"]))


def _query_prenotazione(client, bob, codice, lingua: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    in_lingua(bob, lingua)
    entra_come_professionista(client, bob, codice)
    domani = timezone.localdate() + dt.timedelta(days=1)
    dati = {"data": domani.isoformat(), "ora": "10:00", "durata_minuti": "50", "importo": "10",
            "studio": bob.studi.first().pk}  # fmt: skip
    with CaptureQueriesContext(connection) as query:
        assert client.post(reverse("professionista:prenota_seduta"), dati).status_code == 302
    return len(query)


def test_booking_in_another_language_costs_no_extra_query(client, bob, codice):
    """Translating the messages and the pages reads nothing from the database: the booking request runs
    the same queries in German as in Italian."""
    italiano = _query_prenotazione(client, bob, codice, "it")
    tedesco = _query_prenotazione(client, bob, codice, "de")
    assert tedesco == italiano


@pytest.mark.parametrize(
    "cf, messaggio",
    [
        ("RSSMRA85M01H501", "Il codice fiscale ha 16 caratteri: quello indicato ne ha 15."),
        ("RSSMRA85M01H501Z", "Codice fiscale non valido: controlla i 16 caratteri, l'ultimo è un carattere"),
    ],
)
def test_a_wrong_codice_fiscale_says_whether_it_is_the_length_or_the_characters(client, bob, cf, messaggio):
    entra_come_professionista(client, bob)
    response = client.post(
        reverse("professionista:prenota"), {"codice_fiscale": cf, "codice": "ABCDEFGHJKLM"}
    )
    assert any(messaggio in e for e in response.context["form"].errors["codice_fiscale"])
