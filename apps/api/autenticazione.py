"""Who calls the API: a professional's personal token (apps.professionisti.token_api), as
`Authorization: Bearer bp_…`. request.user is the professional's login, request.auth the TokenApi."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions, throttling
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from apps.professionisti.models import TokenApi
from apps.professionisti.token_api import autentica


class TokenApiAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        parti = get_authorization_header(request).split()
        if not parti or parti[0].lower() != self.keyword.lower().encode():
            return None
        if len(parti) != 2:
            raise exceptions.AuthenticationFailed(_("Intestazione Authorization non valida: Bearer <token>."))
        try:
            chiaro = parti[1].decode("ascii")
        except UnicodeDecodeError:
            chiaro = ""
        token = autentica(chiaro)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Token non valido, scaduto o revocato."))
        utente = token.professionista.utente  # read with the token, no query of its own
        if utente is None or not utente.is_active:
            raise exceptions.AuthenticationFailed(_("Token non valido, scaduto o revocato."))
        return utente, token

    def authenticate_header(self, request):
        return self.keyword


class AmbitoDelToken(permissions.BasePermission):
    """GET needs the `lettura` scope; a write needs the view's scope (`sedute` or `fatture`) and a
    professional still aderente in the latest CNOP list: a token stops writing when the adhesion ends."""

    message = _("Il token non ha l'ambito richiesto per questa operazione.")

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, TokenApi):
            return False
        if request.method in permissions.SAFE_METHODS:
            return TokenApi.Ambito.LETTURA in token.ambiti
        if getattr(view, "ambito", None) not in token.ambiti:
            return False
        if not token.professionista.puo_prenotare:
            self.message = _(
                "L'adesione all'iniziativa non risulta attiva nella lista CNOP: il token non può più "
                "modificare dati. Puoi ancora leggerli."
            )
            return False
        return True


class PerToken(throttling.SimpleRateThrottle):
    """Calls per token (or per IP for calls without a valid token): settings REST_FRAMEWORK rates."""

    scope = "token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, TokenApi):
            return f"api-throttle-token-{request.auth.pk}"
        return f"api-throttle-ip-{self.get_ident(request)}"
