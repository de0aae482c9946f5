"""The citizen's fatture as PDFs: a page per fattura, tagged (PDF/UA, lang, title), what INPS paid and what
the patient paid, the sedute; the ZIP has one PDF each, written one at a time."""

import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from apps.fatture import documenti
from tests.factories import CodiceFactory, ProfessionistaFactory, fattura_registrata
from tests.pdf_testo import pdf_in_chiaro

pytestmark = pytest.mark.django_db


def _pagine(documento: bytes) -> int:
    """The page count of the PDF's page tree (/Type /Pages … /Count N)."""
    testo = pdf_in_chiaro(documento)
    conteggi = [int(n) for n in re.findall(rb"/Type /Pages[^>]*?/Count (\d+)", testo, re.S)]
    conteggi += [int(n) for n in re.findall(rb"/Count (\d+)[^>]*?/Type /Pages", testo, re.S)]
    assert conteggi, "page tree not found"
    return max(conteggi)


@pytest.fixture
def tre_fatture():
    bob = ProfessionistaFactory(cognome="Neri", nome="Bob")
    codice = CodiceFactory()
    return [
        fattura_registrata(
            bob, codice, sedute=2, totale=Decimal("130.00"), emittente="Studio Neri", numero="7/A"
        ),
        fattura_registrata(bob, codice, sedute=1, numero="8/A"),
        fattura_registrata(bob, codice, sedute=3, totale=Decimal("200.50"), numero="9/A"),
    ]


def test_one_pdf_has_a_page_per_fattura_and_is_tagged(tre_fatture):
    ids = [f.pk for f in tre_fatture]
    buffer = io.BytesIO()
    documenti.scrivi_pdf(ids, buffer)
    documento = buffer.getvalue()
    assert documento.startswith(b"%PDF")
    assert _pagine(documento) == 3
    testo = pdf_in_chiaro(documento)
    assert b"/StructTreeRoot" in testo
    assert b"/Lang (it)" in testo
    assert b"pdfuaid" in testo
    assert b"3 fatture" in re.search(rb"<dc:title>.*?</dc:title>", testo, re.S).group(0)


def test_a_single_fattura_pdf_is_one_page_titled_with_its_number(tre_fatture):
    buffer = io.BytesIO()
    documenti.scrivi_pdf([tre_fatture[0].pk], buffer)
    assert _pagine(buffer.getvalue()) == 1
    titolo = re.search(rb"<dc:title>.*?</dc:title>", pdf_in_chiaro(buffer.getvalue()), re.S).group(0)
    assert b"7/A" in titolo


def test_the_page_states_issuer_sedute_bonus_share_and_what_the_patient_paid(tre_fatture):
    fattura = documenti._con_sedute([tre_fatture[0].pk])[0]
    html = render_to_string(documenti.TEMPLATE_PDF, {"fatture": [fattura]})
    testo = re.sub(r"\s+", " ", html).replace("\xa0", " ")
    assert "Studio Neri" in testo
    assert "Neri Bob" in testo or "Bob Neri" in testo
    assert "Fattura n. 7/A" in testo
    assert "130,00 €" in testo  # total
    assert "100,00 €" in testo  # bonus share: two sedute of 50
    assert "30,00 €" in testo  # the patient's part
    assert testo.count("50,00 €") == 2  # each seduta with its amount
    assert "pagati da INPS" in testo and "pagati dal paziente" in testo
    assert "dichiarazione dei redditi" in testo


def test_the_pdf_follows_the_language(tre_fatture):
    fattura = documenti._con_sedute([tre_fatture[0].pk])[0]
    with translation.override("en"):
        html = render_to_string(documenti.TEMPLATE_PDF, {"fatture": [fattura]})
    assert '<html lang="en">' in html


def test_withdrawn_sedute_links_are_not_listed(tre_fatture):
    """Only the fattura's active rows are its sedute."""
    fattura = tre_fatture[2]
    riga = fattura.righe.first()
    type(riga).objects.filter(pk=riga.pk).update(attiva=False)
    assert len(documenti._con_sedute([fattura.pk])[0].sedute) == 2


def test_the_zip_has_one_pdf_per_fattura_with_safe_names(tre_fatture):
    ids = [f.pk for f in tre_fatture]
    fatti = []
    buffer = io.BytesIO()
    documenti.scrivi_zip(ids, buffer, fatti.append)
    assert fatti == [1, 2, 3]  # progress after each one
    with zipfile.ZipFile(buffer) as archivio:
        nomi = archivio.namelist()
        assert len(nomi) == 3
        assert all(re.fullmatch(r"fattura-\d{4}-[A-Za-z0-9-]+-\d+\.pdf", n) for n in nomi)
        assert "/" not in "".join(n.removeprefix("fattura-") for n in nomi)  # "7/A" made safe
        for nome in nomi:
            assert _pagine(archivio.read(nome)) == 1
    # No code and no codice fiscale in the names.
    codice = tre_fatture[0].codice
    assert not any(codice.codice in n or codice.domanda.cf_beneficiario in n for n in nomi)


def test_the_zip_renders_one_pdf_at_a_time(tre_fatture, monkeypatch):
    """Each PDF is rendered for one fattura alone: never the whole selection in memory."""
    chiamate = []
    originale = documenti.pdf_fatture
    monkeypatch.setattr(documenti, "pdf_fatture", lambda f: chiamate.append(len(f)) or originale(f))
    documenti.scrivi_zip([f.pk for f in tre_fatture], io.BytesIO())
    assert chiamate == [1, 1, 1]


def test_the_rows_are_read_in_blocks(tre_fatture, monkeypatch):
    monkeypatch.setattr(documenti, "BLOCCO", 2)
    letti = []
    originale = documenti._con_sedute
    monkeypatch.setattr(documenti, "_con_sedute", lambda ids: letti.append(len(ids)) or originale(ids))
    assert [f.pk for f in documenti._a_blocchi([f.pk for f in tre_fatture])] == [f.pk for f in tre_fatture]
    assert letti == [2, 1]
