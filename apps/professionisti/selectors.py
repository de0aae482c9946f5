import functools

from django.db import connection
from django.db.models import Prefetch, Q

from apps.core import righe
from apps.core.validators import normalize_codice_fiscale

from .models import CanaleAccredito, Professionista, Studio


def professionisti_aderenti():
    return Professionista.objects.filter(
        stato=Professionista.Stato.ADERENTE, in_lista=True, psicoterapeuta=True
    )


def cerca_professionisti(provincia: str = "", testo: str = ""):
    """The citizens' search: adhering professionals by province of a studio and/or by name."""
    qs = professionisti_aderenti()
    studi = Studio.objects.select_related("provincia")
    if provincia:
        qs = qs.filter(studi__provincia_id=provincia)
        studi = studi.filter(provincia_id=provincia)
    for parola in testo.split()[:4]:
        qs = qs.filter(Q(cognome__icontains=parola) | Q(nome__icontains=parola))
    return qs.distinct().order_by("cognome", "nome", "pk").prefetch_related(Prefetch("studi", queryset=studi))


def canali_di(professionista):
    return CanaleAccredito.objects.filter(professionista=professionista)


def canale_attuale(professionista) -> CanaleAccredito | None:
    return CanaleAccredito.objects.filter(professionista=professionista, attuale=True).first()


def professionista_di(utente) -> Professionista | None:
    """The CNOP record matching the logged-in user's codice fiscale, in any state (a revoked
    professional still confirms and invoices the sedute already booked)."""
    if not utente.is_authenticated:
        return None
    # Someone CNOP lists as not a psychotherapist is a professional here only for the sedute they
    # already booked (they can still confirm them); otherwise the profile is not theirs.
    return (
        Professionista.objects.filter(codice_fiscale=normalize_codice_fiscale(utente.codice_fiscale))
        .filter(Q(psicoterapeuta=True) | Q(sedute__isnull=False))  # the reverse relation of sedute.Seduta
        .distinct()
        .first()
    )


@functools.cache
def _sql_studio(vendor: str) -> str:
    q = connection.ops.quote_name
    return (
        f"SELECT {righe.colonne(Studio, 's')} FROM {righe.tabella(Studio)} s "
        f"WHERE s.{q('id')} = %s AND s.{q('professionista_id')} = %s"
    )


def studio_di(professionista, pk: int) -> Studio | None:
    """The professional's studio `pk`, None when there is none or it is someone else's. Plain SQL
    (apps.core.righe): the API reads it on every booking (bench/api.py)."""
    letti = righe.leggi((Studio,), _sql_studio(connection.vendor), [int(pk), professionista.pk])
    return None if letti is None else letti[0]
