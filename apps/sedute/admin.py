"""Sedute in the operators' portal: read-only (every change goes through the services), and opening one
is a view of health-related data about a citizen, so it is audited."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ReadOnlyAdmin
from apps.core.services import audit

from .models import Seduta


@admin.register(Seduta)
class SedutaAdmin(ReadOnlyAdmin):
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

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and request.method == "GET":
            obj = self.get_object(request, object_id)
            if obj is not None:
                audit(request.user, "seduta.visualizzata", obj)
        return response
