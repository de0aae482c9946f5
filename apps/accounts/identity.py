"""Identity adapters: how a person proves who they are.

A provider turns an external assertion (SPID/CIE SAML or OIDC response, or the development
simulator's form) into a verified `Identita`; `login_identita` maps it to our User, creating it
on first access, and opens the session. A SPID/CIE provider plugs in by subclassing
`IdentityProvider` and adding its URLs; nothing else in the portal knows how login happened.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import login
from django.utils import translation

from apps.core.lingua import LINGUE
from apps.core.services import audit
from apps.core.validators import normalize_codice_fiscale, validate_codice_fiscale

from .models import User


@dataclass(frozen=True)
class Identita:
    codice_fiscale: str
    nome: str = ""
    cognome: str = ""
    email: str = ""
    provider: str = ""


class IdentityProvider:
    name = "base"

    def is_enabled(self) -> bool:  # pragma: no cover - interface
        raise NotImplementedError


# The login page's SPID and CIE buttons lead to the URL that starts each flow, set by the provider that
# plugs in (settings IDENTITA_URL_SPID / IDENTITA_URL_CIE: a path, an absolute URL or a URL name). While
# neither is set the buttons are shown disabled with a note that access is not configured here.
ACCESSI = {"spid": "IDENTITA_URL_SPID", "cie": "IDENTITA_URL_CIE"}


def url_accesso(tipo: str) -> str:
    """Where the "Entra con SPID"/"Entra con CIE" button leads, or "" if that access is not configured."""
    from django.urls import NoReverseMatch, reverse

    valore = getattr(settings, ACCESSI[tipo], "") or ""
    if not valore or "/" in valore:
        return valore
    try:
        return reverse(valore)
    except NoReverseMatch:
        return ""


class DevLoginProvider(IdentityProvider):
    """Development simulator: trusts what the form says.

    Enabled by DEV_LOGIN_ENABLED alone (the test runner forces DEBUG=False, and the browser tests
    need the simulator). DEV_LOGIN_ENABLED defaults to DEBUG; with DEBUG=False the settings refuse to
    load (ImproperlyConfigured, so gunicorn never starts with it) and its URL is not routed without it.
    """

    name = "dev"

    def is_enabled(self) -> bool:
        return bool(settings.DEV_LOGIN_ENABLED)

    def identita(self, codice_fiscale: str, nome: str = "", cognome: str = "") -> Identita:
        cf = normalize_codice_fiscale(codice_fiscale)
        validate_codice_fiscale(cf)
        return Identita(codice_fiscale=cf, nome=nome, cognome=cognome, provider=self.name)


def lingua_di_richiesta(request) -> str:
    lingua = getattr(request, "LANGUAGE_CODE", "") or translation.get_language() or ""
    return lingua if lingua in LINGUE else settings.LANGUAGE_CODE


def login_identita(request, identita: Identita) -> User:
    user, created = User.objects.get_or_create(
        codice_fiscale=identita.codice_fiscale,
        defaults={"nome": identita.nome, "cognome": identita.cognome, "email": identita.email},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    elif not user.is_active:
        raise PermissionError("utente disattivato")
    if not user.lingua:
        # Until they choose one, a person is written to in the language they logged in with.
        user.lingua = lingua_di_richiesta(request)
        user.save(update_fields=["lingua"])
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    audit(user, "login", user, provider=identita.provider)
    return user
