"""The foundation's journey in Chromium: a citizen applies and downloads the receipt, an operator
computes and publishes the graduatoria in admin, the citizen sees the provvedimento and the code."""

import re

from playwright.sync_api import Page, expect

from apps.accounts.demo import DEMO_IDENTITIES
from apps.codici.models import CodiceUnivoco
from apps.demo.services import ANNO_APERTO
from apps.domande.models import Domanda

MARIO = DEMO_IDENTITIES[0]
ANNA = next(d for d in DEMO_IDENTITIES if d.operatore)


def login_as(page: Page, base_url: str, identita, shot=None):
    page.goto(f"{base_url}/accedi/")
    if shot:
        shot("login")
    page.get_by_role("link", name=re.compile("simulat", re.I)).click()
    if shot:
        shot("simulatore")
    page.get_by_role("button", name=f"{identita.nome} {identita.cognome}").click()


def run_admin_action(page: Page, anno: int, action: str):
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=str(anno)))
    row.get_by_role("checkbox").check()
    page.select_option("select[name=action]", action)
    page.get_by_role("button", name=re.compile("Esegui|Go|Vai")).click()


def logout(page: Page):
    page.get_by_role("button", name="Esci").click()


def test_citizen_applies_operator_publishes_citizen_sees_code(page: Page, live_server, demo_world, shot):
    base = live_server.url

    # 1. Mario applies for himself on the open demo bando.
    login_as(page, base, MARIO, shot)
    expect(page.get_by_role("heading", name="La mia area")).to_be_visible()
    shot("home-cittadino")
    page.get_by_role("link", name="Presenta domanda").first.click()
    expect(page.get_by_role("heading", name=re.compile("Presenta domanda"))).to_be_visible()
    page.fill("#id_cf_beneficiario", MARIO.codice_fiscale)
    page.select_option("#id_provincia", "RM")
    page.fill("#id_email", "mario.rossi@example.org")
    shot("modulo")

    # Forgetting the DPR 445 declaration: a message next to the field, nothing saved.
    page.get_by_role("button", name="Prosegui al riepilogo").click()
    expect(page.locator("#id_dichiarazione_error")).to_be_visible()
    shot("errore-dichiarazione")
    assert not Domanda.objects.filter(cf_beneficiario=MARIO.codice_fiscale).exists()

    # Bootstrap Italia draws the checkbox on its label: a person clicks the label.
    page.locator("label[for=id_dichiarazione]").click()
    expect(page.locator("#id_dichiarazione")).to_be_checked()
    page.get_by_role("button", name="Prosegui al riepilogo").click()
    expect(page.get_by_role("heading", name=re.compile("Riepilogo"))).to_be_visible()
    shot("riepilogo")
    page.get_by_role("button", name="Conferma e invia").click()
    expect(page.get_by_role("heading", name="Domanda presentata")).to_be_visible()
    shot("ricevuta")
    domanda = Domanda.objects.get(cf_beneficiario=MARIO.codice_fiscale, bando__anno=ANNO_APERTO)
    expect(page.get_by_text(domanda.protocollo).first).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Scarica la ricevuta")).click()
    pdf = download_info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")

    logout(page)
    assert Domanda.objects.filter(cf_beneficiario=MARIO.codice_fiscale).count() == 1

    # 2. Anna, an INPS operator, computes and publishes the demo bando's graduatorie in admin.
    login_as(page, base, ANNA)
    expect(page).to_have_url(re.compile("/operatori/"))
    shot("admin-home")
    page.goto(f"{base}/operatori/domande/bando/")
    shot("admin-bandi")
    run_admin_action(page, ANNO_APERTO, "calcola_graduatorie")
    expect(page.locator(".messagelist")).to_be_visible()
    shot("admin-calcolata")
    run_admin_action(page, ANNO_APERTO, "pubblica_graduatorie")
    expect(page.locator(".messagelist")).to_be_visible()
    shot("admin-pubblicata")
    page.goto(f"{base}/operatori/graduatorie/graduatoria/")
    shot("admin-graduatorie")
    codice = CodiceUnivoco.objects.get(domanda=domanda)
    page.goto(f"{base}/operatori/")
    page.locator("#logout-form button, form[action$='logout/'] button").first.click()

    # 3. Mario sees the provvedimento with his code, and the code's balance.
    login_as(page, base, MARIO)
    page.goto(f"{base}/cittadino/ricevute/")
    expect(page.get_by_text(codice.codice)).to_be_visible()
    shot("provvedimento")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Scarica il provvedimento")).first.click()
    assert download_info.value.path().read_bytes().startswith(b"%PDF")
    page.get_by_role("link", name="dettaglio").first.click()
    expect(page.get_by_role("heading", name="Il mio codice")).to_be_visible()
    expect(page.get_by_text("Nessuna seduta prenotata su questo codice.")).to_be_visible()
    expect(page.locator("dd", has_text="1.500,00 €").first).to_be_visible()
    shot("codice")


def test_a_parent_applies_for_the_linked_minor_child_and_not_for_a_stranger(
    page: Page, live_server, demo_world, shot
):
    """Mario holds a verified link (seed_demo) to his daughter Giulia: he applies for her and sees her
    ISEE. For a codice fiscale he has no link to, the one uniform message and nothing else."""
    from apps.demo.services import EXTRA, GIULIA
    from apps.domande.services import RAPPRESENTANZA_NON_VERIFICATA

    sconosciuto = next(cf for cf, valore, _ in EXTRA if valore > 50000)  # ISEE 58 000,00 in the archive
    base = live_server.url
    login_as(page, base, MARIO)

    def compila(cf):
        page.get_by_role("link", name="Presenta domanda").first.click()
        page.locator("label", has_text="genitore esercente").click()
        page.fill("#id_cf_beneficiario", cf)
        page.select_option("#id_provincia", "RM")
        page.fill("#id_email", "mario.rossi@example.org")
        page.locator("label[for=id_dichiarazione]").click()
        page.get_by_role("button", name="Prosegui al riepilogo").click()

    compila(GIULIA)
    expect(page.get_by_role("heading", name=re.compile("Riepilogo"))).to_be_visible()
    expect(page.locator(".riepilogo")).to_contain_text("12.000,00 €")
    shot("riepilogo-figlia")
    page.get_by_role("button", name="Conferma e invia").click()
    expect(page.get_by_role("heading", name="Domanda presentata")).to_be_visible()
    domanda = Domanda.objects.get(cf_beneficiario=GIULIA, bando__anno=ANNO_APERTO)
    assert domanda.richiedente.codice_fiscale == MARIO.codice_fiscale and domanda.relazione == "genitore"
    page.goto(f"{base}/cittadino/")

    compila(sconosciuto)
    expect(page.locator("#id_cf_beneficiario_error")).to_have_text(str(RAPPRESENTANZA_NON_VERIFICATA))
    shot("rappresentanza-non-verificata")
    testo = page.content()
    assert "58.000" not in testo and "supera il limite" not in testo and "Riepilogo" not in testo
    assert not Domanda.objects.filter(cf_beneficiario=sconosciuto).exists()
