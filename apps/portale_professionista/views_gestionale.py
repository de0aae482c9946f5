""" "Accesso per il gestionale": the professional's personal API tokens (issue 11 §1). A token is shown
in clear once, right after its creation, and never again (only its SHA-256 is stored)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.professionisti import token_api
from apps.professionisti.models import TokenApi

from .access import professionista_required
from .forms import TokenApiForm


@professionista_required
@require_http_methods(["GET", "POST"])
def gestionale(request):
    form = TokenApiForm(request.POST or None)
    nuovo = None
    if request.method == "POST" and form.is_valid():
        try:
            token, chiaro = token_api.crea_token(request.user, request.professionista, **form.cleaned_data)
        except token_api.ErroriToken as exc:
            for errore in exc.errori:
                form.add_error(errore.field if errore.field in form.fields else None, errore.message)
        else:
            nuovo = {"token": token, "chiaro": chiaro}
            form = TokenApiForm()
    tokens = TokenApi.objects.filter(professionista=request.professionista)
    risposta = render(
        request,
        "professionista/gestionale.html",
        {
            "form": form,
            "nuovo": nuovo,
            "tokens": tokens,
            "puo_prenotare": request.professionista.puo_prenotare,
        },
    )
    if nuovo:
        risposta["Cache-Control"] = "no-store"  # the token in clear is never cached by the browser
    return risposta


@professionista_required
@require_POST
def revoca(request, pk):
    token = get_object_or_404(TokenApi, pk=pk, professionista=request.professionista)
    token_api.revoca_token(request.user, token)
    messages.success(request, _("Token «%(nome)s» revocato: non funziona più.") % {"nome": token.nome})
    return redirect("professionista:gestionale")
