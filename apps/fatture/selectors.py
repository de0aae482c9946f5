"""Reads of the professional's fatture: what can be invoiced, the list and its filters, a fattura's sedute."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from apps.sedute.models import Seduta
from apps.sedute.selectors import nominativi

from .models import Fattura, SedutaFatturata


@dataclass
class PazienteDaFatturare:
    """One patient's (one code's) confirmed sedute not yet invoiced: what one fattura may cover."""

    codice_id: int
    codice_fiscale: str
    nominativo: str
    sedute: list[Seduta] = field(default_factory=list)

    @property
    def totale(self) -> Decimal:
        return sum((s.importo for s in self.sedute), Decimal("0"))


def sedute_da_fatturare(professionista) -> list[PazienteDaFatturare]:
    """The professional's confirmed, not yet invoiced sedute grouped by patient (by code), patients by
    name, each one's sedute by date. Two queries whatever the number of sedute."""
    righe = (
        Seduta.objects.filter(professionista=professionista, stato=Seduta.Stato.CONFERMATA)
        .select_related("codice__domanda", "studio")
        .order_by("inizio", "pk")
    )
    gruppi: dict[int, PazienteDaFatturare] = {}
    for seduta in righe:
        cf = seduta.codice.domanda.cf_beneficiario
        gruppo = gruppi.setdefault(seduta.codice_id, PazienteDaFatturare(seduta.codice_id, cf, cf))
        gruppo.sedute.append(seduta)
    nomi = nominativi([g.codice_fiscale for g in gruppi.values()])
    for gruppo in gruppi.values():
        gruppo.nominativo = nomi[gruppo.codice_fiscale]
    return sorted(gruppi.values(), key=lambda g: (g.nominativo, g.codice_id))


def fatture_del_professionista(professionista):
    """Only the professional's own fatture: every page looks a fattura up in here (another's is a 404)."""
    return Fattura.objects.filter(professionista=professionista).select_related("codice__domanda")


def filtra_fatture(
    qs, *, stato: str = "", paziente: int | None = None, dal: dt.date | None = None, al: dt.date | None = None
):
    """By state, patient (code id) and the invoice's date, both ends included."""
    if stato:
        qs = qs.filter(stato=stato)
    if paziente:
        qs = qs.filter(codice_id=paziente)
    if dal:
        qs = qs.filter(data__gte=dal)
    if al:
        qs = qs.filter(data__lte=al)
    return qs


def pazienti_fatturati(professionista) -> list[tuple[int, str]]:
    """(code id, patient's name) of the professional's fatture, for the list's filter, sorted by name."""
    coppie = list(
        Fattura.objects.filter(professionista=professionista)
        .order_by()
        .values_list("codice_id", "codice__domanda__cf_beneficiario")
        .distinct()
    )
    nomi = nominativi([cf for _, cf in coppie])
    return sorted(((pk, nomi[cf]) for pk, cf in coppie), key=lambda coppia: coppia[1])


def righe_della_fattura(fattura: Fattura) -> list[SedutaFatturata]:
    """The sedute a fattura covers (a withdrawn one keeps them, inactive), by date."""
    return list(
        SedutaFatturata.objects.filter(fattura=fattura)
        .select_related("seduta__studio")
        .order_by("seduta__inizio", "seduta_id")
    )


def fattura_della_seduta(seduta: Seduta) -> Fattura | None:
    """The fattura a seduta is on now (None while it is not invoiced, or after a withdrawal)."""
    riga = SedutaFatturata.objects.filter(seduta=seduta, attiva=True).select_related("fattura").first()
    return riga.fattura if riga else None
