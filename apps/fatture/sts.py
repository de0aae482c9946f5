"""The professional's export for the Sistema Tessera Sanitaria (issue 11 §4).

The professional transmits their own fatture to the STS for the citizens' pre-filled tax return; a
fattura paid partly by the bonus has two parts, and only the patient's is the patient's expense. This
CSV gives, per fattura of one year (its date's year), the patient's codice fiscale, the date, the number,
the total, the bonus share and the patient's share, for the professional's own transmission.

Format: the machine format of the CSV interfaces of DESIGN.md (comma, UTF-8 without BOM, one header
line, amounts with two decimals and a dot, dates ISO 8601): the file is read by practice software, not
by a person in a spreadsheet (unlike the monitoring tables). Columns, in order, as `INTESTAZIONE`:

    numero_fattura, data_fattura, cf_paziente, totale, quota_bonus, quota_paziente, stato

`quota_bonus + quota_paziente = totale` on every line. Withdrawn fatture (ritirate) are left out: the
registration was withdrawn, usually to register the same document again with corrected data, and
listing both would count the expense twice. `stato` is the payment state of the others
(da_pagare, sospesa, in_pagamento, rimborsata). The invoice number is written as registered, with no
spreadsheet-formula escaping: the file is for software, and an altered number would not match the invoice.
"""

import csv
from typing import TextIO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.exceptions import DomainError
from apps.core.services import audit

from .models import Fattura

# The columns in order, each with the meaning the export page shows (and README repeats).
COLONNE = [
    ("numero_fattura", gettext_lazy("il numero della fattura, come registrato")),
    (
        "data_fattura",
        gettext_lazy("la data della fattura (AAAA-MM-GG); l'anno scelto è quello di questa data"),
    ),
    ("cf_paziente", gettext_lazy("il codice fiscale del paziente (il beneficiario del bonus)")),
    ("totale", gettext_lazy("il totale della fattura")),
    ("quota_bonus", gettext_lazy("la parte pagata dal bonus (rimborsata da INPS)")),
    ("quota_paziente", gettext_lazy("la parte pagata dal paziente: totale meno quota bonus")),
    ("stato", gettext_lazy("lo stato del rimborso: da_pagare, sospesa, in_pagamento o rimborsata")),
]
INTESTAZIONE = [nome for nome, _descrizione in COLONNE]


def _fatture(professionista):
    return Fattura.objects.filter(professionista=professionista).exclude(stato=Fattura.Stato.RITIRATA)


def anni_sts(professionista) -> list[int]:
    """The years with at least one of the professional's own fatture not withdrawn, latest first."""
    return list(_fatture(professionista).order_by("-anno").values_list("anno", flat=True).distinct())


def scrivi_sts(utente, professionista, anno: int, out: TextIO) -> int:
    """Write the year's CSV to `out`; returns the number of fatture. A year without own fatture is a
    DomainError on the field `anno`. The file holds patients' codici fiscali: each export is audited."""
    if anno not in anni_sts(professionista):
        raise DomainError(_("Scegli un anno in cui hai registrato fatture."), "anno")
    righe = (
        _fatture(professionista)
        .filter(anno=anno)
        .order_by("data", "numero", "pk")
        .values_list("numero", "data", "codice__domanda__cf_beneficiario", "totale", "importo_bonus", "stato")
    )
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(INTESTAZIONE)
    n = 0
    for numero, data, cf, totale, bonus, stato in righe:
        writer.writerow(
            [numero, data.isoformat(), cf, f"{totale:.2f}", f"{bonus:.2f}", f"{totale - bonus:.2f}", stato]
        )
        n += 1
    audit(utente, "fatture.esportate_sts", professionista, anno=anno, righe=n)
    return n
