import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.models import Provincia
from apps.core.moduli import RendererLeggero
from apps.domande.models import Domanda

from .widgets import ProvinciaInCache, SelectInCache

# One instance for the process: a renderer builds its template engine once (apps.core.moduli).
RENDERER = RendererLeggero()


class DomandaForm(forms.Form):
    """The citizen's domanda. Only shapes the input: every rule is in apps.domande.services."""

    default_renderer = RENDERER

    relazione = forms.ChoiceField(
        label=_("Presento la domanda"),
        choices=Domanda.Relazione.choices,
        widget=forms.RadioSelect,
        initial=Domanda.Relazione.SE_STESSO,
    )
    cf_beneficiario = forms.CharField(
        label=_("Codice fiscale del beneficiario"),
        max_length=16,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    provincia = ProvinciaInCache(
        label=_("Provincia di residenza del beneficiario"),
        queryset=Provincia.objects.select_related("regione").order_by("nome"),
        empty_label=_("Scegli una provincia"),
        help_text=_("La regione si ricava dalla provincia."),
        widget=SelectInCache,
    )
    email = forms.EmailField(
        label=_("E-mail per l'esito"),
        required=False,
        widget=forms.EmailInput(attrs={"class": "form-control"}),
    )
    cellulare = forms.RegexField(
        label=_("Cellulare per l'esito"),
        required=False,
        regex=r"^\+?[0-9 ]{8,16}$",
        error_messages={"invalid": _("Numero di cellulare non valido.")},
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "tel"}),
        help_text=_("Indicare almeno l'e-mail o il cellulare."),
    )
    dichiarazione = forms.BooleanField(
        label=_(
            "Dichiaro, ai sensi degli artt. 46 e 47 del DPR 445/2000 e consapevole delle sanzioni penali "
            "per le dichiarazioni mendaci (art. 76), che i dati indicati sono veri."
        ),
        required=False,
    )
    chiave_invio = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provincia"].widget.attrs["class"] = "form-select"
        self.fields["dichiarazione"].widget.attrs["class"] = "form-check-input"

    def clean_cf_beneficiario(self):
        return self.cleaned_data["cf_beneficiario"].strip().upper().replace(" ", "")

    def dati_servizio(self) -> dict:
        d = self.cleaned_data
        return {
            "cf_beneficiario": d["cf_beneficiario"],
            "relazione": d["relazione"],
            "provincia": d["provincia"],
            "email": d["email"],
            "cellulare": d["cellulare"],
            "dichiarazione": d["dichiarazione"],
        }


class CercaProfessionistiForm(forms.Form):
    default_renderer = RENDERER
    provincia = forms.ModelChoiceField(
        label=_("Provincia dello studio"),
        queryset=Provincia.objects.order_by("nome"),
        required=False,
        empty_label=_("Tutte le province"),
        widget=SelectInCache,
    )
    nome = forms.CharField(
        label=_("Cognome o nome"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
