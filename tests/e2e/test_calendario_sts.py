"""Issue 11 §3–4 in Chromium: Marco, the demo professional, makes the secret address of his calendar from
the menu, opens it (an iCalendar feed, no codice fiscale in it), regenerates it, then downloads the CSV for
the Sistema Tessera Sanitaria from "Le mie fatture"; a wrong year gets its message next to the field.
axe (desktop and 360 px) on every page."""

import csv
import io

from icalendar import Calendar
from playwright.sync_api import Page, expect

from apps.fatture.models import Fattura
from apps.fatture.sts import INTESTAZIONE
from apps.professionisti.models import Professionista
from tests.e2e.test_journey_domanda import login_as
from tests.e2e.test_journey_professionista import GIUSEPPE, MARCO, menu
from tests.factories import CodiceFactory, SedutaFactory


def test_professional_subscribes_to_the_calendar_and_exports_for_sts(
    page: Page, live_server, demo_world, axe
):
    base = live_server.url
    marco = Professionista.objects.get(codice_fiscale=MARCO.codice_fiscale)
    codice = CodiceFactory()
    seduta = SedutaFactory(professionista=marco, codice=codice)

    login_as(page, base, MARCO)
    page.get_by_role("link", name="Cambia profilo").click()
    page.get_by_role("button", name="Prosegui come Psicoterapeuta").click()

    # Calendario: no address yet → create it → shown once, with its webcal link.
    menu(page, "Calendario").click()
    expect(page.get_by_role("heading", name="Calendario delle sedute", level=1)).to_be_visible()
    axe()
    page.get_by_role("button", name="Crea l'indirizzo del calendario").click()
    campo = page.locator("#indirizzo-calendario")
    expect(campo).to_be_visible()
    indirizzo = campo.input_value()
    assert indirizzo.startswith(base + "/calendario/") and indirizzo.endswith(".ics")
    expect(page.get_by_role("link", name="Apri nell'app calendario")).to_have_attribute(
        "href", "webcal://" + indirizzo.split("://", 1)[1]
    )
    axe(moduli=True)

    # The feed itself, as a calendar app fetches it: no cookie, no login.
    risposta = page.context.request.get(indirizzo, headers={"Cookie": ""})
    assert risposta.status == 200 and risposta.headers["content-type"] == "text/calendar; charset=utf-8"
    uids = [str(e["uid"]) for e in Calendar.from_ical(risposta.body()).walk("VEVENT")]
    assert f"seduta-{seduta.numero}@bonuspsi" in uids
    assert codice.domanda.cf_beneficiario.encode() not in risposta.body()
    assert codice.codice.encode() not in risposta.body()

    # Reloading does not show it again; "Rigenera" replaces it and the old one stops.
    page.reload()
    expect(page.locator("#indirizzo-calendario")).to_have_count(0)
    page.get_by_role("button", name="Rigenera l'indirizzo").click()
    expect(page.locator("#indirizzo-calendario")).not_to_have_value(indirizzo)
    assert page.context.request.get(indirizzo).status == 404
    axe(moduli=True)

    # STS export from "Le mie fatture": the years with own fatture, a download per year.
    menu(page, "Le mie fatture").click()
    page.get_by_role("link", name="Esporta per il Sistema Tessera Sanitaria").click()
    expect(
        page.get_by_role("heading", name="Esporta per il Sistema Tessera Sanitaria", level=1)
    ).to_be_visible()
    axe(moduli=True)
    anno = Fattura.objects.filter(professionista=marco).exclude(stato="ritirata").latest("data").anno
    page.select_option("#id_anno", str(anno))
    with page.expect_download() as scaricato:
        page.get_by_role("button", name="Scarica il CSV").click()
    download = scaricato.value
    assert download.suggested_filename == f"sts-{anno}.csv"
    with open(download.path(), encoding="utf-8") as f:
        righe = list(csv.DictReader(io.StringIO(f.read())))
    assert righe and list(righe[0]) == INTESTAZIONE
    attese = Fattura.objects.filter(professionista=marco, anno=anno).exclude(stato="ritirata")
    assert sorted(r["numero_fattura"] for r in righe) == sorted(attese.values_list("numero", flat=True))

    # A year typed into the address that has no fatture: the message next to the field.
    page.goto(f"{page.url.split('?')[0]}?anno=1999")
    expect(page.locator("#id_anno_error")).to_contain_text("Scegli un anno in cui hai registrato fatture.")
    axe(moduli=True)


def test_citizen_makes_the_address_of_their_calendar(page: Page, live_server, demo_world, axe):
    base = live_server.url
    login_as(page, base, GIUSEPPE)
    menu(page, "Calendario").click()
    expect(page.get_by_role("heading", name="Calendario delle sedute", level=1)).to_be_visible()
    axe()
    page.get_by_role("button", name="Crea l'indirizzo del calendario").click()
    indirizzo = page.locator("#indirizzo-calendario").input_value()
    axe(moduli=True)
    risposta = page.context.request.get(indirizzo, headers={"Cookie": ""})
    assert risposta.status == 200 and b"BEGIN:VCALENDAR" in risposta.body()
    assert GIUSEPPE.codice_fiscale.encode() not in risposta.body()
    page.get_by_role("button", name="Disattiva l'indirizzo").click()
    expect(page.get_by_text("Nessun indirizzo attivo.")).to_be_visible()
    assert page.context.request.get(indirizzo).status == 404
    axe()
