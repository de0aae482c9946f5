from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.validators import normalize_codice_fiscale, validate_codice_fiscale


class DevLoginForm(forms.Form):
    codice_fiscale = forms.CharField(label=_("Codice fiscale"), max_length=16, min_length=16)
    nome = forms.CharField(label=_("Nome"), max_length=100, required=False)
    cognome = forms.CharField(label=_("Cognome"), max_length=100, required=False)

    def clean_codice_fiscale(self):
        cf = normalize_codice_fiscale(self.cleaned_data["codice_fiscale"])
        validate_codice_fiscale(cf)
        return cf
