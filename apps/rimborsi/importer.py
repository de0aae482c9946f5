"""The Regions' transfers to INPS: `import_trasferimenti FILE.csv` (and the admin's upload page).

Header exactly `bando,regione,data,importo,riferimento`:
- `bando`: the annualità (e.g. 2025), of an existing bando;
- `regione`: the 3-digit Ministry of Health code (010 … 200);
- `data`: ISO date (AAAA-MM-GG), not in the future;
- `importo`: euro with a dot and two decimals (e.g. 125000.00), positive, at most 9999999999.99;
- `riferimento`: the transfer's reference (e.g. the bank's CRO), 1–60 characters.

All or nothing: the file is validated first; if any line is bad nothing changes and
ImportazioneTrasferimentiError lists every "riga N: motivo" (the header is line 1). Idempotent on
(bando, regione, riferimento): a line already imported with the same date and amount is skipped, the
same key with another date or amount is an error for that line (a transfer is never edited by a file).
A file with no lines, or not in UTF-8, is refused with one message.
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.core.csvfile import FileNonUtf8, leggi_csv, verifica_utf8
from apps.core.models import Regione
from apps.core.money import euro
from apps.core.services import audit
from apps.domande.models import Bando

from .models import TrasferimentoRisorse

INTESTAZIONE = ["bando", "regione", "data", "importo", "riferimento"]
IMPORTO_RE = re.compile(r"\d+\.\d{2}")
MASSIMO = Decimal("9999999999.99")  # DecimalField(max_digits=12, decimal_places=2)


class ImportazioneTrasferimentiError(Exception):
    """The file is refused; `errori` holds one "riga N: motivo" per bad line, in file order."""

    def __init__(self, errori: list[str], messaggio: str | None = None):
        super().__init__(
            messaggio
            or ngettext(
                "%(n)s riga non valida: nessun trasferimento importato.",
                "%(n)s righe non valide: nessun trasferimento importato.",
                len(errori),
            )
            % {"n": len(errori)}
        )
        self.errori = errori


@dataclass(frozen=True)
class Risultato:
    righe: int
    nuovi: int
    invariati: int

    def __str__(self):
        return _("Trasferimenti importati: %(righe)s righe, %(nuovi)s nuovi, %(invariati)s già presenti.") % {
            "righe": self.righe,
            "nuovi": self.nuovi,
            "invariati": self.invariati,
        }


@dataclass(frozen=True)
class Riga:
    riga: int
    bando_id: int
    regione_id: str
    data: dt.date
    importo: Decimal
    riferimento: str

    @property
    def chiave(self) -> tuple:
        return (self.bando_id, self.regione_id, self.riferimento)


class _Validatore:
    def __init__(self, oggi: dt.date):
        self.oggi = oggi
        self.bandi = dict(Bando.objects.values_list("anno", "pk"))
        self.regioni = set(Regione.objects.values_list("codice", flat=True))
        self.visti: dict[tuple, int] = {}

    def _bando(self, valore: str, motivi: list[str]) -> int | None:
        if not valore.isdigit() or int(valore) not in self.bandi:
            motivi.append(
                _("bando %(valore)r inesistente (indicare l'annualità, es. 2025)") % {"valore": valore}
            )
            return None
        return self.bandi[int(valore)]

    def _data(self, valore: str, motivi: list[str]) -> dt.date | None:
        try:
            data = dt.date.fromisoformat(valore)
        except ValueError:
            motivi.append(_("data %(valore)r non è una data ISO 8601 (AAAA-MM-GG)") % {"valore": valore})
            return None
        if len(valore) != 10:
            motivi.append(_("data %(valore)r non è una data ISO 8601 (AAAA-MM-GG)") % {"valore": valore})
            return None
        if data > self.oggi:
            motivi.append(
                _("data %(valore)s nel futuro: un trasferimento si registra quando è arrivato")
                % {"valore": valore}
            )
            return None
        return data

    def _importo(self, valore: str, motivi: list[str]) -> Decimal | None:
        if not IMPORTO_RE.fullmatch(valore):
            motivi.append(
                _("importo %(valore)r non valido: euro con il punto e due decimali, es. 125000.00")
                % {"valore": valore}
            )
            return None
        importo = Decimal(valore)
        if importo <= 0:
            motivi.append(_("importo %(valore)s non positivo") % {"valore": valore})
            return None
        if importo > MASSIMO:
            motivi.append(
                _("importo %(valore)s troppo grande: al massimo %(massimo)s")
                % {"valore": valore, "massimo": MASSIMO}
            )
            return None
        return importo

    def __call__(self, numero: int, row: list[str]) -> tuple[Riga | None, list[str]]:
        if len(row) != len(INTESTAZIONE):
            return None, [
                _("attese %(attese)s colonne, trovate %(trovate)s")
                % {"attese": len(INTESTAZIONE), "trovate": len(row)}
            ]
        anno, regione, data, importo, riferimento = (v.strip() for v in row)
        motivi: list[str] = []
        bando_id = self._bando(anno, motivi)
        if regione not in self.regioni:
            motivi.append(
                _("regione %(valore)r inesistente (codice a 3 cifre, es. 120)") % {"valore": regione}
            )
        giorno = self._data(data, motivi)
        somma = self._importo(importo, motivi)
        if not riferimento or len(riferimento) > 60:
            motivi.append(_("riferimento mancante o più lungo di 60 caratteri"))
        if motivi:
            return None, motivi
        riga = Riga(numero, bando_id, regione, giorno, somma, riferimento)
        if riga.chiave in self.visti:
            return None, [
                _("stesso trasferimento (bando, regione, riferimento) della riga %(riga)s")
                % {"riga": self.visti[riga.chiave]}
            ]
        self.visti[riga.chiave] = numero
        return riga, []


def _per_riga(errori: list[tuple[int, str]]) -> list[str]:
    motivi: dict[int, list[str]] = {}
    for n, motivo in sorted(errori, key=lambda e: e[0]):
        motivi.setdefault(n, []).append(motivo)
    voce = _("riga %(riga)s: %(motivo)s")
    return [voce % {"riga": n, "motivo": "; ".join(m)} for n, m in motivi.items()]


def _confronta(righe: list[Riga]) -> tuple[list[Riga], list[tuple[int, str]]]:
    """The new lines, and an error for each line whose key exists with another date or amount."""
    esistenti = {
        (t.bando_id, t.regione_id, t.riferimento): t
        for t in TrasferimentoRisorse.objects.filter(riferimento__in={r.riferimento for r in righe})
    }
    nuove, errori = [], []
    for r in righe:
        t = esistenti.get(r.chiave)
        if t is None:
            nuove.append(r)
        elif (t.data, t.importo) != (r.data, r.importo):
            errori.append((r.riga, _(
                "riferimento %(rif)s già importato per questo bando e regione con data %(data)s e importo "
                "%(importo)s: un trasferimento non si modifica con un file"
            ) % {"rif": r.riferimento, "data": t.data.isoformat(), "importo": euro(t.importo)}))  # fmt: skip
    return nuove, errori


def importa_trasferimenti(file_or_path, nome_file: str = "", operatore=None, oggi=None) -> Risultato:
    """Add the file's transfers, or change nothing and raise ImportazioneTrasferimentiError."""
    nome_file = Path(str(nome_file or getattr(file_or_path, "name", file_or_path))).name
    try:
        verifica_utf8(file_or_path)  # a latin-1 or UTF-16 file gets one clear message, not one per line
    except FileNonUtf8 as exc:
        raise ImportazioneTrasferimentiError([], messaggio=str(exc.message)) from None
    righe, errori, _letti = leggi_csv(file_or_path, INTESTAZIONE, _Validatore(oggi or timezone.localdate()))
    if errori and errori[0][0] == 1 and _vuoto(file_or_path):
        errori = [(1, _("il file è vuoto"))]
    elif not errori and not righe:
        errori = [(1, _("il file non contiene trasferimenti"))]
    with transaction.atomic():
        nuove, gia = _confronta(righe) if righe else ([], [])
        errori = _per_riga(errori + gia)
        if errori:
            audit(operatore, "trasferimenti.importazione_rifiutata", file=nome_file, errori=len(errori))
        else:
            TrasferimentoRisorse.objects.bulk_create(
                [
                    TrasferimentoRisorse(
                        bando_id=r.bando_id,
                        regione_id=r.regione_id,
                        data=r.data,
                        importo=r.importo,
                        riferimento=r.riferimento,
                    )
                    for r in nuove
                ],  # fmt: skip
                ignore_conflicts=True,  # a concurrent import of the same line: one row, no failure
            )
            risultato = Risultato(len(righe), len(nuove), len(righe) - len(nuove))
            audit(
                operatore,
                "trasferimenti.importati",
                file=nome_file,
                righe=risultato.righe,
                nuovi=risultato.nuovi,
            )
    if errori:
        raise ImportazioneTrasferimentiError(errori)
    return risultato


def _vuoto(file_or_path) -> bool:
    if isinstance(file_or_path, str | Path):
        return Path(file_or_path).stat().st_size == 0
    size = getattr(file_or_path, "size", None)
    return size == 0
