"""SPID and CIE as SAML 2 service provider, with pysaml2 directly (README "SPID and CIE").

One code path for both: `tipo` is "spid" or "cie", each with its own entity ID, key pair and IdP metadata
(settings.SAML_IDENTITA, from env vars). This module speaks the protocol (configuration, AuthnRequest,
checking a Response, logout messages); saml_views.py holds the pages. What a response must satisfy to log
someone in, beyond pysaml2's own checks (signatures against the IdP metadata, InResponseTo against the
requests this browser started, NotOnOrAfter/NotBefore, Audience, Issuer):
- the Response *and* the Assertion signed (SPID rules; pysaml2 enforces both with want_*_signed);
- Destination equal to our ACS (pysaml2 accepts a Response without one);
- AuthnContextClassRef SpidL2 or SpidL3 (we ask for "minimum SpidL2");
- an assertion ID not seen before (a second line against replay, shared by every process via the cache);
- fiscalNumber "TINIT-<codice fiscale>" with a valid codice fiscale.
Every refusal raises AccessoRifiutato with a message for the person and a short reason for the audit.
"""

from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, ExtensionElement, md
from saml2.attribute_converter import AttributeConverter
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor, sign_entity_descriptor
from saml2.response import StatusError
from saml2.saml import NAME_FORMAT_BASIC, NAMEID_FORMAT_TRANSIENT, name_id_from_string
from saml2.sigver import security_context
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from apps.core.validators import normalize_codice_fiscale, validate_codice_fiscale

from .identity import Identita, IdentityProvider

SPID_L2 = "https://www.spid.gov.it/SpidL2"
SPID_L3 = "https://www.spid.gov.it/SpidL3"
LIVELLI_AMMESSI = {SPID_L2, SPID_L3}
ATTRIBUTI = ("fiscalNumber", "name", "familyName")
PREFISSO_CF = "TINIT-"
# Requests this browser started and not yet answered: a few, so that two tabs both work.
MAX_RICHIESTE_APERTE = 5
NOMI = {"spid": "SPID", "cie": "CIE"}
SERVIZIO = "Bonus psicologo – INPS"
# The metadata's own extensions (AgID Avviso SPID n. 29 v3; CIE technical manual, "Metadata SP").
NAMESPACE_ESTENSIONI = {
    "spid": "https://spid.gov.it/saml-extensions",
    "cie": "https://www.cartaidentita.interno.gov.it/saml-extensions",
}
# CIE: the AttributeConsumingService's ServiceName is an identifier of the attribute set (a UUID v4 is the
# manual's alternative), with an empty xml:lang. Fixed: the IdP's federation registers it.
SERVIZIO_CIE = "urn:uuid:5d0f5e3c-8f0a-4f4e-9a57-3f1f2a7c9b61"


class AccessoRifiutato(Exception):
    def __init__(self, messaggio, motivo: str):
        super().__init__(motivo)
        self.messaggio = messaggio
        self.motivo = motivo


def configurato(tipo: str) -> bool:
    return tipo in getattr(settings, "SAML_IDENTITA", {})


def url_assoluto(nome: str, tipo: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(nome, kwargs={"tipo": tipo})


def config_pysaml2(tipo: str) -> SPConfig:
    conf = settings.SAML_IDENTITA[tipo]
    return _config(
        tipo,
        conf["entity_id"],
        conf["cert_file"],
        conf["key_file"],
        tuple(conf["idp_metadata"]),
        settings.SITE_URL,
        settings.SAML_XMLSEC_BINARY,
        tuple(sorted(settings.SAML_ENTE.items())),
    )


# Every attribute SPID and CIE define, by its own name in the basic format (AgID's table). pysaml2's
# default maps would turn "name" and "familyName" into other vocabularies' URIs, in our metadata and on the
# way in; this converter is the only one we use.
ATTRIBUTI_SPID = (
    "spidCode", "name", "familyName", "placeOfBirth", "countyOfBirth", "dateOfBirth", "gender",
    "companyName", "registeredOffice", "fiscalNumber", "ivaCode", "idCard", "mobilePhone", "email",
    "address", "expirationDate", "digitalAddress",
)  # fmt: skip


def converter_spid() -> AttributeConverter:
    converter = AttributeConverter(NAME_FORMAT_BASIC)
    converter.from_dict(
        {
            "identifier": NAME_FORMAT_BASIC,
            "fro": {a: a for a in ATTRIBUTI_SPID},
            "to": {a: a for a in ATTRIBUTI_SPID},
        }
    )
    return converter


def _contatto(tipo: str, ente: dict) -> dict:
    """The ContactPerson (its SPID/CIE extensions are added by _profilo_metadata): SPID wants one of type
    "other", CIE one "administrative" whose Company is the OrganizationName."""
    contatto = {"contact_type": "other" if tipo == "spid" else "administrative"}
    if tipo == "cie":
        contatto["company"] = ente["nome"]
    if ente["email"]:
        contatto["email_address"] = [ente["email"]]
    if ente["telefono"]:
        contatto["telephone_number"] = [ente["telefono"]]
    return contatto


@lru_cache(maxsize=8)
def _config(tipo, entity_id, cert_file, key_file, idp_metadata, site_url, xmlsec, ente) -> SPConfig:
    # Cached per value: loading the IdP metadata parses XML; a changed setting (tests) builds a new one.
    acs = url_assoluto("saml:acs", tipo)
    slo = url_assoluto("saml:slo", tipo)
    ente = dict(ente)
    conf = SPConfig().load(
        {
            "entityid": entity_id,
            # The AttributeConsumingService's ServiceName (pysaml2 reads it here, not under "sp").
            "name": (SERVIZIO, "it"),
            "organization": {
                "name": [(ente["nome"], "it")],
                "display_name": [(ente["nome_breve"], "it")],
                "url": [(ente["url"], "it")],
            },
            "contact_person": [_contatto(tipo, ente)],
            "key_file": cert_file and key_file,
            "cert_file": cert_file,
            "xmlsec_binary": xmlsec,
            "metadata": {"local": list(idp_metadata)},
            # Attributes outside ATTRIBUTI_SPID are dropped, not passed on under an unknown name.
            "allow_unknown_attributes": False,
            "accepted_time_diff": 60,
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
            "service": {
                "sp": {
                    "endpoints": {
                        "assertion_consumer_service": [(acs, BINDING_HTTP_POST)],
                        "single_logout_service": [(slo, BINDING_HTTP_REDIRECT), (slo, BINDING_HTTP_POST)],
                    },
                    "authn_requests_signed": True,
                    "logout_requests_signed": True,
                    "want_response_signed": True,
                    "want_assertions_signed": True,
                    "allow_unsolicited": False,
                    "name_id_format": [NAMEID_FORMAT_TRANSIENT],
                    "name_id_policy_format": NAMEID_FORMAT_TRANSIENT,
                    "requested_authn_context": {
                        "authn_context_class_ref": [SPID_L2],
                        "comparison": "minimum",
                    },
                    "required_attributes": list(ATTRIBUTI),
                    # SPID's names as they are (basic), not pysaml2's eIDAS URIs for "familyName".
                    "requested_attribute_name_format": NAME_FORMAT_BASIC,
                }
            },
        }
    )
    conf.attribute_converters = [converter_spid()]
    return conf


def client(tipo: str) -> Saml2Client:
    return Saml2Client(config=config_pysaml2(tipo))


def idp_disponibili(tipo: str) -> list[tuple[str, str]]:
    """(entity ID, display name) of every IdP in the configured metadata, in a stable order."""
    md = config_pysaml2(tipo).metadata
    idp = []
    for entity_id in md.with_descriptor("idpsso"):
        nomi = md.name(entity_id) or entity_id
        idp.append((entity_id, nomi))
    return sorted(idp, key=lambda x: x[1].lower())


def _profilo_metadata(descrittore, tipo: str, ente: dict) -> None:
    """What SPID (Avviso 29 v3) and CIE ask of an SP's metadata beyond what pysaml2 writes."""
    # pysaml2 lists every algorithm xmlsec1 knows, MD5 and SHA-1 among them; SPID and CIE admit SHA-256 and
    # up, which is all we sign and digest with. No list rather than a wrong one (nothing else goes there).
    descrittore.extensions = None
    sp = descrittore.spsso_descriptor
    sp = sp[0] if isinstance(sp, list) else sp
    # Indexes from 0, the first AssertionConsumerService the default; the AuthnRequest names set 0.
    for i, acs in enumerate(sp.assertion_consumer_service):
        acs.index, acs.is_default = str(i), "true" if i == 0 else None
    for i, insieme in enumerate(sp.attribute_consuming_service):
        insieme.index = str(i)
        if tipo == "cie":
            insieme.service_name = [md.ServiceName(text=SERVIZIO_CIE, lang="")]
    ns = NAMESPACE_ESTENSIONI[tipo]
    if tipo == "spid":
        elementi = [("IPACode", ente["codice_ipa"]), ("Public", None)]
    else:
        elementi = [("Public", None), ("IPACode", ente["codice_ipa"]), ("Municipality", ente["comune"])]
        if ente["provincia"]:
            elementi.append(("Province", ente["provincia"]))
    for persona in descrittore.contact_person:
        persona.extensions = md.Extensions(
            extension_elements=[ExtensionElement(nome, namespace=ns, text=testo) for nome, testo in elementi]
        )


def metadata_firmati(tipo: str) -> str:
    conf = config_pysaml2(tipo)
    descrittore = entity_descriptor(conf)
    _profilo_metadata(descrittore, tipo, settings.SAML_ENTE)
    _eid, xml = sign_entity_descriptor(
        descrittore, None, security_context(conf), SIG_RSA_SHA256, DIGEST_SHA256
    )
    return xml


def richiesta_autenticazione(request, tipo: str, idp: str, successivo: str) -> str:
    """A signed AuthnRequest for `idp` (HTTP-Redirect, signature in the query string); its ID is kept in
    this browser's session, the only place a response to it is accepted from, once."""
    req_id, info = client(tipo).prepare_for_authenticate(
        entityid=idp,
        binding=BINDING_HTTP_REDIRECT,
        sign=True,
        sigalg=SIG_RSA_SHA256,
        digest_alg=DIGEST_SHA256,
        force_authn="true",  # SPID: required from level 2 up
        attribute_consuming_service_index="0",  # the metadata's one attribute set
        provider_name=SERVIZIO,  # else pysaml2 writes the config's (name, language) pair as it is
    )
    aperte = request.session.get("saml_richieste", {})
    aperte[req_id] = {"tipo": tipo, "idp": idp, "next": successivo}
    request.session["saml_richieste"] = dict(list(aperte.items())[-MAX_RICHIESTE_APERTE:])
    return dict(info["headers"])["Location"]


def _rifiuta(motivo: str, messaggio=None):
    raise AccessoRifiutato(
        messaggio or _("La risposta del gestore di identità non è valida: riprova."), motivo
    )


def verifica_risposta(request, tipo: str, saml_response: str) -> tuple[Identita, dict, str]:
    """Check a posted SAMLResponse; return the identity, what SLO needs later, and where to go next.

    Every open request of this tipo is closed by the first response posted, whatever the outcome: a response
    is tried once, and a refused one leaves nothing that a second try could use.
    """
    aperte = {k: v for k, v in request.session.get("saml_richieste", {}).items() if v["tipo"] == tipo}
    if not aperte:
        _rifiuta("nessuna_richiesta", _("La sessione di accesso è scaduta o è già stata usata: riprova."))
    try:
        risposta = client(tipo).parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding={k: v["next"] for k, v in aperte.items()}
        )
    except StatusError as err:
        # SPID's ErrorCode nr22 (consent denied) and nr25 (cancelled by the person) are a choice, not a fault.
        if "ErrorCode nr22" in str(err) or "ErrorCode nr25" in str(err):
            _rifiuta("annullato", _("L'accesso è stato annullato presso il gestore di identità."))
        _rifiuta(
            f"stato:{type(err).__name__}: {str(err)[:120]}",
            _("Il gestore di identità non ha confermato l'accesso: riprova."),
        )
    except Exception as err:  # pysaml2 raises a dozen types (signature, time, audience, XML): all refusals
        _rifiuta(f"{type(err).__name__}: {str(err)[:200]}")
    finally:
        _consuma(request, aperte)
    if risposta is None or risposta.assertion is None:
        _rifiuta("risposta_vuota")
    if risposta.response.destination != url_assoluto("saml:acs", tipo):
        _rifiuta("destination")
    livelli = {ref for ref, *_resto in risposta.authn_info()}
    if not livelli & LIVELLI_AMMESSI:
        _rifiuta(
            "livello", _("Il livello di sicurezza dell'accesso non è sufficiente: serve SPID di livello 2.")
        )
    if not cache.add(f"saml:asserzione:{risposta.assertion.id}", 1, timeout=24 * 3600):
        _rifiuta("asserzione_riusata")
    successivo = aperte.get(risposta.in_response_to, {}).get("next", "")
    identita = _identita(tipo, risposta.get_identity())
    sessione = {
        "tipo": tipo,
        "idp": risposta.issuer(),
        "name_id": str(risposta.name_id),
        "session_index": next((a.session_index for a in risposta.assertion.authn_statement), None),
    }
    return identita, sessione, successivo


def _consuma(request, aperte):
    rimaste = {k: v for k, v in request.session.get("saml_richieste", {}).items() if k not in aperte}
    request.session["saml_richieste"] = rimaste


def _identita(tipo: str, ava: dict) -> Identita:
    def primo(nome):
        valori = ava.get(nome) or []
        return str(valori[0]).strip() if valori else ""

    fiscal, nome, cognome = (primo(a) for a in ATTRIBUTI)
    if not fiscal:
        _rifiuta("fiscalNumber_mancante", _("Il gestore di identità non ha comunicato il codice fiscale."))
    if not fiscal.upper().startswith(PREFISSO_CF):
        _rifiuta("fiscalNumber_formato", _("Il codice fiscale comunicato non è un codice fiscale italiano."))
    cf = normalize_codice_fiscale(fiscal[len(PREFISSO_CF) :])
    try:
        validate_codice_fiscale(cf)
    except ValidationError:
        _rifiuta("fiscalNumber_invalido", _("Il codice fiscale comunicato non è valido."))
    return Identita(codice_fiscale=cf, nome=nome, cognome=cognome, provider=tipo)


def richiesta_logout(tipo: str, sessione: dict) -> str | None:
    """The URL of a signed LogoutRequest to the IdP that logged this person in (HTTP-Redirect), or None
    when that IdP offers no single logout."""
    sp = client(tipo)
    try:
        slo = sp.metadata.single_logout_service(sessione["idp"], BINDING_HTTP_REDIRECT, "idpsso")
        destinazione = slo[0]["location"]
    except (IndexError, KeyError, TypeError):
        return None
    _req_id, richiesta = sp.create_logout_request(
        destinazione,
        sessione["idp"],
        name_id=name_id_from_string(sessione["name_id"]),
        session_indexes=[sessione["session_index"]] if sessione.get("session_index") else None,
    )
    info = sp.apply_binding(
        BINDING_HTTP_REDIRECT, str(richiesta), destinazione, sign=True, sigalg=SIG_RSA_SHA256
    )
    return dict(info["headers"])["Location"]


class SamlProvider(IdentityProvider):
    """SPID or CIE behind the identity adapter: enabled when its variables are set."""

    def __init__(self, tipo: str):
        self.name = tipo

    def is_enabled(self) -> bool:
        return configurato(self.name)


def risposta_logout(
    tipo: str, saml_request: str, binding: str, relay_state="", sigalg=None, signature=None
) -> dict:
    """Answer an IdP's LogoutRequest (logout started at the IdP or at another SP) with a signed success
    LogoutResponse, as pysaml2's http info. pysaml2 checks a signature that is there but does not demand
    one on an SP: an unsigned request is refused here, or anyone could log a person out by a link."""
    sp = client(tipo)
    if binding == BINDING_HTTP_REDIRECT and not signature:
        raise AccessoRifiutato(_("Richiesta di uscita non valida."), "slo_non_firmata")
    richiesta = sp.parse_logout_request(
        saml_request, binding, relay_state, sigalg=sigalg, signature=signature
    )
    if richiesta is None or (binding == BINDING_HTTP_POST and richiesta.message.signature is None):
        raise AccessoRifiutato(_("Richiesta di uscita non valida."), "slo_non_firmata")
    risposta = sp.create_logout_response(
        richiesta.message, bindings=[BINDING_HTTP_REDIRECT], sign=False, sign_alg=SIG_RSA_SHA256
    )
    destinazione = sp.response_args(richiesta.message, [BINDING_HTTP_REDIRECT])["destination"]
    return sp.apply_binding(
        BINDING_HTTP_REDIRECT,
        risposta,
        destinazione,
        relay_state,
        response=True,
        sign=True,
        sigalg=SIG_RSA_SHA256,
    )
