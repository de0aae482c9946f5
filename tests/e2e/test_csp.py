"""The strict CSP (no 'unsafe-inline') holds without a console error; the kit's fonts are shipped."""

from playwright.sync_api import Page

from apps.domande.models import Bando

from .test_journey_domanda import ANNA, MARIO, login_as


def _errori_csp(page: Page) -> list[str]:
    errori: list[str] = []
    page.on(
        "console",
        lambda m: (
            errori.append(m.text)
            if m.type == "error" and ("Content Security Policy" in m.text or "Refused" in m.text)
            else None
        ),
    )
    return errori


def _attendi(page: Page):
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)


def test_home_citizen_page_and_admin_change_form_have_no_csp_errors(page: Page, live_server, demo_world):
    errori = _errori_csp(page)
    page.goto(live_server.url + "/")
    _attendi(page)
    assert errori == [], "home"
    login_as(page, live_server.url, MARIO)
    page.goto(live_server.url + "/cittadino/")
    _attendi(page)
    assert errori == [], "cittadino"
    page.goto(live_server.url + "/pagine-non-esiste/")
    page.goto(live_server.url + "/accedi/")
    _attendi(page)
    page.context.clear_cookies()
    login_as(page, live_server.url, ANNA)
    bando = Bando.objects.order_by("pk").first()
    page.goto(f"{live_server.url}/operatori/domande/bando/{bando.pk}/change/")
    _attendi(page)
    assert errori == [], "admin"
