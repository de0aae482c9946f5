"""SPID/CIE over SAML, end to end against a pysaml2 IdP built here (tests/saml_idp.py), no network."""

import base64
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import SPConfig
from saml2.mdstore import MetadataStore
from saml2.saml import NAMEID_FORMAT_TRANSIENT, NameID
from saml2.samlp import STATUS_AUTHN_FAILED
from saml2.sigver import SignatureError, security_context

from apps.accounts.models import User
from apps.core.models import AuditEvent
from tests import saml_idp
from tests.saml_idp import coppia_chiavi, mondo_saml, richiesta_da_url, risposta

ACS = "/saml/spid/acs/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def spid(settings, tmp_path):
    settings.SITE_URL = "http://testserver"
    mondo = mondo_saml(tmp_path, settings.SITE_URL)
    settings.SAML_IDENTITA = {"spid": mondo.settings}
    settings.IDENTITA_URL_SPID = "/saml/spid/accedi/"
    settings.ROOT_URLCONF = "tests.saml_urlconf"
    settings.SAML_ENTE = {**settings.SAML_ENTE, "email": "spid@ente.example", "telefono": "+390612345678"}
    return mondo


@pytest.fixture
def idp(spid, client):
    """The IdP, knowing our SP from the metadata it downloads from us."""
    return spid.idp(Client().get("/saml/spid/metadata/").content.decode())


def avvia(client, successivo=""):
    r = client.get("/saml/spid/accedi/" + (f"?next={successivo}" if successivo else ""))
    assert r.status_code == 302
    return richiesta_da_url(r["Location"])[0]


def rifiuti():
    return list(
        AuditEvent.objects.filter(azione="accesso_rifiutato").values_list("dettagli__motivo", flat=True)
    )


def test_the_authn_request_is_signed_and_asks_for_spid_level_2_at_least(client, spid, idp):
    r = client.get("/saml/spid/accedi/")
    query = parse_qs(urlparse(r["Location"]).query)
    assert r["Location"].startswith(spid.sso_url + "?")
    assert query["SigAlg"] == ["http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"] and query["Signature"]
    richiesta = idp.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT).message
    contesto = richiesta.requested_authn_context
    assert contesto.comparison == "minimum"
    assert [c.text for c in contesto.authn_context_class_ref] == ["https://www.spid.gov.it/SpidL2"]
    assert richiesta.force_authn == "true"
    assert richiesta.assertion_consumer_service_url == "http://testserver/saml/spid/acs/"
    assert richiesta.attribute_consuming_service_index == "0"  # the metadata's attribute set
    assert richiesta.provider_name == "Bonus psicologo – INPS"
    assert list(client.session["saml_richieste"]) == [richiesta.id]


def test_a_signed_response_logs_the_citizen_in_with_codice_fiscale_and_names(client, idp):
    richiesta = avvia(client, "/cittadino/domande/")
    r = client.post(ACS, {"SAMLResponse": risposta(idp, richiesta)})
    assert r.status_code == 302 and r["Location"] == "/cittadino/domande/"
    user = User.objects.get(codice_fiscale="RSSMRA85M01H501Q")
    assert (user.nome, user.cognome) == ("Mario", "Rossi")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.session["saml_sessione"]["idp"] == saml_idp.IDP_ENTITY_ID
    assert client.session["saml_richieste"] == {}
    assert AuditEvent.objects.filter(azione="login", dettagli__provider="spid").count() == 1


def test_without_next_it_lands_on_the_citizens_home(client, idp):
    r = client.post(ACS, {"SAMLResponse": risposta(idp, avvia(client))})
    assert r["Location"] == "/cittadino/"


def test_an_external_next_is_ignored(client, idp):
    r = client.post(ACS, {"SAMLResponse": risposta(idp, avvia(client, "https://altrove.example/"))})
    assert r["Location"] == "/cittadino/"


def refused(r, testo="non è valida", nessun_utente=True):
    assert r.status_code in (400, 403)
    assert "_auth_user_id" not in r.client.session
    assert "Accesso non riuscito." in r.content.decode() and testo in r.content.decode()
    if nessun_utente:
        assert not User.objects.filter(codice_fiscale="RSSMRA85M01H501Q").exists()
    return r


def test_an_unsigned_response_is_refused(client, idp):
    refused(client.post(ACS, {"SAMLResponse": risposta(idp, avvia(client), firma=False)}))
    assert len(rifiuti()) == 1


def test_a_response_signed_by_another_key_is_refused(client, spid, idp, tmp_path):
    (tmp_path / "falso").mkdir()
    falsario = spid.idp(
        Client().get("/saml/spid/metadata/").content.decode(), chiave=coppia_chiavi(tmp_path / "falso", "x")
    )
    refused(client.post(ACS, {"SAMLResponse": risposta(falsario, avvia(client))}))


def test_a_response_posted_twice_is_refused_the_second_time(client, idp):
    richiesta = avvia(client)
    saml_response = risposta(idp, richiesta)
    assert client.post(ACS, {"SAMLResponse": saml_response}).status_code == 302
    client.post("/esci/")
    r = client.post(ACS, {"SAMLResponse": saml_response, "rimbalzo": "1"})
    assert r.status_code == 400 and "_auth_user_id" not in client.session
    assert "già stata usata" in r.content.decode()


def test_a_response_replayed_in_another_browser_is_refused(client, idp):
    saml_response = risposta(idp, avvia(client))
    altro = Client()
    altro.get("/accedi/")
    r = altro.post(ACS, {"SAMLResponse": saml_response, "rimbalzo": "1"})
    assert r.status_code == 400 and "_auth_user_id" not in altro.session
    # The browser that asked can still use it: the other's attempt consumed nothing of its own.
    assert client.post(ACS, {"SAMLResponse": saml_response}).status_code == 302


def test_the_same_assertion_is_refused_even_with_the_request_put_back_in_the_session(client, idp):
    # As if an old copy of the session came back: the assertion ID, remembered in the cache, still says no.
    saml_response = risposta(idp, avvia(client))
    aperte = client.session["saml_richieste"]
    assert client.post(ACS, {"SAMLResponse": saml_response}).status_code == 302
    sessione = client.session
    sessione["saml_richieste"] = aperte
    sessione.save()
    r = client.post(ACS, {"SAMLResponse": saml_response})
    assert r.status_code == 400 and "non è valida" in r.content.decode()
    assert rifiuti() == ["asserzione_riusata"]


def test_an_expired_assertion_is_refused(client, spid):
    vecchio = spid.idp(Client().get("/saml/spid/metadata/").content.decode(), lifetime_minutes=-10)
    refused(client.post(ACS, {"SAMLResponse": risposta(vecchio, avvia(client))}))


def test_a_response_for_another_audience_is_refused(client, spid):
    # An IdP that also serves another SP, answering our request with an assertion addressed to that SP.
    nostri = Client().get("/saml/spid/metadata/").content.decode()
    idp = spid.idp(nostri, nostri.replace(saml_idp.SP_ENTITY_ID, "https://altro.example/sp"))
    refused(
        client.post(ACS, {"SAMLResponse": risposta(idp, avvia(client), audience="https://altro.example/sp")})
    )
    assert "audience" in rifiuti()[0].lower()


def test_a_response_for_another_destination_is_refused(client, idp):
    saml_response = risposta(idp, avvia(client), destinazione="https://altro.example/acs")
    refused(client.post(ACS, {"SAMLResponse": saml_response}))


def test_spid_level_1_is_refused(client, idp):
    saml_response = risposta(idp, avvia(client), livello="https://www.spid.gov.it/SpidL1")
    refused(client.post(ACS, {"SAMLResponse": saml_response}), "livello di sicurezza")


def test_level_3_is_accepted(client, idp):
    saml_response = risposta(idp, avvia(client), livello="https://www.spid.gov.it/SpidL3")
    assert client.post(ACS, {"SAMLResponse": saml_response}).status_code == 302


def test_a_response_without_fiscal_number_is_refused(client, idp):
    identita = {"name": ["Mario"], "familyName": ["Rossi"]}
    refused(
        client.post(ACS, {"SAMLResponse": risposta(idp, avvia(client), identita=identita)}), "codice fiscale"
    )
    assert rifiuti() == ["fiscalNumber_mancante"]


@pytest.mark.parametrize(
    "fiscal, motivo",
    [("RSSMRA85M01H501Q", "fiscalNumber_formato"), ("TINIT-RSSMRA85M01H501X", "fiscalNumber_invalido")],
)
def test_a_fiscal_number_not_tinit_or_invalid_is_refused(client, idp, fiscal, motivo):
    identita = {"fiscalNumber": [fiscal], "name": ["Mario"], "familyName": ["Rossi"]}
    refused(
        client.post(ACS, {"SAMLResponse": risposta(idp, avvia(client), identita=identita)}), "codice fiscale"
    )
    assert rifiuti() == [motivo]


def test_a_lowercase_fiscal_number_is_normalised(client, idp):
    identita = {"fiscalNumber": ["TINIT-rssmra85m01h501q"], "name": ["Mario"], "familyName": ["Rossi"]}
    assert (
        client.post(ACS, {"SAMLResponse": risposta(idp, avvia(client), identita=identita)}).status_code == 302
    )
    assert User.objects.filter(codice_fiscale="RSSMRA85M01H501Q").exists()


def test_cancelled_at_the_idp_says_so(client, idp):
    richiesta = idp.parse_authn_request(avvia(client), BINDING_HTTP_REDIRECT).message
    errore = idp.create_error_response(
        richiesta.id,
        richiesta.assertion_consumer_service_url,
        (STATUS_AUTHN_FAILED, "ErrorCode nr25"),
        sign=True,
    )
    r = client.post(ACS, {"SAMLResponse": base64.b64encode(str(errore).encode()).decode()})
    refused(r, "annullato")
    assert rifiuti() == ["annullato"]


def test_an_authentication_failure_at_the_idp_says_it_was_not_confirmed(client, idp):
    richiesta = idp.parse_authn_request(avvia(client), BINDING_HTTP_REDIRECT).message
    errore = idp.create_error_response(
        richiesta.id,
        richiesta.assertion_consumer_service_url,
        (STATUS_AUTHN_FAILED, "ErrorCode nr19"),
        sign=True,
    )
    r = client.post(ACS, {"SAMLResponse": base64.b64encode(str(errore).encode()).decode()})
    refused(r, "non ha confermato")


def test_garbage_is_refused_without_an_error_page(client, idp):
    avvia(client)
    refused(client.post(ACS, {"SAMLResponse": "non-base64!"}))
    refused(
        client.post(ACS, {"SAMLResponse": base64.b64encode(b"<xml").decode(), "rimbalzo": "1"}), "scaduta"
    )


def test_an_empty_post_is_refused(client, idp):
    r = client.post(ACS, {})
    assert r.status_code == 400 and "Nessuna risposta" in r.content.decode()


def test_a_cross_site_post_without_the_session_cookie_is_posted_again_from_our_page(client, idp):
    saml_response = risposta(idp, avvia(client))
    # The IdP's POST comes from another site: a SameSite=Lax session cookie is not sent with it.
    r = Client().post(ACS, {"SAMLResponse": saml_response})
    assert r.status_code == 200
    pagina = r.content.decode()
    assert (
        "data-invio-automatico" in pagina
        and 'name="rimbalzo" value="1"' in pagina
        and saml_response in pagina
    )
    assert User.objects.count() == 0
    # Our own page posts it again, same-site, with the cookie.
    assert client.post(ACS, {"SAMLResponse": saml_response, "rimbalzo": "1"}).status_code == 302


def test_the_metadata_is_signed_xml_that_pysaml2_reads(client, spid):
    r = client.get("/saml/spid/metadata/")
    assert r.status_code == 200 and r["Content-Type"] == "application/samlmetadata+xml"
    xml = r.content.decode()
    conf = SPConfig().load({"entityid": "https://verifica.invalid/", "xmlsec_binary": saml_idp.XMLSEC})
    assert security_context(conf).verify_signature(
        xml,
        cert_file=spid.sp_cert,
        cert_type="pem",
        node_name="urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor",
    )
    md = MetadataStore(conf.attribute_converters, conf)
    md.load("inline", xml)
    sp = md[saml_idp.SP_ENTITY_ID]["spsso_descriptor"][0]
    assert sp["authn_requests_signed"] == "true" and sp["want_assertions_signed"] == "true"
    assert sp["assertion_consumer_service"][0]["location"] == "http://testserver/saml/spid/acs/"
    richiesti = {a["name"] for a in sp["attribute_consuming_service"][0]["requested_attribute"]}
    assert richiesti == {"fiscalNumber", "name", "familyName"}


SPID_NS = "https://spid.gov.it/saml-extensions"
CIE_NS = "https://www.cartaidentita.interno.gov.it/saml-extensions"
MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"


def _albero(xml: str):
    from defusedxml.ElementTree import fromstring

    return fromstring(xml.encode())


def test_the_spid_metadata_carries_what_avviso_29_asks(client, spid):
    xml = client.get("/saml/spid/metadata/").content.decode()
    radice = _albero(xml)
    # No algorithm list: pysaml2's named MD5 and SHA-1, which SPID does not admit.
    assert radice.find(f"{MD}Extensions") is None and "urn:oasis:names:tc:SAML:metadata:algsupport" not in xml
    assert not any(a in xml for a in ("#md5", "#sha1", "#rsa-sha1", "#dsa-sha1"))  # "#": never in base64
    sp = radice.find(f"{MD}SPSSODescriptor")
    acs = sp.findall(f"{MD}AssertionConsumerService")
    assert [(a.get("index"), a.get("isDefault")) for a in acs] == [("0", "true")]
    insieme = sp.find(f"{MD}AttributeConsumingService")
    assert insieme.get("index") == "0"
    nome = insieme.find(f"{MD}ServiceName")
    assert (
        nome.text == "Bonus psicologo – INPS"
        and nome.get("{http://www.w3.org/XML/1998/namespace}lang") == "it"
    )
    ente = radice.find(f"{MD}Organization")
    assert [e.text for e in ente] == [
        "Istituto Nazionale della Previdenza Sociale",
        "INPS",
        "https://www.inps.it",
    ]
    assert {e.get("{http://www.w3.org/XML/1998/namespace}lang") for e in ente} == {"it"}
    (contatto,) = radice.findall(f"{MD}ContactPerson")
    assert contatto.get("contactType") == "other"
    estensioni = contatto.find(f"{MD}Extensions")
    assert [(e.tag, e.text) for e in estensioni] == [
        (f"{{{SPID_NS}}}IPACode", "inps"),
        (f"{{{SPID_NS}}}Public", None),
    ]
    assert contatto.find(f"{MD}EmailAddress").text == "spid@ente.example"
    assert contatto.find(f"{MD}TelephoneNumber").text == "+390612345678"
    # Organization and ContactPerson come after the SPSSODescriptor, as the schema orders them.
    assert [e.tag.removeprefix(MD) for e in radice][-3:] == [
        "SPSSODescriptor",
        "Organization",
        "ContactPerson",
    ]


def test_the_cie_metadata_carries_what_the_cie_manual_asks(client, spid, settings):
    settings.SAML_IDENTITA = {
        **settings.SAML_IDENTITA,
        "cie": {**spid.settings, "entity_id": "https://bonuspsi.test.invalid/saml/cie/"},
    }
    radice = _albero(client.get("/saml/cie/metadata/").content.decode())
    nome = radice.find(f"{MD}SPSSODescriptor/{MD}AttributeConsumingService/{MD}ServiceName")
    assert nome.text.startswith("urn:uuid:") and nome.get("{http://www.w3.org/XML/1998/namespace}lang") == ""
    (contatto,) = radice.findall(f"{MD}ContactPerson")
    assert contatto.get("contactType") == "administrative"
    assert contatto.find(f"{MD}Company").text == radice.find(f"{MD}Organization/{MD}OrganizationName").text
    estensioni = [(e.tag.removeprefix(f"{{{CIE_NS}}}"), e.text) for e in contatto.find(f"{MD}Extensions")]
    assert estensioni == [("Public", None), ("IPACode", "inps"), ("Municipality", "H501"), ("Province", "RM")]
    assert contatto.find(f"{MD}EmailAddress").text == "spid@ente.example"


def test_metadata_signed_by_another_key_does_not_verify(client, spid, tmp_path):
    (tmp_path / "altra").mkdir()
    altro_cert, _key = coppia_chiavi(tmp_path / "altra", "altro")
    conf = SPConfig().load({"entityid": "https://verifica.invalid/", "xmlsec_binary": saml_idp.XMLSEC})
    with pytest.raises(SignatureError):
        security_context(conf).verify_signature(
            client.get("/saml/spid/metadata/").content.decode(),
            cert_file=altro_cert,
            cert_type="pem",
            node_name="urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor",
        )


def entra(client, idp):
    assert client.post(ACS, {"SAMLResponse": risposta(idp, avvia(client))}).status_code == 302


def test_logout_ends_the_session_and_sends_a_signed_logout_request_to_the_idp(client, spid, idp):
    entra(client, idp)
    r = client.post("/esci/")
    assert "_auth_user_id" not in client.session
    assert r.status_code == 200 and "Uscita in corso" in r.content.decode()
    destinazione = r.context["destinazione"]
    assert destinazione.startswith(spid.slo_url)
    query = parse_qs(urlparse(destinazione).query)
    richiesta = idp.parse_logout_request(
        query["SAMLRequest"][0],
        BINDING_HTTP_REDIRECT,
        sigalg=query["SigAlg"][0],
        signature=query["Signature"][0],
    ).message
    assert richiesta.name_id.text == "_id-transiente-1" and richiesta.session_index
    assert client.get("/cittadino/").status_code == 302
    # The IdP answers at our SLO: back to the home page, still logged out.
    risposta_logout = idp.create_logout_response(richiesta, [BINDING_HTTP_REDIRECT], sign=False)
    info = idp.apply_binding(
        BINDING_HTTP_REDIRECT, risposta_logout, "http://testserver/saml/spid/slo/", response=True, sign=True
    )
    r = client.get(dict(info["headers"])["Location"].replace("http://testserver", ""))
    assert r.status_code == 302 and r["Location"] == "/"


def test_logout_without_saml_is_the_plain_one(client, spid, django_user_model):
    client.force_login(django_user_model.objects.create(codice_fiscale="VRDGPP70C12L219U"))
    r = client.post("/esci/")
    assert r.status_code == 302 and r["Location"] == "/"


def logout_request_dall_idp(idp, firma=True):
    richiesta_id, richiesta = idp.create_logout_request(
        "http://testserver/saml/spid/slo/",
        saml_idp.SP_ENTITY_ID,
        name_id=NameID(format=NAMEID_FORMAT_TRANSIENT, text="_id-transiente-1"),
        session_indexes=["s1"],
    )
    info = idp.apply_binding(
        BINDING_HTTP_REDIRECT, str(richiesta), "http://testserver/saml/spid/slo/", sign=firma
    )
    return dict(info["headers"])["Location"].replace("http://testserver", "")


def test_a_logout_started_at_the_idp_ends_our_session_and_answers_it(client, spid, idp):
    entra(client, idp)
    r = client.get(logout_request_dall_idp(idp))
    assert (
        r.status_code == 302 and r["Location"].startswith(spid.slo_url) and "SAMLResponse=" in r["Location"]
    )
    assert "_auth_user_id" not in client.session


def test_an_unsigned_logout_request_is_refused(client, spid, idp):
    entra(client, idp)
    r = client.get(logout_request_dall_idp(idp, firma=False))
    assert r.status_code == 400 and "_auth_user_id" in client.session


def test_with_several_idps_the_person_chooses_one(client, spid, settings, tmp_path):
    secondo = tmp_path / "secondo-idp.xml"
    secondo.write_text(
        Path(spid.idp_metadata_file)
        .read_text()
        .replace(saml_idp.IDP_ENTITY_ID, "https://secondo.idp.invalid/")
    )
    settings.SAML_IDENTITA = {
        "spid": {**spid.settings, "idp_metadata": [spid.idp_metadata_file, str(secondo)]}
    }
    r = client.get("/saml/spid/accedi/?next=/cittadino/")
    assert r.status_code == 200 and "Scegli il tuo gestore di identità SPID" in r.content.decode()
    assert r.content.decode().count('class="btn btn-outline-primary"') == 2
    r = client.get("/saml/spid/accedi/", {"idp": "https://secondo.idp.invalid/"})
    assert r.status_code == 302 and "SAMLRequest=" in r["Location"]


def test_an_unknown_idp_shows_the_choice_again(client, spid):
    r = client.get("/saml/spid/accedi/", {"idp": "https://sconosciuto.invalid/"})
    # One IdP configured: that one is used whatever was asked.
    assert r.status_code == 302 and r["Location"].startswith(spid.sso_url)


def test_cie_not_configured_is_not_found_next_to_spid(client, spid):
    for url in ("/saml/cie/accedi/", "/saml/cie/metadata/", "/saml/cie/slo/"):
        assert client.get(url).status_code == 404
    assert client.post("/saml/cie/acs/", {"SAMLResponse": "x"}).status_code == 404


def test_cie_uses_the_same_path_with_its_own_entity(client, spid, settings):
    settings.SAML_IDENTITA = {
        "cie": {**spid.settings, "entity_id": "https://bonuspsi.test.invalid/saml/cie/"}
    }
    cie = spid.idp(Client().get("/saml/cie/metadata/").content.decode())
    r = client.get("/saml/cie/accedi/")
    saml_response = risposta(cie, richiesta_da_url(r["Location"])[0])
    assert client.post("/saml/cie/acs/", {"SAMLResponse": saml_response}).status_code == 302
    assert AuditEvent.objects.filter(azione="login", dettagli__provider="cie").count() == 1
    # A CIE response is no answer to a SPID endpoint.
    assert client.get("/saml/spid/accedi/").status_code == 404


def test_the_login_page_button_leads_to_the_spid_start(client, spid):
    pagina = client.get("/accedi/?next=/cittadino/").content.decode()
    assert 'href="/saml/spid/accedi/?next=/cittadino/"' in pagina


def test_without_configuration_saml_is_not_routed(client, settings):
    assert settings.SAML_IDENTITA == {}
    assert client.get("/saml/spid/metadata/").status_code == 404
    assert client.get("/saml/spid/accedi/").status_code == 404


def test_a_deactivated_account_is_refused_with_a_message(client, idp, django_user_model):
    django_user_model.objects.create(codice_fiscale="RSSMRA85M01H501Q", is_active=False)
    r = client.post(ACS, {"SAMLResponse": risposta(idp, avvia(client))})
    assert r.status_code == 403 and "Questo account è disattivato." in r.content.decode()
    assert "_auth_user_id" not in client.session and rifiuti() == ["utente_disattivato"]
