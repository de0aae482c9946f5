"""The professional's "Calendario": make, regenerate or revoke the secret address of their sedute's feed
(apps.sedute.calendario). The raw token crosses the redirect in the session and is shown once."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.sedute import calendario
from apps.sedute.models import CalendarioFeed

from .access import professionista_required

TIPO = CalendarioFeed.Tipo.PROFESSIONISTA
SESSIONE_INDIRIZZO = "calendario_nuovo_professionista"


@professionista_required
@require_http_methods(["GET", "POST"])
def gestione(request):
    if request.method == "POST":
        if request.POST.get("azione") == "revoca":
            if calendario.revoca_feed(request.user, TIPO):
                messages.success(request, _("Indirizzo disattivato: il calendario non riceve più le sedute."))
        elif request.POST.get("azione") in ("crea", "rigenera"):
            request.session[SESSIONE_INDIRIZZO] = calendario.crea_feed(request.user, TIPO)
        return redirect("professionista:calendario")
    token = request.session.pop(SESSIONE_INDIRIZZO, None)
    contesto = {"tipo": TIPO, "feed": calendario.feed_attivo(request.user, TIPO)}
    if token and contesto["feed"] is not None:
        indirizzo = request.build_absolute_uri(reverse("pagine:calendario_feed", args=[token]))
        contesto.update(indirizzo=indirizzo, indirizzo_webcal="webcal://" + indirizzo.split("://", 1)[1])
    return render(request, "calendario/gestione.html", contesto)
