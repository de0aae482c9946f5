from django import template

from apps.pagine.testo import corpo_html

register = template.Library()


@register.filter
def corpo(testo: str):
    """{{ pagina.corpo|corpo }}: the page's text with its few marks, everything else escaped."""
    return corpo_html(testo)


@register.inclusion_tag("pagine/_valuta_modulo.html", takes_context=True)
def modulo_valutazione(context, percorso: str):
    """The "Valuta il servizio" box of a journey (pagine/_valuta.html): the form, or thanks when this session
    has already rated it."""
    from apps.pagine.forms import ValutazioneForm
    from apps.pagine.views import gia_valutato

    request = context["request"]
    return {
        "percorso": percorso,
        "gia": gia_valutato(request, percorso),
        "form": ValutazioneForm(),
        "next": request.get_full_path(),
    }


@register.simple_tag
def statico(percorso: str) -> str:
    """{% static %} for the error pages, which must draw even when the static manifest lacks a file (a
    deployment without collectstatic, a half-finished upgrade): then the unhashed URL."""
    from django.conf import settings
    from django.templatetags.static import static

    try:
        return static(percorso)
    except ValueError:
        return settings.STATIC_URL + percorso
