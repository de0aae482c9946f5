"""Reads of the domande app."""

import datetime as dt

from django.db import connection
from django.db.models import Exists, F, Q

from apps.core import righe
from apps.core.validators import normalize_codice_fiscale

from .models import AttestazioneIsee, Bando, Domanda, RappresentanzaLegale

# The submission's three requests read the bando and the ISEE on every request: on PostgreSQL in plain SQL
# (the ORM's query building cost ~1 ms a query, more than PostgreSQL's answer), the instances built by
# apps.core.righe as the ORM would build them; other databases (SQLite, `make run`) keep the ORM.


_ISEE_VALIDA = (
    "WHERE codice_fiscale = %s AND rilasciata_il <= %s AND valida_fino_al >= %s "
    "ORDER BY rilasciata_il DESC, id DESC LIMIT 1"
)


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def bando(pk: int) -> Bando | None:
    """The bando `pk` (None when there is none), one plain query."""
    if not _postgresql():
        return Bando.objects.filter(pk=pk).first()
    letti = righe.leggi(
        (Bando,), f"SELECT {righe.colonne(Bando)} FROM {righe.tabella(Bando)} WHERE id = %s", [int(pk)]
    )
    return None if letti is None else letti[0]


def cerca_isee(cf: str, data: dt.date) -> AttestazioneIsee | None:
    """The latest ISEE attestation of `cf` that is valid on `data` (None when there is none)."""
    if _postgresql():
        letti = righe.leggi(
            (AttestazioneIsee,),
            f"SELECT {righe.colonne(AttestazioneIsee)} FROM {righe.tabella(AttestazioneIsee)} {_ISEE_VALIDA}",
            [normalize_codice_fiscale(cf), data, data],
        )
        return None if letti is None else letti[0]
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
    if _postgresql():
        colonne = righe.colonne(AttestazioneIsee, "a")
        esclusi_t = Bando.territori_esclusi.through._meta.db_table
        isee_t = AttestazioneIsee._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {colonne}, e.escluso, p.presentata FROM (SELECT EXISTS (SELECT 1 FROM {esclusi_t} "
                "WHERE bando_id = %s AND regione_id = %s) AS escluso) e "
                f"CROSS JOIN (SELECT EXISTS (SELECT 1 FROM {Domanda._meta.db_table} "
                "WHERE bando_id = %s AND cf_beneficiario = %s) AS presentata) p "
                f"LEFT JOIN LATERAL (SELECT * FROM {isee_t} {_ISEE_VALIDA}) a ON true",
                [bando.pk, regione_id, bando.pk, cf, cf, data, data],
            )
            riga = cursor.fetchone()
        (attestazione,), (escluso, presentata) = righe.dividi((AttestazioneIsee,), riga)
        return attestazione, escluso, presentata
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
