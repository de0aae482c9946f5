"""The citizen's pages: short views over the domain apps' services and selectors.

Every queryset is filtered by owner; URLs carry primary keys only (never codici fiscali or codes),
so another person's object is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from apps.codici.selectors import codici_del_cittadino
from apps.core.exceptions import DomainError
from apps.core.money import euro
from apps.core.pdf import pdf_response
from apps.domande.models import Bando
from apps.domande.selectors import bandi_aperti, domande_del_cittadino
from apps.domande.services import presenta_domanda, verifica_per_conferma
from apps.graduatorie.selectors import esito_pubblicato
from apps.professionisti.selectors import cerca_professionisti
from apps.sedute.models import Seduta
from apps.sedute.selectors import righe_del_codice, sedute_del_cittadino
from apps.sedute.services import annulla_seduta_beneficiario

from .forms import CercaProfessionistiForm, DomandaForm


def home_pubblica(request):
    if request.user.is_authenticated:
        return redirect("cittadino:home")
    return render(request, "home.html")


@login_required
def home(request):
    return render(
        request,
        "cittadino/home.html",
        {
            "bandi": bandi_aperti(timezone.now()),
            "domande": domande_del_cittadino(request.user),
            "codici": codici_del_cittadino(request.user),
        },
    )


def _errore_nel_form(form: DomandaForm, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@login_required
@require_http_methods(["GET", "POST"])
def presenta(request, pk):
    """Two steps without JavaScript: form → riepilogo (hidden fields) → "Conferma e invia"."""
    bando = get_object_or_404(Bando, pk=pk)
    adesso = timezone.now()
    if not bando.in_finestra(adesso):
        messages.error(
            request,
            f"Le domande per il {bando.nome} si presentano dal {bando.apertura:%d/%m/%Y} "
            f"al {bando.chiusura:%d/%m/%Y}: la finestra non è aperta.",
        )
        return redirect("cittadino:home")
    if request.method == "GET":
        iniziali = {"cf_beneficiario": request.user.codice_fiscale, "email": request.user.email}
        form = DomandaForm(initial=iniziali)
        return render(request, "cittadino/presenta.html", {"bando": bando, "form": form})

    form = DomandaForm(request.POST)
    azione = request.POST.get("azione")
    if azione == "modifica" or not form.is_valid():
        return render(request, "cittadino/presenta.html", {"bando": bando, "form": form})
    try:
        if azione == "conferma":
            domanda = presenta_domanda(
                request.user,
                bando,
                chiave_invio=form.cleaned_data["chiave_invio"],
                adesso=adesso,
                verifica=request.POST.get("verifica"),  # the riepilogo's token; absent: every check again
                **form.dati_servizio(),
            )
            return redirect("cittadino:ricevuta", pk=domanda.pk)
        _, provincia, attestazione, verifica = verifica_per_conferma(
            request.user, bando, chiave_invio=form.cleaned_data["chiave_invio"], adesso=adesso,
            **form.dati_servizio(),
        )  # fmt: skip
    except DomainError as exc:
        _errore_nel_form(form, exc)
        return render(request, "cittadino/presenta.html", {"bando": bando, "form": form})
    return render(
        request,
        "cittadino/riepilogo.html",
        {
            "bando": bando,
            "form": form,
            "dati": form.cleaned_data,
            "provincia": provincia,
            "attestazione": attestazione,
            "fascia": bando.fascia(attestazione.valore),
            "importo": bando.importo_per_isee(attestazione.valore),
            "verifica": verifica,
        },
    )


@login_required
def ricevuta(request, pk):
    domanda = get_object_or_404(domande_del_cittadino(request.user), pk=pk)
    return render(request, "cittadino/ricevuta.html", {"domanda": domanda})


@login_required
def ricevuta_pdf(request, pk):
    domanda = get_object_or_404(domande_del_cittadino(request.user), pk=pk)
    return pdf_response(
        "cittadino/pdf/ricevuta.html", {"domanda": domanda}, f"ricevuta-{domanda.protocollo}.pdf"
    )


@login_required
def ricevute(request):
    righe = [(d, esito_pubblicato(d)) for d in domande_del_cittadino(request.user)]
    return render(request, "cittadino/ricevute.html", {"righe": righe})


@login_required
def provvedimento_pdf(request, pk):
    domanda = get_object_or_404(domande_del_cittadino(request.user), pk=pk)
    esito = esito_pubblicato(domanda)
    if esito is None:
        messages.info(request, "La domanda è ancora in istruttoria: il provvedimento non è disponibile.")
        return redirect("cittadino:ricevute")
    return pdf_response(
        "cittadino/pdf/provvedimento.html",
        {"domanda": domanda, "esito": esito},
        f"provvedimento-{domanda.protocollo}.pdf",
    )


@login_required
def codice(request, pk):
    """The balance page: amounts, and every seduta booked on the code, by any professional.

    The citizens' most reloaded page: the sedute come as plain values (no model instances), formatted
    once here, and the template's loop only prints strings; measured in bench/README.md."""
    codice = get_object_or_404(codici_del_cittadino(request.user).select_related(None), pk=pk)
    adesso = timezone.now()
    etichette = {k: str(v) for k, v in Seduta.Stato.choices}
    # One reverse() for all rows: one per row cost a fifth of the page.
    url_annulla = reverse("cittadino:annulla_seduta", args=[0]).replace("/0/", "/{}/")
    righe = [
        {
            "quando": f"{timezone.localtime(r['inizio']):%d/%m/%Y %H:%M}",
            "professionista": f"{r['cognome']} {r['nome']}",
            "comune": r["comune"],
            "importo": euro(r["importo"]),
            "stato": etichette[r["stato"]],
            "url_annulla": url_annulla.format(r["pk"])
            if r["stato"] == Seduta.Stato.PRENOTATA and r["inizio"] > adesso
            else "",
        }
        for r in righe_del_codice(codice)
    ]
    return render(request, "cittadino/codice.html", {"codice": codice, "righe": righe})


@login_required
@require_http_methods(["GET", "POST"])
def annulla_seduta(request, pk):
    """The beneficiary (or whoever applied for them) cancels a booking that has not happened yet."""
    seduta = get_object_or_404(sedute_del_cittadino(request.user), pk=pk)
    if request.method == "POST":
        try:
            annulla_seduta_beneficiario(request.user, seduta)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"Seduta del {timezone.localtime(seduta.inizio):%d/%m/%Y} annullata: "
                "l'importo è tornato disponibile.",
            )
        return redirect("cittadino:codice", pk=seduta.codice_id)
    return render(request, "cittadino/annulla_seduta.html", {"seduta": seduta})


def professionisti(request):
    """Search the adhering psychotherapists by province and/or name (public: the list is public)."""
    form = CercaProfessionistiForm(request.GET or None)
    pagina = None
    if form.is_valid() and (form.cleaned_data["provincia"] or form.cleaned_data["nome"]):
        provincia = form.cleaned_data["provincia"]
        qs = cerca_professionisti(provincia.sigla if provincia else "", form.cleaned_data["nome"])
        pagina = Paginator(qs, 20).get_page(request.GET.get("pagina"))
    parametri = request.GET.copy()
    parametri.pop("pagina", None)
    return render(
        request,
        "cittadino/professionisti.html",
        {"form": form, "pagina": pagina, "parametri": parametri.urlencode()},
    )
