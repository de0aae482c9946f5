"""A SPID identity provider for tests, built with pysaml2 (saml2.server.Server) and keys made at test time.

`mondo_saml(tmp_path, site_url)` writes a self-signed SP key pair and IdP key pair, the IdP's metadata file,
and returns a `MondoSaml` whose `settings` is what SAML_IDENTITA["spid"] must hold and whose `idp` answers
an AuthnRequest (taken from the SP's redirect URL) with a signed Response. Keyword arguments of
`risposta()` spoil it in the ways the SP must refuse. Nothing here touches the network.
"""

import base64
import datetime
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_BASIC, NAMEID_FORMAT_TRANSIENT, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from apps.accounts.saml import converter_spid

XMLSEC = "/usr/bin/xmlsec1"
IDP_ENTITY_ID = "https://idp.test.invalid/"
SP_ENTITY_ID = "https://bonuspsi.test.invalid/saml/spid/"
SPID_L2 = "https://www.spid.gov.it/SpidL2"


def coppia_chiavi(cartella: Path, nome: str) -> tuple[str, str]:
    """A self-signed RSA certificate and its key as PEM files; returns (cert_file, key_file)."""
    chiave = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    soggetto = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, nome)])
    adesso = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(soggetto)
        .issuer_name(soggetto)
        .public_key(chiave.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(adesso - datetime.timedelta(days=1))
        .not_valid_after(adesso + datetime.timedelta(days=365))
        .sign(chiave, hashes.SHA256())
    )
    cert_file, key_file = cartella / f"{nome}.crt", cartella / f"{nome}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        chiave.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


def _idp_config(cert, key, sso_url, slo_url, sp_metadata: list[str], lifetime_minutes=15) -> IdPConfig:
    conf = IdPConfig().load(
        {
            "entityid": IDP_ENTITY_ID,
            "key_file": key,
            "cert_file": cert,
            "xmlsec_binary": XMLSEC,
            "metadata": {"inline": sp_metadata} if sp_metadata else {},
            "allow_unknown_attributes": True,
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
            "organization": {"name": "IdP di prova", "display_name": "IdP di prova", "url": IDP_ENTITY_ID},
            "service": {
                "idp": {
                    "name": "IdP di prova",
                    "endpoints": {
                        "single_sign_on_service": [
                            (sso_url, BINDING_HTTP_REDIRECT),
                            (sso_url, BINDING_HTTP_POST),
                        ],
                        "single_logout_service": [(slo_url, BINDING_HTTP_REDIRECT)],
                    },
                    "name_id_format": [NAMEID_FORMAT_TRANSIENT],
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": lifetime_minutes},
                            "attribute_restrictions": None,
                            "name_form": NAME_FORMAT_BASIC,
                        }
                    },
                }
            },
        }
    )
    # Attribute names as SPID IdPs send them ("name", "familyName", "fiscalNumber"), in the basic format.
    conf.attribute_converters = [converter_spid()]
    return conf


@dataclass
class MondoSaml:
    cartella: Path
    sp_cert: str
    sp_key: str
    idp_cert: str
    idp_key: str
    idp_metadata_file: str
    sso_url: str
    slo_url: str

    @property
    def settings(self) -> dict:
        return {
            "entity_id": SP_ENTITY_ID,
            "cert_file": self.sp_cert,
            "key_file": self.sp_key,
            "idp_metadata": [self.idp_metadata_file],
        }

    def idp(self, *sp_metadata: str, chiave: tuple[str, str] | None = None, lifetime_minutes=15) -> Server:
        """An IdP that knows the SPs whose metadata it is given; `chiave` signs with another key pair
        (a forger), a negative `lifetime_minutes` issues assertions already expired."""
        cert, key = chiave or (self.idp_cert, self.idp_key)
        conf = _idp_config(cert, key, self.sso_url, self.slo_url, list(sp_metadata), lifetime_minutes)
        return Server(config=conf)


def mondo_saml(cartella: Path, site_url: str) -> MondoSaml:
    sp_cert, sp_key = coppia_chiavi(cartella, "sp")
    idp_cert, idp_key = coppia_chiavi(cartella, "idp")
    sso_url = f"{site_url}/saml-idp-di-prova/sso/"
    slo_url = f"{site_url}/saml-idp-di-prova/slo/"
    conf = _idp_config(idp_cert, idp_key, sso_url, slo_url, [])
    metadata = cartella / "idp-metadata.xml"
    metadata.write_text(str(entity_descriptor(conf)))
    return MondoSaml(cartella, sp_cert, sp_key, idp_cert, idp_key, str(metadata), sso_url, slo_url)


IDENTITA_MARIO = {"fiscalNumber": ["TINIT-RSSMRA85M01H501Q"], "name": ["Mario"], "familyName": ["Rossi"]}


def richiesta_da_url(url: str) -> tuple[str, str]:
    """(SAMLRequest, RelayState) from the SP's HTTP-Redirect URL."""
    query = parse_qs(urlparse(url).query)
    return query["SAMLRequest"][0], query.get("RelayState", [""])[0]


def risposta(
    server: Server,
    saml_request: str,
    *,
    identita: dict | None = None,
    firma: bool = True,
    audience: str | None = None,
    destinazione: str | None = None,
    livello: str = SPID_L2,
) -> str:
    """The base64 SAMLResponse the IdP posts back, signed (response and assertion) unless firma=False."""
    richiesta = server.parse_authn_request(saml_request, BINDING_HTTP_REDIRECT).message
    acs = richiesta.assertion_consumer_service_url
    xml = server.create_authn_response(
        identity=IDENTITA_MARIO if identita is None else identita,
        in_response_to=richiesta.id,
        destination=destinazione or acs,
        sp_entity_id=audience or richiesta.issuer.text,
        name_id=NameID(format=NAMEID_FORMAT_TRANSIENT, text="_id-transiente-1", name_qualifier=IDP_ENTITY_ID),
        authn={"class_ref": livello, "authn_auth": IDP_ENTITY_ID},
        sign_response=firma,
        sign_assertion=firma,
        sign_alg=SIG_RSA_SHA256,
        digest_alg=DIGEST_SHA256,
    )
    return base64.b64encode(str(xml).encode()).decode()
