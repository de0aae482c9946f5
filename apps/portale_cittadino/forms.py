import uuid

from django import forms
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.core.models import Provincia
from apps.core.moduli import RendererLeggero, campi
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


# The empty form's markup (the "Presenta domanda" page's GET) depends only on the language and on three
# values: the applicant's codice fiscale and e-mail and a fresh chiave_invio. It is drawn once per language
# (and per empty / non-empty e-mail, since an empty initial value draws no value="") with placeholders
# for the three, which each request replaces with its own values, escaped as the widgets escape them.
# The <select> of 107 provinces and seven fields through apps.core.moduli cost ~1.5 ms a page here.
_SEGNAPOSTO_CF = "SEGNAPOSTOCF0000"
_SEGNAPOSTO_EMAIL = "segnaposto@email.invalid"
_SEGNAPOSTO_CHIAVE = uuid.UUID("00000000-0000-4000-8000-00005e9a9057")
_MODULI_VUOTI: dict[tuple, str] = {}


@receiver(setting_changed, dispatch_uid="portale_cittadino.moduli_vuoti")
def _svuota(**kwargs):
    _MODULI_VUOTI.clear()


def campi_domanda_vuota(cf: str, email: str) -> SafeString:
    """The markup `{% campi form %}` draws for DomandaForm(initial={"cf_beneficiario": cf, "email": email}),
    with a new chiave_invio."""
    cf, email = cf or "", email or ""
    chiave = (get_language(), bool(cf), bool(email))
    modello = None if settings.DEBUG else _MODULI_VUOTI.get(chiave)
    if modello is None:
        iniziali = {
            "cf_beneficiario": _SEGNAPOSTO_CF if cf else "",
            "email": _SEGNAPOSTO_EMAIL if email else "",
            "chiave_invio": _SEGNAPOSTO_CHIAVE,
        }
        modello = str(campi(DomandaForm(initial=iniziali)))
        assert modello.count(_SEGNAPOSTO_CF) == bool(cf) and modello.count(_SEGNAPOSTO_EMAIL) == bool(email)
        _MODULI_VUOTI[chiave] = modello
    return mark_safe(  # noqa: S308 (the template's markup; the values escaped here)
        modello.replace(_SEGNAPOSTO_CF, conditional_escape(cf))
        .replace(_SEGNAPOSTO_EMAIL, conditional_escape(email))
        .replace(str(_SEGNAPOSTO_CHIAVE), str(uuid.uuid4()))
    )


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
