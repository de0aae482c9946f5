"""The AgID pages, the login page, the rating form and the error pages pass axe in it, en and de, on a
desktop and at 360 px (the `axe` fixture checks both)."""

import pytest
from playwright.sync_api import Page, expect

from .test_journey_domanda import MARIO, login_as

LINGUE = ["it", "en", "de"]
PUBBLICHE = ["/accessibilita/", "/privacy/", "/note-legali/", "/mappa-del-sito/", "/accedi/"]


def _lingua(page: Page, live_server, codice: str):
    page.context.add_cookies([{"name": "django_language", "value": codice, "url": live_server.url}])


@pytest.mark.parametrize("lingua", LINGUE)
def test_the_agid_pages_and_the_login_pass_axe(page: Page, live_server, axe, lingua):
    _lingua(page, live_server, lingua)
    for percorso in PUBBLICHE:
        page.goto(live_server.url + percorso)
        expect(page.locator("html")).to_have_attribute("lang", lingua)
        expect(page.locator("h1")).to_have_count(1)
        axe()


@pytest.mark.parametrize("lingua", LINGUE)
def test_the_rating_form_with_its_errors_and_the_error_page_pass_axe(page: Page, live_server, axe, lingua):
    _lingua(page, live_server, lingua)
    page.goto(live_server.url + "/valuta/domanda/")
    axe(moduli=True)
    page.locator("textarea").fill("x" * 600)
    page.locator(".pagina-valuta form button[type=submit]").click()
    riepilogo = page.locator("#riepilogo-errori")
    expect(riepilogo).to_be_visible()
    expect(riepilogo).to_be_focused()
    axe(moduli=True)
    page.locator("label[for='id_valuta-voto_1']").click()
    page.locator("textarea").fill("")
    page.locator(".pagina-valuta form button[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    axe()
    risposta = page.goto(live_server.url + "/questa-pagina-non-esiste/")
    assert risposta.status == 404
    expect(page.locator("html")).to_have_attribute("lang", lingua)
    axe()


def test_the_site_map_of_a_logged_in_citizen_passes_axe(page: Page, live_server, demo_world, axe):
    login_as(page, live_server.url, MARIO)
    page.goto(live_server.url + "/mappa-del-sito/")
    expect(page.get_by_role("link", name="Ricevute e provvedimenti").last).to_be_visible()
    axe()
