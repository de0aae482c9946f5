from django.contrib import admin

from .models import CodiceUnivoco, MovimentoCodice


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
class CodiceUnivocoAdmin(admin.ModelAdmin):
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
    readonly_fields = [f.name for f in CodiceUnivoco._meta.fields]
    inlines = [MovimentoInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
