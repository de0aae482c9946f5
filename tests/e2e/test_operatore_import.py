"""An operator imports domande from a CSV in the admin: a bad file is refused line by line, a good one
goes in whole; an operator searches citizens' data by POST and reveals a code."""

import re

from playwright.sync_api import Page, expect

from apps.codici.models import CodiceUnivoco
from apps.core.models import AuditEvent
from apps.demo.services import ANNO_APERTO
from apps.domande.importer import INTESTAZIONE
from apps.domande.models import Bando, Domanda
from tests.e2e.conftest import axe_violazioni
from tests.e2e.test_journey_domanda import ANNA, login_as
from tests.factories import make_cf


def scrivi_csv(path, *righe):
    path.write_text(",".join(INTESTAZIONE) + "\n" + "".join(r + "\n" for r in righe))
    return path


def riga(n, provincia="RM"):
    cf = make_cf(93000 + n)
    presentata = "2026-11-20T10:00:00+01:00"
    return f"CC-{n},{cf},{cf},se_stesso,120,{provincia},9000.00,ordinario,false,,{presentata},,,web"


def test_operator_imports_domande_from_csv(page: Page, live_server, demo_world, shot, tmp_path):
    bando = Bando.objects.get(anno=ANNO_APERTO)
    prima = Domanda.objects.filter(bando=bando).count()
    login_as(page, live_server.url, ANNA)
    page.goto(f"{live_server.url}/operatori/domande/bando/{bando.pk}/change/")
    page.get_by_role("link", name="Importa domande (CSV)").click()
    expect(page.get_by_role("heading", name=re.compile("Importa domande"))).to_be_visible()
    shot("import-form")

    page.set_input_files(
        "input[type=file]", scrivi_csv(tmp_path / "male.csv", riga(1), riga(2, provincia="MI"))
    )
    page.get_by_role("button", name="Importa").click()
    expect(page.locator("#errori-import li")).to_have_count(1)
    expect(page.locator("#errori-import")).to_contain_text("riga 3")
    assert axe_violazioni(page, moduli=True) == []
    shot("import-errori")
    assert Domanda.objects.filter(bando=bando).count() == prima

    page.set_input_files("input[type=file]", scrivi_csv(tmp_path / "bene.csv", riga(1), riga(2)))
    page.get_by_role("button", name="Importa").click()
    expect(page.locator(".messagelist")).to_contain_text("Importate 2 domande")
    shot("import-ok")
    assert Domanda.objects.filter(bando=bando).count() == prima + 2


def test_operator_searches_by_post_and_reveals_a_code(page: Page, live_server, demo_world, shot):
    """The search box POSTs: the address bar shows a token, never the codice fiscale; the code's page
    shows it masked until "Mostra codice", which is audited."""
    codice = CodiceUnivoco.objects.select_related("domanda").order_by("pk").first()
    cf = codice.domanda.cf_beneficiario
    login_as(page, live_server.url, ANNA)
    page.goto(f"{live_server.url}/operatori/domande/domanda/")
    page.locator("#searchbar").fill(cf)
    page.get_by_role("button", name="Cerca").click()
    expect(page.locator("#ricerca-esito")).to_contain_text("1 risultato")
    assert "ricerca=" in page.url and cf not in page.url.upper()
    expect(page.locator("#result_list")).to_contain_text(codice.domanda.protocollo)
    shot("ricerca-domanda")
    assert axe_violazioni(page) == []  # the results of a search (desktop: admin lists are wide tables)
    assert AuditEvent.objects.filter(azione="ricerca.operatore", dettagli__risultati=1).exists()

    page.goto(f"{live_server.url}/operatori/codici/codiceunivoco/{codice.pk}/change/")
    expect(page.locator("body")).to_contain_text(codice.codice_mascherato)
    expect(page.locator("body")).not_to_contain_text(codice.codice)
    page.get_by_role("button", name="Mostra codice").click()
    expect(page.locator("#codice-in-chiaro")).to_have_text(codice.codice)
    assert codice.codice not in page.url
    shot("codice-mostrato")
    assert axe_violazioni(page) == []
    assert AuditEvent.objects.filter(azione="codice.mostrato", oggetto_id=str(codice.pk)).count() == 1
