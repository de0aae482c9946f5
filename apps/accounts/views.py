from django.contrib.auth import logout
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from apps.core.lingua import LINGUE

from . import saml
from .demo import DEMO_IDENTITIES
from .forms import DevLoginForm
from .identity import DevLoginProvider, login_identita, url_accesso


def _next_url(request):
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return reverse("cittadino:home")


def contesto_login(request) -> dict:
    successivo = request.GET.get("next", "")
    if successivo and not url_has_allowed_host_and_scheme(
        successivo, {request.get_host()}, request.is_secure()
    ):
        successivo = ""
    return {
        "dev_login": DevLoginProvider().is_enabled(),
        "next": successivo,
        "url_spid": url_accesso("spid"),
        "url_cie": url_accesso("cie"),
    }


def login_view(request):
    """Entry point: SPID/CIE buttons (when a provider is configured) and, in development only,
    the login simulator."""
    return render(request, "accounts/login.html", contesto_login(request))


@require_http_methods(["GET", "POST"])
def dev_login_view(request):
    provider = DevLoginProvider()
    if not provider.is_enabled():
        raise Http404
    form = DevLoginForm(request.POST or None)
    if request.method == "POST":
        demo_cf = request.POST.get("demo")
        if demo_cf:
            demo = next((d for d in DEMO_IDENTITIES if d.codice_fiscale == demo_cf), None)
            if demo is None:
                raise Http404
            user = login_identita(request, provider.identita(demo.codice_fiscale, demo.nome, demo.cognome))
            return redirect("admin:index" if user.is_staff and demo.operatore else _next_url(request))
        if form.is_valid():
            login_identita(
                request,
                provider.identita(
                    form.cleaned_data["codice_fiscale"],
                    form.cleaned_data["nome"],
                    form.cleaned_data["cognome"],
                ),
            )
            return redirect(_next_url(request))
    return render(
        request,
        "accounts/dev_login.html",
        {"form": form, "identities": DEMO_IDENTITIES, "next": request.GET.get("next", "")},
    )


@require_POST
def logout_view(request):
    """Ends our session; after a SPID/CIE login also the IdP's (single logout), through a page that moves on
    by itself: a redirect answering this form would be blocked by our CSP's form-action 'self'."""
    sessione = request.session.get("saml_sessione")
    logout(request)
    if sessione and saml.configurato(sessione["tipo"]):
        try:
            destinazione = saml.richiesta_logout(sessione["tipo"], sessione)
        except Exception:  # an IdP's SLO we cannot reach must not keep anyone logged in here
            destinazione = None
        if destinazione:
            return render(request, "accounts/saml_uscita.html", {"destinazione": destinazione})
    return redirect("home")


@require_POST
def imposta_lingua(request):
    """The header's language switcher: Django's set_language (cookie, safe `next`), and the choice saved on
    the logged-in user, so their notifications and PDFs follow it."""
    risposta = set_language(request)
    lingua = request.POST.get("language", "")
    if request.user.is_authenticated and lingua in LINGUE and request.user.lingua != lingua:
        request.user.lingua = lingua
        request.user.save(update_fields=["lingua"])
    return risposta
