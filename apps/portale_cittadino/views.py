"""The citizen's pages: short views over the domain apps' services and selectors.

Every queryset is filtered by owner; URLs carry primary keys only (never codici fiscali or codes),
so another person's object is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.codici.selectors import codici_del_cittadino
from apps.core.exceptions import DomainError
from apps.core.lingua import nella_lingua
from apps.core.money import euro
from apps.core.pdf import pdf_response
from apps.domande.selectors import bandi_aperti, domande_del_cittadino
from apps.domande.selectors import bando as leggi_bando
from apps.domande.services import controlli_del_modulo, presenta_domanda, verifica_per_conferma
from apps.graduatorie.selectors import esito_pubblicato
from apps.professionisti.selectors import cerca_professionisti
from apps.sedute.models import Seduta
from apps.sedute.selectors import righe_del_codice, sedute_del_cittadino
from apps.sedute.services import annulla_seduta_beneficiario

from .forms import CercaProfessionistiForm, DomandaForm, campi_domanda_vuota


def home_pubblica(request):
    if request.user.is_authenticated:
        return redirect("cittadino:home")
    return render(request, "home.html")


@login_required
def home(request):
    """The open bandi, and for each one whether the user already applied for themselves: then a link to
    that domanda instead of the form (their own domanda only: whether someone else applied for another
    person is never told; the rule is the service's, at the riepilogo)."""
    domande = list(domande_del_cittadino(request.user))
    proprie = {d.bando_id: d for d in domande if d.cf_beneficiario == request.user.codice_fiscale}
    return render(
        request,
        "cittadino/home.html",
        {
            "bandi": [(b, proprie.get(b.pk)) for b in bandi_aperti(timezone.now())],
            "domande": domande,
            "codici": codici_del_cittadino(request.user),
        },
    )


def _errore_nel_form(form: DomandaForm, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _errori_del_modulo(request, form: DomandaForm) -> bool:
    """Every error of the submission at once: the form's own (required, format) and the service's rules
    that read only the form (apps.domande.services.controlli_del_modulo), each next to its field; a field
    the form already flags keeps the form's message alone. True when there is any. No query."""
    valido = form.is_valid()
    dati = form.cleaned_data
    errori = controlli_del_modulo(
        request.user,
        cf_beneficiario=dati.get("cf_beneficiario", request.POST.get("cf_beneficiario", "")),
        relazione=dati.get("relazione", request.POST.get("relazione", "")),
        email=dati.get("email", request.POST.get("email", "")),
        cellulare=dati.get("cellulare", request.POST.get("cellulare", "")),
        dichiarazione=dati.get("dichiarazione", False),
    )
    for exc in errori:
        if exc.field not in form.errors:
            _errore_nel_form(form, exc)
    return not valido or bool(errori)


@login_required
@require_http_methods(["GET", "POST"])
def presenta(request, pk):
    """Two steps without JavaScript: form → riepilogo (hidden fields) → "Conferma e invia"."""
    bando = leggi_bando(pk)  # plain SQL: read on each of the three requests
    if bando is None:
        raise Http404
    adesso = timezone.now()
    if not bando.in_finestra(adesso):
        messages.error(
            request,
            _(
                "Le domande per il %(bando)s si presentano dal %(apertura)s al %(chiusura)s: "
                "la finestra non è aperta."
            )
            % {
                "bando": bando.nome,
                "apertura": date_format(bando.apertura, "SHORT_DATE_FORMAT"),
                "chiusura": date_format(bando.chiusura, "SHORT_DATE_FORMAT"),
            },
        )
        return redirect("cittadino:home")
    if request.method == "GET":
        # DomandaForm(initial={cf, email}) as `{% campi %}` draws it, without building the form each time.
        markup = campi_domanda_vuota(request.user.codice_fiscale, request.user.email)
        return render(request, "cittadino/presenta.html", {"bando": bando, "campi": markup})

    form = DomandaForm(request.POST)
    azione = request.POST.get("azione")
    if azione == "modifica":
        return render(request, "cittadino/presenta.html", {"bando": bando, "form": form})
    # The confirm step's inputs are the riepilogo's, vouched for by its token: only the form's shape there;
    # the form step shows every error of the submission at once.
    con_errori = (not form.is_valid()) if azione == "conferma" else _errori_del_modulo(request, form)
    if con_errori:
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
        _cf, provincia, attestazione, verifica = verifica_per_conferma(
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
    with nella_lingua(request.user):  # the person's saved language, whatever the request's
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
        messages.info(request, _("La domanda è ancora in istruttoria: il provvedimento non è disponibile."))
        return redirect("cittadino:ricevute")
    with nella_lingua(request.user):
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
    formato = get_format("SHORT_DATETIME_FORMAT")  # the language's; once for all rows
    righe = [
        {
            "quando": dateformat.format(timezone.localtime(r["inizio"]), formato),
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
    return render(
        request,
        "cittadino/codice.html",
        {"codice": codice, "righe": righe, "annulla": _("Annulla prenotazione")},
    )


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
                _("Seduta del %(data)s annullata: l'importo è tornato disponibile.")
                % {"data": date_format(timezone.localtime(seduta.inizio), "SHORT_DATE_FORMAT")},
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
