"""Fatture in the operators' portal: read-only (every change goes through the services), and opening one
is a view of health-related data about a citizen, so it is audited. Amounts read through euro() (the core
admin's display hook); the code shows masked."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.core.admin import AuditedReadOnlyAdmin, RicercaRiservataMixin, importo_in_euro

from .models import Fattura, SedutaFatturata


class SedutaFatturataInline(admin.TabularInline):
    model = SedutaFatturata
    extra = 0
    can_delete = False
    show_change_link = False
    fields = ["numero_seduta", "data_seduta", "importo", "attiva"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("seduta")

    @admin.display(description=_("seduta"))
    def numero_seduta(self, obj):
        return obj.seduta.numero

    @admin.display(description=_("data e ora"))
    def data_seduta(self, obj):
        return obj.seduta.inizio

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Fattura)
class FatturaAdmin(RicercaRiservataMixin, AuditedReadOnlyAdmin):
    azione_visualizzazione = "fattura.visualizzata"
    list_display = [
        "numero",
        "anno",
        "data",
        "professionista",
        "totale",
        "importo_bonus",
        "stato",
        "registrata_il",
    ]
    list_filter = ["stato", "bando", "regione"]
    list_select_related = ["professionista"]
    search_fields = ["=numero", "=professionista__codice_fiscale", "=codice__domanda__cf_beneficiario"]
    date_hierarchy = "registrata_il"
    show_full_result_count = False
    exclude = ["codice"]
    readonly_fields = ["codice_mascherato", "quota_paziente_in_euro"]
    inlines = [SedutaFatturataInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("professionista", "codice", "bando", "regione")

    @admin.display(description=_("codice univoco"))
    def codice_mascherato(self, obj):
        return obj.codice.codice_mascherato

    @admin.display(description=_("quota a carico del paziente"))
    def quota_paziente_in_euro(self, obj):
        return importo_in_euro(obj.quota_paziente)
