"""The admin pages an INPS operator uses pass axe-core in Italian, English and German (issue 8), at desktop
size and at 360 px (the `axe` fixture: Django admin's own stylesheet is responsive; the tables of the
inlines scroll inside a region reachable with Tab). The index, the import pages and the pages with a form
are checked with `moduli=True` (moderate violations count too)."""

import re

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.codici.models import CodiceUnivoco
from apps.demo.services import ANNO_APERTO
from apps.domande.importer import INTESTAZIONE
from apps.domande.models import Bando, Domanda
from apps.graduatorie.models import Graduatoria, Posizione

from .test_journey_domanda import ANNA, login_as

# What each language calls a few things on the pages: the proof that the page is in that language.
PAROLE = {
    "it": {
        "territori": "Territori esclusi",
        "righe": "Righe da correggere",
        "posizioni": "Posizioni in graduatoria",
    },
    "en": {
        "territori": "Excluded territories",
        "righe": "Lines to correct",
        "posizioni": "Ranking positions",
    },
    "de": {
        "territori": "Ausgeschlossene Gebiete",
        "righe": "Zu korrigierende Zeilen",
        "posizioni": "Positionen in der Rangliste",
    },
}


def entra(page, live_server, lingua):
    User.objects.filter(codice_fiscale=ANNA.codice_fiscale).update(lingua="")
    page.context.add_cookies([{"name": "django_language", "value": lingua, "url": live_server.url}])
    login_as(page, live_server.url, ANNA)
    expect(page).to_have_url(re.compile("/operatori/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def verifica(page, axe, lingua, *, moduli=False):
    expect(page.locator("html")).to_have_attribute("lang", lingua)
    axe(moduli=moduli)


@pytest.mark.parametrize("lingua", ["it", "en", "de"])
def test_the_operators_pages_pass_axe(page: Page, live_server, demo_world, axe, shot, tmp_path, lingua):
    parole = PAROLE[lingua]
    bando = Bando.objects.get(anno=ANNO_APERTO)
    graduatoria = Graduatoria.objects.select_related("bando", "regione").order_by("pk").first()
    posizione = Posizione.objects.order_by("pk").first()
    codice = CodiceUnivoco.objects.order_by("pk").first()
    domanda = Domanda.objects.order_by("pk").first()
    base = f"{live_server.url}/operatori"
    entra(page, live_server, lingua)

    verifica(page, axe, lingua, moduli=True)
    shot(f"{lingua}-indice")
    pagine = [
        ("/domande/bando/", "bandi"),
        ("/graduatorie/graduatoria/", "graduatorie"),
        (f"/graduatorie/posizione/{posizione.pk}/change/", "posizione"),
        (f"/codici/codiceunivoco/{codice.pk}/change/", "codice"),
        (f"/domande/domanda/{domanda.pk}/change/", "domanda"),
        ("/domande/domanda/", "domande"),
        ("/core/auditevent/", "audit"),
        ("/codici/movimentofondo/", "movimenti-fondo"),
        ("/graduatorie/scorrimento/", "scorrimenti"),
        ("/domande/rappresentanzalegale/importa/", "import-rappresentanze"),
        ("/professionisti/importazionecnop/importa/", "import-cnop"),
    ]
    for percorso, nome in pagine:
        page.goto(base + percorso)
        verifica(page, axe, lingua, moduli="importa" in percorso)
        shot(f"{lingua}-{nome}")

    # The bando's page: a form, with the territori as checkboxes labelled in the page's language.
    page.goto(f"{base}/domande/bando/{bando.pk}/change/")
    expect(page.locator("fieldset h2", has_text=parole["territori"])).to_be_visible()
    expect(page.get_by_role("checkbox", name="Lombardia")).to_be_visible()
    verifica(page, axe, lingua, moduli=True)
    shot(f"{lingua}-bando")

    # "Vedi posizioni": the heading names the bando and the region.
    page.goto(f"{base}/graduatorie/graduatoria/")
    page.locator(f"a[href$='graduatoria__id__exact={graduatoria.pk}']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{parole['posizioni']}: {graduatoria.bando} – {graduatoria.regione}"
    )
    verifica(page, axe, lingua)
    shot(f"{lingua}-posizioni")

    # An import refused: the lines to correct under their heading, the form again below.
    page.goto(f"{base}/domande/bando/{bando.pk}/importa/")
    verifica(page, axe, lingua, moduli=True)
    male = tmp_path / "male.csv"
    male.write_text(",".join(INTESTAZIONE) + "\nX-1,nonvalido\n")
    page.set_input_files("input[type=file]", male)
    page.locator("input[type=submit]").click()
    expect(page.get_by_role("heading", name=parole["righe"])).to_be_visible()
    expect(page.locator("#errori-import li")).to_have_count(1)
    verifica(page, axe, lingua, moduli=True)
    shot(f"{lingua}-import-errori")


def test_no_english_left_on_the_italian_bando_page(page: Page, live_server, demo_world):
    """The territori widget used to read "Choose all territori esclusi" on an Italian page."""
    bando = Bando.objects.get(anno=ANNO_APERTO)
    entra(page, live_server, "it")
    page.goto(f"{live_server.url}/operatori/domande/bando/{bando.pk}/change/")
    testo = page.locator("#content").inner_text()
    for inglese in ["Choose", "Remove", "Available", "Filter", "Hold down"]:
        assert inglese not in testo
