"""An operator imports the Regions' transfers in admin, sees the funds per region, and generates a
month's batch from its admin page (axe on each new page)."""

import datetime as dt
import re

from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.demo.services import ANNO_APERTO
from apps.domande.models import Bando
from apps.domande.reference import OPERATORE_GROUP
from apps.rimborsi.importer import INTESTAZIONE
from apps.rimborsi.models import LottoRimborsi, TrasferimentoRisorse
from tests.e2e.conftest import axe_violazioni
from tests.e2e.test_journey_domanda import ANNA, login_as

PERMESSI = [
    "view_trasferimentorisorse",
    "add_trasferimentorisorse",
    "view_lottorimborsi",
    "add_lottorimborsi",
]


def _permessi_rimborsi():
    Group.objects.get(name=OPERATORE_GROUP).permissions.add(
        *Permission.objects.filter(content_type__app_label="rimborsi", codename__in=PERMESSI)
    )


def scrivi_csv(path, *righe):
    path.write_text(",".join(INTESTAZIONE) + "\n" + "".join(r + "\n" for r in righe), encoding="utf-8")
    return path


def test_operator_imports_transfers_and_sees_the_funds_per_region(
    page: Page, live_server, demo_world, tmp_path, shot
):
    _permessi_rimborsi()
    bando = Bando.objects.get(anno=ANNO_APERTO)
    prima = TrasferimentoRisorse.objects.count()
    login_as(page, live_server.url, ANNA)
    page.goto(f"{live_server.url}/operatori/rimborsi/trasferimentorisorse/")
    assert axe_violazioni(page) == []
    page.get_by_role("link", name="Importa trasferimenti (CSV)").click()
    expect(page.get_by_role("heading", name=re.compile("Importa trasferimenti"))).to_be_visible()
    assert axe_violazioni(page, moduli=True) == []

    righe = [
        f"{ANNO_APERTO},150,2026-01-10,250000.00,E2E-CAMPANIA",
        f"{ANNO_APERTO},999,2026-01-10,1.00,E2E-X",
    ]
    page.set_input_files("input[type=file]", scrivi_csv(tmp_path / "male.csv", *righe))
    page.get_by_role("button", name="Importa").click()
    expect(page.locator("#errori-import li")).to_have_count(1)
    expect(page.locator("#errori-import")).to_contain_text("riga 3: regione '999' inesistente")
    assert axe_violazioni(page, moduli=True) == []
    shot("trasferimenti-errori")
    assert TrasferimentoRisorse.objects.count() == prima

    page.set_input_files("input[type=file]", scrivi_csv(tmp_path / "bene.csv", righe[0]))
    page.get_by_role("button", name="Importa").click()
    expect(page.locator(".messagelist")).to_contain_text("Trasferimenti importati: 1 righe, 1 nuovi")
    page.select_option("#id_bando", str(bando.pk))
    page.get_by_role("button", name="Mostra").click()
    riga = page.locator("#fondi-per-regione tbody tr", has_text="Campania")
    expect(riga).to_contain_text("250.000,00 €")
    expect(page.locator("#fondi-per-regione tbody tr")).to_have_count(21)
    shot("fondi-per-regione")
    assert axe_violazioni(page, moduli=True) == []


def test_operator_generates_a_month_batch(page: Page, live_server, demo_world, shot):
    _permessi_rimborsi()
    login_as(page, live_server.url, ANNA)
    page.goto(f"{live_server.url}/operatori/rimborsi/lottorimborsi/")
    page.get_by_role("link", name="Genera il lotto del mese…").click()
    expect(page.get_by_role("heading", name="Genera il lotto del mese")).to_be_visible()
    assert axe_violazioni(page, moduli=True) == []
    page.fill("#id_mese", "2999-01")
    page.get_by_role("button", name="Genera il lotto").click()
    expect(page.locator(".errorlist")).to_contain_text("non è ancora finito")
    assert axe_violazioni(page, moduli=True) == []
    # The month just ended (seed_demo's own batch is two months older).
    mese = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    page.fill("#id_mese", f"{mese:%Y-%m}")
    page.get_by_role("button", name="Genera il lotto").click()
    expect(page.locator(".messagelist")).to_contain_text(f"Lotto {mese:%m/%Y}")
    shot("lotto-generato")
    assert axe_violazioni(page) == []  # the batches' list
    assert LottoRimborsi.objects.filter(mese=mese.replace(day=1)).exists()
