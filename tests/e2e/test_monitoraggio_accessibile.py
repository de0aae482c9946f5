"""Monitoring (circ. 124/2025 §8) in the browser: an operator reads the dashboard (tables, SVG charts with
their data tables), asks for a month that does not exist, downloads a table as CSV; anyone reads the public
page from the footer. Each page passes axe in it, en and de, on a desktop and at 360 px; the scheduled jobs'
list, which operators edit, too."""

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from apps.demo.services import ANNO_APERTO
from apps.domande.models import Bando
from apps.monitoraggio.models import Instantanea
from tests.integration.test_monitoraggio_pagine import dati

from .test_operatore_accessibile import entra, verifica

LINGUE = ["it", "en", "de"]
CRUSCOTTO = {"it": "Cruscotto di monitoraggio", "en": "Monitoring dashboard", "de": "Monitoring-Übersicht"}
BENEFICIARI = {
    "it": "Beneficiari per regione",
    "en": "Beneficiaries by region",
    "de": "Begünstigte nach Region",
}
PUBBLICO = {"it": "Dati di monitoraggio", "en": "Monitoring figures", "de": "Monitoring-Daten"}


def _istantanee():
    bando = Bando.objects.get(anno=ANNO_APERTO)
    for mese, d in [
        (dt.date(2026, 9, 1), dati(totale=3, lazio=2, lombardia=1, sedute=0, pagato="0.00", fatture=0)),
        (dt.date(2026, 10, 1), dati(totale=900, lazio=897, sedute=2000, pagato="20000.00")),
        (dt.date(2026, 11, 1), dati()),
    ]:
        Instantanea.objects.get_or_create(bando=bando, mese=mese, defaults={"dati": d})
    return bando


@pytest.mark.parametrize("lingua", LINGUE)
def test_an_operator_reads_the_dashboard_and_downloads_a_table(
    page: Page, live_server, demo_world, axe, shot, lingua
):
    _istantanee()
    entra(page, live_server, lingua)
    base = f"{live_server.url}/operatori"
    page.goto(f"{base}/monitoraggio/instantanea/")
    verifica(page, axe, lingua)
    page.get_by_role("link", name=CRUSCOTTO[lingua]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CRUSCOTTO[lingua])
    expect(page.locator("#tabella-regioni caption")).to_have_text(BENEFICIARI[lingua])
    expect(page.locator("#tabella-regioni tbody")).to_contain_text("<5")
    for slug in ("andamento-beneficiari", "andamento-sedute", "andamento-pagato"):
        expect(page.locator(f"#grafico-{slug} svg[role=img]")).to_be_visible()
        expect(page.locator(f"#tabella-{slug}")).to_be_visible()
    verifica(page, axe, lingua, moduli=True)
    shot(f"{lingua}-cruscotto")

    # A month with no snapshot: the message next to the field, the latest month meanwhile.
    page.fill("#id_mese", "2020-01")
    page.locator("form[method=get] input[type=submit]").click()
    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator("#tabella-regioni")).to_be_visible()
    verifica(page, axe, lingua, moduli=True)

    with page.expect_download() as scaricato:
        page.locator("#tabella-regioni + p a").click()
    contenuto = Path(scaricato.value.path()).read_text(encoding="utf-8-sig")
    assert "Lombardia;<5" in contenuto and contenuto.count("\n") == 4

    page.goto(f"{base}/django_celery_beat/periodictask/")
    expect(page.get_by_role("link", name="scadenza-codici")).to_be_visible()
    verifica(page, axe, lingua)


@pytest.mark.parametrize("lingua", LINGUE)
def test_the_public_page_from_the_footer(page: Page, live_server, demo_world, axe, shot, lingua):
    _istantanee()
    page.context.add_cookies([{"name": "django_language", "value": lingua, "url": live_server.url}])
    page.goto(live_server.url + "/")
    page.locator("footer").get_by_role("link", name=PUBBLICO[lingua]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PUBBLICO[lingua])
    expect(page.locator("html")).to_have_attribute("lang", lingua)
    expect(page.locator(f"#tabella-{ANNO_APERTO}-regioni")).to_contain_text("<5")
    axe()
    shot(f"{lingua}-monitoraggio-pubblico")
