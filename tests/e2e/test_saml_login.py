"""SPID in a browser: "Entra con SPID" on the login page, a signed AuthnRequest to a pysaml2 IdP served by
the live test server (tests/saml_urlconf.py, never routable in production), its signed response auto-posted
to our ACS, and the citizen's home; a refused response lands on the login page with the reason; "Esci"
ends the session here and at the IdP. axe on every page a person sees."""

import re
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.core.models import AuditEvent
from tests import saml_urlconf
from tests.saml_idp import IDP_ENTITY_ID, mondo_saml


@pytest.fixture
def idp_di_prova(live_server, settings, tmp_path, transactional_db):
    settings.SITE_URL = live_server.url
    # The IdP on another site (127.0.0.1 against localhost): its POST to our ACS is cross-site, so the
    # browser leaves out our SameSite=Lax session cookie, as a real IdP's would.
    assert "//localhost:" in live_server.url
    mondo = mondo_saml(tmp_path, live_server.url.replace("//localhost:", "//127.0.0.1:"))
    settings.SAML_IDENTITA = {"spid": mondo.settings}
    settings.IDENTITA_URL_SPID = "/saml/spid/accedi/"
    settings.ROOT_URLCONF = "tests.saml_urlconf"
    saml_urlconf.IDP_ATTIVO.clear()
    saml_urlconf.IDP_ATTIVO["server"] = mondo.idp(Client().get("/saml/spid/metadata/").content.decode())
    yield mondo
    saml_urlconf.IDP_ATTIVO.clear()


def test_a_citizen_logs_in_with_spid_and_out_again(page: Page, live_server, idp_di_prova, axe, shot):
    base = live_server.url
    page.goto(f"{base}/accedi/")
    axe()
    shot("login")
    page.get_by_role("link", name="Entra con SPID").click()
    expect(page.get_by_role("heading", name="La mia area")).to_be_visible()
    shot("home")
    assert page.url == f"{base}/cittadino/"
    user = User.objects.get(codice_fiscale="RSSMRA85M01H501Q")
    assert (user.nome, user.cognome) == ("Mario", "Rossi")

    page.get_by_role("button", name="Esci").click()
    # "Uscita in corso" moves on to the IdP by itself, which answers at our SLO: the public home page.
    page.wait_for_url(f"{base}/")
    assert saml_urlconf.IDP_ATTIVO["logout"] == ["_id-transiente-1"]
    page.goto(f"{base}/cittadino/")
    expect(page.get_by_role("heading", name="Accedi al servizio")).to_be_visible()


def test_a_refused_response_shows_the_login_page_with_the_reason(
    page: Page, live_server, idp_di_prova, axe, shot
):
    saml_urlconf.IDP_ATTIVO["opzioni"] = {"firma": False}
    page.goto(f"{live_server.url}/accedi/")
    page.get_by_role("link", name="Entra con SPID").click()
    expect(page.get_by_role("alert").filter(has_text="Accesso non riuscito.")).to_be_visible()
    expect(page.get_by_role("heading", name="Accedi al servizio")).to_be_visible()
    shot("rifiutato")
    axe()
    assert not User.objects.exists()
    assert AuditEvent.objects.filter(azione="accesso_rifiutato").count() == 1


def test_with_two_idps_the_citizen_chooses_one(
    page: Page, live_server, idp_di_prova, settings, axe, tmp_path
):
    secondo = tmp_path / "secondo.xml"
    secondo.write_text(
        Path(idp_di_prova.idp_metadata_file)
        .read_text()
        .replace(IDP_ENTITY_ID, "https://secondo.invalid/")
        .replace("IdP di prova", "Secondo IdP")
    )
    settings.SAML_IDENTITA = {
        "spid": {**idp_di_prova.settings, "idp_metadata": [idp_di_prova.idp_metadata_file, str(secondo)]}
    }
    page.goto(f"{live_server.url}/accedi/")
    page.get_by_role("link", name="Entra con SPID").click()
    expect(
        page.get_by_role("heading", name=re.compile("Scegli il tuo gestore di identità SPID"))
    ).to_be_visible()
    axe()
    page.get_by_role("link", name="IdP di prova").click()
    expect(page.get_by_role("heading", name="La mia area")).to_be_visible()


def test_without_the_script_the_buttons_on_the_pages_in_between_do_the_same(
    page: Page, live_server, idp_di_prova, axe
):
    # static/js/saml.js moves these pages on by itself; without it they must still work, and pass axe.
    page.route("**/static/js/saml.js", lambda route: route.fulfill(body="", content_type="text/javascript"))
    base = live_server.url
    page.goto(f"{base}/accedi/")
    page.get_by_role("link", name="Entra con SPID").click()
    page.get_by_role("button", name="Invia").click()  # the IdP's page
    # The IdP's cross-site POST came without our session cookie: our page posts it again, same-site.
    expect(page.get_by_role("heading", name="Accesso in corso")).to_be_visible()
    axe()
    page.get_by_role("button", name="Continua").click()
    expect(page.get_by_role("heading", name="La mia area")).to_be_visible()
    page.get_by_role("button", name="Esci").click()
    expect(page.get_by_role("heading", name="Uscita in corso")).to_be_visible()
    axe()
    page.get_by_role("link", name="Continua").click()
    page.wait_for_url(f"{base}/")
    assert saml_urlconf.IDP_ATTIVO["logout"] == ["_id-transiente-1"]
