"""The citizen's invoices in Chromium: from the home page to "Le mie fatture", a bad period, one PDF of a
ticked fattura, a ZIP of all of the period, a large selection through its status page; axe on each page."""

import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from apps.fatture import documenti
from apps.fatture.models import ArchivioFatture
from apps.portale_cittadino import views_fatture
from tests.factories import (
    CodiceFactory,
    DomandaFactory,
    ProfessionistaFactory,
    UserFactory,
    fattura_registrata,
)
from tests.integration.test_fatture_pdf import _pagine


def entra(page: Page, base: str, user):
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])


@pytest.fixture
def anna(transactional_db, settings, tmp_path):
    settings.FATTURE_ARCHIVI_DIR = tmp_path / "archivi"
    user = UserFactory(nome="Anna", cognome="Bianchi")
    codice = CodiceFactory(domanda=DomandaFactory(cf_beneficiario=user.codice_fiscale))
    bob = ProfessionistaFactory(cognome="Neri", nome="Bob")
    for numero in ("1/2026", "2/2026", "3/2026"):
        fattura_registrata(
            bob, codice, sedute=1, totale=Decimal("70.00"), numero=numero, emittente="Studio Neri"
        )
    return user


def test_citizen_downloads_one_pdf_and_a_zip(page: Page, live_server, anna, axe, shot, monkeypatch):
    base = live_server.url
    entra(page, base, anna)
    page.goto(base + reverse("cittadino:home"))
    page.get_by_role("main").get_by_role("link", name=re.compile("Le mie fatture")).click()  # the home card
    expect(page.get_by_role("heading", name="Le mie fatture", level=1)).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Studio Neri")
    expect(page.get_by_role("table")).to_contain_text("20,00")  # what Anna paid: 70 − 50
    shot("fatture")
    axe(moduli=True)

    # A period that ends before it starts: the message next to the field.
    page.fill("#id_dal", "2026-03-10")
    page.fill("#id_al", "2026-03-01")
    page.get_by_role("button", name="Filtra").click()
    expect(page.locator("#id_al_error")).to_contain_text("La data finale precede quella iniziale.")
    shot("periodo-errato")
    axe(moduli=True)
    page.get_by_role("link", name="Tutte", exact=True).click()

    # Nothing ticked: the message, nothing downloaded.
    page.get_by_role("button", name=re.compile("Scarica un PDF")).click()
    expect(page.locator("#id_fatture_error")).to_contain_text("Seleziona almeno una fattura")
    axe(moduli=True)

    # One ticked fattura → one PDF, one page.
    page.get_by_label(re.compile("Seleziona la fattura n. 2/2026")).check()
    with page.expect_download() as scaricamento:
        page.get_by_role("button", name=re.compile("Scarica un PDF")).click()
    pdf = scaricamento.value
    assert re.fullmatch(r"fattura-\d{4}-2-2026-\d+\.pdf", pdf.suggested_filename)
    contenuto = Path(pdf.path()).read_bytes()
    assert contenuto.startswith(b"%PDF") and _pagine(contenuto) == 1

    # All of the period → a ZIP of one PDF each.
    page.locator("label[for=id_tutte]").click()
    with page.expect_download() as scaricamento:
        page.get_by_role("button", name=re.compile("Scarica un archivio ZIP")).click()
    zip_ = scaricamento.value
    assert zip_.suggested_filename == "fatture.zip"
    with zipfile.ZipFile(io.BytesIO(Path(zip_.path()).read_bytes())) as archivio:
        assert len(archivio.namelist()) == 3

    # A large selection (the threshold lowered to 2): the status page, then its download link.
    monkeypatch.setattr(documenti, "SOGLIA_IN_CODA", 2)
    page.goto(base + reverse("cittadino:fatture"))
    page.locator("label[for=id_tutte]").click()
    page.get_by_role("button", name=re.compile("Scarica un archivio ZIP")).click()
    expect(page.get_by_role("heading", name="Preparazione delle fatture")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Pronto: 3 fatture.")
    shot("archivio-pronto")
    axe()
    with page.expect_download() as scaricamento:
        page.get_by_role("link", name="Scarica l'archivio ZIP").click()
    with zipfile.ZipFile(io.BytesIO(Path(scaricamento.value.path()).read_bytes())) as archivio:
        assert len(archivio.namelist()) == 3

    # The page of an archive still being prepared (a real worker): "n di N", the refresh can be stopped.
    in_corso = ArchivioFatture.objects.create(
        utente=anna, formato="pdf", totale=60, fatte=12, stato="in_corso"
    )
    page.goto(base + reverse("cittadino:archivio_fatture", args=[in_corso.pk]) + "?aggiorna=0")
    expect(page.get_by_role("status")).to_contain_text("Preparate 12 di 60 fatture.")
    shot("archivio-in-corso")
    axe()

    # With the automatic refresh on (a script, not a meta refresh): the link that stops it (WCAG 2.2.1), and
    # no axe violation. The interval is lengthened so axe runs undisturbed.
    monkeypatch.setattr(views_fatture, "AGGIORNA_OGNI", 600)
    page.goto(base + reverse("cittadino:archivio_fatture", args=[in_corso.pk]))
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    expect(page.get_by_role("link", name="Interrompi l'aggiornamento automatico")).to_be_visible()
    axe()

    # The refresh really happens.
    monkeypatch.setattr(views_fatture, "AGGIORNA_OGNI", 1)
    page.goto(base + reverse("cittadino:archivio_fatture", args=[in_corso.pk]))
    ArchivioFatture.objects.filter(pk=in_corso.pk).update(fatte=30)
    expect(page.get_by_role("status")).to_contain_text("Preparate 30 di 60 fatture.", timeout=10_000)
