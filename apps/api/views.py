"""The API for practice software (/api/v1/): a portal like the pages, no rules of its own. Each endpoint
calls the service the professional's pages call, with the same object-level access (only the token
owner's sedute, fatture, studi and rimborsi: anything else is 404, as on the pages).

Decisions where issue 11 is silent:
- The verification gives a signed token (30 minutes, bound to the professional and the code) instead of the
  web session's memory; booking requires it, so a booking is never made on an unverified pairing.
- `Idempotency-Key` is required to book and to register a fattura: the key, scoped to the professional, maps
  to the services' one-time submission key, so a retried call returns the seduta/fattura already written
  (200) instead of writing it twice (201 the first time).
- Errors are problem+json in Italian whatever the caller's Accept-Language: the practice software shows them
  to an Italian professional, and one language keeps client code simple.
"""

import json
import uuid

from django.core import signing
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.exceptions import DomainError
from apps.core.net import client_ip
from apps.core.services import audit
from apps.fatture import services as fatture
from apps.fatture.models import Fattura
from apps.fatture.selectors import fatture_del_professionista
from apps.professionisti.models import TokenApi
from apps.professionisti.selectors import studio_di
from apps.rimborsi.models import Rimborso
from apps.sedute import services as sedute
from apps.sedute.selectors import filtra_sedute, sedute_del_professionista

from . import serializers as s
from .errori import TIPO_PROBLEMA, corpo_problema

DURATA_VERIFICA = 30 * 60
SALE_VERIFICA = "api.verifica"
SPAZIO_CHIAVI = uuid.UUID("6f1d2d0c-4a0e-4c36-9d3c-7d6c3b0e5a11")

CHIAVE = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=True,
    description=_("Una chiave unica per operazione (per esempio un UUID): ripetere la chiamata con la stessa "
                  "chiave restituisce quanto già registrato, senza registrarlo due volte."),
)  # fmt: skip


class BaseApi:
    """Italian messages, the token's professional at hand, every call on the audit trail."""

    def dispatch(self, request, *args, **kwargs):
        # override, not activate: the thread goes back to its language when the call ends.
        with translation.override("it"):
            request.LANGUAGE_CODE = "it"
            return super().dispatch(request, *args, **kwargs)

    @property
    def professionista(self):
        return self.request.auth.professionista

    def finalize_response(self, request, response, *args, **kwargs):
        token = request.auth if isinstance(getattr(request, "auth", None), TokenApi) else None
        audit(
            request.user if token else None,
            "api.chiamata",
            token,
            metodo=request.method,
            percorso=request.path,
            stato=response.status_code,
        )
        return super().finalize_response(request, response, *args, **kwargs)


def _chiave(request, professionista) -> uuid.UUID:
    valore = request.headers.get("Idempotency-Key", "").strip()
    if not valore or len(valore) > 200:
        raise ValidationError(
            {"Idempotency-Key": _("Indica l'intestazione Idempotency-Key: una chiave unica per operazione.")}
        )
    return uuid.uuid5(SPAZIO_CHIAVI, f"{professionista.pk}:{valore}")


def _valida(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _sedute(professionista):
    return sedute_del_professionista(professionista).select_related("codice__domanda")


def _fatture(professionista):
    return fatture_del_professionista(professionista).prefetch_related("righe")


@csrf_exempt  # nothing is written; without it a POST would get the site's HTML CSRF page
def non_trovato(request, *args, **kwargs):
    """Any other path under /api/v1/: a problem+json 404 like the API's own, not the site's HTML page."""
    with translation.override("it"):
        corpo = corpo_problema(404, _("Risorsa non trovata."))
    return HttpResponse(json.dumps(corpo), status=404, content_type=TIPO_PROBLEMA)


# --- Verification and sedute ------------------------------------------------------------------------


class VerificaView(BaseApi, APIView):
    ambito = TokenApi.Ambito.SEDUTE

    @extend_schema(request=s.VerificaIn, responses={200: s.VerificaOut}, operation_id="verifica_associazione")
    def post(self, request):
        dati = _valida(s.VerificaIn, request.data)
        verifica = sedute.verifica_associazione(
            request.user, self.professionista, ip=client_ip(request), **dati
        )
        token = signing.dumps(
            {"c": verifica.codice_id, "cf": verifica.codice_fiscale, "p": self.professionista.pk},
            salt=SALE_VERIFICA,
        )
        scade = timezone.now() + timezone.timedelta(seconds=DURATA_VERIFICA)
        corpo = {**verifica.__dict__, "token_verifica": token, "scade_il": scade}
        return Response(s.VerificaOut(corpo).data)


def _verifica(token: str, professionista) -> dict:
    try:
        dati = signing.loads(token, salt=SALE_VERIFICA, max_age=DURATA_VERIFICA)
    except signing.BadSignature:
        dati = None
    if not isinstance(dati, dict) or dati.get("p") != professionista.pk:
        raise DomainError(
            _("Verifica scaduta o non valida: verifica di nuovo codice fiscale e codice univoco."),
            "token_verifica",
        )
    return dati


class SeduteView(BaseApi, generics.ListAPIView):
    ambito = TokenApi.Ambito.SEDUTE
    serializer_class = s.SedutaOut

    def get_queryset(self):
        filtro = _valida(s.FiltroSedute, self.request.query_params)
        return filtra_sedute(_sedute(self.professionista), **filtro).order_by("-inizio", "-pk")

    @extend_schema(parameters=[s.FiltroSedute])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.PrenotaIn, parameters=[CHIAVE], responses={200: s.SedutaOut, 201: s.SedutaOut},
        operation_id="prenota_seduta",
    )  # fmt: skip
    def post(self, request):
        dati = _valida(s.PrenotaIn, request.data)
        chiave = _chiave(request, self.professionista)
        verificata = _verifica(dati["token_verifica"], self.professionista)
        studio = studio_di(self.professionista, dati["studio"])
        if studio is None:
            raise DomainError(_("Scegli uno dei tuoi studi."), "studio")
        richiesta_il = timezone.now()
        seduta = sedute.prenota_seduta(
            request.user,
            self.professionista,
            codice_id=verificata["c"],
            codice_fiscale=verificata["cf"],
            studio=studio,
            inizio=dati["inizio"],
            durata_minuti=dati["durata_minuti"],
            importo=dati["importo"],
            chiave_invio=chiave,
        )
        # Booked by this call, or the one an earlier call with the same key booked (the service returns
        # it): told apart by when it was booked, without another query. The seduta comes back with its
        # code (and the code's domanda) already read by the service: nothing to read again.
        nuova = seduta.prenotata_il >= richiesta_il
        return Response(
            s.SedutaOut(seduta).data, status=status.HTTP_201_CREATED if nuova else status.HTTP_200_OK
        )


class SedutaView(BaseApi, APIView):
    ambito = TokenApi.Ambito.SEDUTE

    def _seduta(self, pk):
        return get_object_or_404(_sedute(self.professionista), pk=pk)

    @extend_schema(responses={200: s.SedutaOut}, operation_id="leggi_seduta")
    def get(self, request, pk: int):
        return Response(s.SedutaOut(self._seduta(pk)).data)

    @extend_schema(request=s.ModificaIn, responses={200: s.SedutaOut}, operation_id="modifica_seduta")
    def put(self, request, pk: int):
        seduta = self._seduta(pk)
        dati = _valida(s.ModificaIn, request.data)
        sedute.modifica_seduta(request.user, seduta, **dati)
        return Response(s.SedutaOut(self._seduta(pk)).data)


def _azione(servizio, operation_id):
    class Azione(BaseApi, APIView):
        ambito = TokenApi.Ambito.SEDUTE

        @extend_schema(request=None, responses={200: s.SedutaOut}, operation_id=operation_id)
        def post(self, request, pk: int):
            seduta = get_object_or_404(_sedute(self.professionista), pk=pk)
            servizio(request.user, seduta)
            return Response(s.SedutaOut(get_object_or_404(_sedute(self.professionista), pk=pk)).data)

    Azione.__name__ = f"Azione_{operation_id}"
    return Azione.as_view()


annulla = _azione(sedute.annulla_seduta, "annulla_seduta")
conferma = _azione(sedute.conferma_seduta, "conferma_seduta")


class StudiView(BaseApi, generics.ListAPIView):
    ambito = TokenApi.Ambito.SEDUTE
    serializer_class = s.StudioOut
    pagination_class = None

    def get_queryset(self):
        return self.professionista.studi.order_by("pk")


# --- Fatture and rimborsi ---------------------------------------------------------------------------


class FattureView(BaseApi, generics.ListAPIView):
    ambito = TokenApi.Ambito.FATTURE
    serializer_class = s.FatturaOut

    def get_queryset(self):
        return _fatture(self.professionista).order_by("-registrata_il", "-pk")

    @extend_schema(
        request=s.FatturaIn, parameters=[CHIAVE], responses={200: s.FatturaOut, 201: s.FatturaOut},
        operation_id="registra_fattura",
    )  # fmt: skip
    def post(self, request):
        dati = _valida(s.FatturaIn, request.data)
        chiave = _chiave(request, self.professionista)
        esisteva = Fattura.objects.filter(professionista=self.professionista, chiave_invio=chiave).exists()
        fattura = fatture.registra_fattura(request.user, self.professionista, chiave_invio=chiave, **dati)
        fattura = _fatture(self.professionista).get(pk=fattura.pk)
        return Response(
            s.FatturaOut(fattura).data, status=status.HTTP_200_OK if esisteva else status.HTTP_201_CREATED
        )


class FatturaView(BaseApi, APIView):
    ambito = TokenApi.Ambito.FATTURE

    @extend_schema(responses={200: s.FatturaOut}, operation_id="leggi_fattura")
    def get(self, request, pk: int):
        return Response(s.FatturaOut(get_object_or_404(_fatture(self.professionista), pk=pk)).data)


class RitiraFatturaView(BaseApi, APIView):
    ambito = TokenApi.Ambito.FATTURE

    @extend_schema(request=None, responses={200: s.FatturaOut}, operation_id="ritira_fattura")
    def post(self, request, pk: int):
        fatture.ritira_fattura(request.user, get_object_or_404(_fatture(self.professionista), pk=pk))
        return Response(s.FatturaOut(get_object_or_404(_fatture(self.professionista), pk=pk)).data)


class RimborsiView(BaseApi, generics.ListAPIView):
    ambito = TokenApi.Ambito.FATTURE
    serializer_class = s.RimborsoOut

    def get_queryset(self):
        return (
            Rimborso.objects.filter(professionista=self.professionista)
            .select_related("lotto")
            .order_by("-lotto__mese", "-pk")
        )
