"""Test-only URLconf: the portal's URLs, /saml/… (which bonuspsi/urls.py routes only when configured) and
a tiny SAML IdP for browser tests. It lives under tests/, so no production setting can ever route it."""

from django.http import HttpResponse
from django.template import engines
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

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
def sso(request):
    """Answers the AuthnRequest with a signed response for IDP_ATTIVO["identita"], auto-posted to the ACS."""
    server = IDP_ATTIVO["server"]
    richiesta = request.GET["SAMLRequest"]
    acs = server.parse_authn_request(richiesta).message.assertion_consumer_service_url
    risposta = saml_idp.risposta(server, richiesta, **IDP_ATTIVO.get("opzioni", {}))
    return HttpResponse(_PAGINA.render({"acs": acs, "risposta": risposta}, request))


urlpatterns = [
    path("saml/", include("apps.accounts.saml_urls")),
    path("saml-idp-di-prova/sso/", sso),
    *portale,
]
