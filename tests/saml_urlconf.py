"""Test-only URLconf: the portal's URLs, /saml/… (which bonuspsi/urls.py routes only when configured) and
a tiny SAML IdP for browser tests. It lives under tests/, so no production setting can ever route it."""

from csp.decorators import csp_update
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template import engines
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from saml2 import BINDING_HTTP_REDIRECT

from bonuspsi.urls import urlpatterns as portale

from . import saml_idp

# The IdP the browser test talks to: its fixture puts a MondoSaml and a Server here.
IDP_ATTIVO: dict = {}

_PAGINA = engines["django"].from_string(
    """{% load static %}<!doctype html><html lang="it"><head><meta charset="utf-8">
<title>IdP di prova</title></head><body><main><h1>IdP di prova</h1>
<form method="post" action="{{ acs }}" data-invio-automatico>
<input type="hidden" name="SAMLResponse" value="{{ risposta }}">
<input type="hidden" name="RelayState" value=""><button type="submit">Invia</button></form>
<script src="{% static 'js/saml.js' %}"></script></main></body></html>"""
)


@csrf_exempt
@csp_update({"form-action": ["'self'", "http://localhost:*"]})  # a real IdP posts to the SP's site
def sso(request):
    """Answers the AuthnRequest with a signed response for IDP_ATTIVO["identita"], auto-posted to the ACS."""
    server = IDP_ATTIVO["server"]
    richiesta = request.GET["SAMLRequest"]
    acs = server.parse_authn_request(richiesta).message.assertion_consumer_service_url
    risposta = saml_idp.risposta(server, richiesta, **IDP_ATTIVO.get("opzioni", {}))
    return HttpResponse(_PAGINA.render({"acs": acs, "risposta": risposta}, request))


def slo(request):
    """Answers our LogoutRequest with a LogoutResponse, back to our SLO endpoint."""
    server = IDP_ATTIVO["server"]
    dati = request.GET
    richiesta = server.parse_logout_request(
        dati["SAMLRequest"], BINDING_HTTP_REDIRECT, sigalg=dati.get("SigAlg"), signature=dati.get("Signature")
    ).message
    IDP_ATTIVO.setdefault("logout", []).append(richiesta.name_id.text)
    risposta = server.create_logout_response(richiesta, [BINDING_HTTP_REDIRECT], sign=False)
    destinazione = server.response_args(richiesta, [BINDING_HTTP_REDIRECT])["destination"]
    info = server.apply_binding(BINDING_HTTP_REDIRECT, risposta, destinazione, response=True, sign=True)
    return redirect(dict(info["headers"])["Location"])


urlpatterns = [
    path("saml/", include("apps.accounts.saml_urls")),
    path("saml-idp-di-prova/sso/", sso),
    path("saml-idp-di-prova/slo/", slo),
    *portale,
]
