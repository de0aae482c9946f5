"""PDF documents of the portal (WeasyPrint, shipped Titillium Web fonts).

Every PDF is tagged PDF/UA-1 (WeasyPrint's `pdf_variant`): a structure tree (headings, tables with their
header cells, paragraphs) that screen readers follow, the document language taken from the template's
`<html lang>` and the title from its `<title>`, shown by the reader instead of the file name.
"""

import atexit
import threading
import time

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string

STAMPA_CSS = settings.BASE_DIR / "static" / "css" / "stampa.css"

# The print stylesheet and its fonts, set up once per process: parsing the stylesheet registers the
# four @font-face fonts with the FontConfiguration, which copies them to a temporary folder (~18 ms a
# PDF when it was done per request). The lock guards the setup and the renders: the FontConfiguration
# (fontconfig/Pango state) is shared, and gunicorn's sync workers never contend for it.
# Set up again every hour: the copies live in /tmp, which a cleaner may empty under a long-lived worker.
DURATA_FOGLIO = 3600  # seconds
# Tagged, with /Lang and /Title and DisplayDocTitle (Legge 4/2004: documents as accessible as the pages).
VARIANTE_PDF = "pdf/ua-1"
_lock = threading.Lock()
_stampa = None
_stampa_da = 0.0


def _foglio_di_stampa():
    """(CSS, FontConfiguration) of the print stylesheet; call with _lock held."""
    global _stampa, _stampa_da
    if _stampa is None or time.monotonic() - _stampa_da > DURATA_FOGLIO:
        from weasyprint import CSS  # heavy import: only when a PDF is asked for
        from weasyprint.text.fonts import FontConfiguration

        # Font URLs in the print stylesheet are relative to the stylesheet itself (file://).
        # @font-face rules are honoured only with a FontConfiguration shared by the stylesheet and the render.
        fonts = FontConfiguration()
        _stampa = (CSS(filename=str(STAMPA_CSS), font_config=fonts), fonts)
        _stampa_da = time.monotonic()
    return _stampa


@atexit.register
def _libera_foglio() -> None:
    """At the process's exit, while WeasyPrint's modules still stand, drop the shared sheet: its
    FontConfiguration's __del__ then removes the temporary copy of the fonts. Left to the interpreter's
    teardown, that __del__ failed ("'NoneType' object is not callable") and every worker left its folder in
    /tmp."""
    global _stampa
    _stampa = None


def pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    with _lock:
        foglio, fonts = _foglio_di_stampa()
        return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
            stylesheets=[foglio], font_config=fonts, pdf_variant=VARIANTE_PDF
        )


def pdf_response(template: str, context: dict, filename: str) -> HttpResponse:
    response = HttpResponse(pdf(template, context), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
