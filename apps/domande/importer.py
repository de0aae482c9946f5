"""The bulk channel: `import_domande --bando ANNO FILE.csv`.

Atomic and streaming. One pass over the file with the csv reader validates every row and, for the
valid ones, writes the normalised values into a temporary table `import_domande_tmp` with the file's
line number; nothing of the file is held in memory except the sets of protocolli and codici fiscali
already seen (to refuse duplicates within the file). The checks against the database (protocollo
already used, beneficiary already holding a domanda of the bando) are then two set-based joins on the
temporary table. If any line is bad the transaction rolls back and every bad line is reported as
"riga N: motivo" (N = line number in the file, the header is line 1). Otherwise one
INSERT … SELECT moves the rows into `domande_domanda`.

Loading the temporary table:
- PostgreSQL: `COPY … FROM STDIN` (psycopg 3), text format, written while the rows stream by;
- SQLite (the embedded `make run` default only): batched `executemany` of 5 000 rows — SQLite has no
  COPY; the rest of the path (checks, INSERT … SELECT) is the same SQL.

Rows outside the bando's window are imported: the ranking makes them inammissibile. The protocol
numbers come from the file, so the web channel's numbering (apps.domande.protocolli) is left alone, and
a protocol with the web channel's prefix (INPS-BP-) is refused: the two channels can never collide.
"""

import csv
import datetime as dt
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.core.csvfile import FileNonUtf8, verifica_utf8
from apps.core.models import Provincia, Regione
from apps.core.services import audit
from apps.core.validators import CodiceFiscaleChecker, parse_money

from . import protocolli
from .models import Bando, Domanda, IseeTipo

INTESTAZIONE = [
    "protocollo", "cf_beneficiario", "cf_richiedente", "relazione", "regione", "provincia", "isee",
    "isee_tipo", "isee_difforme", "isee_regolarizzato_il", "presentata_il", "email", "cellulare", "canale",
]  # fmt: skip
BATCH = 5000
TMP = "import_domande_tmp"
NULL = "\\N"
# Columns of the temporary table, in the order the validator produces them (after `riga`).
COLONNE = [
    "protocollo", "cf_beneficiario", "cf_richiedente", "relazione", "regione_id", "provincia_id", "isee",
    "isee_tipo", "isee_difforme", "isee_regolarizzato_il", "presentata_il", "email", "cellulare", "canale",
]  # fmt: skip

RELAZIONI = frozenset(Domanda.Relazione.values)
ISEE_TIPI = frozenset(IseeTipo.values)
CANALI = frozenset(Domanda.Canale.values)
BOOL = {"true": True, "false": False}
# Restrictive formats: they also guarantee that no value needs escaping in COPY's text format.
PROTOCOLLO_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.\-]{0,39}")
EMAIL_RE = re.compile(r"[^@\s\\,;\"']+@[^@\s\\,;\"']+\.[^@\s\\,;\"']+")
CELLULARE_RE = re.compile(r"\+?[0-9]{6,15}")


class ImportazioneError(Exception):
    """The file is refused; `errori` holds one "riga N: motivo" per bad line, in file order."""

    def __init__(self, errori: list[str], messaggio: str | None = None):
        quante = ngettext(
            "%(n)s riga non valida: nessuna domanda importata.",
            "%(n)s righe non valide: nessuna domanda importata.",
            len(errori),
        ) % {"n": len(errori)}
        super().__init__(messaggio or quante)
        self.errori = errori


class _Validatore:
    """Turns one CSV row into the normalised tuple for the temporary table, or a list of reasons."""

    def __init__(self):
        self.regioni = frozenset(Regione.objects.values_list("codice", flat=True))
        self.province = dict(Provincia.objects.values_list("sigla", "regione_id"))
        self.protocolli: set[str] = set()
        self.beneficiari: set[str] = set()
        self.cf_valido = CodiceFiscaleChecker()

    def __call__(self, row: list[str]) -> tuple[tuple | None, list[str]]:
        if len(row) != len(INTESTAZIONE):
            return None, [
                _("attese %(attese)s colonne, trovate %(trovate)s")
                % {"attese": len(INTESTAZIONE), "trovate": len(row)}
            ]
        (prot, cfb, cfr, rel, reg, prov, isee, tipo, diff, regol, pres, email, cell, canale) = map(
            str.strip, row
        )
        motivi = []

        if not PROTOCOLLO_RE.fullmatch(prot):
            motivi.append(
                _("protocollo mancante o non valido (lettere, cifre, / _ . -, fino a 40 caratteri)")
            )
        elif prot.upper().startswith(protocolli.PREFISSO):
            motivi.append(
                _("protocollo %(protocollo)s: il prefisso %(prefisso)s è riservato al portale")
                % {"protocollo": prot, "prefisso": protocolli.PREFISSO}
            )
        elif prot in self.protocolli:
            motivi.append(_("protocollo %(protocollo)s ripetuto nel file") % {"protocollo": prot})
        else:
            self.protocolli.add(prot)

        cfb = cfb.upper()
        cfr = cfr.upper()
        if cfb in self.beneficiari:
            motivi.append(
                _("beneficiario già presente in una riga precedente del file (una domanda a testa)")
            )
        elif not self.cf_valido(cfb):
            motivi.append(_("cf_beneficiario non valido (16 caratteri con carattere di controllo corretto)"))
        else:
            self.beneficiari.add(cfb)
        if cfr != cfb and not self.cf_valido(cfr):
            motivi.append(_("cf_richiedente non valido (16 caratteri con carattere di controllo corretto)"))

        if rel not in RELAZIONI:
            motivi.append(
                _("relazione %(valore)r non ammessa (valori: %(ammessi)s)")
                % {"valore": rel, "ammessi": "|".join(Domanda.Relazione.values)}
            )
        elif (rel == Domanda.Relazione.SE_STESSO) != (cfr == cfb):
            motivi.append(
                _("relazione se_stesso richiede cf_richiedente uguale a cf_beneficiario, e viceversa")
            )

        prov = prov.upper()
        if reg not in self.regioni:
            motivi.append(
                _("regione %(valore)r sconosciuta (codici del Ministero della Salute, es. 120)")
                % {"valore": reg}
            )
        elif prov not in self.province:
            motivi.append(_("provincia %(valore)r sconosciuta") % {"valore": prov})
        elif self.province[prov] != reg:
            motivi.append(
                _("la provincia %(provincia)s non appartiene alla regione %(regione)s")
                % {"provincia": prov, "regione": reg}
            )

        try:
            isee = parse_money(isee)
        except ValueError:
            motivi.append(
                _("isee %(valore)r non valido (importo non negativo, al massimo due decimali)")
                % {"valore": isee}
            )
        if tipo not in ISEE_TIPI:
            motivi.append(_("isee_tipo %(valore)r non ammesso (ordinario|corrente)") % {"valore": tipo})
        if diff not in BOOL:
            motivi.append(_("isee_difforme %(valore)r non valido (true|false)") % {"valore": diff})
        else:
            diff = BOOL[diff]
        if regol:
            try:
                regol = dt.date.fromisoformat(regol)
            except ValueError:
                motivi.append(
                    _("%(campo)s %(valore)r non è una data ISO 8601 (AAAA-MM-GG)")
                    % {"campo": "isee_regolarizzato_il", "valore": regol}
                )
        else:
            regol = None

        try:
            pres = dt.datetime.fromisoformat(pres)
        except ValueError:
            motivi.append(_("presentata_il %(valore)r non è una data e ora ISO 8601") % {"valore": pres})
        else:
            if pres.tzinfo is None or pres.utcoffset() is None:
                motivi.append(
                    _("presentata_il senza fuso orario: indicare lo scostamento da UTC (es. +02:00)")
                )

        if email and (len(email) > 254 or not EMAIL_RE.fullmatch(email)):
            motivi.append(_("email non valida"))
        if cell and not CELLULARE_RE.fullmatch(cell):
            motivi.append(_("cellulare non valido (solo cifre, eventualmente con + iniziale)"))
        if canale not in CANALI:
            motivi.append(_("canale %(valore)r non ammesso (web|contact_center)") % {"valore": canale})

        if motivi:
            return None, motivi
        return (prot, cfb, cfr, rel, reg, prov, isee, tipo, diff, regol, pres, email, cell, canale), []


# --- loading the temporary table --------------------------------------------------------------


def _crea_tmp(cursor):
    if connection.vendor == "postgresql":
        tipi = [
            "varchar(40)", "varchar(16)", "varchar(16)", "varchar(30)", "varchar(3)", "varchar(2)",
            "numeric(12, 2)", "varchar(10)", "boolean", "date NULL", "timestamptz", "varchar(254)",
            "varchar(20)", "varchar(20)",
        ]  # fmt: skip
        colonne = ", ".join(
            f"{c} {t}{'' if t.endswith('NULL') else ' NOT NULL'}" for c, t in zip(COLONNE, tipi, strict=True)
        )
        cursor.execute(f"CREATE TEMP TABLE {TMP} (riga integer NOT NULL, {colonne}) ON COMMIT DROP")
    else:
        cursor.execute(f"DROP TABLE IF EXISTS temp.{TMP}")
        cursor.execute(f"CREATE TEMP TABLE {TMP} (riga integer, {', '.join(COLONNE)})")


def _campi_copy(v: tuple) -> str:
    """The 14 values as COPY text fields. They were validated against restrictive formats: none
    contains a tab, a newline or a backslash, so nothing needs escaping."""
    return (
        f"{v[0]}\t{v[1]}\t{v[2]}\t{v[3]}\t{v[4]}\t{v[5]}\t{v[6]}\t{v[7]}\t{'t' if v[8] else 'f'}\t"
        f"{v[9].isoformat() if v[9] else NULL}\t{v[10].isoformat()}\t{v[11]}\t{v[12]}\t{v[13]}"
    )


def _riga_copy(riga: int, v: tuple) -> str:
    return f"{riga}\t{_campi_copy(v)}\n"


def _carica_postgresql(cursor, righe: Iterator[tuple[int, tuple]]) -> None:
    with cursor.copy(f"COPY {TMP} (riga, {', '.join(COLONNE)}) FROM STDIN") as copy:
        buffer = []
        for riga, valori in righe:
            buffer.append(_riga_copy(riga, valori))
            if len(buffer) >= BATCH:
                copy.write("".join(buffer))
                buffer = []
        if buffer:
            copy.write("".join(buffer))


def _carica_sqlite(cursor, righe: Iterator[tuple[int, tuple]]) -> None:
    ops = connection.ops
    sql = f"INSERT INTO {TMP} (riga, {', '.join(COLONNE)}) VALUES ({', '.join(['%s'] * (len(COLONNE) + 1))})"
    batch = []
    for riga, v in righe:
        batch.append((
            riga, *v[:6], ops.adapt_decimalfield_value(v[6], 12, 2), v[7], v[8],
            ops.adapt_datefield_value(v[9]), ops.adapt_datetimefield_value(v[10]), *v[11:],
        ))  # fmt: skip
        if len(batch) >= BATCH:
            cursor.executemany(sql, batch)
            batch = []
    if batch:
        cursor.executemany(sql, batch)


# --- the import -------------------------------------------------------------------------------


def _righe_valide(
    path: Path, valida: _Validatore, errori: list[tuple[int, str]]
) -> Iterator[tuple[int, tuple]]:
    """Stream the file: yield (line number, values) of good rows, record (line number, reason) of bad ones.

    No query may run while the rows stream: on PostgreSQL the connection is busy with the COPY.
    """
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None or [h.strip() for h in header] != INTESTAZIONE:
            errori.append((1, _("intestazione non valida: attesa %s") % ",".join(INTESTAZIONE)))
            return
        for row in reader:
            if not row:
                errori.append((reader.line_num, _("riga vuota")))
                continue
            valori, motivi = valida(row)
            if motivi:
                errori.append((reader.line_num, "; ".join(motivi)))
            else:
                yield reader.line_num, valori


def _errori_db(cursor, bando: Bando) -> list[tuple[int, str]]:
    d = Domanda._meta.db_table
    errori = []
    cursor.execute(f"SELECT t.riga, t.protocollo FROM {TMP} t JOIN {d} d ON d.protocollo = t.protocollo")
    gia_usato = _("protocollo %(protocollo)s già presente nel sistema")
    errori += [(riga, gia_usato % {"protocollo": prot}) for riga, prot in cursor.fetchall()]
    cursor.execute(
        f"SELECT t.riga FROM {TMP} t JOIN {d} d ON d.bando_id = %s AND d.cf_beneficiario = t.cf_beneficiario",
        [bando.pk],
    )
    gia = _("il beneficiario ha già una domanda per il bando %(anno)s") % {"anno": bando.anno}
    errori += [(riga, gia) for (riga,) in cursor.fetchall()]
    return errori


def _inserisci(cursor, bando: Bando) -> int:
    d = Domanda._meta.db_table
    cursor.execute(
        f"""INSERT INTO {d} (bando_id, {", ".join(COLONNE)}, dichiarazione_dpr445, creata_il)
            SELECT %s, {", ".join("t." + c for c in COLONNE)}, %s, %s FROM {TMP} t""",
        # The bulk channel carries only domande whose applicant made the DPR 445/2000 declaration:
        # the contact center and the partner systems record it before the row is exported.
        [bando.pk, True, connection.ops.adapt_datetimefield_value(timezone.now())],
    )
    return cursor.rowcount


class _FileNonValido(Exception):
    """The fast path met a bad line: leave it, the diagnosis will name every bad line."""


def _copia_diretta(bando: Bando, path: Path) -> int:
    """PostgreSQL fast path for a good file: stream the validated rows straight into domande_domanda
    with COPY, so PostgreSQL writes (on the other core) while Python validates. Raises
    _FileNonValido at the first bad line, or psycopg's IntegrityError when a protocollo or a
    beneficiary is already in the system; the caller's savepoint then discards everything."""
    errori: list[tuple[int, str]] = []
    coda = f"\tt\t{timezone.now().isoformat()}\n"  # dichiarazione_dpr445 (see _inserisci), creata_il
    prefisso = f"{bando.pk}\t"
    importate = 0
    valida = _Validatore()  # its queries must run before the COPY: meanwhile the connection is busy
    with connection.cursor() as cursor:
        colonne = ", ".join(["bando_id", *COLONNE, "dichiarazione_dpr445", "creata_il"])
        with cursor.copy(f"COPY {Domanda._meta.db_table} ({colonne}) FROM STDIN") as copy:
            buffer = []
            for _riga, valori in _righe_valide(path, valida, errori):
                if errori:
                    raise _FileNonValido
                buffer.append(prefisso + _campi_copy(valori) + coda)
                if len(buffer) >= BATCH:
                    copy.write("".join(buffer))
                    importate += len(buffer)
                    buffer = []
            if errori:
                raise _FileNonValido
            copy.write("".join(buffer))
            importate += len(buffer)
    return importate


def _importa_con_diagnosi(bando: Bando, path: Path, progress) -> int:
    """Validate the whole file into a temporary table, name every bad line (file checks and
    duplicates against the system), and insert only if there is none. The SQLite path, and the
    PostgreSQL path once the fast one has met a bad line."""
    errori: list[tuple[int, str]] = []
    with connection.cursor() as cursor:
        _crea_tmp(cursor)
        righe = _righe_valide(path, _Validatore(), errori)
        if connection.vendor == "postgresql":
            _carica_postgresql(cursor, righe)
            cursor.execute(f"ANALYZE {TMP}")
        else:
            _carica_sqlite(cursor, righe)
        if progress:
            progress("File letto, controllo dei duplicati nel sistema…")
        if not (errori and errori[0][0] == 1):  # with a bad header there are no rows to check
            errori += _errori_db(cursor, bando)
        if errori:
            errori.sort()
            voce = _("riga %(riga)s: %(motivo)s")
            raise ImportazioneError([voce % {"riga": riga, "motivo": motivo} for riga, motivo in errori])
        importate = _inserisci(cursor, bando)
        if connection.vendor != "postgresql":
            cursor.execute(f"DROP TABLE temp.{TMP}")
    return importate


@transaction.atomic
def importa_domande(
    bando: Bando, path: str | os.PathLike, attore=None, progress: Callable[[str], None] | None = None
) -> int:
    """Import every row of the CSV file into the bando, or nothing. Returns how many domande."""
    path = Path(path)
    try:
        verifica_utf8(path)  # before any lock: a latin-1 or UTF-16 file gets one clear message
    except FileNonUtf8 as exc:
        raise ImportazioneError([], exc.message) from None
    bando = Bando.objects.select_for_update().get(pk=bando.pk)  # one import per bando at a time
    if bando.graduatoria_pubblicata_il:
        messaggio = _(
            "La graduatoria del bando %(anno)s è pubblicata dal %(data)s: nessuna domanda importata."
        ) % {"anno": bando.anno, "data": date_format(bando.graduatoria_pubblicata_il, "SHORT_DATE_FORMAT")}
        raise ImportazioneError([], messaggio)
    importate = None
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic():  # a savepoint: a refused fast path leaves nothing behind
                importate = _copia_diretta(bando, path)
        except (_FileNonValido, psycopg.IntegrityError):
            importate = None
    if importate is None:
        importate = _importa_con_diagnosi(bando, path, progress)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the ranking's planner needs to know the new rows
            cursor.execute(f"ANALYZE {Domanda._meta.db_table}")
    audit(attore, "domande.importate", bando, domande=importate, file=path.name)
    return importate
