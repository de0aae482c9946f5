"""Reads: a region's funds, and what the professional sees of a fattura's or seduta's payment."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from apps.core.models import Regione
from apps.core.money import MONEY
from apps.fatture.models import Fattura, SedutaFatturata

from .models import FatturaSospesa, Rimborso, TrasferimentoRisorse, VoceRimborso

ZERO = Value(Decimal("0"), output_field=DecimalField(**MONEY))


def fondi_disponibili(bando_id: int, regione_id: str) -> Decimal:
    """Transferred − paid − committed in batches not yet paid (every active voce)."""
    trasferito = TrasferimentoRisorse.objects.filter(bando_id=bando_id, regione_id=regione_id).aggregate(
        s=Coalesce(Sum("importo"), ZERO)
    )["s"]
    impegnato = VoceRimborso.objects.filter(bando_id=bando_id, regione_id=regione_id, attiva=True).aggregate(
        s=Coalesce(Sum("importo"), ZERO)
    )["s"]
    return trasferito - impegnato


def _somma(model, **filtri):
    return Coalesce(
        Subquery(
            model.objects.filter(**filtri)
            .order_by()
            .values("bando_id")
            .annotate(s=Sum("importo"))
            .values("s")[:1]
        ),
        ZERO,
    )


def fondi_per_regione(bando) -> list[dict]:
    """Per region of the bando: transferred, paid, committed (open batches) and available."""
    righe = Regione.objects.order_by("codice").annotate(
        trasferito=_somma(TrasferimentoRisorse, bando_id=bando.pk, regione_id=OuterRef("pk")),
        pagato=_somma(
            VoceRimborso,
            bando_id=bando.pk,
            regione_id=OuterRef("pk"),
            attiva=True,
            rimborso__stato=Rimborso.Stato.PAGATO,
        ),
        impegnato=_somma(
            VoceRimborso,
            bando_id=bando.pk,
            regione_id=OuterRef("pk"),
            attiva=True,
            rimborso__stato=Rimborso.Stato.IN_PAGAMENTO,
        ),
    )
    return [
        {
            "regione": r,
            "trasferito": r.trasferito,
            "pagato": r.pagato,
            "impegnato": r.impegnato,
            "disponibile": r.trasferito - r.pagato - r.impegnato,
        }
        for r in righe
    ]


@dataclass(frozen=True)
class Pagamento:
    """The real service's "dettaglio rimborso": what the professional reads of a fattura's payment."""

    stato: str  # Fattura.Stato value
    stato_etichetta: str
    mese_lotto: dt.date | None = None  # the batch that pays (or suspended) it
    pagato_il: dt.date | None = None
    iban_mascherato: str = ""
    numero_rimborso: str = ""
    motivo_rifiuto: str = ""  # the bank's reason code of the last rejected transfer, if any


def pagamento_fattura(fattura: Fattura) -> Pagamento:
    voce = (
        VoceRimborso.objects.filter(fattura=fattura)
        .select_related("rimborso__lotto")
        .order_by("-attiva", "-rimborso__lotto__mese", "-pk")
        .first()
    )
    base = {"stato": fattura.stato, "stato_etichetta": fattura.get_stato_display()}
    if fattura.stato == Fattura.Stato.SOSPESA:
        sospesa = (
            FatturaSospesa.objects.filter(fattura=fattura).select_related("lotto").order_by("-lotto__mese")
        )
        ultima = sospesa.first()
        return Pagamento(**base, mese_lotto=ultima.lotto.mese if ultima else None)
    if voce is None:
        return Pagamento(**base)
    rimborso = voce.rimborso
    if not voce.attiva:  # the last transfer was rejected; the fattura waits for the next batch
        return Pagamento(
            **base, motivo_rifiuto=rimborso.motivo_rifiuto, iban_mascherato=rimborso.iban_mascherato
        )
    return Pagamento(
        **base,
        mese_lotto=rimborso.lotto.mese,
        pagato_il=rimborso.pagato_il,
        iban_mascherato=rimborso.iban_mascherato,
        numero_rimborso=rimborso.numero,
    )


def pagamento_seduta(seduta) -> Pagamento | None:
    """The payment of the fattura the seduta is on (None while it is not invoiced)."""
    riga = SedutaFatturata.objects.filter(seduta=seduta, attiva=True).select_related("fattura").first()
    return pagamento_fattura(riga.fattura) if riga else None
