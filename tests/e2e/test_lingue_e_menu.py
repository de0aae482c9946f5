"""The header every page shares: language switcher (remembered), mobile menu, axe on the public home."""

import re

from playwright.sync_api import Page, expect

from .conftest import MOBILE
from .test_journey_domanda import MARIO, login_as


def test_the_switcher_changes_language_and_the_home_passes_axe(page: Page, live_server, axe):
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "it")
    axe()
    for codice in ["en", "de", "it"]:
        page.get_by_role("button", name=re.compile("Lingua|Language|Sprache", re.I)).click()
        page.locator(f"button[name=language][value={codice}]").click()
        expect(page.locator("html")).to_have_attribute("lang", codice)
        axe()


def test_on_a_phone_the_menu_opens_from_its_button(page: Page, live_server, demo_world, axe):
    login_as(page, live_server.url, MARIO)
    page.set_viewport_size(MOBILE)
    voce = page.get_by_role("link", name="Ricevute e provvedimenti")
    expect(voce).to_be_hidden()
    page.get_by_role("button", name="Mostra o nascondi il menu").click()
    expect(voce).to_be_visible()
    voce.click()
    expect(page).to_have_url(re.compile("/cittadino/ricevute/"))


def test_the_language_chosen_is_saved_on_the_user(page: Page, live_server, demo_world):
    from apps.accounts.models import User

    login_as(page, live_server.url, MARIO)
    page.get_by_role("button", name=re.compile("Lingua", re.I)).click()
    page.locator("button[name=language][value=de]").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert User.objects.get(codice_fiscale=MARIO.codice_fiscale).lingua == "de"


def test_a_page_loads_without_a_missing_resource(page: Page, live_server):
    """The favicon (and every stylesheet, script, font and image a page asks for) is there: no 404 in the
    console of every page."""
    mancanti = []
    page.on("response", lambda r: r.status >= 400 and mancanti.append(f"{r.status} {r.url}"))
    page.goto(live_server.url + "/")
    page.wait_for_load_state("networkidle")
    assert page.locator("link[rel=icon]").count() == 1
    assert mancanti == []
