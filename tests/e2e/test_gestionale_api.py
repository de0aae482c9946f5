"""Issue 11 §1 in Chromium and over HTTP: Marco, a demo professional, creates a token for her practice
software on "Accesso per il gestionale" (every error of an empty form at once, then the token shown once),
and the practice software — real HTTP requests to the live server with that token — verifies Giuseppe's
code, books a seduta already held, confirms it and registers its fattura; after Marco revokes the token
in the browser, the API refuses it. axe (desktop and 360 px) on every page."""

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.fatture.models import Fattura
from apps.sedute.models import Seduta
from tests.e2e.test_journey_domanda import login_as
from tests.e2e.test_journey_professionista import GIUSEPPE, MARCO, codice_di_giuseppe, orario_passato_di_oggi


def test_a_token_from_the_portal_drives_the_api_end_to_end(page: Page, live_server, demo_world, axe, shot):
    base = live_server.url
    login_as(page, base, MARCO)
    page.get_by_role("link", name="Cambia profilo").click()
    page.get_by_role("button", name="Prosegui come Psicoterapeuta").click()
    page.get_by_role("link", name="accesso per il gestionale").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accesso per il gestionale")
    axe(moduli=True)

    page.get_by_role("button", name="Crea token").click()
    expect(page.locator("#riepilogo-errori")).to_be_visible()
    for campo in ("id_nome_error", "id_ambiti_error"):
        expect(page.locator(f"#{campo}")).to_be_visible()
    axe(moduli=True)

    page.fill("#id_nome", "PsicoGest")
    for indice in range(3):  # Bootstrap Italia draws the box on the label: the label takes the click
        page.locator(f"label[for=id_ambiti_{indice}]").click()
        expect(page.locator(f"#id_ambiti_{indice}")).to_be_checked()
    page.get_by_role("button", name="Crea token").click()
    token = page.locator("#token-in-chiaro").input_value()
    assert token.startswith("bp_")
    expect(page.locator("table")).to_contain_text("PsicoGest")
    axe(moduli=True)
    shot("gestionale-token")

    # The practice software, over HTTP.
    api = page.context.request
    auth = {"Authorization": f"Bearer {token}"}
    codice = codice_di_giuseppe()
    r = api.post(
        f"{base}/api/v1/verifiche/",
        data={"codice_fiscale": GIUSEPPE.codice_fiscale, "codice": codice.codice},
        headers=auth,
    )
    assert r.status == 200, r.text()
    verifica = r.json()["token_verifica"]
    studi = api.get(f"{base}/api/v1/studi/", headers=auth).json()
    inizio = orario_passato_di_oggi()
    prenotazione = {
        "token_verifica": verifica, "studio": studi[0]["id"], "inizio": inizio.isoformat(),
        "durata_minuti": 50, "importo": "45.00",
    }  # fmt: skip
    r = api.post(f"{base}/api/v1/sedute/", data=prenotazione, headers={**auth, "Idempotency-Key": "uno"})
    assert r.status == 201, r.text()
    seduta = r.json()
    r = api.post(f"{base}/api/v1/sedute/{seduta['id']}/conferma/", headers=auth)
    assert r.status == 200 and r.json()["stato"] == "confermata", r.text()
    fattura = {
        "sedute": [seduta["id"]], "emittente": "Marco", "numero": "API-1",
        "data": timezone.localdate().isoformat(), "totale": "60.00",
    }  # fmt: skip
    r = api.post(f"{base}/api/v1/fatture/", data=fattura, headers={**auth, "Idempotency-Key": "f-uno"})
    assert r.status == 201, r.text()
    assert Seduta.objects.get(pk=seduta["id"]).stato == Seduta.Stato.FATTURATA
    assert Fattura.objects.get(pk=r.json()["id"]).importo_bonus == 45
    # What the API booked is on the professional's pages too.
    page.goto(f"{base}/professionista/sedute/{seduta['id']}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dettaglio seduta")

    # Revoked in the browser: the API refuses the token at once.
    page.goto(f"{base}/professionista/gestionale/")
    page.get_by_role("button", name=re.compile("Revoca")).click()
    expect(page.locator(".alert-success, .alert-info").first).to_contain_text("revocato")
    axe(moduli=True)
    r = api.get(f"{base}/api/v1/sedute/", headers=auth)
    assert r.status == 401 and r.headers["content-type"].startswith("application/problem+json")
    assert dt.datetime.fromisoformat(seduta["inizio"]) == inizio
