"""Checks of an uploaded CSV before any import reads it: the size limit (settings.IMPORT_MAX_BYTES) and the
encoding. A file that is not UTF-8 (latin-1/Windows-1252 from an old Excel, UTF-16 from "Unicode text",
or not text at all) is refused with one clear message, never a traceback; UTF-8 with or without the byte
order mark that Excel's "CSV UTF-8" writes is accepted."""

import codecs
import csv
import os
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .exceptions import DomainError

BLOCCO = 1024 * 1024


class FileNonUtf8(DomainError):
    def __init__(self, motivo: str):
        super().__init__(
            _(
                "Il file non è in UTF-8 (%(motivo)s): salvarlo come «CSV UTF-8» (in Excel: File › Salva "
                "con nome › CSV UTF-8 (delimitato da virgole)) e caricarlo di nuovo."
            )
            % {"motivo": motivo},
            field="file",
        )


def _blocchi(sorgente):
    if isinstance(sorgente, str | os.PathLike):
        with open(sorgente, "rb") as f:
            while blocco := f.read(BLOCCO):
                yield blocco
        return
    if hasattr(sorgente, "seek"):
        sorgente.seek(0)
    try:
        while blocco := sorgente.read(BLOCCO):
            yield blocco
    finally:
        if hasattr(sorgente, "seek"):
            sorgente.seek(0)


def verifica_utf8(sorgente) -> None:
    """Raise FileNonUtf8 unless the whole file (a path, or a binary file that is rewound) is UTF-8 text.
    A text-mode file is already decoded: nothing to check."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    righe = 0
    for n, blocco in enumerate(_blocchi(sorgente)):
        if isinstance(blocco, str):
            return
        if n == 0:
            if blocco.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
                raise FileNonUtf8(_("sembra UTF-32"))
            if blocco.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                raise FileNonUtf8(_("sembra UTF-16, il «testo Unicode» di Excel"))
            blocco = blocco.removeprefix(codecs.BOM_UTF8)
        if b"\x00" in blocco:
            riga = righe + blocco[: blocco.index(b"\x00")].count(b"\n") + 1
            raise FileNonUtf8(
                _("byte nulli alla riga %(riga)s: UTF-16 o un file non di testo") % {"riga": riga}
            )
        try:
            decoder.decode(blocco)
        except UnicodeDecodeError as exc:
            riga = righe + blocco[: exc.start].count(b"\n") + 1
            raise FileNonUtf8(
                _("carattere non valido alla riga %(riga)s, forse latin-1 o Windows-1252") % {"riga": riga}
            ) from None
        righe += blocco.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise FileNonUtf8(_("il file finisce a metà di un carattere")) from None


def aiuto_intestazione(intestazione: list[str], righe: str) -> str:
    """The help of an admin upload field: what the file must be, for an operator (not the command line's)."""
    return _(
        "Un file CSV (valori separati da virgole) salvato in UTF-8. La prima riga è l'intestazione, con "
        "queste colonne in quest'ordine: %(intestazione)s. Poi %(righe)s."
    ) % {"intestazione": ",".join(intestazione), "righe": righe}


def valida_upload_csv(upload) -> None:
    """The admin's upload forms: size first (nothing is read past the limit), then the encoding; the
    message goes next to the file field."""
    limite = settings.IMPORT_MAX_BYTES
    if upload.size > limite:
        raise ValidationError(
            _("Il file pesa %(mb).1f MB: il limite è %(limite).0f MB (impostazione IMPORT_MAX_BYTES).")
            % {"mb": upload.size / 1024 / 1024, "limite": limite / 1024 / 1024}
        )
    try:
        verifica_utf8(upload)
    except FileNonUtf8 as exc:
        raise ValidationError(exc.message) from None


@contextmanager
def righe_di(file_or_path):
    """The lines of a path (opened in binary), of an upload (binary) or of a text file."""
    if isinstance(file_or_path, str | os.PathLike):
        with open(file_or_path, "rb") as f:
            yield f
        return
    if hasattr(file_or_path, "seek"):
        file_or_path.seek(0)
    yield file_or_path


def decodifica_righe(linee, errori: list[tuple[int, str]]):
    """Decode line by line, so that a line not in UTF-8 is reported with its number like any other
    bad line (and the rest of the file is still checked). A UTF-8 byte order mark is dropped."""
    for n, linea in enumerate(linee, start=1):
        if isinstance(linea, str):
            yield linea.removeprefix("\ufeff") if n == 1 else linea
            continue
        if n == 1:
            linea = linea.removeprefix(codecs.BOM_UTF8)
        try:
            yield linea.decode("utf-8")
        except UnicodeDecodeError:
            errori.append((n, _("testo non codificato in UTF-8")))
            yield linea.decode("utf-8", errors="replace")


def leggi_csv(file_or_path, intestazione: list[str], valida) -> tuple[list, list[tuple[int, str]], int]:
    """Read a whole CSV import: the header must be exactly `intestazione`; every data line goes through
    `valida(numero, row) -> (riga | None, motivi)`. Returns (good lines, (line number, reason) of every bad
    line in reading order, data lines read). A wrong header stops the reading: nothing else is reported."""
    righe: list = []
    errori: list[tuple[int, str]] = []
    letti = 0
    with righe_di(file_or_path) as linee:
        reader = csv.reader(decodifica_righe(linee, errori))
        try:
            header = next(reader, None)
            if header is None or [h.strip() for h in header] != intestazione:
                return [], [(1, _("intestazione non valida: attesa %s") % ",".join(intestazione))], 0
            for row in reader:
                letti += 1
                if not row:
                    errori.append((reader.line_num, _("riga vuota")))
                    continue
                riga, motivi = valida(reader.line_num, row)
                if motivi:
                    errori.append((reader.line_num, "; ".join(motivi)))
                else:
                    righe.append(riga)
        except csv.Error as exc:
            errori.append((reader.line_num, _("CSV non leggibile: %s") % exc))
    return righe, errori, letti
