"""The citizen's "Le mie fatture": the fatture on their codes, by period; download a selection as one PDF
or a ZIP. The rules and the documents are in apps.fatture.documenti; every queryset is filtered by owner,
URLs carry ids only, another person's fattura or archive is ignored or a 404."""

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from apps.core.exceptions import DomainError
from apps.core.lingua import nella_lingua
from apps.fatture import documenti
from apps.fatture.models import ArchivioFatture

PRIMO_GIORNO = dt.date(2000, 1, 1)
ULTIMO_GIORNO = dt.date(2099, 12, 31)
PER_PAGINA = 20
AGGIORNA_OGNI = 3  # seconds, the status page's refresh while the archive is being built


def _data(label):
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"class": "form-control", "type": "date"}),
        error_messages={"invalid": _("Indica una data valida, ad esempio 31/01/2026.")},
    )


class PeriodoForm(forms.Form):
    dal = _data(_("Dal"))
    al = _data(_("Al"))

    def _nei_limiti(self, campo):
        giorno = self.cleaned_data.get(campo)
        if giorno and not PRIMO_GIORNO <= giorno <= ULTIMO_GIORNO:
            raise forms.ValidationError(
                gettext("Indica una data tra il %(primo)s e il %(ultimo)s.")
                % {
                    "primo": formats.date_format(PRIMO_GIORNO, "SHORT_DATE_FORMAT"),
                    "ultimo": formats.date_format(ULTIMO_GIORNO, "SHORT_DATE_FORMAT"),
                }
            )
        return giorno

    def clean_dal(self):
        return self._nei_limiti("dal")

    def clean_al(self):
        return self._nei_limiti("al")

    def clean(self):
        dati = super().clean()
        if dati.get("dal") and dati.get("al") and dati["dal"] > dati["al"]:
            self.add_error("al", gettext("La data finale precede quella iniziale."))
        return dati


class IdField(forms.Field):
    """The ticked fatture's ids; anything that is not a positive number is ignored. The template draws
    the checkboxes itself (one per row); the widget only reads the list."""

    widget = forms.SelectMultiple

    def to_python(self, value):
        valori = value if isinstance(value, list | tuple) else [value] if value else []
        return [int(v) for v in valori[: documenti.MASSIMO_SELEZIONE + 1] if str(v).isdigit()]


class SelezioneForm(PeriodoForm):
    dal = forms.DateField(required=False, widget=forms.HiddenInput)  # the list's filter, carried along
    al = forms.DateField(required=False, widget=forms.HiddenInput)
    fatture = IdField(label=_("Fatture da scaricare"), required=False)
    tutte = forms.BooleanField(required=False)
    formato = forms.ChoiceField(
        label=_("Formato"),
        choices=ArchivioFatture.Formato.choices,
        error_messages={"required": _("Scegli il formato."), "invalid_choice": _("Scegli il formato.")},
    )


def _elenco(request, filtro: PeriodoForm, selezione: SelezioneForm | None = None):
    qs = documenti.fatture_del_cittadino(request.user)
    if filtro.is_valid():
        qs = documenti.filtra_per_periodo(qs, dal=filtro.cleaned_data["dal"], al=filtro.cleaned_data["al"])
    pagina = Paginator(qs, PER_PAGINA).get_page(request.GET.get("pagina"))
    parametri = request.GET.copy()
    parametri.pop("pagina", None)
    periodo = filtro.cleaned_data if filtro.is_bound and filtro.is_valid() else {}
    scelte = set(selezione.cleaned_data.get("fatture", [])) if selezione is not None else set()
    return render(
        request,
        "cittadino/fatture.html",
        {
            "filtro": filtro,
            "selezione": selezione,
            "scelte": scelte,
            "pagina": pagina,
            "parametri": parametri.urlencode(),
            "dal": periodo.get("dal"),
            "al": periodo.get("al"),
            "soglia": documenti.SOGLIA_IN_CODA,
        },
    )


def _nome_download(formato: str, ids: list[int], user) -> str:
    if formato == ArchivioFatture.Formato.ZIP:
        return "fatture.zip"
    if len(ids) == 1:
        return documenti.nome_file(documenti.fatture_del_cittadino(user).get(pk=ids[0]))
    return "fatture.pdf"


@login_required
@require_http_methods(["GET", "POST"])
def fatture(request):
    """GET: the list, filtered by period. POST: download the selection (small: now; large: an archive
    built by the task, then its status page)."""
    if request.method == "GET":
        return _elenco(request, PeriodoForm(request.GET or None))
    selezione = SelezioneForm(request.POST)
    filtro = PeriodoForm({"dal": request.POST.get("dal", ""), "al": request.POST.get("al", "")})
    if not selezione.is_valid():
        return _elenco(request, filtro, selezione)
    dati = selezione.cleaned_data
    try:
        ids = documenti.selezione(
            request.user,
            ids=dati["fatture"],
            tutte=dati["tutte"],
            dal=dati["dal"],
            al=dati["al"],
            formato=dati["formato"],
        )
    except DomainError as exc:
        selezione.add_error(exc.field, exc.message)
        return _elenco(request, filtro, selezione)
    if len(ids) > documenti.SOGLIA_IN_CODA:
        archivio = documenti.richiedi_archivio(request.user, ids, dati["formato"])
        return redirect("cittadino:archivio_fatture", pk=archivio.pk)
    file = documenti.file_temporaneo()  # closed (and so deleted) by the response once sent
    with nella_lingua(request.user):
        documenti.scrivi(dati["formato"], ids, file)
    file.seek(0)
    return FileResponse(
        file,
        as_attachment=True,
        filename=_nome_download(dati["formato"], ids, request.user),
        content_type="application/zip"
        if dati["formato"] == ArchivioFatture.Formato.ZIP
        else "application/pdf",
    )


@login_required
def archivio(request, pk):
    """The status of a large download: "n di N", reloaded every AGGIORNA_OGNI seconds by static/js/portale.js
    until ready (data-aggiorna-ogni; without JavaScript the "Aggiorna ora" link)."""
    archivio = get_object_or_404(documenti.archivi_del_cittadino(request.user), pk=pk)
    in_corso = archivio.stato in (ArchivioFatture.Stato.IN_CODA, ArchivioFatture.Stato.IN_CORSO)
    return render(
        request,
        "cittadino/fatture_archivio.html",
        {
            "archivio": archivio,
            "in_corso": in_corso,
            # The person may stop the automatic refresh (WCAG 2.2.1): ?aggiorna=0.
            "aggiorna": AGGIORNA_OGNI if in_corso and request.GET.get("aggiorna") != "0" else None,
            "pronto": documenti.percorso(archivio) is not None,
            "conservazione_ore": int(documenti.CONSERVAZIONE.total_seconds() // 3600),
        },
    )


@login_required
def archivio_scarica(request, pk):
    archivio = get_object_or_404(documenti.archivi_del_cittadino(request.user), pk=pk)
    file = documenti.percorso(archivio)
    if file is None:
        raise Http404
    return FileResponse(
        open(file, "rb"),  # noqa: SIM115 — FileResponse closes it
        as_attachment=True,
        filename=f"fatture.{archivio.formato}",
        content_type="application/zip"
        if archivio.formato == ArchivioFatture.Formato.ZIP
        else "application/pdf",
    )
