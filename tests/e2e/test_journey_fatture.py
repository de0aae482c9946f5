"""The professional's invoices in Chromium (seed 000, "Registrazione e rimborso fattura"): register a fattura
for a patient's confirmed sedute (the errors first, all at once), see the riepilogo, find it in Le mie
fatture and its detail with the "dettaglio rimborso", the seduta's detail, withdraw it; after a batch, the
payment in the seduta's and the fattura's "dettaglio rimborso". axe on every page."""

import datetime as dt
import re
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import Page, expect

from apps.codici.models import CodiceUnivoco
from apps.fatture.models import Fattura
from apps.professionisti.models import Professionista
from apps.rimborsi.models import LottoRimborsi, Rimborso
from apps.sedute.models import Seduta
from tests.e2e.test_journey_domanda import login_as
from tests.e2e.test_journey_professionista import GIUSEPPE, MARCO, menu
from tests.factories import CanaleFactory, seduta_confermata


def test_professional_registers_sees_and_withdraws_a_fattura(page: Page, live_server, demo_world, shot, axe):
    base = live_server.url
    marco = Professionista.objects.get(codice_fiscale=MARCO.codice_fiscale)
    if not marco.canali.exists():
        CanaleFactory(professionista=marco)
    codice = CodiceUnivoco.objects.get(domanda__cf_beneficiario=GIUSEPPE.codice_fiscale)
    sedute = [
        seduta_confermata(marco, codice, giorni_fa=4, importo=Decimal("50.00")),
        seduta_confermata(marco, codice, giorni_fa=2, importo=Decimal("45.00")),
    ]
    ultima = timezone.localdate(sedute[1].inizio)

    login_as(page, base, MARCO)
    page.get_by_role("link", name="Cambia profilo").click()
    page.get_by_role("button", name="Prosegui come Psicoterapeuta").click()

    # 1. Home → Registra fattura: Giuseppe's confirmed sedute, the issuer prefilled.
    expect(page.get_by_role("heading", name="Le mie fatture")).to_be_visible()
    page.get_by_role("link", name="Registra fattura").first.click()
    expect(page.get_by_role("heading", name="Registra fattura", level=1)).to_be_visible()
    expect(page.get_by_role("group", name=re.compile("VERDI GIUSEPPE"))).to_be_visible()
    expect(page.locator("#id_emittente")).to_have_value(marco.nominativo)
    shot("registra-fattura")
    axe(moduli=True)

    # 2. Every error at once: a date before the last seduta, a total below the sedute's sum, no number.
    for seduta in sedute:
        page.locator(f"label[for=id_sedute_{seduta.pk}]").click()
    page.fill("#id_data", (ultima - dt.timedelta(days=1)).isoformat())
    page.fill("#id_totale", "94,99")
    page.get_by_role("button", name="Conferma fattura").click()
    expect(page.locator("#riepilogo-errori")).to_contain_text("3 errori")
    expect(page.locator("#id_data_error")).to_contain_text("non può precedere l'ultima seduta")
    expect(page.locator("#id_totale_error")).to_contain_text("95,00 €")
    expect(page.locator("#id_numero_error")).to_contain_text("Indica il numero della fattura")
    expect(page.locator(f"#id_sedute_{sedute[0].pk}")).to_be_checked()
    shot("errori")
    axe(moduli=True)
    assert not Fattura.objects.filter(codice=codice).exists()

    # 3. Corrected: "Conferma fattura" → riepilogo with the sedute.
    page.fill("#id_data", ultima.isoformat())
    page.fill("#id_numero", "  7 / 2026 ")
    page.fill("#id_totale", "120")
    page.get_by_role("button", name="Conferma fattura").click()
    expect(page.get_by_text("Fattura registrata con successo")).to_be_visible()
    expect(page.locator("#numero-fattura")).to_have_text("7/2026")
    expect(page.locator("#quota-bonus")).to_have_text("95,00 €")
    expect(page.locator("#quota-paziente")).to_have_text("25,00 €")
    expect(page.get_by_role("row")).to_have_count(3)  # header + 2 sedute
    shot("riepilogo-fattura")
    axe()
    fattura = Fattura.objects.get(codice=codice)
    assert set(Seduta.objects.filter(pk__in=[s.pk for s in sedute]).values_list("stato", flat=True)) == {
        "fatturata"
    }

    # 4. Le mie fatture: the list, a filter, the detail with the payment block.
    menu(page, "Le mie fatture").click()
    expect(page.get_by_role("row").filter(has_text="7/2026")).to_contain_text("VERDI GIUSEPPE")
    shot("le-mie-fatture")
    axe(moduli=True)
    page.select_option("#id_stato", "in_pagamento")  # seed_demo's fatture are paid, sospesa or da pagare
    page.get_by_role("button", name="Filtra").click()
    expect(page.get_by_text("Nessuna fattura con questi filtri.")).to_be_visible()
    page.select_option("#id_stato", "da_pagare")
    page.get_by_role("button", name="Filtra").click()
    page.get_by_role("row").filter(has_text="7/2026").get_by_role(
        "link", name=re.compile("Dettaglio")
    ).click()
    expect(page.get_by_role("heading", name="Dettaglio fattura")).to_be_visible()
    expect(page.get_by_role("heading", name="Dettaglio rimborso")).to_be_visible()
    expect(page.locator("#stato-pagamento")).to_have_text("registrata, da pagare")
    shot("dettaglio-fattura")
    axe()

    # 5. The seduta's detail shows the same payment block and links the fattura.
    page.get_by_role("link", name=sedute[0].numero).click()
    expect(page.get_by_role("heading", name="Dettaglio seduta")).to_be_visible()
    expect(page.locator("#stato-pagamento")).to_have_text("registrata, da pagare")
    shot("dettaglio-seduta")
    axe()
    page.get_by_role("link", name="fattura n. 7/2026 del").click()

    # 6. Withdraw it: a confirmation page, then the sedute are to be invoiced again.
    page.get_by_role("link", name="Ritira fattura").click()
    expect(page.get_by_role("heading", name="Ritira fattura")).to_be_visible()
    shot("ritira")
    axe()
    page.get_by_role("button", name="Conferma il ritiro").click()
    expect(page.get_by_text("Fattura ritirata: le sue sedute sono di nuovo da fatturare.")).to_be_visible()
    expect(page.locator("#stato-fattura")).to_have_text("ritirata")
    expect(page.get_by_role("link", name="Ritira fattura")).to_have_count(0)
    axe()
    fattura.refresh_from_db()
    assert fattura.stato == Fattura.Stato.RITIRATA
    assert set(Seduta.objects.filter(pk__in=[s.pk for s in sedute]).values_list("stato", flat=True)) == {
        "confermata"
    }


def test_after_the_batch_the_seduta_shows_its_payment(page: Page, live_server, demo_world, shot, axe):
    """The real service's "dettaglio rimborso seduta": state, batch month, date paid, masked IBAN — on the
    fattura seed_demo had paid through the real pipeline (genera_rimborsi, esporta_sepa, the outcome)."""
    base = live_server.url
    marco = Professionista.objects.get(codice_fiscale=MARCO.codice_fiscale)
    fattura = Fattura.objects.get(professionista=marco, stato=Fattura.Stato.RIMBORSATA)
    rimborso = Rimborso.objects.get(voci__fattura=fattura, voci__attiva=True)
    assert rimborso.lotto.stato == LottoRimborsi.Stato.PAGATO

    login_as(page, base, MARCO)
    page.get_by_role("link", name="Cambia profilo").click()
    page.get_by_role("button", name="Prosegui come Psicoterapeuta").click()
    menu(page, "Le mie sedute").click()
    page.get_by_role("row").filter(has_text="rimborsata").first.get_by_role("link", name="Visualizza").click()
    expect(page.locator("#stato-pagamento")).to_have_text("rimborsata")
    blocco = page.get_by_role("region", name="Dettaglio rimborso")
    expect(blocco).to_contain_text(date_format(rimborso.lotto.mese, "F Y"))
    expect(blocco).to_contain_text(date_format(rimborso.pagato_il, "SHORT_DATE_FORMAT"))
    expect(blocco).to_contain_text(rimborso.iban_mascherato)
    expect(blocco).not_to_contain_text(rimborso.iban)
    shot("seduta-rimborsata")
    axe()
    page.get_by_role("link", name=f"fattura n. {fattura.numero} del").click()
    expect(page.get_by_role("region", name="Dettaglio rimborso")).to_contain_text(rimborso.numero)
    expect(page.get_by_role("link", name="Ritira fattura")).to_have_count(0)
    axe()

    # The same batch's suspended fattura says why.
    sospesa = Fattura.objects.get(professionista=marco, stato=Fattura.Stato.SOSPESA)
    page.goto(base + reverse("professionista:fattura", args=[sospesa.pk]))
    expect(page.locator("#stato-pagamento")).to_contain_text(
        "mancata trasmissione fondi da parte della Regione"
    )
    axe()
