"""What AgID requires of a PA service: content pages operators edit (it/en/de, last update date), site map,
"Valuta il servizio", login with SPID/CIE buttons, error pages in the person's language."""

import re

import pytest
from django.contrib.auth.models import Group
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from apps.domande.reference import OPERATORE_GROUP
from apps.pagine.contenuti import PREDEFINITI, carica_contenuti_predefiniti
from apps.pagine.models import PaginaContenuto, Valutazione
from apps.pagine.testo import corpo_html
from tests.factories import (
    DomandaFactory,
    SedutaFactory,
    UserFactory,
    entra_come_professionista,
)

pytestmark = pytest.mark.django_db

PAGINE = ["pagine:accessibilita", "pagine:privacy", "pagine:note_legali"]


def _testo(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- Content pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lingua", "titolo", "aggiornamento"),
    [
        ("it", "Dichiarazione di accessibilità", "Ultimo aggiornamento:"),
        ("en", "Accessibility statement", "Last updated:"),
        ("de", "Erklärung zur Barrierefreiheit", "Zuletzt aktualisiert:"),
    ],
)
def test_the_accessibility_statement_in_each_language(client, lingua, titolo, aggiornamento):
    pagina = _testo(client.get(reverse("pagine:accessibilita"), HTTP_ACCEPT_LANGUAGE=lingua))
    assert f'<html lang="{lingua}">' in pagina
    assert f"<h1>{titolo}</h1>" in pagina
    assert aggiornamento in pagina
    assert '<a href="https://form.agid.gov.it/">' in pagina
    assert "mailto:accessibilita@inps.it" in pagina
    assert {"it": "parzialmente conforme", "en": "partially compliant", "de": "teilweise vereinbar"}[
        lingua
    ] in pagina
    oggi = timezone.localdate(PaginaContenuto.objects.get(slug="accessibilita", lingua=lingua).aggiornata_il)
    assert f'<time datetime="{oggi:%Y-%m-%d}">' in pagina


def test_the_privacy_notice_has_what_article_13_asks(client):
    pagina = _testo(client.get(reverse("pagine:privacy")))
    for voce in [
        "Titolare del trattamento",
        "Via Ciro il Grande 21, 00144 Roma",
        "mailto:responsabileprotezionedati@inps.it",
        "art. 6, paragrafo 1, lettera e), GDPR",
        "art. 9, paragrafo 2, lettera g), GDPR",
        "art. 1-quater del Decreto-legge 30 dicembre 2021, n. 228",
        "<strong>dati relativi alla salute</strong>",
        "Consiglio Nazionale dell'Ordine degli Psicologi (CNOP)",
        "<strong>soltanto dati aggregati</strong>",
        "Conservazione",
        "art. 15 GDPR",
        "Garante per la protezione dei dati personali",
        '<a href="https://www.garanteprivacy.it">',
    ]:
        assert voce.replace("'", "&#x27;") in pagina or voce in pagina, voce
    tedesco = _testo(client.get(reverse("pagine:privacy"), HTTP_ACCEPT_LANGUAGE="de"))
    assert "Art. 6 Abs. 1 Buchst. e DSGVO" in tedesco and "Art. 9 Abs. 2 Buchst. g DSGVO" in tedesco


def test_a_page_missing_in_a_language_falls_back_to_italian_marked_as_italian(client):
    carica_contenuti_predefiniti()
    PaginaContenuto.objects.filter(slug="note_legali", lingua="en").delete()
    pagina = _testo(client.get(reverse("pagine:note_legali"), HTTP_ACCEPT_LANGUAGE="en"))
    assert '<html lang="en">' in pagina
    assert '<article class="pagina-contenuto" lang="it">' in pagina
    assert "<h1>Note legali</h1>" in pagina
    assert "This page is not yet available in your language" in pagina


def test_defaults_are_loaded_once_and_never_overwrite_an_edit():
    # The data migration loaded them; loading again adds nothing.
    assert PaginaContenuto.objects.count() == len(PREDEFINITI) == 9
    PaginaContenuto.objects.filter(slug="privacy", lingua="it").update(titolo="Privacy modificata")
    assert carica_contenuti_predefiniti() == 0
    assert PaginaContenuto.objects.get(slug="privacy", lingua="it").titolo == "Privacy modificata"
    PaginaContenuto.objects.filter(slug="privacy").delete()
    assert carica_contenuti_predefiniti() == 3


def test_the_page_text_is_escaped_and_only_the_few_marks_become_markup():
    html = corpo_html(
        "## Titolo <b>\n\nUn [link](https://esempio.it/a?b=1&c=2), **forte**, <script>alert(1)</script>"
        " e [cattivo](javascript:alert(1)).\n\n- uno\n- due"
    )
    assert "<h2>Titolo &lt;b&gt;</h2>" in html
    assert '<a href="https://esempio.it/a?b=1&amp;c=2">link</a>' in html
    assert "<strong>forte</strong>" in html
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "javascript:" not in html.replace("(javascript:alert(1))", "")
    assert 'href="javascript' not in html
    assert "<ul><li>uno</li><li>due</li></ul>" in html


@pytest.fixture
def operatrice(reference_data):
    utente = UserFactory(nome="Paola", cognome="Operatrice", is_staff=True)
    utente.groups.add(Group.objects.get(name=OPERATORE_GROUP))
    return utente


def test_an_operator_edits_a_page_in_admin_and_the_page_shows_it_with_its_date(client, operatrice):
    pagina = PaginaContenuto.objects.get(slug="privacy", lingua="it")
    PaginaContenuto.objects.filter(pk=pagina.pk).update(
        aggiornata_il=timezone.now() - timezone.timedelta(days=400)
    )
    client.force_login(operatrice)
    url = reverse("admin:pagine_paginacontenuto_change", args=[pagina.pk])
    assert client.get(url).status_code == 200
    risposta = client.post(url, {"titolo": "Informativa privacy", "corpo": "Nuovo testo <em>qui</em>."})
    assert risposta.status_code == 302, risposta.content.decode()[:2000]
    pagina.refresh_from_db()
    assert timezone.localdate(pagina.aggiornata_il) == timezone.localdate()  # Rome, not UTC
    client.logout()
    testo = _testo(client.get(reverse("pagine:privacy")))
    assert "<h1>Informativa privacy</h1>" in testo
    assert "<p>Nuovo testo &lt;em&gt;qui&lt;/em&gt;.</p>" in testo
    assert f'<time datetime="{timezone.localdate():%Y-%m-%d}">' in testo


def test_the_site_map_lists_public_pages_and_a_logged_in_person_s_own(client):
    pubblica = _testo(client.get(reverse("pagine:mappa")))
    for nome in PAGINE + ["home", "accounts:login"]:
        assert f'href="{reverse(nome)}"' in pubblica
    assert reverse("cittadino:ricevute") not in pubblica
    client.force_login(UserFactory())
    personale = _testo(client.get(reverse("pagine:mappa")))
    assert f'href="{reverse("cittadino:ricevute")}"' in personale
    assert f'href="{reverse("cittadino:home")}"' in personale


# --- Valuta il servizio -------------------------------------------------------------------------------


def test_a_rating_is_stored_anonymously_once_per_journey_and_session(client):
    client.force_login(UserFactory())
    url = reverse("pagine:valuta", args=["domanda"])
    risposta = client.post(
        url, {"valuta-voto": "4", "valuta-commento": "Chiaro.", "next": "/cittadino/ricevute/"}, follow=True
    )
    assert risposta.redirect_chain[-1][0] == "/cittadino/ricevute/"
    assert "Grazie per la tua valutazione" in risposta.content.decode()
    valutazione = Valutazione.objects.get()
    assert (valutazione.percorso, valutazione.voto, valutazione.commento) == ("domanda", 4, "Chiaro.")
    assert {f.name for f in Valutazione._meta.get_fields()} == {"id", "percorso", "voto", "commento", "data"}
    # The same journey again from the same session: not stored twice.
    client.post(url, {"valuta-voto": "1"})
    assert Valutazione.objects.count() == 1
    assert "Hai già valutato" in client.get(url).content.decode()
    # Another journey is still open.
    client.post(reverse("pagine:valuta", args=["prenotazione"]), {"valuta-voto": "5"})
    assert Valutazione.objects.count() == 2


def test_rating_errors_are_shown_next_to_the_fields(client):
    url = reverse("pagine:valuta", args=["prenotazione"])
    risposta = client.post(url, {"valuta-commento": "x" * 501})
    assert risposta.status_code == 200
    testo = _testo(risposta)
    assert 'id="riepilogo-errori"' in testo
    assert 'id="id_valuta-voto_error">Scegli una valutazione da 1 a 5.</div>' in testo
    assert (
        'id="id_valuta-commento_error">Il commento può avere al massimo 500 caratteri (ne ha 501).' in testo
    )
    assert not Valutazione.objects.exists()
    assert client.get(reverse("pagine:valuta", args=["altro"])).status_code == 404


def test_the_rating_box_ends_the_apply_journey_receipt():
    request = RequestFactory().get("/cittadino/domande/1/ricevuta/")
    request.user = UserFactory()
    request.session = {}
    html = render_to_string("cittadino/ricevuta.html", {"domanda": DomandaFactory()}, request=request)
    assert "Valuta il servizio" in html
    assert f'action="{reverse("pagine:valuta", args=["domanda"])}"' in html
    assert 'name="next" value="/cittadino/domande/1/ricevuta/"' in html
    request.session = {"pagine_valutati": ["domanda"]}
    html = render_to_string("cittadino/ricevuta.html", {"domanda": DomandaFactory()}, request=request)
    assert "Hai già valutato questo servizio" in html


def test_the_rating_box_ends_the_booking_journey(client, bob):
    seduta = SedutaFactory(professionista=bob)
    entra_come_professionista(client, seduta.professionista)
    url = reverse("professionista:riepilogo", args=[seduta.pk]) + "?azione=prenotata"
    testo = _testo(client.get(url))
    assert f'action="{reverse("pagine:valuta", args=["prenotazione"])}"' in testo
    risposta = client.post(
        reverse("pagine:valuta", args=["prenotazione"]), {"valuta-voto": "5", "next": url}, follow=True
    )
    assert risposta.redirect_chain[-1][0] == url
    assert "Hai già valutato questo servizio" in _testo(risposta)
    assert Valutazione.objects.get().percorso == "prenotazione"


def test_operators_see_counts_and_average_per_journey_read_only(client, operatrice):
    for voto in [5, 4]:
        Valutazione.objects.create(percorso="domanda", voto=voto)
    Valutazione.objects.create(percorso="prenotazione", voto=2)
    client.force_login(operatrice)
    testo = _testo(client.get(reverse("admin:pagine_valutazione_changelist")))
    assert '<th scope="row">Presentazione della domanda</th><td>2</td><td>4,5</td>' in testo
    assert '<th scope="row">Prenotazione della seduta</th><td>1</td><td>2,0</td>' in testo
    assert client.get(reverse("admin:pagine_valutazione_add")).status_code == 403
    pk = Valutazione.objects.first().pk
    assert (
        client.post(reverse("admin:pagine_valutazione_delete", args=[pk]), {"post": "yes"}).status_code == 403
    )


# --- Login ------------------------------------------------------------------------------------------


def test_without_a_provider_the_spid_and_cie_buttons_say_access_is_not_configured(client):
    testo = _testo(client.get(reverse("accounts:login")))
    assert "non è ancora configurato" in testo
    for nome in ["Entra con SPID", "Entra con CIE"]:
        pulsante = re.search(rf"<button[^>]*>\s*<svg.*?</svg>\s*<span>{nome}</span>", testo)
        assert pulsante and "disabled" in pulsante.group(0)
        assert 'aria-describedby="accesso-non-configurato"' in pulsante.group(0)
    assert 'id="accesso-non-configurato"' in testo


def test_a_configured_provider_gets_the_buttons_leading_to_it(client, settings):
    settings.IDENTITA_URL_SPID = "/identita/spid/avvia/"
    settings.IDENTITA_URL_CIE = "https://cie.example.invalid/avvia"
    testo = _testo(client.get(reverse("accounts:login") + "?next=/cittadino/ricevute/"))
    assert "non è ancora configurato" not in testo
    assert '<a class="btn-accesso btn-spid" href="/identita/spid/avvia/?next=/cittadino/ricevute/">' in testo
    assert '<a class="btn-accesso btn-cie" href="https://cie.example.invalid/avvia?next=' in testo
    # An outside "next" is never passed on.
    fuori = _testo(client.get(reverse("accounts:login") + "?next=https://evil.example/"))
    assert '<a class="btn-accesso btn-spid" href="/identita/spid/avvia/">' in fuori


def test_the_login_page_in_german(client):
    testo = _testo(client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="de"))
    assert '<html lang="de">' in testo
    assert "Mit SPID anmelden" in testo and "Mit CIE anmelden" in testo


# --- Error pages ------------------------------------------------------------------------------------


def test_a_missing_page_gives_the_404_page_in_german(client, settings):
    settings.DEBUG = False
    risposta = client.get("/non-esiste/", HTTP_ACCEPT_LANGUAGE="de")
    assert risposta.status_code == 404
    testo = _testo(risposta)
    assert '<html lang="de">' in testo
    assert "<h1>Seite nicht gefunden</h1>" in testo
    assert "/non-esiste/" not in testo  # no technical detail, not even the path
    assert 'href="/"' in testo


@pytest.mark.urls("tests.integration.urls_errore")
def test_a_failing_view_gives_the_500_page_without_details(settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    risposta = client.get("/guasto/", HTTP_ACCEPT_LANGUAGE="en")
    assert risposta.status_code == 500
    testo = _testo(risposta)
    assert '<html lang="en">' in testo
    assert "<h1>Service temporarily unavailable</h1>" in testo
    assert "segreto" not in testo and "RuntimeError" not in testo and "Traceback" not in testo
    italiano = _testo(client.get("/guasto/"))
    assert "<h1>Servizio momentaneamente non disponibile</h1>" in italiano


def test_forbidden_and_expired_form_pages(client, settings):
    settings.DEBUG = False
    client.force_login(UserFactory())
    vietata = client.get("/operatori/", follow=False)
    # A citizen in the operators' area is sent to the admin login, not shown a technical page.
    assert vietata.status_code in (302, 403)
    csrf = Client(enforce_csrf_checks=True)
    risposta = csrf.post(
        reverse("pagine:valuta", args=["domanda"]), {"valuta-voto": "3"}, HTTP_ACCEPT_LANGUAGE="de"
    )
    assert risposta.status_code == 403
    testo = _testo(risposta)
    assert '<html lang="de">' in testo and "CSRF" not in testo


def test_the_403_and_400_pages_in_italian():
    with translation.override("it"):
        assert "<h1>Accesso non consentito</h1>" in re.sub(r"\s+", " ", render_to_string("403.html"))
        assert "<h1>Richiesta non valida</h1>" in re.sub(r"\s+", " ", render_to_string("400.html"))
