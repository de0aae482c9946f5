"""SPID/CIE configured as production configures them: from the environment, in a fresh interpreter, the
WSGI application built as gunicorn builds it (helpers from test_settings_loading)."""

from tests.integration.test_settings_loading import PRODUCTION_ENV, WSGI_CALL, _python
from tests.saml_idp import SP_ENTITY_ID, mondo_saml


def env_spid(tmp_path):
    mondo = mondo_saml(tmp_path, "https://idp.example.invalid")
    return {
        "SITE_URL": "https://bonuspsicologo.example.it",
        "SPID_SP_ENTITY_ID": SP_ENTITY_ID,
        "SPID_SP_CERT_FILE": mondo.sp_cert,
        "SPID_SP_KEY_FILE": mondo.sp_key,
        "SPID_IDP_METADATA_FILES": mondo.idp_metadata_file,
        "SAML_CONTATTO_EMAIL": "spid@ente.example",
    }


def test_without_configuration_saml_is_not_routed_in_production():
    result = _python(WSGI_CALL, PRODUCTION_ENV, "/saml/spid/metadata/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "404 Not Found"


def test_configured_spid_serves_its_metadata_and_cie_stays_off(tmp_path):
    env = PRODUCTION_ENV | env_spid(tmp_path)
    result = _python(WSGI_CALL, env, "/saml/spid/metadata/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "200 OK"
    assert _python(WSGI_CALL, env, "/saml/cie/metadata/").stdout.strip() == "404 Not Found"


def test_half_a_spid_configuration_refuses_to_start(tmp_path):
    env = PRODUCTION_ENV | env_spid(tmp_path) | {"SPID_SP_KEY_FILE": ""}
    result = _python(WSGI_CALL, env, "/saml/spid/metadata/")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SPID_SP_KEY_FILE" in result.stderr


def test_spid_without_xmlsec1_refuses_to_start(tmp_path):
    env = PRODUCTION_ENV | env_spid(tmp_path) | {"SAML_XMLSEC_BINARY": str(tmp_path / "manca")}
    result = _python(WSGI_CALL, env, "/saml/spid/metadata/")
    assert result.returncode != 0 and "SAML_XMLSEC_BINARY" in result.stderr


def test_spid_without_the_metadatas_contact_e_mail_refuses_to_start(tmp_path):
    for email in ("", "non-un-indirizzo"):
        env = PRODUCTION_ENV | env_spid(tmp_path) | {"SAML_CONTATTO_EMAIL": email}
        result = _python(WSGI_CALL, env, "/saml/spid/metadata/")
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr and "SAML_CONTATTO_EMAIL" in result.stderr
