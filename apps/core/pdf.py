"""PDF documents of the portal (WeasyPrint, shipped Titillium Web fonts)."""

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string

STAMPA_CSS = settings.BASE_DIR / "static" / "css" / "stampa.css"


def pdf_response(template: str, context: dict, filename: str) -> HttpResponse:
    from weasyprint import CSS, HTML  # heavy import: only when a PDF is asked for
    from weasyprint.text.fonts import FontConfiguration

    html = render_to_string(template, context)
    # Font URLs in the print stylesheet are relative to the stylesheet itself (file://).
    # @font-face rules are honoured only with a FontConfiguration shared by the stylesheet and the render.
    fonts = FontConfiguration()
    documento = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[CSS(filename=str(STAMPA_CSS), font_config=fonts)], font_config=fonts
    )
    response = HttpResponse(documento, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
