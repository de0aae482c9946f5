"""An operator imports domande from a CSV in the admin: a bad file is refused line by line, a good one
goes in whole."""

import re

from playwright.sync_api import Page, expect

from apps.demo.services import ANNO_APERTO
from apps.domande.importer import INTESTAZIONE
from apps.domande.models import Bando, Domanda
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
    shot("import-errori")
    assert Domanda.objects.filter(bando=bando).count() == prima

    page.set_input_files("input[type=file]", scrivi_csv(tmp_path / "bene.csv", riga(1), riga(2)))
    page.get_by_role("button", name="Importa").click()
    expect(page.locator(".messagelist")).to_contain_text("Importate 2 domande")
    shot("import-ok")
    assert Domanda.objects.filter(bando=bando).count() == prima + 2
