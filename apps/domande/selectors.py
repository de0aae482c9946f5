"""Reads of the domande app."""

import datetime as dt

from django.db.models import Exists, F, Q

from apps.core.validators import normalize_codice_fiscale

from .models import AttestazioneIsee, Bando, Domanda, RappresentanzaLegale


def cerca_isee(cf: str, data: dt.date) -> AttestazioneIsee | None:
    """The latest ISEE attestation of `cf` that is valid on `data` (None when there is none)."""
    return (
        AttestazioneIsee.objects.filter(
            codice_fiscale=normalize_codice_fiscale(cf), rilasciata_il__lte=data, valida_fino_al__gte=data
        )
        .order_by("-rilasciata_il", "-pk")
        .first()
    )


def controlli_domanda(bando: Bando, regione_id: str, cf: str, data: dt.date):
    """What the submission checks read, in one query when there is an attestation (nearly always):
    (the ISEE attestation of `cf` valid on `data` or None, whether `regione_id` is excluded from `bando`,
    whether a domanda for `cf` is already in `bando`). Without an attestation, two more small queries."""
    esclusi = Bando.territori_esclusi.through.objects.filter(bando_id=bando.pk, regione_id=regione_id)
    presentata = Domanda.objects.filter(bando_id=bando.pk, cf_beneficiario=cf)
    attestazione = (
        AttestazioneIsee.objects.filter(codice_fiscale=cf, rilasciata_il__lte=data, valida_fino_al__gte=data)
        .order_by("-rilasciata_il", "-pk")
        .annotate(escluso=Exists(esclusi), presentata=Exists(presentata))
        .first()
    )
    if attestazione is not None:
        return attestazione, attestazione.escluso, attestazione.presentata
    return None, esclusi.exists(), presentata.exists()


def cerca_rappresentanza(cf_richiedente: str, cf_beneficiario: str, tipo: str, data: dt.date):
    """The verified link of type `tipo` from `cf_richiedente` to `cf_beneficiario` valid on `data`
    (None when there is none). Whether the beneficiary's age allows the tipo is the service's rule."""
    return (
        RappresentanzaLegale.objects.filter(
            cf_richiedente=normalize_codice_fiscale(cf_richiedente),
            cf_beneficiario=normalize_codice_fiscale(cf_beneficiario),
            tipo=tipo,
            valida_dal__lte=data,
        )
        .filter(Q(valida_al__isnull=True) | Q(valida_al__gte=data))
        .order_by("-valida_dal", "-pk")
        .first()
    )


def bandi_aperti(adesso: dt.datetime):
    """Bandi whose window contains `adesso` (Europe/Rome days, see Bando.in_finestra)."""
    from zoneinfo import ZoneInfo

    oggi = adesso.astimezone(ZoneInfo("Europe/Rome")).date()
    return Bando.objects.filter(
        apertura__lte=oggi, chiusura__gte=oggi, graduatoria_pubblicata_il__isnull=True
    ).order_by("-anno")


def per_cittadino(cf: str, prefisso: str = ""):
    """The Q of the domande filed by or for `cf`. The second branch repeats the condition of the
    partial index on cf_richiedente, so that PostgreSQL can use it."""
    return Q(**{f"{prefisso}cf_beneficiario": cf}) | (
        Q(**{f"{prefisso}cf_richiedente": cf})
        & ~Q(**{f"{prefisso}cf_richiedente": F(f"{prefisso}cf_beneficiario")})
    )


def domande_del_cittadino(user):
    """Domande the user submitted, or of which the user is the beneficiary."""

    return (
        Domanda.objects.filter(per_cittadino(user.codice_fiscale))
        .select_related("bando", "regione", "provincia")
        .order_by("-presentata_il", "-pk")
    )
