"""The strict CSP (no 'unsafe-inline') holds without a console error; the kit's fonts are shipped."""

from playwright.sync_api import Page

from apps.domande.models import Bando

from .test_journey_domanda import ANNA, MARIO, login_as


def _errori_csp(page: Page) -> list[str]:
    errori: list[str] = []

    def _console(messaggio):
        if messaggio.type == "error" and "Content Security Policy" in messaggio.text:
            errori.append(f"{page.url}: {messaggio.text[:200]}")

    page.on("console", _console)
    return errori


def _carica(page: Page, url: str):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.evaluate("async () => { await document.fonts.ready; }")


def test_home_citizen_page_and_admin_change_form_have_no_csp_errors(page: Page, live_server, demo_world):
    errori = _errori_csp(page)
    _carica(page, live_server.url + "/")
    assert errori == []
    login_as(page, live_server.url, MARIO)
    _carica(page, live_server.url + "/cittadino/")
    _carica(page, live_server.url + "/cittadino/ricevute/")
    assert errori == []
    page.context.clear_cookies()
    login_as(page, live_server.url, ANNA)
    bando = Bando.objects.order_by("pk").first()
    _carica(page, f"{live_server.url}/operatori/domande/bando/{bando.pk}/change/")
    _carica(page, f"{live_server.url}/operatori/pagine/paginacontenuto/")
    assert errori == []


def test_cards_and_callouts_get_the_kit_s_fonts_not_times(page: Page, live_server):
    _carica(page, live_server.url + "/accessibilita/")
    # A card and a callout as Bootstrap Italia draws them (Lora), a code (Roboto Mono), the text (Titillium).
    page.evaluate(
        """() => {
          const card = document.createElement('div'); card.className = 'card';
          card.innerHTML = '<div class="card-body"><p class="card-text" id="prova-card">Testo</p></div>';
          const callout = document.createElement('div'); callout.className = 'callout';
          callout.innerHTML = '<p id="prova-callout">Nota <em>corsiva</em> <strong>forte</strong></p>';
          const codice = document.createElement('p');
          codice.className = 'codice-univoco'; codice.id = 'prova-codice';
          codice.textContent = 'ABC123';
          document.querySelector('main').append(card, callout, codice);
        }"""
    )
    page.evaluate("async () => { await document.fonts.ready; }")
    caricati = page.evaluate(
        """async () => {
          await Promise.all(['16px Lora', 'italic 16px Lora', 'bold 16px Lora', '24px "Roboto Mono"']
                            .map(f => document.fonts.load(f)));
          return [...document.fonts].filter(f => f.status === 'loaded')
                                    .map(f => `${f.family.replaceAll('"', '')} ${f.style} ${f.weight}`);
        }"""
    )
    attesi = {"Lora normal 400", "Lora italic 400", "Lora normal 700", "Roboto Mono normal 400"}
    assert attesi <= set(caricati)
    assert any(c.startswith("Titillium Web normal 400") for c in caricati)
    for elemento in ["#prova-card", "#prova-callout"]:
        famiglia = page.eval_on_selector(elemento, "e => getComputedStyle(e).fontFamily")
        assert famiglia.split(",")[0].strip('"') == "Lora", famiglia
    # The font really drawn is Lora: text set in it measures the same as Lora and unlike the fallback serif.
    assert page.evaluate(
        """() => {
          const c = document.createElement('canvas').getContext('2d'), t = 'Il bonus psicologo WMiq';
          c.font = '20px Lora'; const lora = c.measureText(t).width;
          c.font = '20px serif'; const serif = c.measureText(t).width;
          return document.fonts.check('20px Lora') && Math.abs(lora - serif) > 1;
        }"""
    )
