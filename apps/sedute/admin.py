"""Sedute in the operators' portal: read-only (every change goes through the services), and opening one
is a view of health-related data about a citizen, so it is audited."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.core.admin import AuditedReadOnlyAdmin, RicercaRiservataMixin

from .models import Seduta


@admin.register(Seduta)
class SedutaAdmin(RicercaRiservataMixin, AuditedReadOnlyAdmin):
    azione_visualizzazione = "seduta.visualizzata"
    list_display = ["numero", "professionista", "inizio", "durata_minuti", "importo", "stato"]
    list_filter = ["stato", "annullata_da"]
    list_select_related = ["professionista"]
    search_fields = ["=professionista__codice_fiscale", "=codice__domanda__cf_beneficiario"]
    date_hierarchy = "inizio"
    show_full_result_count = False
    exclude = ["codice"]
    readonly_fields = ["codice_mascherato"]

    @admin.display(description=_("codice univoco"))
    def codice_mascherato(self, obj):
        return obj.codice.codice_mascherato
