"""The public monitoring page (circ. 124/2025 §8, as INPS publishes): for each bando, the national and
the regional totals of its latest snapshot, every count under 5 shown as "<5". No login, no personal data."""

from django.shortcuts import render

from apps.domande.models import Bando

from . import presentazione
from .models import Instantanea


# Not cached as public, even for anonymous visitors (logged-in ones get private, no-store from
# NoStoreForAuthenticatedMiddleware anyway): base.html's language form carries the visitor's CSRF token and
# the page is in the language of the visitor's cookie, so a shared cache would hand both to the next person.
def pubblico(request):
    sezioni = []
    for bando in Bando.objects.filter(pk__in=Instantanea.objects.values("bando")).order_by("-anno"):
        istantanea = Instantanea.objects.filter(bando=bando).order_by("-mese").first()
        nazionale, regioni = presentazione.pubblico(istantanea)
        sezioni.append({"bando": bando, "istantanea": istantanea, "nazionale": nazionale, "regioni": regioni})
    return render(request, "monitoraggio/pubblico.html", {"sezioni": sezioni})
