"""The operators' portal for CNOP's list: professionals, their studi and IBANs, the imports.

Everything is read-only: professionals come only from CNOP's list (`import_cnop`, or the upload page
reached from the imports' list), studi and IBANs from the professional. IBANs show masked."""

from django import forms
from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ReadOnlyAdmin, RicercaRiservataMixin, pagina_importazione
from apps.core.csvfile import aiuto_intestazione, valida_upload_csv

from .importer import INTESTAZIONE, ImportazioneCnopError, importa_cnop, riepilogo
from .models import CanaleAccredito, ImportazioneCnop, Professionista, Studio

PERMESSO_IMPORTA = "professionisti.add_importazionecnop"


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StudioInline(ReadOnlyInline):
    model = Studio
    fields = ["indirizzo", "comune", "provincia", "cap", "da_cnop", "creato_il"]
    readonly_fields = fields


class CanaleInline(ReadOnlyInline):
    model = CanaleAccredito
    fields = ["tipo", "iban_mascherato", "partita_iva", "denominazione", "attuale", "creato_il"]
    readonly_fields = fields

    @admin.display(description=_("IBAN"))
    def iban_mascherato(self, obj):
        return obj.iban_mascherato


@admin.register(Professionista)
class ProfessionistaAdmin(RicercaRiservataMixin, ReadOnlyAdmin):
    list_display = ["nominativo", "ordine", "numero_iscrizione", "stato", "in_lista", "puo_prenotare"]
    list_filter = ["stato", "in_lista", "psicoterapeuta", "ordine"]
    # The surname by substring; a codice fiscale only exactly, never browsed by prefix.
    search_fields = ["cognome", "=codice_fiscale"]
    show_full_result_count = False
    inlines = [StudioInline, CanaleInline]
    fieldsets = [
        (None, {"fields": ["codice_fiscale", "cognome", "nome", "email", "pec"]}),
        (_("Albo"), {"fields": ["ordine", "numero_iscrizione", "data_iscrizione", "psicoterapeuta"]}),
        (
            _("Adesione"),
            {
                "fields": [
                    "stato",
                    "data_adesione",
                    "in_lista",
                    "puo_prenotare",
                    "importazione",
                    "aggiornato_il",
                ]
            },
        ),  # fmt: skip
    ]
    readonly_fields = ["puo_prenotare", "aggiornato_il"]

    @admin.display(description=_("nominativo"), ordering="cognome")
    def nominativo(self, obj):
        return obj.nominativo

    @admin.display(description=_("può prenotare"), boolean=True)
    def puo_prenotare(self, obj):
        return obj.puo_prenotare


class ImportaCnopForm(forms.Form):
    file = forms.FileField(label=_("Lista CNOP (CSV)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = aiuto_intestazione(
            INTESTAZIONE, gettext("una riga per professionista")
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        valida_upload_csv(upload)
        return upload


@admin.register(ImportazioneCnop)
class ImportazioneCnopAdmin(ReadOnlyAdmin):
    list_display = [
        "eseguita_il", "file", "esito", "righe", "nuovi", "aggiornati", "revocati", "non_in_lista",
        "n_errori",
    ]  # fmt: skip
    list_filter = ["esito"]
    date_hierarchy = "eseguita_il"
    change_list_template = "admin/professionisti/importazionecnop/change_list.html"

    @admin.display(description=_("righe con errori"))
    def n_errori(self, obj):
        return len(obj.errori.splitlines())

    def get_urls(self):
        urls = [
            path(
                "importa/",
                self.admin_site.admin_view(self.importa_view),
                name="professionisti_importazionecnop_importa",
            )
        ]
        return urls + super().get_urls()

    def importa_view(self, request):
        return pagina_importazione(
            self,
            request,
            permesso=PERMESSO_IMPORTA,
            form_class=ImportaCnopForm,
            importa=importa_cnop,
            errore=ImportazioneCnopError,
            esito=riepilogo,
            destinazione="admin:professionisti_importazionecnop_changelist",
            titolo=_("Importa lista CNOP"),
            template="admin/professionisti/importazionecnop/importa.html",
        )


@admin.register(Studio)
class StudioAdmin(RicercaRiservataMixin, ReadOnlyAdmin):
    list_display = ["indirizzo", "cap", "comune", "provincia", "professionista", "da_cnop"]
    list_filter = ["da_cnop", "provincia__regione"]
    list_select_related = ["professionista", "provincia"]
    search_fields = ["professionista__cognome", "=professionista__codice_fiscale", "comune"]
    show_full_result_count = False


@admin.register(CanaleAccredito)
class CanaleAccreditoAdmin(RicercaRiservataMixin, ReadOnlyAdmin):
    list_display = ["professionista", "tipo", "iban_mascherato", "denominazione", "attuale", "creato_il"]
    list_filter = ["tipo", "attuale"]
    list_select_related = ["professionista"]
    search_fields = ["professionista__cognome", "=professionista__codice_fiscale"]
    exclude = ["iban"]
    readonly_fields = ["iban_mascherato"]
    show_full_result_count = False

    @admin.display(description=_("IBAN"))
    def iban_mascherato(self, obj):
        return obj.iban_mascherato
