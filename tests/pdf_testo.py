"""Reading the PDFs WeasyPrint writes, for tests: their compressed streams (object streams included)."""

import re
import zlib


def pdf_in_chiaro(documento: bytes) -> bytes:
    """The PDF's bytes with every compressed stream inflated after them.

    Each stream is inflated from just after its `stream` keyword by a decompressor that stops at the end of
    the zlib data by itself. Cutting at the next end-of-line + `endstream` instead would drop a last data
    byte 0x0D (taken for the optional CR of that end-of-line): one stream in 256 would not inflate, and
    whatever it holds would be missing (a page count failed that way once)."""
    parti = [documento]
    for inizio in re.finditer(rb"(?<!end)stream\r?\n", documento):
        fine = documento.find(b"endstream", inizio.end())
        try:
            parti.append(zlib.decompressobj().decompress(documento[inizio.end() : fine]))
        except zlib.error:
            continue
    return b"\n".join(parti)


def font_incorporati(documento: bytes) -> list[str]:
    """Names of the fonts embedded in a PDF."""
    return [n.decode() for n in re.findall(rb"/BaseFont\s*/([A-Za-z0-9+\-]+)", pdf_in_chiaro(documento))]
