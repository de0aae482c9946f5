"""The print stylesheet and its fonts are set up once per process, and every PDF still embeds them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from weasyprint.text import fonts as weasyprint_fonts

from apps.core import pdf
from tests.factories import BandoFactory, DomandaFactory
from tests.pdf_testo import font_incorporati

pytestmark = pytest.mark.django_db


@pytest.fixture
def setups(monkeypatch):
    """A fresh process's state, and how many FontConfigurations were built."""
    monkeypatch.setattr(pdf, "_stampa", None)
    built = []

    class Counted(weasyprint_fonts.FontConfiguration):
        def __init__(self, *args, **kwargs):
            built.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(weasyprint_fonts, "FontConfiguration", Counted)
    return built


def ricevuta(domanda) -> bytes:
    return pdf.pdf("cittadino/pdf/ricevuta.html", {"domanda": domanda})


def test_two_receipts_share_one_setup_and_both_embed_the_fonts(setups):
    bando = BandoFactory()
    prima, seconda = (
        DomandaFactory(bando=bando, protocollo="R-1"),
        DomandaFactory(bando=bando, protocollo="R-2"),
    )
    documenti = [ricevuta(prima), ricevuta(seconda), ricevuta(prima)]
    assert len(setups) == 1
    for documento in documenti:
        assert documento.startswith(b"%PDF")
        nomi = {nome.split("+", 1)[-1] for nome in font_incorporati(documento)}
        assert {"Titillium-Web", "Titillium-Web-Bold"} <= nomi  # regular text and headings
    assert documenti[0] != documenti[1]


def test_the_setup_is_renewed_after_an_hour(setups, monkeypatch):
    domanda = DomandaFactory(bando=BandoFactory(), protocollo="R-3")
    ricevuta(domanda)
    adesso = pdf.time.monotonic()
    monkeypatch.setattr(pdf.time, "monotonic", lambda: adesso + pdf.DURATA_FOGLIO + 1)
    documento = ricevuta(domanda)
    assert len(setups) == 2
    assert "Titillium-Web" in " ".join(font_incorporati(documento))


SENZA_DATABASE = """
import django
django.setup()
from apps.core import pdf
with pdf._lock:
    _foglio, fonts = pdf._foglio_di_stampa()
print(fonts._folder)
"""


def test_a_process_that_made_a_pdf_leaves_no_font_folder_behind(tmp_path):
    """The shared sheet's temporary copy of the fonts is removed when the process exits, without the
    "Exception ignored in FontConfiguration.__del__" a teardown-time __del__ printed."""
    ambiente = {**os.environ, "DJANGO_SETTINGS_MODULE": "bonuspsi.settings", "TMPDIR": str(tmp_path)}
    fatto = subprocess.run(  # noqa: S603  (our own snippet, run with this interpreter)
        [sys.executable, "-c", SENZA_DATABASE], capture_output=True, text=True, env=ambiente, timeout=120
    )
    assert fatto.returncode == 0, fatto.stderr
    cartella = Path(fatto.stdout.strip().splitlines()[-1])
    assert cartella.parent == tmp_path
    assert not cartella.exists()
    assert "Exception ignored" not in fatto.stderr
