"""The archive of verified legal representations: `import_rappresentanze FILE.csv`.

Header `cf_richiedente,cf_beneficiario,tipo,provvedimento,valida_dal,valida_al`. All or nothing: the file
is read and validated first; if any line is bad nothing changes and `ImportazioneRappresentanzeError`
lists every "riga N: motivo" (N = line number in the file, the header is line 1). A file with no lines
is refused too (it is surely not the file meant).

Formats of a line:
- `tipo`: genitore|affidatario|tutore|curatore|amministratore_sostegno;
- `provvedimento`: "NUMERO del AAAA-MM-GG", the giudice tutelare's decree (e.g. "123/2024 del 2024-05-10"),
  stored as number and date; required for tutore, curatore and amministratore_sostegno, optional for the
  others; its date may not follow `valida_dal` (a link is not valid before its decree);
- `valida_dal` ISO date, `valida_al` ISO date ≥ valida_dal or empty (no end).

An upsert on (cf_richiedente, cf_beneficiario, tipo, valida_dal): a line already in the archive updates
its provvedimento and valida_al (so a link is ended by sending it again with valida_al), a new one is
added, and nothing absent from the file is touched or deleted: the file is a batch of changes, not the
whole archive. Sending the same file twice changes nothing the second time. Whether a genitore's or
affidatario's beneficiary is a minor is checked at each submission (the link stays, the child grows up).
"""

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.core.csvfile import leggi_csv
from apps.core.services import audit
from apps.core.validators import CodiceFiscaleChecker

from .models import RappresentanzaLegale

INTESTAZIONE = ["cf_richiedente", "cf_beneficiario", "tipo", "provvedimento", "valida_dal", "valida_al"]
TIPI = frozenset(RappresentanzaLegale.Tipo.values)
PROVVEDIMENTO_RE = re.compile(r"(?P<numero>[A-Za-z0-9][A-Za-z0-9/._\-]{0,39})\s+del\s+(?P<data>\S+)", re.I)
CAMPI_AGGIORNATI = ["provvedimento_numero", "provvedimento_data", "valida_al"]
BATCH = 2000


class ImportazioneRappresentanzeError(Exception):
    """The file is refused; `errori` holds one "riga N: motivo" per bad line, in file order."""

    def __init__(self, errori: list[str]):
        quante = ngettext(
            "%(n)s riga non valida: nessuna rappresentanza importata.",
            "%(n)s righe non valide: nessuna rappresentanza importata.",
            len(errori),
        ) % {"n": len(errori)}
        super().__init__(quante)
        self.errori = errori


@dataclass(frozen=True)
class Risultato:
    righe: int
    nuove: int
    aggiornate: int
    invariate: int

    def __str__(self):
        return _(
            "Rappresentanze importate: %(righe)s righe, %(nuove)s nuove, %(aggiornate)s aggiornate, "
            "%(invariate)s invariate."
        ) % {
            "righe": self.righe,
            "nuove": self.nuove,
            "aggiornate": self.aggiornate,
            "invariate": self.invariate,
        }


@dataclass(frozen=True)
class Riga:
    riga: int
    cf_richiedente: str
    cf_beneficiario: str
    tipo: str
    provvedimento_numero: str
    provvedimento_data: dt.date | None
    valida_dal: dt.date
    valida_al: dt.date | None

    @property
    def chiave(self) -> tuple:
        return (self.cf_richiedente, self.cf_beneficiario, self.tipo, self.valida_dal)


def _data(nome: str, value: str, motivi: list[str]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        motivi.append(
            _("%(campo)s %(valore)r non è una data ISO 8601 (AAAA-MM-GG)") % {"campo": nome, "valore": value}
        )
        return None


class _Validatore:
    def __init__(self):
        self.cf_valido = CodiceFiscaleChecker()
        self.visti: dict[tuple, int] = {}

    def _provvedimento(self, tipo: str, value: str, motivi: list[str]) -> tuple[str, dt.date | None]:
        if not value:
            if tipo in RappresentanzaLegale.TIPI_CON_PROVVEDIMENTO:
                motivi.append(
                    _("provvedimento del giudice tutelare mancante: obbligatorio per %(tipo)s")
                    % {"tipo": tipo}
                )
            return "", None
        match = PROVVEDIMENTO_RE.fullmatch(value)
        if match is None:
            motivi.append(
                _("provvedimento %(valore)r non valido (formato: NUMERO del AAAA-MM-GG)") % {"valore": value}
            )
            return "", None
        return match["numero"], _data(_("data del provvedimento"), match["data"], motivi)

    def __call__(self, numero: int, row: list[str]) -> tuple[Riga | None, list[str]]:
        if len(row) != len(INTESTAZIONE):
            return None, [
                _("attese %(attese)s colonne, trovate %(trovate)s")
                % {"attese": len(INTESTAZIONE), "trovate": len(row)}
            ]
        cfr, cfb, tipo, provv, dal, al = (v.strip() for v in row)
        cfr, cfb = cfr.upper().replace(" ", ""), cfb.upper().replace(" ", "")
        motivi: list[str] = []
        for nome, cf in (("cf_richiedente", cfr), ("cf_beneficiario", cfb)):
            if not self.cf_valido(cf):
                motivi.append(
                    _("%(campo)s non valido (16 caratteri con carattere di controllo corretto)")
                    % {"campo": nome}
                )
        if cfr and cfr == cfb:
            motivi.append(
                _("cf_richiedente uguale a cf_beneficiario (chi agisce per sé non è un rappresentante)")
            )
        if tipo not in TIPI:
            motivi.append(
                _("tipo %(valore)r non ammesso (valori: %(ammessi)s)")
                % {"valore": tipo, "ammessi": "|".join(RappresentanzaLegale.Tipo.values)}
            )
        numero_provv, data_provv = self._provvedimento(tipo, provv, motivi)
        valida_dal = _data("valida_dal", dal, motivi)
        valida_al = _data("valida_al", al, motivi) if al else None
        if valida_dal and valida_al and valida_al < valida_dal:
            motivi.append(_("valida_al precedente a valida_dal"))
        if valida_dal and data_provv and data_provv > valida_dal:
            motivi.append(_("la data del provvedimento è successiva a valida_dal"))
        if motivi:
            return None, motivi
        riga = Riga(numero, cfr, cfb, tipo, numero_provv, data_provv, valida_dal, valida_al)
        if riga.chiave in self.visti:
            return None, [
                _("stessa rappresentanza (richiedente, beneficiario, tipo, valida_dal) della riga %(riga)s")
                % {"riga": self.visti[riga.chiave]}
            ]
        self.visti[riga.chiave] = numero
        return riga, []


def leggi_file(file_or_path) -> tuple[list[Riga], list[str]]:
    """Every line validated: (good lines, "riga N: motivo" of the bad ones in file order)."""
    righe, errori, _letti = leggi_csv(file_or_path, INTESTAZIONE, _Validatore())
    if not errori and not righe:
        errori.append((1, _("il file non contiene rappresentanze")))
    motivi: dict[int, list[str]] = {}
    for n, motivo in sorted(errori, key=lambda e: e[0]):
        motivi.setdefault(n, []).append(motivo)
    voce = _("riga %(riga)s: %(motivo)s")
    return righe, [voce % {"riga": n, "motivo": "; ".join(m)} for n, m in motivi.items()]


def _esistenti(righe: list[Riga]) -> dict[tuple, RappresentanzaLegale]:
    """The archive's rows with the file's keys, read per batch of applicants (never one query per line)."""
    richiedenti = sorted({r.cf_richiedente for r in righe})
    chiavi = {r.chiave for r in righe}
    trovate = {}
    for i in range(0, len(richiedenti), BATCH):
        for link in RappresentanzaLegale.objects.filter(cf_richiedente__in=richiedenti[i : i + BATCH]):
            chiave = (link.cf_richiedente, link.cf_beneficiario, link.tipo, link.valida_dal)
            if chiave in chiavi:
                trovate[chiave] = link
    return trovate


def _applica(righe: list[Riga]) -> Risultato:
    esistenti = _esistenti(righe)
    da_scrivere, nuove, aggiornate = [], 0, 0
    for r in righe:
        valori = {
            "provvedimento_numero": r.provvedimento_numero,
            "provvedimento_data": r.provvedimento_data,
            "valida_al": r.valida_al,
        }
        attuale = esistenti.get(r.chiave)
        if attuale is not None and all(getattr(attuale, k) == v for k, v in valori.items()):
            continue
        nuove += attuale is None
        aggiornate += attuale is not None
        da_scrivere.append(
            RappresentanzaLegale(
                cf_richiedente=r.cf_richiedente, cf_beneficiario=r.cf_beneficiario, tipo=r.tipo,
                valida_dal=r.valida_dal, **valori,
            )
        )  # fmt: skip
    # INSERT … ON CONFLICT DO UPDATE: a concurrent import of the same new link updates it instead of
    # failing on the unique constraint, so two imports at once both succeed and leave one row.
    RappresentanzaLegale.objects.bulk_create(
        da_scrivere,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["cf_richiedente", "cf_beneficiario", "tipo", "valida_dal"],
        update_fields=[*CAMPI_AGGIORNATI, "aggiornata_il"],
    )
    return Risultato(len(righe), nuove, aggiornate, len(righe) - nuove - aggiornate)


def importa_rappresentanze(file_or_path, nome_file: str = "", operatore=None) -> Risultato:
    """Apply the file to the archive, or change nothing and raise ImportazioneRappresentanzeError."""
    nome_file = Path(str(nome_file or getattr(file_or_path, "name", file_or_path))).name
    righe, errori = leggi_file(file_or_path)
    if errori:
        audit(operatore, "rappresentanze.importazione_rifiutata", file=nome_file, errori=len(errori))
        raise ImportazioneRappresentanzeError(errori)
    with transaction.atomic():
        risultato = _applica(righe)
        audit(
            operatore, "rappresentanze.importate", file=nome_file, righe=risultato.righe,
            nuove=risultato.nuove, aggiornate=risultato.aggiornate,
        )  # fmt: skip
    return risultato
