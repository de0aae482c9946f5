"""An operator records a bank outcome by hand in admin ("Segna pagato": the date asked on an intermediate
page, a wrong one refused next to the field) and downloads a batch's SEPA file (axe on each page)."""

import datetime as dt
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.fatture.models import Fattura
from apps.rimborsi.models import LottoRimborsi, Rimborso
from tests.e2e.conftest import axe_violazioni
from tests.e2e.test_journey_domanda import ANNA, login_as
from tests.integration.lotti_pagamento import crea_lotto


def test_operator_marks_a_rimborso_paid_and_downloads_the_sepa_file(
    page: Page, live_server, demo_world, shot
):
    # A batch of this month (seed_demo's own is older), exported yesterday, with one rimborso in payment.
    lotto = crea_lotto(
        timezone.localdate().replace(day=1),
        professionisti=1,
        esportato_il=timezone.now() - dt.timedelta(days=1),
    )
    rimborso = lotto.rimborsi.get()
    login_as(page, live_server.url, ANNA)

    # "Scarica file SEPA" on the batches' list: the pain.001 with the rimborso's EndToEndId.
    page.goto(f"{live_server.url}/operatori/rimborsi/lottorimborsi/")
    assert axe_violazioni(page) == []
    page.locator(f"input[name=_selected_action][value='{lotto.pk}']").check()
    page.select_option("select[name=action]", "scarica_file_sepa")
    with page.expect_download() as scaricamento:
        page.locator("button[name=index]").click()
    xml = Path(scaricamento.value.path()).read_text(encoding="utf-8")
    assert "pain.001.001.09" in xml and f"<EndToEndId>{rimborso.numero}</EndToEndId>" in xml

    page.goto(f"{live_server.url}/operatori/rimborsi/rimborso/?stato__exact=in_pagamento")
    expect(page.get_by_role("link", name=rimborso.numero)).to_be_visible()
    assert rimborso.iban not in page.content()
    assert axe_violazioni(page) == []
    page.locator(f"input[name=_selected_action][value='{rimborso.pk}']").check()
    page.select_option("select[name=action]", "segna_pagato")
    page.locator("button[name=index]").click()
    expect(page.get_by_label("Data del pagamento")).to_be_visible()
    shot("segna-pagato")
    assert axe_violazioni(page, moduli=True) == []

    domani = timezone.localdate() + dt.timedelta(days=1)
    page.fill("#id_pagato_il", domani.isoformat())
    page.get_by_role("button", name="Conferma").click()
    expect(page.locator(".errorlist")).to_contain_text("non può essere futura")
    assert axe_violazioni(page, moduli=True) == []
    rimborso.refresh_from_db()
    assert rimborso.stato == Rimborso.Stato.IN_PAGAMENTO

    page.fill("#id_pagato_il", timezone.localdate().isoformat())
    page.get_by_role("button", name="Conferma").click()
    expect(page.locator(".messagelist")).to_be_visible()
    assert axe_violazioni(page) == []
    rimborso.refresh_from_db()
    assert (rimborso.stato, rimborso.pagato_il) == (Rimborso.Stato.PAGATO, timezone.localdate())
    assert set(
        Fattura.objects.filter(pk__in=rimborso.voci.values("fattura_id")).values_list("stato", flat=True)
    ) == {Fattura.Stato.RIMBORSATA}
    assert LottoRimborsi.objects.get(pk=lotto.pk).stato == LottoRimborsi.Stato.PAGATO
