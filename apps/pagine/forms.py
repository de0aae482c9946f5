from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Valutazione

VOTI = [
    (5, _("5 – Molto soddisfatto")),
    (4, _("4 – Soddisfatto")),
    (3, _("3 – Né soddisfatto né insoddisfatto")),
    (2, _("2 – Insoddisfatto")),
    (1, _("1 – Per niente soddisfatto")),
]


class ValutazioneForm(forms.ModelForm):
    """ "Valuta il servizio": a 1–5 rating and an optional comment. Nothing else is asked or stored."""

    prefix = "valuta"
    voto = forms.TypedChoiceField(
        label=_("Quanto sei soddisfatto di questo servizio?"),
        choices=VOTI,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Scegli una valutazione da 1 a 5.")},
    )
    commento = forms.CharField(
        label=_("Vuoi dirci qualcosa? (facoltativo)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Al massimo 500 caratteri. Non scrivere dati personali: la valutazione è anonima."),
        error_messages={
            "max_length": _(
                "Il commento può avere al massimo %(limit_value)d caratteri (ne ha %(show_value)d)."
            )
        },
    )

    class Meta:
        model = Valutazione
        fields = ["voto", "commento"]
