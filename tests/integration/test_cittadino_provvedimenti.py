"""Ricevute e provvedimenti and Il mio codice, before and after the graduatoria is published."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.codici.models import CodiceUnivoco
from apps.graduatorie.models import Esito
from apps.graduatorie.selectors import esito_pubblicato
from apps.graduatorie.services import calcola_graduatorie, pubblica_graduatorie
from tests.factories import BandoFactory, BudgetFactory, DomandaFactory, UserFactory, regione

pytestmark = pytest.mark.django_db
PUBBLICAZIONE = dt.date(2026, 1, 10)


@pytest.fixture
def mondo():
    """Lazio with 2 000 €: alice (ISEE 10 000, 1 500 €) accolta, bob (20 000) parzialmente accolta
    for 500 €, carol (40 000) non accolta, dave (difforme, never regularised) improcedibile."""
    bando = BandoFactory(giorni_prima_seduta=60, giorni_validita=270)
    BudgetFactory(bando=bando, regione=regione("120"), importo=Decimal("2000.00"))
    persone = {}
    for nome, isee, difforme in (
        ("alice", "10000.00", False),
        ("bob", "20000.00", False),
        ("carol", "40000.00", False),
        ("dave", "5000.00", True),
    ):
        user = UserFactory(nome=nome.capitalize())
        cf = user.codice_fiscale
        domanda = DomandaFactory(
            bando=bando,
            richiedente=user,
            cf_richiedente=cf,
            cf_beneficiario=cf,
            isee=Decimal(isee),
            isee_difforme=difforme,
        )
        persone[nome] = (user, domanda)
    return bando, persone


def pubblica(bando):
    calcola_graduatorie(bando)
    pubblica_graduatorie(bando, data=PUBBLICAZIONE)


def test_in_istruttoria_until_the_graduatoria_is_published(client, mondo):
    bando, persone = mondo
    user, domanda = persone["alice"]
    calcola_graduatorie(bando)  # computed, not yet published
    assert esito_pubblicato(domanda) is None
    client.force_login(user)
    page = client.get(reverse("cittadino:ricevute")).content.decode()
    assert "In istruttoria" in page and domanda.protocollo in page
    assert reverse("cittadino:provvedimento_pdf", args=[domanda.pk]) not in page
    response = client.get(reverse("cittadino:provvedimento_pdf", args=[domanda.pk]))
    assert response.status_code == 302


def test_accolta_shows_amount_full_code_validity_and_first_seduta(client, mondo):
    bando, persone = mondo
    user, domanda = persone["alice"]
    pubblica(bando)
    codice = CodiceUnivoco.objects.get(domanda=domanda)
    client.force_login(user)
    page = client.get(reverse("cittadino:ricevute")).content.decode()
    assert "Accolta" in page and "1.500,00 €" in page
    assert codice.codice in page
    assert f"{PUBBLICAZIONE + dt.timedelta(days=270):%d/%m/%Y}" in page
    assert f"{PUBBLICAZIONE + dt.timedelta(days=60):%d/%m/%Y}" in page


def test_parzialmente_accolta_shows_the_remainder(client, mondo):
    bando, persone = mondo
    user, domanda = persone["bob"]
    pubblica(bando)
    esito = esito_pubblicato(domanda)
    assert esito.esito == Esito.PARZIALMENTE_ACCOLTA and esito.importo_assegnato == Decimal("500.00")
    client.force_login(user)
    page = client.get(reverse("cittadino:ricevute")).content.decode()
    assert "Parzialmente accolta" in page and "500,00 €" in page


def test_non_accolta_shows_position_and_isee_of_the_last_funded(client, mondo):
    bando, persone = mondo
    user, domanda = persone["carol"]
    pubblica(bando)
    client.force_login(user)
    page = client.get(reverse("cittadino:ricevute")).content.decode()
    assert "Posizione nella graduatoria regionale: <strong>3</strong>" in page
    assert "20.000,00 €" in page
    assert not CodiceUnivoco.objects.filter(domanda=domanda).exists()


def test_improcedibile_shows_the_reason(client, mondo):
    bando, persone = mondo
    user, domanda = persone["dave"]
    pubblica(bando)
    client.force_login(user)
    page = client.get(reverse("cittadino:ricevute")).content.decode()
    assert "Improcedibile" in page
    assert f"non regolarizzate entro il {bando.termine_regolarizzazione:%d/%m/%Y}" in page


def test_inammissibile_outside_the_window_shows_the_reason(mondo):
    bando, _ = mondo
    tardiva = DomandaFactory(bando=bando, presentata_il=bando.fine_finestra)
    pubblica(bando)
    esito = esito_pubblicato(tardiva)
    assert esito.esito == Esito.INAMMISSIBILE and "fuori dal periodo" in esito.motivo


@pytest.mark.parametrize("nome", ["alice", "carol", "dave"])
def test_the_provvedimento_pdf(client, mondo, nome):
    bando, persone = mondo
    user, domanda = persone[nome]
    pubblica(bando)
    client.force_login(user)
    response = client.get(reverse("cittadino:provvedimento_pdf", args=[domanda.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment;")


def test_il_mio_codice_shows_balances_and_an_empty_sedute_state(client, mondo):
    bando, persone = mondo
    user, domanda = persone["alice"]
    pubblica(bando)
    codice = CodiceUnivoco.objects.get(domanda=domanda)
    client.force_login(user)
    home = client.get(reverse("cittadino:home")).content.decode()
    assert reverse("cittadino:codice", args=[codice.pk]) in home
    assert codice.codice not in home  # masked on the home page
    response = client.get(reverse("cittadino:codice", args=[codice.pk]))
    page = response.content.decode()
    assert codice.codice in page and page.count("1.500,00 €") == 2  # assegnato and residuo
    assert "Nessuna seduta prenotata su questo codice" in page
    assert f"{codice.valido_fino_al:%d/%m/%Y}" in page and f"{codice.prima_seduta_entro:%d/%m/%Y}" in page
    assert "no-store" in response["Cache-Control"]


def test_another_persons_code_is_a_404(client, mondo):
    bando, persone = mondo
    pubblica(bando)
    codice_di_alice = CodiceUnivoco.objects.get(domanda=persone["alice"][1])
    client.force_login(persone["bob"][0])
    assert client.get(reverse("cittadino:codice", args=[codice_di_alice.pk])).status_code == 404
    page = client.get(reverse("cittadino:ricevute")).content.decode()
    assert codice_di_alice.codice not in page


def test_funded_by_scorrimento_shows_it_in_ricevute_and_provvedimento(client, mondo):
    """alice and bob never book: at the deadline their codes lapse and the one scorrimento funds carol."""
    from django.template.loader import render_to_string

    from apps.graduatorie.ciclo import decadenza_prima_seduta
    from apps.graduatorie.scorrimento import scorri

    bando, persone = mondo
    pubblica(bando)
    user, domanda = persone["carol"]
    client.force_login(user)
    prima = client.get(reverse("cittadino:ricevute")).content.decode()
    assert "scorrimento della graduatoria il" not in prima
    giorno = PUBBLICAZIONE + dt.timedelta(days=61)
    decadenza_prima_seduta(giorno)
    scorri(bando, giorno)
    pagina = client.get(reverse("cittadino:ricevute")).content.decode()
    assert "Finanziata per scorrimento della graduatoria il 12/03/2026." in pagina
    esito = esito_pubblicato(domanda)
    assert esito.esito == Esito.ACCOLTA and esito.codice.valido_dal == giorno
    html = render_to_string("cittadino/pdf/provvedimento.html", {"domanda": domanda, "esito": esito})
    assert "Finanziata per scorrimento il" in html and "12/03/2026" in html
    response = client.get(reverse("cittadino:provvedimento_pdf", args=[domanda.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    # alice's lapsed code says so
    client.force_login(persone["alice"][0])
    assert "Stato del codice: decaduto" in client.get(reverse("cittadino:ricevute")).content.decode()
