"""The professional's pages (seed 000: "Professionista"). Short views over the domain services.

Every seduta is looked up in the professional's own queryset, so another professional's seduta is a 404.
The verified code travels in the session, never in a URL."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.exceptions import DomainError
from apps.core.lingua import nella_lingua
from apps.core.net import client_ip
from apps.core.pdf import pdf_response
from apps.fatture.models import Fattura
from apps.fatture.selectors import fattura_della_seduta, fatture_del_professionista
from apps.professionisti.selectors import canale_attuale, canali_di, professionista_di
from apps.professionisti.services import (
    aggiungi_canale,
    aggiungi_studio,
    imposta_canale_attuale,
)
from apps.rimborsi.selectors import pagamento_fattura
from apps.sedute import services as sedute
from apps.sedute.models import Seduta
from apps.sedute.selectors import (
    codice_in_prenotazione,
    filtra_sedute,
    nominativi,
    nominativo_beneficiario,
    pazienti_del_professionista,
    sedute_del_professionista,
    termine_prima_seduta,
)

from .access import professionista_required
from .context_processors import PSICOTERAPEUTA, SESSIONE_PROFILO
from .forms import CanaleForm, FiltroSeduteForm, PrenotaSedutaForm, SedutaForm, StudioForm, VerificaForm

SESSIONE_PAZIENTE = "prenotazione_paziente"
AZIONI = {"prenotata", "modificata", "annullata", "confermata"}


def _errore(form, exc) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


# --- Profile -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def cambia_profilo(request):
    """Confirmation page, then the Psicoterapeuta profile. Nobody but a CNOP professional gets here."""
    professionista = professionista_di(request.user)
    if professionista is None:
        raise Http404
    if request.method == "POST":
        request.session[SESSIONE_PROFILO] = PSICOTERAPEUTA
        return redirect("professionista:home")
    return render(request, "professionista/cambia_profilo.html", {"professionista": professionista})


@login_required
@require_POST
def profilo_cittadino(request):
    request.session.pop(SESSIONE_PROFILO, None)
    request.session.pop(SESSIONE_PAZIENTE, None)
    return redirect("cittadino:home")


@professionista_required(serve_iban=False)
def primo_accesso(request):
    if canali_di(request.professionista).exists():
        return redirect("professionista:home")
    return render(request, "professionista/primo_accesso.html")


@professionista_required
def home(request):
    qs = sedute_del_professionista(request.professionista)
    return render(
        request,
        "professionista/home.html",
        {
            "professionista": request.professionista,
            "canale": canale_attuale(request.professionista),
            "prenotate": qs.filter(stato=Seduta.Stato.PRENOTATA).count(),
            "confermate": qs.filter(stato=Seduta.Stato.CONFERMATA).count(),
            "fatture_da_pagare": fatture_del_professionista(request.professionista)
            .filter(stato__in=[Fattura.Stato.DA_PAGARE, Fattura.Stato.SOSPESA, Fattura.Stato.IN_PAGAMENTO])
            .count(),
        },
    )


# --- Canali di accredito and studi ---------------------------------------------------------------


@professionista_required(serve_iban=False)
@require_http_methods(["GET", "POST"])
def canali(request):
    form = CanaleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            aggiungi_canale(request.user, request.professionista, **form.cleaned_data)
        except DomainError as exc:
            _errore(form, exc)
        else:
            messages.success(request, _("IBAN aggiunto ai tuoi canali di accredito."))
            return redirect("professionista:canali")
    return render(
        request, "professionista/canali.html", {"form": form, "canali": canali_di(request.professionista)}
    )


@professionista_required
@require_POST
def canale_attuale_view(request, pk):
    get_object_or_404(canali_di(request.professionista), pk=pk)
    imposta_canale_attuale(request.user, request.professionista, pk)
    messages.success(
        request, _("Canale di accredito attuale aggiornato: i prossimi rimborsi useranno questo IBAN.")
    )
    return redirect("professionista:canali")


@professionista_required
@require_http_methods(["GET", "POST"])
def studi(request):
    form = StudioForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            aggiungi_studio(request.user, request.professionista, **form.cleaned_data)
        except DomainError as exc:
            _errore(form, exc)
        else:
            messages.success(request, _("Studio aggiunto."))
            # From the booking page with no studio yet: back to the booking.
            indietro = request.POST.get("next") == "prenota"
            return redirect("professionista:prenota_seduta" if indietro else "professionista:studi")
    return render(
        request,
        "professionista/studi.html",
        {"form": form, "studi": request.professionista.studi.select_related("provincia")},
    )


# --- Prenotazione --------------------------------------------------------------------------------


def _ip(request) -> str:
    # The person's address, not the reverse proxy's: the per-IP verification limit keys on it.
    return client_ip(request)


@professionista_required
@require_http_methods(["GET", "POST"])
def prenota(request):
    """Step 1: codice fiscale + codice univoco → "Verifica associazione"."""
    if request.GET.get("nuovo"):
        request.session.pop(SESSIONE_PAZIENTE, None)
    form = VerificaForm(request.POST or None)
    verifica = None
    if request.method == "POST" and form.is_valid():
        try:
            verifica = sedute.verifica_associazione(
                request.user, request.professionista, ip=_ip(request), **form.cleaned_data
            )
        except sedute.DomainError as exc:
            request.session.pop(SESSIONE_PAZIENTE, None)
            _errore(form, exc)
        else:
            request.session[SESSIONE_PAZIENTE] = {
                "codice_id": verifica.codice_id,
                "cf": verifica.codice_fiscale,
            }
    termine = termine_prima_seduta(codice_in_prenotazione(verifica.codice_id)) if verifica else None
    return render(
        request,
        "professionista/prenota.html",
        {
            "form": form,
            "verifica": verifica,
            "termine": termine,
            "puo_prenotare": request.professionista.puo_prenotare,
        },
    )


@professionista_required
@require_POST
def stesso_paziente(request, pk):
    """ "Prenota un'altra seduta per lo stesso paziente": the pairing comes from one of the professional's
    own sedute; booking re-checks it under lock anyway."""
    seduta = get_object_or_404(sedute_del_professionista(request.professionista), pk=pk)
    request.session[SESSIONE_PAZIENTE] = {
        "codice_id": seduta.codice_id,
        "cf": seduta.codice.domanda.cf_beneficiario,
    }
    return redirect("professionista:prenota_seduta")


@professionista_required
@require_http_methods(["GET", "POST"])
def prenota_seduta(request):
    """Step 2: date, time, duration, amount and studio for the verified patient."""
    paziente = request.session.get(SESSIONE_PAZIENTE)
    codice = codice_in_prenotazione(paziente["codice_id"]) if paziente else None
    if codice is None:
        messages.info(request, _("Verifica prima codice fiscale e codice univoco del paziente."))
        return redirect("professionista:prenota")
    studi = request.professionista.studi.select_related("provincia")
    form = PrenotaSedutaForm(request.POST or None, studi=studi)
    if request.method == "POST" and form.is_valid():
        try:
            seduta = sedute.prenota_seduta(
                request.user,
                request.professionista,
                codice_id=codice.pk,
                codice_fiscale=paziente["cf"],
                studio=form.cleaned_data["studio"],
                inizio=form.inizio,
                durata_minuti=form.cleaned_data["durata_minuti"],
                importo=form.cleaned_data["importo"],
                chiave_invio=form.cleaned_data["chiave_invio"],
            )
        except sedute.DomainError as exc:
            _errore(form, exc)
            codice.refresh_from_db()
        else:
            return redirect(reverse("professionista:riepilogo", args=[seduta.pk]) + "?azione=prenotata")
    return render(
        request,
        "professionista/prenota_seduta.html",
        {
            "form": form,
            "codice": codice,
            "nominativo": nominativo_beneficiario(paziente["cf"]),
            "codice_fiscale": paziente["cf"],
            "massimo": sedute.massimo_per_seduta(codice),
            "termine": termine_prima_seduta(codice),
            "nessuno_studio": not studi.exists(),
        },
    )


# --- Le mie sedute -------------------------------------------------------------------------------


@professionista_required
def elenco_sedute(request):
    filtro = FiltroSeduteForm(
        request.GET or None, pazienti=pazienti_del_professionista(request.professionista)
    )
    qs = sedute_del_professionista(request.professionista)
    if filtro.is_valid():
        qs = filtra_sedute(qs, **filtro.cleaned_data)
    pagina = Paginator(qs.order_by("-inizio", "-pk"), 20).get_page(request.GET.get("pagina"))
    nomi = nominativi([s.codice.domanda.cf_beneficiario for s in pagina])
    righe = [(s, nomi[s.codice.domanda.cf_beneficiario]) for s in pagina]
    parametri = request.GET.copy()
    parametri.pop("pagina", None)
    return render(
        request,
        "professionista/sedute.html",
        {"filtro": filtro, "pagina": pagina, "righe": righe, "parametri": parametri.urlencode()},
    )


def _seduta(request, pk) -> Seduta:
    return get_object_or_404(sedute_del_professionista(request.professionista), pk=pk)


def _contesto(seduta: Seduta, **extra) -> dict:
    # The first-seduta deadline matters on a seduta still to confirm; one held after the deadline does not
    # save the code, and the page says so.
    termine = termine_prima_seduta(seduta.codice) if seduta.stato == Seduta.Stato.PRENOTATA else None
    if termine:
        termine["dopo"] = timezone.localdate(seduta.inizio) > termine["entro"]
    return {
        "seduta": seduta,
        "nominativo": nominativo_beneficiario(seduta.codice.domanda.cf_beneficiario),
        "confermabile": seduta.confermabile(),
        "termine": termine,
        **extra,
    }


@professionista_required
def dettaglio(request, pk):
    seduta = _seduta(request, pk)
    fattura = fattura_della_seduta(seduta)
    return render(
        request,
        "professionista/seduta.html",
        _contesto(seduta, fattura=fattura, pagamento=pagamento_fattura(fattura) if fattura else None),
    )


@professionista_required
def riepilogo(request, pk):
    azione = request.GET.get("azione")
    return render(
        request,
        "professionista/riepilogo.html",
        _contesto(_seduta(request, pk), azione=azione if azione in AZIONI else None),
    )


@professionista_required
def ricevuta_pdf(request, pk):
    seduta = _seduta(request, pk)
    contesto = _contesto(seduta, massimo_seduta=seduta.codice.domanda.bando.massimo_seduta)
    # In the professional's saved language, whatever the request's.
    with nella_lingua(request.user):
        return pdf_response("professionista/pdf/ricevuta.html", contesto, f"seduta-{seduta.numero}.pdf")


@professionista_required
@require_http_methods(["GET", "POST"])
def modifica(request, pk):
    seduta = _seduta(request, pk)
    if not seduta.modificabile:
        messages.error(
            request,
            _("La seduta è %(stato)s: non si può più modificare.") % {"stato": seduta.get_stato_display()},
        )
        return redirect("professionista:seduta", pk=seduta.pk)
    form = SedutaForm.da_seduta(seduta, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sedute.modifica_seduta(
                request.user,
                seduta,
                inizio=form.inizio,
                durata_minuti=form.cleaned_data["durata_minuti"],
                importo=form.cleaned_data["importo"],
            )
        except sedute.DomainError as exc:
            _errore(form, exc)
        else:
            return redirect(reverse("professionista:riepilogo", args=[seduta.pk]) + "?azione=modificata")
    seduta.codice.refresh_from_db()
    return render(
        request,
        "professionista/modifica.html",
        _contesto(
            seduta,
            form=form,
            massimo=sedute.massimo_per_seduta(seduta.codice, seduta.codice.residuo + seduta.importo),
        ),
    )


def _azione(request, pk, servizio, azione: str, template: str):
    seduta = _seduta(request, pk)
    if request.method == "POST":
        try:
            servizio(request.user, seduta)
        except sedute.DomainError as exc:
            messages.error(request, exc.message)
            return redirect("professionista:seduta", pk=seduta.pk)
        return redirect(reverse("professionista:riepilogo", args=[seduta.pk]) + f"?azione={azione}")
    return render(request, template, _contesto(seduta))


@professionista_required
@require_http_methods(["GET", "POST"])
def annulla(request, pk):
    return _azione(request, pk, sedute.annulla_seduta, "annullata", "professionista/annulla.html")


@professionista_required
@require_http_methods(["GET", "POST"])
def conferma(request, pk):
    return _azione(request, pk, sedute.conferma_seduta, "confermata", "professionista/conferma.html")
