"""CSV export of a bando's graduatorie (`export_graduatoria`), streamed row by row."""

import csv
from typing import TextIO

from django.db.models import F
from django.utils import timezone

from apps.core.services import audit
from apps.domande.models import Bando

from .models import Posizione

INTESTAZIONE = [
    "regione", "posizione", "protocollo", "cf_beneficiario", "isee", "presentata_il", "esito",
    "importo_assegnato",
]  # fmt: skip


def scrivi_graduatoria(bando: Bando, out: TextIO, regione: str | None = None, attore=None) -> int:
    """Write the CSV to `out`: by region, then position; unranked rows (posizione empty) last, by protocollo.

    The queryset is streamed with .iterator(), so memory stays bounded whatever the number of domande.
    """
    posizioni = Posizione.objects.filter(graduatoria__bando=bando)
    if regione:
        posizioni = posizioni.filter(graduatoria__regione_id=regione)
    righe = posizioni.order_by(
        "graduatoria__regione_id", F("posizione").asc(nulls_last=True), "domanda__protocollo"
    ).values_list(
        "graduatoria__regione_id", "posizione", "domanda__protocollo", "domanda__cf_beneficiario",
        "domanda__isee", "domanda__presentata_il", "esito", "importo_assegnato",
    )  # fmt: skip
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(INTESTAZIONE)
    n = 0
    for reg, pos, protocollo, cf, isee, presentata_il, esito, importo in righe.iterator(chunk_size=5000):
        writer.writerow([
            reg, "" if pos is None else pos, protocollo, cf, f"{isee:.2f}",
            timezone.localtime(presentata_il).isoformat(), esito, f"{importo:.2f}",
        ])  # fmt: skip
        n += 1
    # The file holds codici fiscali: an operator's view of citizens' data is audited.
    audit(attore, "graduatoria.esportata", bando, regione=regione or "tutte", righe=n)
    return n
