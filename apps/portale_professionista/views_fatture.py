"""The professional's "Le mie fatture" (seed 000: "Registrazione e rimborso fattura"). Short views over
apps.fatture's services and selectors; every fattura is looked up among the professional's own, so
another professional's fattura is a 404."""

import io

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.core.exceptions import DomainError
from apps.fatture import services as fatture
from apps.fatture.models import Fattura
from apps.fatture.selectors import (
    fatture_del_professionista,
    filtra_fatture,
    pazienti_fatturati,
    righe_della_fattura,
    sedute_da_fatturare,
)
from apps.fatture.sts import COLONNE as COLONNE_STS
from apps.fatture.sts import anni_sts, scrivi_sts
from apps.professionisti.models import CanaleAccredito
from apps.professionisti.selectors import canale_attuale
from apps.rimborsi.selectors import pagamento_fattura
from apps.sedute.selectors import nominativi, nominativo_beneficiario

from .access import professionista_required
from .forms import AnnoStsForm, FiltroFattureForm, RegistraFatturaForm

CAMPI = ("sedute", "emittente", "numero", "data", "totale")


def _aggiungi(form, errori) -> None:
    """The service's errors next to their fields; a field the form already found wrong keeps its own."""
    for errore in errori:
        campo = errore.field if errore.field in form.fields else None
        if campo is None or campo not in form.errors:
            form.add_error(campo, errore.message)


def _emittente(professionista) -> str:
    """Prefill: the Ente's name when the current IBAN is an Ente's, else the professional's."""
    canale = canale_attuale(professionista)
    if canale is not None and canale.tipo == CanaleAccredito.Tipo.ENTE and canale.denominazione:
        return canale.denominazione
    return professionista.nominativo


@professionista_required
@require_http_methods(["GET", "POST"])
def registra(request):
    """Tick one patient's confirmed sedute, enter the invoice's data, "Conferma fattura"."""
    professionista = request.professionista
    form = RegistraFatturaForm(request.POST or None, initial={"emittente": _emittente(professionista)})
    if request.method == "POST":
        if form.is_valid():
            try:
                fattura = fatture.registra_fattura(
                    request.user, professionista, **{c: form.cleaned_data[c] for c in CAMPI},
                    chiave_invio=form.cleaned_data["chiave_invio"],
                )  # fmt: skip
            except fatture.FatturaNonValida as exc:
                _aggiungi(form, exc.errori)
            except DomainError as exc:
                _aggiungi(form, [exc])
            else:
                return redirect("professionista:riepilogo_fattura", pk=fattura.pk)
        else:
            # The rules on the fields that are right, so every error shows at once.
            dati = {c: form.cleaned_data.get(c) for c in CAMPI if c not in form.errors}
            dati.setdefault("sedute", None)
            _aggiungi(form, fatture.controlla_fattura(professionista, **dati))
    scelte = {str(v) for v in request.POST.getlist("sedute")} if request.method == "POST" else set()
    return render(
        request,
        "professionista/registra_fattura.html",
        {"form": form, "pazienti": sedute_da_fatturare(professionista), "scelte": scelte},
    )


def _fattura(request, pk) -> Fattura:
    return get_object_or_404(fatture_del_professionista(request.professionista), pk=pk)


def _contesto(fattura: Fattura, **extra) -> dict:
    return {
        "fattura": fattura,
        "nominativo": nominativo_beneficiario(fattura.codice.domanda.cf_beneficiario),
        "righe": righe_della_fattura(fattura),
        "pagamento": pagamento_fattura(fattura),
        **extra,
    }


@professionista_required
def riepilogo(request, pk):
    return render(request, "professionista/riepilogo_fattura.html", _contesto(_fattura(request, pk)))


@professionista_required
def dettaglio(request, pk):
    return render(request, "professionista/fattura.html", _contesto(_fattura(request, pk)))


@professionista_required
@require_http_methods(["GET", "POST"])
def ritira(request, pk):
    fattura = _fattura(request, pk)
    if request.method == "POST":
        try:
            fatture.ritira_fattura(request.user, fattura)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Fattura ritirata: le sue sedute sono di nuovo da fatturare."))
        return redirect("professionista:fattura", pk=fattura.pk)
    if not fattura.ritirabile:
        if fattura.stato != Fattura.Stato.RITIRATA:
            messages.error(
                request,
                _("La fattura è %(stato)s: è entrata in un lotto di pagamento e non si può più ritirare.")
                % {"stato": fattura.get_stato_display()},
            )
        return redirect("professionista:fattura", pk=fattura.pk)
    return render(request, "professionista/ritira_fattura.html", _contesto(fattura))


@professionista_required
def elenco(request):
    filtro = FiltroFattureForm(request.GET or None, pazienti=pazienti_fatturati(request.professionista))
    qs = fatture_del_professionista(request.professionista)
    if filtro.is_valid():
        qs = filtra_fatture(qs, **filtro.cleaned_data)
    pagina = Paginator(qs.order_by("-data", "-registrata_il", "-pk"), 20).get_page(request.GET.get("pagina"))
    nomi = nominativi([f.codice.domanda.cf_beneficiario for f in pagina])
    righe = [(f, nomi[f.codice.domanda.cf_beneficiario]) for f in pagina]
    parametri = request.GET.copy()
    parametri.pop("pagina", None)
    return render(
        request,
        "professionista/fatture.html",
        {"filtro": filtro, "pagina": pagina, "righe": righe, "parametri": parametri.urlencode()},
    )


@professionista_required
def esporta_sts(request):
    """ "Esporta per il Sistema Tessera Sanitaria": choose a year, download `sts-ANNO.csv` (apps.fatture.sts).
    A GET form: the download changes nothing but the audit trail, and the year in the address is no secret."""
    anni = anni_sts(request.professionista)
    form = AnnoStsForm(request.GET if "anno" in request.GET else None, anni=anni)
    if form.is_bound and form.is_valid():
        anno = form.cleaned_data["anno"]
        out = io.StringIO()
        try:
            scrivi_sts(request.user, request.professionista, anno, out)
        except DomainError as exc:
            form.add_error("anno", exc.message)
        else:
            response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="sts-{anno}.csv"'
            return response
    return render(
        request, "professionista/esporta_sts.html", {"form": form, "anni": anni, "colonne": COLONNE_STS}
    )
