"""Forms of the professional's pages. They shape input; the rules are in the domain services."""

import datetime as dt
import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from stdnum.it import iva

from apps.core.models import Provincia
from apps.core.money import MASSIMO_SEDUTA, euro
from apps.core.validators import (
    is_valid_codice_fiscale,
    normalize_codice_fiscale,
    parse_money,
    validate_iban,
    validate_partita_iva,
)
from apps.fatture.models import Fattura
from apps.fatture.services import MASSIMO_TOTALE
from apps.professionisti.models import CanaleAccredito
from apps.professionisti.services import normalizza_iban
from apps.sedute.models import Seduta

TESTO = {"class": "form-control", "autocomplete": "off"}


class ImportoField(forms.CharField):
    """An amount in euro as Italians type it: "40", "40,5", "40.50"."""

    def to_python(self, value):
        value = super().to_python(value).replace("€", "").replace(" ", "").replace(",", ".")
        if not value:
            return None
        try:
            importo = parse_money(value)
        except ValueError as exc:
            raise ValidationError(
                gettext("Indica un importo in euro con al massimo due decimali, ad esempio %(esempio)s.")
                % {"esempio": formats.number_format(Decimal("50.00"), decimal_pos=2, use_l10n=True)}
            ) from exc
        if importo < Decimal("0.01"):
            raise ValidationError(
                gettext("L'importo minimo è %(minimo)s.") % {"minimo": euro(Decimal("0.01"))}
            )
        if importo > MASSIMO_SEDUTA:
            raise ValidationError(
                gettext("L'importo massimo rimborsabile per seduta è %(massimo)s.")
                % {"massimo": euro(MASSIMO_SEDUTA)}
            )
        return importo


class CanaleForm(forms.Form):
    tipo = forms.ChoiceField(
        label=_("L'IBAN è intestato"),
        choices=[("personale", _("a me")), ("ente", _("a un Ente o Studio Professionale"))],
        widget=forms.RadioSelect,
        initial="personale",
    )
    iban = forms.CharField(label=_("IBAN"), max_length=42, widget=forms.TextInput(attrs=TESTO))
    partita_iva = forms.CharField(
        label=_("Partita IVA dell'Ente o Studio"),
        max_length=20,  # 11 digits, maybe "IT" and spaces: compacted in clean()
        required=False,
        widget=forms.TextInput(attrs={**TESTO, "inputmode": "numeric"}),
        help_text=_("Solo per un IBAN intestato a un Ente o Studio Professionale."),
    )
    denominazione = forms.CharField(
        label=_("Denominazione dell'Ente o Studio"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs=TESTO),
    )

    def clean_iban(self):
        valore = normalizza_iban(self.cleaned_data["iban"])
        validate_iban(valore)
        return valore

    def clean(self):
        dati = super().clean()
        if dati.get("tipo") == CanaleAccredito.Tipo.ENTE:
            piva = "".join((dati.get("partita_iva") or "").split())
            if "partita_iva" in self.errors:
                pass  # already told what is wrong with it (too long)
            elif not piva:
                self.add_error(
                    "partita_iva", gettext("Per un IBAN di un Ente o Studio indica la sua Partita IVA.")
                )
            else:
                try:
                    validate_partita_iva(piva)
                    dati["partita_iva"] = iva.compact(piva)
                except ValidationError as exc:
                    self.add_error("partita_iva", exc)
            if "denominazione" not in self.errors and not (dati.get("denominazione") or "").strip():
                self.add_error("denominazione", gettext("Indica la denominazione dell'Ente o Studio."))
        else:
            dati["partita_iva"], dati["denominazione"] = "", ""
        return dati


class StudioForm(forms.Form):
    indirizzo = forms.CharField(label=_("Indirizzo"), max_length=200, widget=forms.TextInput(attrs=TESTO))
    comune = forms.CharField(label=_("Comune"), max_length=100, widget=forms.TextInput(attrs=TESTO))
    provincia = forms.ModelChoiceField(
        label=_("Provincia"),
        queryset=Provincia.objects.order_by("nome"),
        empty_label=_("Scegli una provincia"),
    )
    cap = forms.RegexField(
        label=_("CAP"),
        regex=r"^[0-9]{5}$",  # not \d: it matches any Unicode digit
        error_messages={"invalid": _("Il CAP è di 5 cifre.")},
        widget=forms.TextInput(attrs={**TESTO, "inputmode": "numeric"}),
    )


class VerificaForm(forms.Form):
    codice_fiscale = forms.CharField(
        label=_("Codice fiscale del paziente"), max_length=20, widget=forms.TextInput(attrs=TESTO)
    )
    codice = forms.CharField(label=_("Codice univoco"), max_length=20, widget=forms.TextInput(attrs=TESTO))

    def clean_codice_fiscale(self):
        cf = normalize_codice_fiscale(self.cleaned_data["codice_fiscale"])
        if len(cf) != 16:
            raise ValidationError(
                gettext("Il codice fiscale ha 16 caratteri: quello indicato ne ha %(n)d.") % {"n": len(cf)}
            )
        if not is_valid_codice_fiscale(cf):
            raise ValidationError(
                gettext(
                    "Codice fiscale non valido: controlla i 16 caratteri, "
                    "l'ultimo è un carattere di controllo."
                )
            )
        return cf


class SedutaForm(forms.Form):
    data = forms.DateField(
        label=_("Data appuntamento"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"class": "form-control", "type": "date"}),
    )
    ora = forms.TimeField(
        label=_("Ora appuntamento"),
        widget=forms.TimeInput(format="%H:%M", attrs={"class": "form-control", "type": "time"}),
    )
    durata_minuti = forms.IntegerField(
        label=_("Durata (minuti)"),
        min_value=1,
        max_value=600,
        initial=50,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
        error_messages={
            "min_value": _("Indica una durata di almeno 1 minuto."),
            "max_value": _("Indica una durata di al massimo 600 minuti."),
        },
    )
    importo = ImportoField(
        label=_("Importo (€)"), widget=forms.TextInput(attrs={**TESTO, "inputmode": "decimal"})
    )

    def __init__(self, *args, studi=None, **kwargs):
        super().__init__(*args, **kwargs)
        if studi is not None:
            self.fields["studio"] = forms.ModelChoiceField(
                label=_("Studio"),
                queryset=studi,
                empty_label=None if studi.count() == 1 else _("Scegli lo studio"),
            )

    def clean(self):
        dati = super().clean()
        if dati.get("data") and dati.get("ora"):
            locale = dt.datetime.combine(dati["data"], dati["ora"], tzinfo=timezone.get_current_timezone())
            # In the gap of the switch to summer time fold=0 takes the offset before it, fold=1 the one
            # after: the time does not exist, and would be stored as an hour later.
            if locale.utcoffset() < locale.replace(fold=1).utcoffset():
                self.add_error(
                    "ora",
                    gettext(
                        "Il %(giorno)s alle %(ora)s non esiste: a quell'ora scatta l'ora legale e gli "
                        "orologi passano dalle 02:00 alle 03:00. Indica un altro orario."
                    )
                    % {
                        "giorno": formats.date_format(dati["data"], "SHORT_DATE_FORMAT"),
                        "ora": dati["ora"].strftime("%H:%M"),
                    },
                )
        return dati

    @property
    def inizio(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.cleaned_data["data"], self.cleaned_data["ora"]))

    @classmethod
    def da_seduta(cls, seduta: Seduta, data=None):
        locale = timezone.localtime(seduta.inizio)
        iniziali = {
            "data": locale.date(),
            "ora": locale.time().replace(second=0, microsecond=0),
            "durata_minuti": seduta.durata_minuti,
            # The input's own format ("40,00"), not the display one (euro()): no grouping, no symbol.
            "importo": formats.number_format(seduta.importo, decimal_pos=2, use_l10n=True),
        }
        return cls(data, initial=iniziali)


class PrenotaSedutaForm(SedutaForm):
    # One-time key of this form: a resubmission books once. Not required: a form without it still books.
    chiave_invio = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4, required=False)


class FiltroSeduteForm(forms.Form):
    stato = forms.ChoiceField(
        label=_("Stato"), required=False, choices=[("", _("Tutti")), *Seduta.Stato.choices]
    )
    # A choice of the professional's own patients, by code id: no codice fiscale in the URL.
    paziente = forms.TypedChoiceField(label=_("Paziente"), required=False, coerce=int, empty_value=None)
    dal = forms.DateField(
        label=_("Dal"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"class": "form-control", "type": "date"}),
    )
    al = forms.DateField(
        label=_("Al"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"class": "form-control", "type": "date"}),
    )

    def __init__(self, *args, pazienti=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paziente"].choices = [("", gettext("Tutti")), *pazienti]

    def clean(self):
        dati = super().clean()
        if dati.get("dal") and dati.get("al") and dati["dal"] > dati["al"]:
            self.add_error("al", gettext("La data finale precede quella iniziale."))
        return dati


# --- Fatture -------------------------------------------------------------------------------------


class TotaleField(forms.CharField):
    """A fattura's total in euro as Italians type it ("1.200,50" too); up to what a money column holds."""

    def to_python(self, value):
        value = super().to_python(value).replace("€", "").replace(" ", "").replace("\u00a0", "")
        if "," in value:  # Italian: dots group thousands, the comma is the decimal point
            value = value.replace(".", "").replace(",", ".")
        if not value:
            return None
        esempio = formats.number_format(Decimal("120.00"), decimal_pos=2, use_l10n=True)
        try:
            totale = Decimal(value)
        except ArithmeticError as exc:
            raise ValidationError(
                gettext("Indica un importo in euro con al massimo due decimali, ad esempio %(esempio)s.")
                % {"esempio": esempio}
            ) from exc
        if not totale.is_finite():
            raise ValidationError(
                gettext("Indica un importo in euro con al massimo due decimali, ad esempio %(esempio)s.")
                % {"esempio": esempio}
            )
        if totale < Decimal("0.01"):
            raise ValidationError(
                gettext("Il totale della fattura deve essere di almeno %(minimo)s.")
                % {"minimo": euro(Decimal("0.01"))}
            )
        if totale > MASSIMO_TOTALE:
            raise ValidationError(
                gettext("Il totale della fattura non può superare %(massimo)s.")
                % {"massimo": euro(MASSIMO_TOTALE)}
            )
        if totale != totale.quantize(Decimal("0.01")):
            raise ValidationError(gettext("Il totale della fattura ha al massimo due decimali."))
        return totale


class SeduteField(forms.MultipleChoiceField):
    """The ticked sedute, as ids. Any id passes here: the service says what is wrong with each (another
    professional's, already invoiced…), under lock. The template draws the boxes grouped by patient."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value):
        ids = []
        for voce in super().to_python(value):
            if not voce.isdigit() or len(voce) > 18:
                raise ValidationError(gettext("Seleziona le sedute dall'elenco."))
            ids.append(int(voce))
        return ids

    def valid_value(self, value):
        return True


class RegistraFatturaForm(forms.Form):
    sedute = SeduteField(
        label=_("Sedute da fatturare"),
        error_messages={"required": _("Seleziona almeno una seduta da fatturare.")},
    )
    emittente = forms.CharField(
        label=_("Ragione sociale o nominativo di chi emette la fattura"),
        max_length=200,
        widget=forms.TextInput(attrs=TESTO),
        error_messages={"required": _("Indica chi ha emesso la fattura (ragione sociale o nominativo).")},
    )
    data = forms.DateField(
        label=_("Data fattura"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"class": "form-control", "type": "date"}),
        error_messages={"required": _("Indica la data della fattura.")},
    )
    numero = forms.CharField(
        label=_("Numero fattura"),
        max_length=60,  # spaces are collapsed before the 30 characters are counted
        widget=forms.TextInput(attrs=TESTO),
        error_messages={"required": _("Indica il numero della fattura.")},
    )
    totale = TotaleField(
        label=_("Importo totale della fattura (€)"),
        widget=forms.TextInput(attrs={**TESTO, "inputmode": "decimal"}),
        help_text=_("Il totale che risulta sulla fattura: almeno la somma delle sedute selezionate."),
        error_messages={"required": _("Indica il totale della fattura in euro.")},
    )
    # One-time key of this form: a resubmission registers once.
    chiave_invio = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4, required=False)


class FiltroFattureForm(FiltroSeduteForm):
    stato = forms.ChoiceField(
        label=_("Stato del pagamento"), required=False, choices=[("", _("Tutti")), *Fattura.Stato.choices]
    )

    field_order = ["dal", "al", "paziente", "stato"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dal"].label = _("Data fattura dal")
        self.fields["al"].label = _("Data fattura al")


class TokenApiForm(forms.Form):
    """ "Accesso per il gestionale": a new personal API token (apps.professionisti.token_api)."""

    nome = forms.CharField(
        label=_("Nome del token"),
        max_length=80,
        help_text=_("Per riconoscerlo nell'elenco, per esempio il nome del tuo gestionale."),
        widget=forms.TextInput(attrs=TESTO),
    )
    ambiti = forms.MultipleChoiceField(
        label=_("Cosa può fare il gestionale"),
        choices=[
            ("lettura", _("Leggere sedute, fatture e rimborsi")),
            ("sedute", _("Verificare codici e prenotare, modificare, annullare e confermare sedute")),
            ("fatture", _("Registrare e ritirare fatture")),
        ],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Scegli almeno una delle operazioni.")},
    )
    giorni = forms.TypedChoiceField(
        label=_("Durata"),
        coerce=int,
        choices=[(30, _("30 giorni")), (90, _("90 giorni")), (180, _("180 giorni")), (365, _("1 anno"))],
        initial=90,
        widget=forms.RadioSelect,
    )


class AnnoStsForm(forms.Form):
    """The year of the STS export: only years with the professional's own fatture are offered; any other
    value (an edited address) gets the message next to the field."""

    anno = forms.TypedChoiceField(
        label=_("Anno delle fatture"),
        coerce=int,
        error_messages={
            "required": _("Scegli l'anno delle fatture da esportare."),
            "invalid_choice": _("Scegli un anno in cui hai registrato fatture."),
        },
    )

    def __init__(self, *args, anni=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["anno"].choices = [(a, str(a)) for a in anni]
