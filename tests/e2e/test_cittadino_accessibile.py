"""The citizen's journey in Chromium, in Italian, English and German: every page passes axe-core (forms with
the moderate rules too) on a desktop and at 360 px, the "Presenta domanda" journey with the keyboard alone,
and the form at 200% zoom without horizontal scroll."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.codici.models import CodiceUnivoco
from apps.demo.services import ANNO_APERTO
from apps.domande.models import Domanda

from .test_journey_domanda import MARIO

GIUSEPPE_CF = "VRDGPP"  # the start of Giuseppe Verdi's codice fiscale (demo): he holds a code
TITOLI = {
    "it": {"home": "La mia area", "presenta": "Presenta domanda", "riepilogo": "Riepilogo della domanda",
           "ricevuta": "Domanda presentata", "codice": "Il mio codice", "errori": "Il modulo contiene"},
    "en": {"home": "My area", "presenta": "Submit application", "riepilogo": "Application summary",
           "ricevuta": "Application submitted", "codice": "My code", "errori": "The form has"},
    "de": {"home": "Mein Bereich", "presenta": "Antrag einreichen",
           "riepilogo": "Zusammenfassung des Antrags", "ricevuta": "Antrag eingereicht",
           "codice": "Mein Code", "errori": "Das Formular enthält"},
}  # fmt: skip


def entra(page: Page, base: str, cf: str, lingua: str = "it") -> User:
    """Logged in as the demo citizen `cf` (a session made server-side: the login page is another area's,
    tests/e2e/test_journey_domanda.py walks it), with `lingua` saved on them as the switcher would."""
    user = User.objects.get(codice_fiscale__startswith=cf)
    User.objects.filter(pk=user.pk).update(lingua=lingua)
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
    return user


def compila(page: Page):
    page.fill("#id_cf_beneficiario", MARIO.codice_fiscale)
    page.select_option("#id_provincia", "RM")
    page.fill("#id_email", "mario.rossi@example.org")
    page.locator("label[for=id_dichiarazione]").click()


def prenota_per_giuseppe() -> CodiceUnivoco:
    from apps.professionisti.models import Professionista
    from apps.sedute.services import prenota_seduta

    codice = CodiceUnivoco.objects.filter(domanda__cf_beneficiario__startswith=GIUSEPPE_CF).first()
    professionista = Professionista.objects.filter(studi__isnull=False).first()
    prenota_seduta(
        None,
        professionista,
        codice_id=codice.pk,
        codice_fiscale=codice.domanda.cf_beneficiario,
        studio=professionista.studi.first(),
        inizio=timezone.now() + dt.timedelta(days=2),
        durata_minuti=50,
        importo=Decimal("50.00"),
    )
    return codice


@pytest.mark.parametrize("lingua", ["it", "en", "de"])
def test_the_citizen_pages_pass_axe_in_every_language(page: Page, live_server, demo_world, axe, shot, lingua):
    base, titoli = live_server.url, TITOLI[lingua]
    entra(page, base, MARIO.codice_fiscale, lingua)

    page.goto(f"{base}/cittadino/")
    expect(page.locator("html")).to_have_attribute("lang", lingua)
    expect(page.get_by_role("heading", level=1)).to_have_text(titoli["home"])
    axe()
    shot(f"{lingua}-home")

    page.locator("a.btn[href$='/domanda/']").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(titoli["presenta"])
    axe(moduli=True)
    shot(f"{lingua}-modulo")

    # Everything emptied: every error at once, each next to its field, the summary on top with the focus.
    page.fill("#id_cf_beneficiario", "")
    page.fill("#id_email", "")
    page.locator("button[name=azione]").click()
    riepilogo = page.locator("#riepilogo-errori")
    expect(riepilogo).to_be_focused()
    expect(riepilogo).to_contain_text(titoli["errori"])
    for campo in ["cf_beneficiario", "provincia", "email", "dichiarazione"]:
        expect(page.locator(f"#id_{campo}_error")).to_be_visible()
    assert riepilogo.locator("li").count() == 4
    axe(moduli=True)
    shot(f"{lingua}-modulo-errori")

    compila(page)
    page.locator("button[name=azione]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(titoli["riepilogo"])
    axe()
    shot(f"{lingua}-riepilogo")

    page.locator("button[name=azione][value=conferma]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(titoli["ricevuta"])
    axe()
    shot(f"{lingua}-ricevuta")
    assert Domanda.objects.filter(cf_beneficiario=MARIO.codice_fiscale, bando__anno=ANNO_APERTO).exists()

    # The home now says the domanda is in, with a link to it, instead of offering the form again.
    page.goto(f"{base}/cittadino/")
    expect(page.locator("a[href*='/cittadino/domande/']").first).to_be_visible()
    axe()

    page.goto(f"{base}/cittadino/ricevute/")
    axe()
    shot(f"{lingua}-ricevute")

    page.goto(f"{base}/cittadino/professionisti/")
    page.select_option("#id_provincia", "RM")
    page.locator("form.form-spaziato button[type=submit]").click()
    expect(page.locator(".list-group-item").first).to_be_visible()
    axe(moduli=True)
    shot(f"{lingua}-professionisti")

    # Giuseppe holds a code (published demo bando) with a booking he can still cancel.
    codice = prenota_per_giuseppe()
    entra(page, base, GIUSEPPE_CF, lingua)
    page.goto(f"{base}/cittadino/ricevute/")
    expect(page.locator(".codice-univoco").first).to_be_visible()
    axe()
    shot(f"{lingua}-provvedimento")
    page.goto(f"{base}/cittadino/codici/{codice.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(titoli["codice"])
    expect(page.locator("table caption")).to_be_attached()
    axe()
    shot(f"{lingua}-codice")
    page.locator("a[href*='/annulla/']").first.click()
    expect(page.locator("form button[type=submit].btn-danger")).to_be_visible()
    axe()
    shot(f"{lingua}-annulla")


def test_german_pages_read_german(page: Page, live_server, demo_world):
    """What a German reader sees has no Italian left in the citizen's own strings."""
    base = live_server.url
    entra(page, base, MARIO.codice_fiscale, "de")
    page.goto(f"{base}/cittadino/")
    page.locator("a.btn[href$='/domanda/']").first.click()
    testo = page.locator("main, #contenuto").first.inner_text()
    for italiano in ["Presenta domanda", "Codice fiscale del beneficiario", "Prosegui", "Dichiaro"]:
        assert italiano not in testo
    for tedesco in [
        "Antrag einreichen",
        "Steuernummer der begünstigten Person",
        "Weiter zur Zusammenfassung",
    ]:
        assert tedesco in testo


def _tab_fino_a(page: Page, selettore: str, *, indietro: bool = False, massimo: int = 80):
    """Tab (or Shift+Tab) until the element matching `selettore` has the focus; each element reached on
    the way must show that it has it (outline or box-shadow)."""
    tasto = "Shift+Tab" if indietro else "Tab"
    for _ in range(massimo):
        page.keyboard.press(tasto)
        stile = page.evaluate(
            """(selettore) => { const e = document.activeElement; if (!e || e === document.body) return null;
                 const s = getComputedStyle(e);
                 return {visibile: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
                                   || (s.boxShadow && s.boxShadow !== 'none'),
                         qui: e.matches(selettore), html: e.outerHTML.slice(0, 120)}; }""",
            selettore,
        )
        if stile is None:
            continue
        assert stile["visibile"], f"focus non visibile su {stile['html']}"
        if stile["qui"]:
            return
    raise AssertionError(f"{selettore} non raggiunto con {tasto}")


def test_presenta_domanda_with_the_keyboard_alone(page: Page, live_server, demo_world, shot):
    base = live_server.url
    entra(page, base, MARIO.codice_fiscale)
    page.goto(f"{base}/cittadino/")

    _tab_fino_a(page, "a.btn[href$='/domanda/']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Presenta domanda")

    # The codice fiscale and the e-mail come prefilled; the province is chosen by typing its name.
    _tab_fino_a(page, "#id_provincia")
    page.keyboard.type("Roma")
    expect(page.locator("#id_provincia")).to_have_value("RM")
    # Submitted without the declaration: the summary takes the focus, its link leads to the field.
    _tab_fino_a(page, "button[name=azione]")
    page.keyboard.press("Enter")
    expect(page.locator("#riepilogo-errori")).to_be_focused()
    _tab_fino_a(page, "#riepilogo-errori a[href='#id_dichiarazione']")
    page.keyboard.press("Enter")
    expect(page.locator("#id_dichiarazione")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator("#id_dichiarazione")).to_be_checked()
    shot("tastiera-modulo")
    _tab_fino_a(page, "button[name=azione]")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Riepilogo")
    _tab_fino_a(page, "button[value=modifica]")
    _tab_fino_a(page, "button[value=conferma]", indietro=True)
    shot("tastiera-riepilogo")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Domanda presentata")
    shot("tastiera-ricevuta")
    assert Domanda.objects.filter(cf_beneficiario=MARIO.codice_fiscale, bando__anno=ANNO_APERTO).exists()


@pytest.mark.parametrize("lingua", ["it", "de"])
def test_the_form_at_200_percent_zoom_does_not_scroll_sideways(browser, live_server, demo_world, lingua):
    """200% zoom of a 1280 px window: 640 CSS px at a device scale factor of 2."""
    contesto = browser.new_context(viewport={"width": 640, "height": 800}, device_scale_factor=2)
    page = contesto.new_page()
    try:
        base = live_server.url
        entra(page, base, MARIO.codice_fiscale, lingua)
        page.goto(f"{base}/cittadino/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 640
        page.locator("a.btn[href$='/domanda/']").first.click()
        assert page.evaluate("document.documentElement.scrollWidth") <= 640
        page.fill("#id_cf_beneficiario", "")
        page.locator("button[name=azione]").click()
        expect(page.locator("#riepilogo-errori")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 640
    finally:
        contesto.close()


def test_the_sedute_table_has_headers_and_money_per_locale(page: Page, live_server, demo_world):
    codice = prenota_per_giuseppe()
    entra(page, live_server.url, GIUSEPPE_CF, "de")
    page.goto(f"{live_server.url}/cittadino/codici/{codice.pk}/")
    tabella = page.locator("table")
    expect(tabella.locator("caption")).to_have_text("Auf diesem Code vorgemerkte Sitzungen")
    assert tabella.locator("thead th[scope=col]").count() == 6
    expect(tabella.locator("tbody th[scope=row]").first).to_have_text(
        re.compile(r"^\d\d\.\d\d\.\d{4} \d\d:\d\d$")
    )
    expect(tabella.locator("tbody td").nth(2)).to_have_text("50,00 €")
