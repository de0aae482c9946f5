"""The portal's PDFs are tagged (PDF/UA-1): structure tree, document language from <html lang>, title."""

import re

import pytest

from apps.core import pdf
from tests.factories import DomandaFactory
from tests.pdf_testo import pdf_in_chiaro

pytestmark = pytest.mark.django_db


def test_the_receipt_is_tagged_with_language_and_title():
    domanda = DomandaFactory(protocollo="INPS-ACC-1")
    testo = pdf_in_chiaro(pdf.pdf("cittadino/pdf/ricevuta.html", {"domanda": domanda}))
    assert b"/StructTreeRoot" in testo
    assert b"/MarkInfo <</Marked true>>" in testo
    assert b"/Lang (it)" in testo
    assert b"pdfuaid" in testo  # declared PDF/UA in its XMP metadata
    assert b"/DisplayDocTitle true" in testo
    # The <title> of the template is the document title (XMP dc:title), not the file name.
    assert b"INPS-ACC-1" in re.search(rb"<dc:title>.*?</dc:title>", testo, re.S).group(0)
    # Table header cells and the heading are in the structure tree.
    assert b"/S /TH" in testo or b"/TH" in testo
    assert b"/H1" in testo


def test_the_language_is_the_one_of_the_template(monkeypatch):
    monkeypatch.setattr(
        pdf,
        "render_to_string",
        lambda *a, **k: (
            '<!doctype html><html lang="de"><head><title>Quittung</title></head>'
            "<body><h1>Quittung</h1><p>Text</p></body></html>"
        ),
    )
    testo = pdf_in_chiaro(pdf.pdf("irrilevante.html", {}))
    assert b"/Lang (de)" in testo
    assert b"Quittung" in re.search(rb"<dc:title>.*?</dc:title>", testo, re.S).group(0)
