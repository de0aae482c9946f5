"""SPID and CIE pages: start, ACS, single logout, metadata (protocol in saml.py).

Every refusal a person can meet lands on the login page with an Italian message (never a 500) and is
audited; nothing is written before the response has passed every check.
"""

import logging

from django.contrib.auth import logout
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT

from apps.core.services import audit

from . import saml
from .identity import login_identita

logger = logging.getLogger(__name__)


def _configurato(tipo):
    if not saml.configurato(tipo):
        raise Http404


def _successivo_sicuro(request, url):
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return ""


def errore_accesso(request, tipo, messaggio, motivo, status=400):
    """The login page with the reason; the refusal in the audit trail (the reason, never the assertion)."""
    from .views import contesto_login

    audit(None, "accesso_rifiutato", provider=tipo, motivo=motivo)
    logger.info("accesso %s rifiutato: %s", tipo, motivo)
    return render(
        request, "accounts/login.html", {**contesto_login(request), "errore": messaggio}, status=status
    )


@require_GET
@never_cache
def accedi(request, tipo):
    """Send the browser to the chosen IdP with a signed AuthnRequest; with several IdPs, let them choose."""
    _configurato(tipo)
    successivo = _successivo_sicuro(request, request.GET.get("next", ""))
    idp = saml.idp_disponibili(tipo)
    scelto = request.GET.get("idp", "")
    if len(idp) == 1:
        scelto = idp[0][0]
    if scelto not in {entity_id for entity_id, _nome in idp}:
        return render(
            request,
            "accounts/saml_scelta_idp.html",
            {"tipo": tipo, "nome": saml.NOMI[tipo], "idp": idp, "next": successivo},
        )
    try:
        destinazione = saml.richiesta_autenticazione(request, tipo, scelto, successivo)
    except Exception as err:  # IdP metadata without a usable SSO endpoint, a key that does not load
        logger.exception("AuthnRequest %s non creata", tipo)
        return errore_accesso(
            request,
            tipo,
            _("L'accesso non è disponibile in questo momento: riprova più tardi."),
            f"richiesta:{type(err).__name__}",
            status=503,
        )
    return redirect(destinazione)


@csrf_exempt  # the IdP posts here from its own site; the response's signature and InResponseTo protect it
@require_POST
@never_cache
def acs(request, tipo):
    _configurato(tipo)
    risposta = request.POST.get("SAMLResponse", "")
    if not risposta:
        return errore_accesso(request, tipo, _("Nessuna risposta dal gestore di identità: riprova."), "vuota")
    if "saml_richieste" not in request.session and not request.POST.get("rimbalzo"):
        # The session cookie is SameSite=Lax, so the IdP's cross-site POST arrives without it. Post the same
        # response again from our own page: that same-site POST carries the cookie. Once only.
        return render(
            request,
            "accounts/saml_rimbalzo.html",
            {"azione": request.path, "risposta": risposta, "relay_state": request.POST.get("RelayState", "")},
        )
    try:
        identita, sessione, successivo = saml.verifica_risposta(request, tipo, risposta)
    except saml.AccessoRifiutato as rifiuto:
        return errore_accesso(request, tipo, rifiuto.messaggio, rifiuto.motivo)
    try:
        login_identita(request, identita)
    except PermissionError:
        return errore_accesso(request, tipo, _("Questo account è disattivato."), "utente_disattivato", 403)
    # After login(), which keeps the session's data but may flush it when another user was logged in.
    request.session["saml_sessione"] = sessione
    return redirect(_successivo_sicuro(request, successivo) or "cittadino:home")


@csrf_exempt  # LogoutRequest/LogoutResponse from the IdP, checked by their signatures
@require_http_methods(["GET", "POST"])
@never_cache
def slo(request, tipo):
    """The IdP's answer to our LogoutRequest, or its own LogoutRequest (logout started elsewhere)."""
    _configurato(tipo)
    dati = request.POST if request.method == "POST" else request.GET
    binding = BINDING_HTTP_POST if request.method == "POST" else BINDING_HTTP_REDIRECT
    sp = saml.client(tipo)
    if "SAMLResponse" in dati:
        # Our session already ended when the person pressed "Esci"; this only confirms the IdP's side.
        try:
            sp.parse_logout_request_response(dati["SAMLResponse"], binding)
        except Exception as err:
            audit(None, "logout_saml_non_valido", provider=tipo, motivo=type(err).__name__)
        logout(request)
        return redirect("home")
    if "SAMLRequest" in dati:
        try:
            info = saml.risposta_logout(
                tipo,
                dati["SAMLRequest"],
                binding,
                dati.get("RelayState", ""),
                sigalg=dati.get("SigAlg"),
                signature=dati.get("Signature"),
            )
        except Exception as err:
            motivo = err.motivo if isinstance(err, saml.AccessoRifiutato) else f"slo:{type(err).__name__}"
            return errore_accesso(request, tipo, _("Richiesta di uscita non valida."), motivo)
        logout(request)
        return redirect(dict(info["headers"])["Location"])
    raise Http404


@require_GET
def metadata(request, tipo):
    """Our signed SP metadata, at the stable URL registered with AgID / the Ministry."""
    _configurato(tipo)
    return HttpResponse(saml.metadata_firmati(tipo), content_type="application/samlmetadata+xml")
