import pytest
from django.core.exceptions import ImproperlyConfigured

from bonuspsi.env import env_saml

VARIABILI = ("SPID_SP_ENTITY_ID", "SPID_SP_CERT_FILE", "SPID_SP_KEY_FILE", "SPID_IDP_METADATA_FILES")


@pytest.fixture
def file_spid(tmp_path, monkeypatch):
    for nome in ("sp.crt", "sp.key", "a.xml", "b.xml"):
        (tmp_path / nome).write_text("x")
    valori = dict(
        zip(
            VARIABILI,
            (
                "https://sp/",
                str(tmp_path / "sp.crt"),
                str(tmp_path / "sp.key"),
                f"{tmp_path}/a.xml, {tmp_path}/b.xml",
            ),
            strict=True,
        )
    )
    for nome, valore in valori.items():
        monkeypatch.setenv(nome, valore)
    return tmp_path


def test_nothing_set_means_off(monkeypatch):
    for nome in VARIABILI:
        monkeypatch.delenv(nome, raising=False)
    assert env_saml("SPID") is None


def test_all_set_gives_the_configuration_with_the_list_of_metadata_files(file_spid):
    conf = env_saml("SPID")
    assert conf["entity_id"] == "https://sp/"
    assert conf["idp_metadata"] == [f"{file_spid}/a.xml", f"{file_spid}/b.xml"]


@pytest.mark.parametrize("mancante", VARIABILI)
def test_half_a_configuration_refuses_to_start_naming_what_is_missing(file_spid, monkeypatch, mancante):
    monkeypatch.setenv(mancante, "")
    with pytest.raises(ImproperlyConfigured, match=mancante):
        env_saml("SPID")


def test_a_missing_file_refuses_to_start(file_spid):
    (file_spid / "b.xml").unlink()
    with pytest.raises(ImproperlyConfigured, match="b.xml"):
        env_saml("SPID")


def test_cie_has_its_own_variables(file_spid):
    assert env_saml("CIE") is None
