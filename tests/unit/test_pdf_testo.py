"""The tests' PDF reader inflates every stream, the one whose compressed data ends in 0x0D too."""

import zlib

from tests.pdf_testo import pdf_in_chiaro


def _dati_che_finiscono_con_cr() -> tuple[bytes, bytes]:
    for n in range(1, 10_000):
        chiaro = b"/Type /Pages /Count 3 " + b"x" * n
        compresso = zlib.compress(chiaro)
        if compresso.endswith(b"\r"):
            return chiaro, compresso
    raise AssertionError("no sample ends with CR")


def test_a_stream_ending_with_a_carriage_return_is_inflated():
    chiaro, compresso = _dati_che_finiscono_con_cr()
    documento = b"%PDF-1.7\n1 0 obj\n<< /Length 9 >>\nstream\n" + compresso + b"\nendstream\nendobj\n"
    assert chiaro in pdf_in_chiaro(documento)


def test_every_stream_is_inflated_and_a_broken_one_skipped():
    documento = b"".join(
        b"stream\r\n" + dati + b"\r\nendstream\n"
        for dati in (zlib.compress(b"uno"), b"not zlib", zlib.compress(b"due"))
    )
    testo = pdf_in_chiaro(documento)
    assert b"uno" in testo and b"due" in testo
