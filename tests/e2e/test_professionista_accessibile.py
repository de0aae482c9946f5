"""Every page of the professional's journey passes axe-core (WCAG 2.1 AA, no moderate issue on forms), in
Italian, English and German, on a desktop and on a 360 px phone (the `axe` fixture checks both and that the
page does not scroll sideways). Pages are reached by URL and forms by their submit button, so the walk
does not depend on the language; each language's own text is checked on a few pages."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.codici.models import CodiceUnivoco
from apps.sedute.models import Seduta
from tests.e2e.conftest import MOBILE
from tests.e2e.test_journey_domanda import login_as
from tests.e2e.test_journey_professionista import GIUSEPPE, PAOLA, codice_di_giuseppe

TESTI = {
    "it": {
        "benvenuto": "Ti diamo il benvenuto",
        "verificata": "Associazione verificata",
        "sedute": "Le mie sedute",
    },
    "en": {"benvenuto": "Welcome", "verificata": "Pairing verified", "sedute": "My sessions"},
    "de": {"benvenuto": "Willkommen", "verificata": "Zuordnung geprüft", "sedute": "Meine Sitzungen"},
}


def etichette_sul_campo(page: Page) -> list[str]:
    """At 360 px, the labels Bootstrap Italia lays over their field (a label that wraps to two lines runs
    into the text the person types): each as its text."""
    originale = page.viewport_size
    page.set_viewport_size(MOBILE)
    try:
        return page.evaluate(
            """() => [...document.querySelectorAll('.form-group label[for]')].filter(l => {
                const campo = document.getElementById(l.htmlFor);
                if (!campo) return false;
                const testo = document.createRange();
                testo.selectNodeContents(l);  // the text, not the label's padded box
                return testo.getBoundingClientRect().bottom > campo.getBoundingClientRect().top + 1;
            }).map(l => l.textContent.trim())"""
        )
    finally:
        page.set_viewport_size(originale)


def moduli(page: Page, axe):
    """axe on a page with a form, and its labels clear of their fields on a phone."""
    axe(moduli=True)
    assert etichette_sul_campo(page) == [], page.url


def invia(page: Page):
    page.locator("#contenuto form[method=post] button[type=submit]").first.click()


def vai(page: Page, base: str, nome: str, *args, query: str = ""):
    page.goto(base + reverse(f"professionista:{nome}", args=args) + query)


@pytest.mark.parametrize("lingua", ["it", "en", "de"])
def test_every_page_of_the_professional_journey_passes_axe(
    page: Page, live_server, demo_world, axe, shot, lingua
):
    base = live_server.url
    testi = TESTI[lingua]
    login_as(page, base, PAOLA)
    # The saved language wins on every page (the middleware), whatever the browser says.
    User.objects.filter(codice_fiscale=PAOLA.codice_fiscale).update(lingua=lingua)

    vai(page, base, "cambia_profilo")
    expect(page.locator("html")).to_have_attribute("lang", lingua)
    axe()
    invia(page)

    expect(page.get_by_role("heading", level=1)).to_contain_text(testi["benvenuto"])
    expect(page.get_by_role("heading", level=1)).not_to_contain_text(re.compile("Benvenuto "))
    axe()
    if lingua == "de":
        shot("primo-accesso-de")

    # Canali: empty form, a wrong IBAN (error summary + next to the field), then a right one.
    vai(page, base, "canali")
    moduli(page, axe)
    page.fill("#id_iban", "IT60X0542811101000000123457")
    invia(page)
    expect(page.locator("#riepilogo-errori")).to_be_visible()
    expect(page.locator("#id_iban")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_iban_error")).to_be_visible()
    moduli(page, axe)
    if lingua == "de":
        shot("iban-errato-de")
    page.fill("#id_iban", "IT60X0542811101000000123456")
    invia(page)
    expect(page.locator("table caption")).to_be_attached()
    moduli(page, axe)

    vai(page, base, "home")
    axe()
    if lingua == "de":
        shot("home-de")

    # Studi: every error of an empty submission at once, each tied to its field.
    vai(page, base, "studi")
    moduli(page, axe)
    invia(page)
    for campo in ["indirizzo", "comune", "provincia", "cap"]:
        expect(page.locator(f"#id_{campo}_error")).to_be_visible()
        expect(page.locator(f"#riepilogo-errori a[href='#id_{campo}']")).to_be_attached()
    moduli(page, axe)

    # Prenota: verify, the result with its "Prosegui" (the contrast issue 8 found), book. The code's
    # first-seduta deadline is five days away (circ. 124/2025 §6): the pages from here on warn about it.
    CodiceUnivoco.objects.filter(pk=codice_di_giuseppe().pk).update(
        prima_seduta_entro=timezone.localdate() + dt.timedelta(days=5)
    )
    vai(page, base, "prenota", query="?nuovo=1")
    moduli(page, axe)
    invia(page)
    expect(page.locator("#riepilogo-errori")).to_be_visible()
    moduli(page, axe)
    codice = codice_di_giuseppe()
    page.fill("#id_codice_fiscale", GIUSEPPE.codice_fiscale)
    page.fill("#id_codice", codice.codice)
    invia(page)
    expect(page.locator("#esito-verifica")).to_contain_text(testi["verificata"])
    expect(page.locator("#termine-prima-seduta")).to_be_visible()
    moduli(page, axe)
    if lingua == "de":
        shot("verifica-riuscita-de")
    page.locator("#prosegui").click()
    expect(page).to_have_url(re.compile(reverse("professionista:prenota_seduta")))
    moduli(page, axe)
    domani = timezone.localdate() + dt.timedelta(days=1)
    page.fill("#id_data", domani.isoformat())
    page.fill("#id_ora", "10:30")
    page.fill("#id_importo", "60")
    invia(page)
    expect(page.locator("#id_importo_error")).to_be_visible()
    moduli(page, axe)
    page.fill("#id_importo", "45")
    invia(page)
    expect(page).to_have_url(re.compile(r"azione=prenotata"))
    axe()
    if lingua == "de":
        shot("riepilogo-de")
    seduta = Seduta.objects.get(codice=codice, professionista__codice_fiscale=PAOLA.codice_fiscale)

    vai(page, base, "sedute")
    expect(page.get_by_role("heading", level=1)).to_have_text(testi["sedute"])
    expect(page.locator("table caption")).to_be_attached()
    expect(page.locator("table th[scope=col]").first).to_be_attached()
    moduli(page, axe)
    if lingua == "de":
        shot("le-mie-sedute-de")
    # A filter with the end before the start: the error with its summary and its id.
    page.fill("#id_dal", domani.isoformat())
    page.fill("#id_al", timezone.localdate().isoformat())
    page.locator("#contenuto form[method=get] button[type=submit]").click()
    expect(page.locator("#id_al_error")).to_be_visible()
    expect(page.locator("#riepilogo-errori")).to_be_visible()
    moduli(page, axe)

    for nome, con_modulo in [("seduta", False), ("modifica", True), ("conferma", False), ("annulla", False)]:
        vai(page, base, nome, seduta.pk)
        if con_modulo:
            moduli(page, axe)
        else:
            axe()
        if nome in ("seduta", "conferma"):
            expect(page.locator("#termine-prima-seduta")).to_be_visible()
        if lingua == "de" and nome == "seduta":
            shot("seduta-de")
