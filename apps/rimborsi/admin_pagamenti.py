"""Operators' actions on payments: the SEPA file of a batch and the bank's outcomes (see admin.py).

- `RimborsoAdmin`: the rimborsi, read-only (list and detail; the IBAN masked, every detail opened is
  audited), filtered by state and batch; the actions "Segna pagato" and "Segna non riuscito" ask the
  date or the reason on an intermediate page and go through apps.rimborsi.pagamenti, like the bank's
  report. They need the permission rimborsi.change_rimborso.
- `AZIONI_LOTTO`: admin actions that admin.py's LottoRimborsiAdmin lists after its own: "Scarica file
  SEPA" (one batch; needs rimborsi.change_lottorimborsi, since the first download marks it esportato).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from apps.core.admin import AuditedReadOnlyAdmin, importo_in_euro
from apps.core.exceptions import DomainError

from . import pagamenti, sepa
from .models import Rimborso, VoceRimborso


class PagatoForm(forms.Form):
    pagato_il = forms.DateField(
        label=gettext_lazy("Data del pagamento"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )

    def clean_pagato_il(self):
        giorno = self.cleaned_data["pagato_il"]
        if giorno > timezone.localdate():
            raise forms.ValidationError(_("La data del pagamento non può essere futura."))
        return giorno


class RifiutoForm(forms.Form):
    motivo = forms.CharField(
        label=gettext_lazy("Motivo del mancato pagamento"),
        max_length=pagamenti.MOTIVO_MASSIMO,
        help_text=gettext_lazy("Il codice della banca, per esempio AC04 (conto chiuso)."),
    )


@admin.register(Rimborso)
class RimborsoAdmin(AuditedReadOnlyAdmin):
    azione_visualizzazione = "rimborso.visualizzato"
    list_display = [
        "numero",
        "lotto",
        "professionista",
        "beneficiario",
        "iban_mascherato",
        "importo",
        "stato",
        "pagato_il",
        "motivo_rifiuto",
    ]
    list_filter = ["stato", "lotto"]
    list_select_related = ["lotto", "professionista"]
    search_fields = ["numero", "professionista__cognome"]
    fields = [
        "numero",
        "lotto",
        "professionista",
        "beneficiario",
        "iban_mascherato",
        "importo",
        "stato",
        "pagato_il",
        "motivo_rifiuto",
        "esito_il",
        "fatture",
    ]
    readonly_fields = fields
    actions = ["segna_pagato", "segna_non_riuscito"]

    @admin.display(description=gettext_lazy("IBAN"))
    def iban_mascherato(self, obj):
        return obj.iban_mascherato

    @admin.display(description=gettext_lazy("fatture"))
    def fatture(self, obj):
        voci = (
            VoceRimborso.objects.filter(rimborso=obj)
            .select_related("fattura")
            .order_by("fattura__registrata_il")
        )
        return "; ".join(
            f"{v.fattura.numero} ({importo_in_euro(v.importo)})"
            + ("" if v.attiva else " – " + _("restituita: da pagare di nuovo"))
            for v in voci
        )

    def has_esito_permission(self, request):
        return request.user.has_perm("rimborsi.change_rimborso")

    @admin.action(description=gettext_lazy("Segna pagato"), permissions=["esito"])
    def segna_pagato(self, request, queryset):
        return self._esito(request, queryset, PagatoForm, "segna_pagato", _("Segna pagato"))

    @admin.action(description=gettext_lazy("Segna non riuscito"), permissions=["esito"])
    def segna_non_riuscito(self, request, queryset):
        return self._esito(request, queryset, RifiutoForm, "segna_non_riuscito", _("Segna non riuscito"))

    def _esito(self, request, queryset, form_class, azione, titolo):
        form = form_class(request.POST if "applica" in request.POST else None)
        if form.is_valid():
            registrati, errori = 0, []
            for rimborso in queryset.order_by("numero"):
                try:
                    if form_class is PagatoForm:
                        cambiato = pagamenti.registra_pagamento(
                            request.user, rimborso, form.cleaned_data["pagato_il"]
                        )
                    else:
                        cambiato = pagamenti.registra_rifiuto(
                            request.user, rimborso, form.cleaned_data["motivo"]
                        )
                except DomainError as e:
                    errori.append(str(e.message))
                    continue
                registrati += cambiato
            if registrati:
                self.message_user(
                    request,
                    ngettext("%(n)s rimborso aggiornato.", "%(n)s rimborsi aggiornati.", registrati)
                    % {"n": registrati},
                    messages.SUCCESS,
                )
            for errore in errori:
                self.message_user(request, errore, messages.ERROR)
            if not registrati and not errori:
                self.message_user(
                    request, _("Nessun cambiamento: l'esito era già registrato."), messages.INFO
                )
            return None
        contesto = {
            **self.admin_site.each_context(request),
            "title": titolo,
            "opts": self.model._meta,
            "form": form,
            "rimborsi": queryset.select_related("professionista").order_by("numero"),
            "azione": azione,
            "selezionati": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/rimborsi/rimborso/esito.html", contesto)


@admin.action(description=gettext_lazy("Scarica file SEPA"), permissions=["view"])
def scarica_file_sepa(modeladmin, request, queryset):
    """The batch's pain.001.001.09 file as a download; the first one marks the batch esportato."""
    if not request.user.has_perm("rimborsi.change_lottorimborsi"):
        modeladmin.message_user(request, _("Non hai il permesso di esportare i lotti."), messages.ERROR)
        return None
    if queryset.count() != 1:
        modeladmin.message_user(request, _("Selezionare un solo lotto da esportare."), messages.WARNING)
        return None
    lotto = queryset.get()
    try:
        esportazione = sepa.esporta_lotto(lotto.mese, utente=request.user)
    except DomainError as e:
        modeladmin.message_user(request, str(e.message), messages.ERROR)
        return None
    risposta = HttpResponse(esportazione.contenuto, content_type="application/xml")
    risposta["Content-Disposition"] = f'attachment; filename="{esportazione.nome_file}"'
    return risposta


AZIONI_LOTTO: list = [scarica_file_sepa]
