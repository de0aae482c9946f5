"""The citizen's side in three languages: every form error at once, the outcome e-mail per esito with
the amount in the applicant's language, PDFs in the person's language, "domanda già presentata"."""

import datetime as dt
import re
import uuid
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from apps.core.models import Notifica
from apps.domande.models import Domanda
from apps.graduatorie.services import calcola_graduatorie, pubblica_graduatorie
from tests.factories import (
    BandoFactory,
    BudgetFactory,
    DomandaFactory,
    UserFactory,
    make_cf,
    provincia,
    regione,
)

pytestmark = pytest.mark.django_db
D = Decimal
ERRORI = re.compile(r'id="id_(\w+)_error"')


@pytest.fixture
def bando():
    return BandoFactory(nome="Bando aperto")


def _errori(page: str) -> set[str]:
    return set(ERRORI.findall(page))


def test_an_empty_submission_shows_every_error_at_once(client, bando):
    user = UserFactory()
    client.force_login(user)
    url = reverse("cittadino:presenta", args=[bando.pk])
    page = client.post(url, {"chiave_invio": str(uuid.uuid4()), "azione": "riepilogo"}).content.decode()
    # Before: two fields first, then the declaration, then the contacts, one submit at a time.
    assert _errori(page) == {"relazione", "cf_beneficiario", "provincia", "email", "dichiarazione"}
    assert "Il modulo contiene 5 errori" in page
    assert 'id="riepilogo-errori"' in page
    assert not Domanda.objects.exists()


def test_service_rules_on_the_form_alone_show_together_with_the_forms_own(client, bando):
    user = UserFactory()
    client.force_login(user)
    url = reverse("cittadino:presenta", args=[bando.pk])
    dati = {
        "relazione": "se_stesso",
        "cf_beneficiario": "RSSMRA80A01H501X",  # wrong check character
        "provincia": "",
        "email": "",
        "cellulare": "",
        "chiave_invio": str(uuid.uuid4()),
        "azione": "riepilogo",
    }
    page = client.post(url, dati).content.decode()
    assert _errori(page) == {"cf_beneficiario", "provincia", "email", "dichiarazione"}
    assert "carattere di controllo" in page and "DPR 445/2000 è obbligatoria" in page
    assert "almeno un indirizzo e-mail" in page


def test_the_errors_read_in_the_persons_language(client, bando):
    user = UserFactory(lingua="de")
    client.force_login(user)
    url = reverse("cittadino:presenta", args=[bando.pk])
    page = client.post(url, {"chiave_invio": str(uuid.uuid4()), "azione": "riepilogo"}).content.decode()
    assert '<html lang="de">' in page
    assert "Die Erklärung gemäß DPR 445/2000 ist verpflichtend." in page
    assert "Wohnsitzprovinz der begünstigten Person" in page
    assert "Weiter zur Zusammenfassung" in page


def _pubblicata(**utenti):
    """accolta (alice, 1.500,00), parzialmente accolta (bob, 600,00), in graduatoria (carla), inammissibile
    (dario): 2.100,00 € of funds in Lazio."""
    bando = BandoFactory(anno=2093)
    BudgetFactory(bando=bando, regione=regione("120"), importo=D("2100.00"))
    isee_di = {"alice": "1000.00", "bob": "20000.00", "carla": "40000.00", "dario": "60000.00"}
    for nome, isee in isee_di.items():
        user = utenti.get(nome)
        DomandaFactory(
            bando=bando,
            isee=D(isee),
            email=f"{nome}@example.org",
            richiedente=user,
            cf_beneficiario=user.codice_fiscale if user else make_cf(),
        )
    calcola_graduatorie(bando)
    pubblica_graduatorie(bando, data=dt.date(2026, 12, 1))
    return dict(Notifica.objects.filter(canale="email").values_list("destinatario", "testo"))


def test_each_esito_has_its_own_text_with_the_amount():
    testi = _pubblicata()
    assert "è stata accolta: importo assegnato 1.500,00 €" in testi["alice@example.org"]
    # Not "è stata accolta": partially, with the amount the region's funds cover.
    assert "è stata parzialmente accolta" in testi["bob@example.org"]
    assert "600,00 €" in testi["bob@example.org"]
    assert "è stata accolta" not in testi["bob@example.org"]
    assert "in graduatoria ma non è stata finanziata" in testi["carla@example.org"]
    assert "non è stata accolta" in testi["dario@example.org"]
    assert "€" not in testi["carla@example.org"] + testi["dario@example.org"]


def test_the_outcome_is_written_in_the_applicants_language():
    testi = _pubblicata(alice=UserFactory(lingua="de"), bob=UserFactory(lingua="en"), carla=UserFactory())
    assert testi["alice@example.org"].startswith("Der Antrag ")
    assert "wurde angenommen: zugewiesener Betrag 1.500,00 €" in testi["alice@example.org"]
    assert "has been partially granted" in testi["bob@example.org"]
    assert "€600.00" in testi["bob@example.org"]
    assert "è in graduatoria" in testi["carla@example.org"]  # no language saved: Italian
    assert "non è stata accolta" in testi["dario@example.org"]  # no user (another channel): Italian
    oggetti = dict(Notifica.objects.filter(canale="email").values_list("destinatario", "oggetto"))
    assert oggetti["alice@example.org"] == "Ergebnis Ihres Antrags – Psychologen-Bonus"
    assert oggetti["carla@example.org"] == "Esito della domanda – Bonus psicologo"
    sms = dict(Notifica.objects.filter(canale="sms").values_list("testo", "oggetto"))
    assert any(t.startswith("Der Antrag ") for t in sms) and set(sms.values()) == {""}


@pytest.fixture
def pdf_come_html(monkeypatch):
    """The PDF's HTML instead of the PDF (nothing here reads PDF text): what the template renders."""
    resi = []

    def finto(template, context, filename):
        from django.http import HttpResponse

        resi.append(render_to_string(template, context))
        return HttpResponse(b"%PDF finto")

    monkeypatch.setattr("apps.portale_cittadino.views.pdf_response", finto)
    return resi


def test_the_receipt_pdf_is_in_the_persons_language_with_its_dates(client, bando, pdf_come_html):
    user = UserFactory(lingua="de")
    domanda = DomandaFactory(
        bando=bando,
        richiedente=user,
        cf_beneficiario=user.codice_fiscale,
        isee=D("12345.00"),
        presentata_il=dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC),
    )
    client.force_login(user)
    client.get(reverse("cittadino:ricevuta_pdf", args=[domanda.pk]))
    (html,) = pdf_come_html
    assert '<html lang="de">' in html
    assert "Empfangsbestätigung für die Einreichung des Antrags" in html
    assert "04.03.2026" in html and "12.345,00 €" in html


def test_the_receipt_pdf_is_italian_by_default(client, bando, pdf_come_html):
    user = UserFactory()
    domanda = DomandaFactory(bando=bando, richiedente=user, cf_beneficiario=user.codice_fiscale)
    client.force_login(user)
    client.get(reverse("cittadino:ricevuta_pdf", args=[domanda.pk]))
    (html,) = pdf_come_html
    assert '<html lang="it">' in html and "Ricevuta di presentazione della domanda" in html


def test_after_applying_the_home_links_to_the_domanda_instead_of_the_form(client, bando):
    user = UserFactory()
    client.force_login(user)
    home = client.get(reverse("cittadino:home")).content.decode()
    assert "Presenta domanda</a>" in home and "Domanda già presentata" not in home

    domanda = DomandaFactory(bando=bando, richiedente=user, cf_beneficiario=user.codice_fiscale)
    home = client.get(reverse("cittadino:home")).content.decode()
    assert "Domanda già presentata" in home and domanda.protocollo in home
    assert reverse("cittadino:ricevuta", args=[domanda.pk]) in home
    assert "Presenta domanda</a>" not in home  # only "… per una persona che rappresenti"


def test_a_domanda_for_someone_else_leaves_the_own_form_offered(client, bando):
    """Applying for a child is not applying for oneself; and whether anyone else applied for anybody
    is never told."""
    user = UserFactory()
    DomandaFactory(bando=bando, richiedente=user, cf_richiedente=user.codice_fiscale, relazione="genitore")
    estraneo = UserFactory()
    DomandaFactory(bando=bando, richiedente=estraneo, cf_beneficiario=estraneo.codice_fiscale)
    client.force_login(user)
    home = client.get(reverse("cittadino:home")).content.decode()
    assert "Domanda già presentata" not in home and "Presenta domanda</a>" in home


def test_the_code_page_writes_money_and_labels_in_the_persons_language(client):
    from tests.factories import CodiceFactory

    user = UserFactory(lingua="en")
    codice = CodiceFactory(domanda__cf_beneficiario=user.codice_fiscale, assegnato=D("1500.00"))
    client.force_login(user)
    page = client.get(reverse("cittadino:codice", args=[codice.pk])).content.decode()
    assert "€1,500.00" in page and "Valid until" in page


def test_the_form_page_in_english(client, bando):
    user = UserFactory(lingua="en")
    provincia("RM", "120")
    client.force_login(user)
    page = client.get(reverse("cittadino:presenta", args=[bando.pk])).content.decode()
    assert '<html lang="en">' in page
    assert "Choose a province" in page and "Beneficiary&#x27;s tax code" in page
    # The provinces' <select> is cached per language (SelectInCache): Italian is not served from it.
    client.force_login(UserFactory())
    page = client.get(reverse("cittadino:presenta", args=[bando.pk])).content.decode()
    assert "Scegli una provincia" in page and "Choose a province" not in page
