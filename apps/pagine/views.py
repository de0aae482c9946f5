from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .contenuti import carica_contenuti_predefiniti
from .forms import ValutazioneForm
from .models import PaginaContenuto, Valutazione

# The session remembers which journeys this browser has already rated (no person, no IP is stored).
SESSIONE_VALUTATI = "pagine_valutati"


def _pagina(request, slug: str):
    """The page in the active language, else in Italian; the defaults are loaded the first time."""
    lingua = translation.get_language() or "it"
    for _tentativo in range(2):
        pagine = {p.lingua: p for p in PaginaContenuto.objects.filter(slug=slug, lingua__in={lingua, "it"})}
        pagina = pagine.get(lingua) or pagine.get("it")
        if pagina is not None:
            return render(request, "pagine/contenuto.html", {"pagina": pagina, "slug": slug})
        carica_contenuti_predefiniti()
    raise Http404


def accessibilita(request):
    return _pagina(request, PaginaContenuto.Slug.ACCESSIBILITA)


def privacy(request):
    return _pagina(request, PaginaContenuto.Slug.PRIVACY)


def note_legali(request):
    return _pagina(request, PaginaContenuto.Slug.NOTE_LEGALI)


def mappa(request):
    return render(request, "pagine/mappa.html")


def gia_valutato(request, percorso: str) -> bool:
    return percorso in request.session.get(SESSIONE_VALUTATI, [])


def _ritorno(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return ""


@require_http_methods(["GET", "POST"])
def valuta(request, percorso: str):
    """The satisfaction form of one journey: stored anonymously, once per journey and session."""
    if percorso not in Valutazione.Percorso.values:
        raise Http404
    ritorno = _ritorno(request)
    if gia_valutato(request, percorso):
        if request.method == "POST":
            messages.info(request, _("Hai già valutato questo servizio: grazie."))
            return redirect(ritorno or "pagine:valuta", **({} if ritorno else {"percorso": percorso}))
        return render(request, "pagine/valuta.html", {"percorso": percorso, "gia": True, "next": ritorno})
    form = ValutazioneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        valutazione = form.save(commit=False)
        valutazione.percorso = percorso
        valutazione.save()
        request.session[SESSIONE_VALUTATI] = [*request.session.get(SESSIONE_VALUTATI, []), percorso]
        messages.success(request, _("Grazie per la tua valutazione: ci aiuta a migliorare il servizio."))
        return redirect(ritorno or "pagine:valuta", **({} if ritorno else {"percorso": percorso}))
    return render(request, "pagine/valuta.html", {"percorso": percorso, "form": form, "next": ritorno})
