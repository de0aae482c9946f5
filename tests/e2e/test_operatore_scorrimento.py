"""An operator scrolls a graduatoria from the Bandi list once funds came back to a region's pool, and reads
what moved in Scorrimenti and Movimenti del fondo regionale; the citizen funded sees it in Ricevute e
provvedimenti (axe on each page)."""

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.codici.models import CodiceUnivoco
from apps.demo.services import ANNO_CHIUSO
from apps.domande.models import Bando
from apps.graduatorie.ciclo import decadenza_prima_seduta
from apps.graduatorie.fondo import verifica_fondi
from apps.graduatorie.models import Esito, Posizione
from tests.e2e.test_journey_domanda import ANNA, login_as, run_admin_action


def test_operator_scrolls_the_graduatoria_and_reads_what_moved(
    page: Page, live_server, demo_world, axe, shot
):
    bando = Bando.objects.get(anno=ANNO_CHIUSO)
    in_attesa = Posizione.objects.filter(
        graduatoria__bando=bando, esito=Esito.NON_ACCOLTA_PROVVISORIA
    ).count()
    assert in_attesa > 0
    # The first-seduta deadline of the demo codes passes with no seduta confirmed: their funds return.
    entro = CodiceUnivoco.objects.filter(domanda__bando=bando).values_list("prima_seduta_entro", flat=True)[0]
    decadenza_prima_seduta(max(entro, timezone.localdate()) + dt.timedelta(days=1))

    login_as(page, live_server.url, ANNA)
    expect(page).to_have_url(re.compile("/operatori/"))
    page.goto(f"{live_server.url}/operatori/domande/bando/")
    run_admin_action(page, ANNO_CHIUSO, "scorri_graduatorie")
    messaggio = page.locator(".messagelist .success")
    expect(messaggio).to_contain_text(f"Scorrimento del bando {ANNO_CHIUSO}: {in_attesa} nuovi codici")
    axe()
    shot("scorrimento-eseguito")
    assert verifica_fondi(bando) == []

    page.goto(f"{live_server.url}/operatori/graduatorie/scorrimento/")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    axe()
    shot("scorrimenti")
    page.goto(f"{live_server.url}/operatori/codici/movimentofondo/?causale__exact=scorrimento")
    expect(page.locator("#result_list tbody tr")).to_have_count(in_attesa)
    axe()
    shot("movimenti-fondo")
