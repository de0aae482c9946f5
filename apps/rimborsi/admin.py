"""Rimborsi in the operators' portal: transfers, funds per region, batches and their payments.

Transfers come only from `import_trasferimenti` (or its upload page, reached from their list): read-only
here, so every euro on record came through the checked, audited import. The funds page shows, per
region of a bando, transferred − paid − committed = available (selectors.fondi_per_regione). A batch is
made by `genera_rimborsi` (monthly beat job, the command, or the "Genera il lotto del mese…" page),
never edited by hand.
"""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ReadOnlyAdmin, pagina_importazione
from apps.core.csvfile import aiuto_intestazione, valida_upload_csv
from apps.core.exceptions import DomainError
from apps.core.jobs import accoda_job
from apps.core.models import EsecuzioneJob
from apps.core.money import euro
from apps.domande.models import Bando

from . import admin_pagamenti, importer
from .importer import ImportazioneTrasferimentiError, importa_trasferimenti
from .models import LottoRimborsi, TrasferimentoRisorse
from .selectors import fondi_per_regione
from .tasks import genera_rimborsi_task, mese_appena_finito


class ImportaTrasferimentiForm(forms.Form):
    file = forms.FileField(label=_("File CSV dei trasferimenti"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = aiuto_intestazione(
            importer.INTESTAZIONE, gettext("una riga per trasferimento")
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        valida_upload_csv(upload)
        return upload


class FondiForm(forms.Form):
    bando = forms.ModelChoiceField(Bando.objects.order_by("-anno"), label=_("Bando"), empty_label=None)


@admin.register(TrasferimentoRisorse)
class TrasferimentoRisorseAdmin(ReadOnlyAdmin):
    list_display = ["data", "bando", "regione", "importo", "riferimento", "registrato_il"]
    list_filter = ["bando", "regione"]
    list_select_related = ["bando", "regione"]
    search_fields = ["=riferimento"]
    date_hierarchy = "data"
    change_list_template = "admin/rimborsi/trasferimentorisorse/change_list.html"

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        vista = self.admin_site.admin_view
        return [
            path("importa/", vista(self.importa_view), name="rimborsi_trasferimentorisorse_importa"),
            path("fondi/", vista(self.fondi_view), name="rimborsi_trasferimentorisorse_fondi"),
        ] + super().get_urls()

    def importa_view(self, request):
        return pagina_importazione(
            self,
            request,
            permesso="rimborsi.add_trasferimentorisorse",
            form_class=ImportaTrasferimentiForm,
            importa=importa_trasferimenti,
            errore=ImportazioneTrasferimentiError,
            esito=str,
            destinazione="admin:rimborsi_trasferimentorisorse_fondi",
            titolo=_("Importa trasferimenti (CSV)"),
            template="admin/rimborsi/trasferimentorisorse/importa.html",
        )

    def fondi_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = FondiForm(request.GET or None)
        bando = form.cleaned_data["bando"] if form.is_valid() else Bando.objects.order_by("-anno").first()
        if not form.is_bound and bando is not None:
            form = FondiForm(initial={"bando": bando})
        righe = fondi_per_regione(bando) if bando else []
        totali = {
            k: sum((r[k] for r in righe), 0) for k in ("trasferito", "pagato", "impegnato", "disponibile")
        }
        context = {
            **self.admin_site.each_context(request),
            "title": _("Fondi per regione"),
            "form": form,
            "bando": bando,
            "righe": righe,
            "totali": totali,
            "opts": TrasferimentoRisorse._meta,
        }
        return TemplateResponse(request, "admin/rimborsi/trasferimentorisorse/fondi.html", context)


class GeneraLottoForm(forms.Form):
    mese = forms.DateField(
        label=_("Mese"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        help_text=_("Il lotto paga le fatture registrate fino alla fine di questo mese (formato AAAA-MM)."),
        error_messages={"invalid": _("Indicare il mese come AAAA-MM, es. 2025-10.")},
    )


@admin.register(LottoRimborsi)
class LottoRimborsiAdmin(ReadOnlyAdmin):
    list_display = ["mese_lotto", "stato", "totale", "numero_rimborsi", "numero_sospese", "creato_il"]
    list_filter = ["stato"]
    change_list_template = "admin/rimborsi/lottorimborsi/change_list.html"
    actions = [*admin_pagamenti.AZIONI_LOTTO]

    @admin.display(description=_("mese"), ordering="mese")
    def mese_lotto(self, obj):
        return obj.mese.strftime("%m/%Y")

    def get_urls(self):
        vista = self.admin_site.admin_view(self.genera_view)
        return [path("genera/", vista, name="rimborsi_lottorimborsi_genera")] + super().get_urls()

    def genera_view(self, request):
        """Queue genera_rimborsi for the month asked (on record in Esecuzioni job)."""
        if not request.user.has_perm("rimborsi.add_lottorimborsi"):
            raise PermissionDenied
        form = GeneraLottoForm(request.POST or None, initial={"mese": mese_appena_finito()})
        if request.method == "POST" and form.is_valid():
            mese: dt.date = form.cleaned_data["mese"]
            try:
                job = accoda_job(genera_rimborsi_task, {"mese": f"{mese:%Y-%m}"}, richiesto_da=request.user)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                if job.esito == EsecuzioneJob.Esito.FALLITA:
                    form.add_error("mese", job.errore)
                else:
                    self._esito(request, job, mese)
                    return redirect("admin:rimborsi_lottorimborsi_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Genera il lotto del mese"),
            "form": form,
            "opts": LottoRimborsi._meta,
        }
        return TemplateResponse(request, "admin/rimborsi/lottorimborsi/genera.html", context)

    def _esito(self, request, job, mese):
        if job.esito == EsecuzioneJob.Esito.RIUSCITA:
            r = job.risultato
            testo = (
                _(
                    "Lotto %(mese)s generato: %(rimborsi)s rimborsi per %(totale)s, %(sospese)s fatture "
                    "sospese per mancanza di fondi, %(attesa)s in attesa di un IBAN valido."
                )
                if r.get("creato")
                else _("Il lotto %(mese)s esisteva già: nulla è cambiato.")
            ) % {
                "mese": f"{mese:%m/%Y}", "rimborsi": r["rimborsi"], "totale": euro(r["totale"]),
                "sospese": r["sospese"], "attesa": r.get("in_attesa_iban") or 0,
            }  # fmt: skip
            self.message_user(request, testo, messages.SUCCESS)
            return
        url = reverse("admin:core_esecuzionejob_change", args=[job.pk])
        testo = _("Generazione del lotto %(mese)s avviata: l'esito sarà in Esecuzioni job") % {
            "mese": f"{mese:%m/%Y}"
        }
        self.message_user(request, format_html('<a href="{}">{}</a>', url, testo), messages.INFO)


from . import admin_pagamenti  # noqa: E402, F401, F811  (registers the payment views and actions)
