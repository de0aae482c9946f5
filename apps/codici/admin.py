"""Codes in the operators' portal: read-only (every change goes through the services), the code masked
like everywhere else. Opening a code's page is audited; an operator who needs the code in clear presses
"Mostra codice" (a POST), which shows it once and writes `codice.mostrato`."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from apps.core.admin import AuditedReadOnlyAdmin, ReadOnlyAdmin, RicercaRiservataMixin
from apps.core.services import audit

from .models import CodiceUnivoco, MovimentoCodice, MovimentoFondo


class MovimentoInline(admin.TabularInline):
    model = MovimentoCodice
    extra = 0
    can_delete = False
    readonly_fields = [
        "creato_il",
        "tipo",
        "delta_assegnato",
        "delta_prenotato",
        "delta_utilizzato",
        "riferimento",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CodiceUnivoco)
class CodiceUnivocoAdmin(RicercaRiservataMixin, AuditedReadOnlyAdmin):
    azione_visualizzazione = "codice.visualizzato"
    list_display = [
        "pk",
        "codice_mascherato",
        "stato",
        "assegnato",
        "prenotato",
        "utilizzato",
        "valido_fino_al",
    ]
    list_filter = ["stato", "domanda__bando", "domanda__regione"]
    search_fields = ["=codice", "=domanda__protocollo", "=domanda__cf_beneficiario"]
    show_full_result_count = False
    exclude = ["codice"]
    readonly_fields = ["codice_mascherato"] + [
        f.name for f in CodiceUnivoco._meta.fields if f.name != "codice"
    ]
    inlines = [MovimentoInline]
    change_form_template = "admin/codici/codiceunivoco/change_form.html"

    @admin.display(description=_("codice univoco"))
    def codice_mascherato(self, obj):
        return obj.codice_mascherato

    def get_urls(self):
        urls = [
            path(
                "<int:pk>/mostra-codice/",
                self.admin_site.admin_view(require_POST(self.mostra_codice_view)),
                name="codici_codiceunivoco_mostra",
            )
        ]
        return urls + super().get_urls()

    def mostra_codice_view(self, request, pk):
        codice = get_object_or_404(CodiceUnivoco, pk=pk)
        if not self.has_view_permission(request, codice):
            raise PermissionDenied
        audit(request.user, "codice.mostrato", codice)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Codice univoco"),
            "original": codice,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/codici/codiceunivoco/mostra_codice.html", context)


@admin.register(MovimentoFondo)
class MovimentoFondoAdmin(ReadOnlyAdmin):
    """The regional pools' ledger: what each job moved, per bando and region (append-only)."""

    list_display = ["pk", "creato_il", "bando", "regione", "causale", "delta", "codice_id", "riferimento"]
    list_filter = ["bando", "regione", "causale"]
    date_hierarchy = "creato_il"
    show_full_result_count = False
    list_select_related = ["bando", "regione"]
    readonly_fields = [f.name for f in MovimentoFondo._meta.fields]
