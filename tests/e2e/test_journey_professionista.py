"""The professional's journey in Chromium (seed 000, "Professionista"): profile switch, first-access IBAN,
verify a patient's code, book, receipt, another seduta for the same patient, Le mie sedute, modify,
confirm, cancel; then the beneficiary sees the sedute on his code and cancels a future booking."""

import datetime as dt
import re
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.demo import DEMO_IDENTITIES
from apps.codici.models import CodiceUnivoco
from apps.professionisti.models import CanaleAccredito, Professionista
from apps.sedute.models import Seduta
from apps.sedute.services import prenota_seduta
from tests.e2e.test_journey_domanda import login_as, logout

PAOLA = next(d for d in DEMO_IDENTITIES if d.nome == "Paola")
MARCO = next(d for d in DEMO_IDENTITIES if d.nome == "Marco")
GIUSEPPE = next(d for d in DEMO_IDENTITIES if d.nome == "Giuseppe")


def codice_di_giuseppe() -> CodiceUnivoco:
    return CodiceUnivoco.objects.get(domanda__cf_beneficiario=GIUSEPPE.codice_fiscale)


def orario_passato_di_oggi() -> dt.datetime:
    """A start time today that has already passed (the demo code is valid from today)."""
    adesso = timezone.localtime()
    mezzanotte = adesso.replace(hour=0, minute=0, second=0, microsecond=0)
    return max(mezzanotte, adesso - dt.timedelta(minutes=60)).replace(second=0, microsecond=0)


def menu(page: Page, voce: str):
    return page.get_by_role("navigation", name="Navigazione principale").get_by_role("link", name=voce)


def compila_seduta(page: Page, giorno: dt.date, ora: str, importo: str):
    page.fill("#id_data", giorno.isoformat())
    page.fill("#id_ora", ora)
    page.fill("#id_durata_minuti", "50")
    page.fill("#id_importo", importo)


def test_professional_books_modifies_confirms_and_cancels(page: Page, live_server, demo_world, shot):
    base = live_server.url
    codice = codice_di_giuseppe()

    # 1. Paola logs in as a citizen and switches profile after the confirmation page.
    login_as(page, base, PAOLA)
    page.get_by_role("link", name="Cambia profilo").click()
    expect(page.get_by_role("heading", name="Cambia profilo")).to_be_visible()
    shot("cambia-profilo")
    page.get_by_role("button", name="Prosegui come Psicoterapeuta").click()

    # 2. First access: an IBAN before anything else.
    expect(page.get_by_role("heading", name=re.compile("Ti diamo il benvenuto"))).to_be_visible()
    shot("primo-accesso")
    page.get_by_role("link", name="Prosegui").click()
    page.fill("#id_iban", "IT60 X054 2811 1010 0000 0123 457")  # one digit wrong
    page.get_by_role("button", name="Aggiungi IBAN").click()
    expect(page.locator("#id_iban_error")).to_contain_text("le cifre di controllo non tornano")
    shot("iban-errato")
    page.fill("#id_iban", "IT60 X054 2811 1010 0000 0123 456")
    page.get_by_role("button", name="Aggiungi IBAN").click()
    expect(page.get_by_text("IBAN aggiunto")).to_be_visible()
    # An Ente's IBAN needs its Partita IVA.
    page.locator("label[for=id_tipo_1]").click()
    page.fill("#id_iban", "IT42L1234512345123456789012")
    page.fill("#id_denominazione", "Studio Associato Neri")
    page.get_by_role("button", name="Aggiungi IBAN").click()
    expect(page.locator("#id_partita_iva_error")).to_be_visible()
    page.fill("#id_partita_iva", "01114601006")
    page.get_by_role("button", name="Aggiungi IBAN").click()
    page.get_by_role("button", name="Usa per i rimborsi").click()
    expect(page.get_by_text("Canale di accredito attuale aggiornato")).to_be_visible()
    shot("canali")
    paola = Professionista.objects.get(codice_fiscale=PAOLA.codice_fiscale)
    assert (
        CanaleAccredito.objects.get(professionista=paola, attuale=True).iban == "IT42L1234512345123456789012"
    )

    # 3. Prenota: verify the pairing; a wrong code gives the uniform message.
    menu(page, "Home professionista").click()
    shot("home-professionista")
    page.get_by_role("link", name="Accedi").click()
    page.fill("#id_codice_fiscale", GIUSEPPE.codice_fiscale)
    page.fill("#id_codice", "AAAAAAAAAAAA")
    page.get_by_role("button", name="Verifica associazione").click()
    expect(page.get_by_text("non corrispondono a un contributo utilizzabile")).to_be_visible()
    shot("verifica-fallita")
    page.fill("#id_codice", codice.codice.lower())
    page.get_by_role("button", name="Verifica associazione").click()
    expect(page.locator("#esito-verifica")).to_contain_text("VERDI GIUSEPPE")
    expect(page.locator("#massimo")).to_have_text("50,00 €")
    shot("verifica-riuscita")
    page.get_by_role("link", name="Prosegui").click()

    # 4. Book tomorrow at 10:30; an amount over 50 is refused next to the field first.
    domani = timezone.localdate() + dt.timedelta(days=1)
    compila_seduta(page, domani, "10:30", "50,01")
    page.get_by_role("button", name="Prenota").click()
    expect(page.locator("#id_importo_error")).to_contain_text("50,00")
    shot("importo-troppo-alto")
    page.fill("#id_importo", "45")
    page.get_by_role("button", name="Prenota").click()
    expect(page.get_by_text("Seduta prenotata con successo")).to_be_visible()
    shot("riepilogo-prenotazione")
    with page.expect_download() as download:
        page.get_by_role("link", name="Scarica la ricevuta (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")
    expect(page.get_by_role("link", name="Torna all'homepage")).to_be_visible()
    expect(page.get_by_role("link", name="Prenota per un altro paziente")).to_be_visible()

    # 5. Another seduta for the same patient, entered late (already happened today).
    page.get_by_role("button", name="Prenota un'altra seduta per lo stesso paziente").click()
    passata = orario_passato_di_oggi()
    compila_seduta(page, passata.date(), passata.strftime("%H:%M"), "40,00")
    page.get_by_role("button", name="Prenota").click()
    expect(page.get_by_text("Seduta prenotata con successo")).to_be_visible()
    codice.refresh_from_db()
    assert codice.prenotato == Decimal("85.00")

    # 6. Le mie sedute: confirm the one that took place.
    menu(page, "Le mie sedute").click()
    expect(page.get_by_role("row")).to_have_count(3)  # header + 2
    shot("le-mie-sedute")
    page.get_by_role("row").filter(has_text="40,00").get_by_role("link", name="Visualizza").click()
    page.get_by_role("link", name="Conferma").click()
    page.get_by_role("button", name="Conferma seduta").click()
    expect(page.get_by_text("Seduta confermata con successo")).to_be_visible()
    expect(page.locator("#stato-seduta")).to_have_text("confermata")
    shot("seduta-confermata")

    # 7. Modify the future one (amount 45 → 30), then cancel it.
    menu(page, "Le mie sedute").click()
    page.get_by_role("row").filter(has_text="45,00").get_by_role("link", name="Visualizza").click()
    expect(page.get_by_text("Potrai confermarla dopo il suo inizio")).to_be_visible()
    page.get_by_role("link", name="Modifica").click()
    page.fill("#id_importo", "30")
    page.fill("#id_ora", "11:00")
    page.get_by_role("button", name="Salva le modifiche").click()
    expect(page.get_by_text("Seduta modificata con successo")).to_be_visible()
    shot("seduta-modificata")
    page.get_by_role("link", name="Dettaglio seduta").click()
    page.get_by_role("link", name="Annulla").click()
    page.get_by_role("button", name="Conferma l'annullamento").click()
    expect(page.get_by_text("Seduta annullata con successo")).to_be_visible()
    shot("seduta-annullata")

    codice.refresh_from_db()
    assert (codice.prenotato, codice.utilizzato) == (Decimal("0.00"), Decimal("40.00"))
    assert sorted(Seduta.objects.filter(codice=codice).values_list("stato", flat=True)) == [
        "annullata",
        "confermata",
    ]

    # 8. Back to the citizen profile: the professional menu is gone.
    page.get_by_role("button", name="Cambia profilo: Cittadino").click()
    expect(page.get_by_role("heading", name="La mia area")).to_be_visible()
    logout(page)


def test_beneficiary_cancels_a_future_booking(page: Page, live_server, demo_world, shot):
    codice = codice_di_giuseppe()
    marco = Professionista.objects.get(codice_fiscale=MARCO.codice_fiscale)
    seduta = prenota_seduta(
        None,
        marco,
        codice_id=codice.pk,
        codice_fiscale=GIUSEPPE.codice_fiscale,
        studio=marco.studi.first(),
        inizio=timezone.now() + dt.timedelta(days=2),
        durata_minuti=50,
        importo=Decimal("50.00"),
    )

    login_as(page, live_server.url, GIUSEPPE)
    page.get_by_role("link", name=re.compile("codice", re.I)).first.click()
    expect(page.get_by_role("row").filter(has_text="Galli Marco")).to_contain_text("prenotata")
    expect(page.locator("#residuo")).to_contain_text(
        f"{codice.assegnato - 50:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    )
    shot("codice-con-sedute")
    page.get_by_role("link", name="Annulla prenotazione").click()
    shot("conferma-annullamento")
    page.get_by_role("button", name="Annulla la prenotazione").click()
    expect(page.get_by_text("annullata: l'importo è tornato disponibile")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Galli Marco")).to_contain_text("annullata")
    shot("prenotazione-annullata")
    seduta.refresh_from_db()
    codice.refresh_from_db()
    assert seduta.stato == Seduta.Stato.ANNULLATA and codice.residuo == codice.assegnato
