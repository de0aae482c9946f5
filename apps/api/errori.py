"""Every API error is an RFC 9457 problem+json body with an Italian message, and for a field error the
field: {"type", "title", "status", "detail", "errori": [{"campo", "messaggio"}]}. A broken domain rule
(DomainError, e.g. an amount over the maximum) is 422; malformed input 400."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from apps.core.exceptions import DomainError

TIPO_PROBLEMA = "application/problem+json"


class ErroreCampoSerializer(serializers.Serializer):
    campo = serializers.CharField(allow_null=True)
    messaggio = serializers.CharField()


class ProblemaSerializer(serializers.Serializer):
    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errori = ErroreCampoSerializer(many=True)


def _titoli():
    return {
        400: _("Richiesta non valida"),
        401: _("Autenticazione richiesta"),
        403: _("Operazione non permessa"),
        404: _("Risorsa non trovata"),
        405: _("Metodo non permesso"),
        406: _("Formato non disponibile"),
        415: _("Formato della richiesta non supportato"),
        422: _("Regola non rispettata"),
        429: _("Troppe richieste"),
    }


def _appiattisci(dettaglio, campo=None) -> list[dict]:
    if isinstance(dettaglio, dict):
        righe = []
        for chiave, valore in dettaglio.items():
            nome = (
                None
                if chiave in ("non_field_errors", "detail")
                else (f"{campo}.{chiave}" if campo else chiave)
            )
            righe += _appiattisci(valore, nome)
        return righe
    if isinstance(dettaglio, list):
        righe = []
        for indice, valore in enumerate(dettaglio):
            nome = f"{campo}[{indice}]" if campo and isinstance(valore, dict | list) else campo
            righe += _appiattisci(valore, nome)
        return righe
    return [{"campo": campo, "messaggio": str(dettaglio)}]


def corpo_problema(stato: int, dettaglio: str, errori: list[dict] | None = None) -> dict:
    return {
        "type": "about:blank",
        "title": str(_titoli().get(stato, _("Errore"))),
        "status": stato,
        "detail": str(dettaglio),
        "errori": errori or [],
    }


def problema(stato: int, dettaglio: str, errori: list[dict] | None = None, headers=None) -> Response:
    corpo = corpo_problema(stato, dettaglio, errori)
    return Response(corpo, status=stato, content_type=TIPO_PROBLEMA, headers=headers)


def gestore_eccezioni(exc, context):
    if isinstance(exc, DomainError):
        errori = getattr(exc, "errori", None) or [exc]
        righe = [{"campo": e.field, "messaggio": str(e.message)} for e in errori]
        return problema(status.HTTP_422_UNPROCESSABLE_ENTITY, righe[0]["messaggio"], righe)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Risorsa non trovata."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: Django's 500, logged and reported
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        righe = _appiattisci(exc.detail)
        return problema(
            exc.status_code, righe[0]["messaggio"] if righe else _("Dati non validi."), righe, headers
        )
    return problema(exc.status_code, str(exc.detail), [], headers)
