"""The operators' portal for bandi, regional budgets, the ISEE archive and domande.

Domande and attestazioni are read-only here: they change only through the services (submission,
import). Opening a domanda's detail is a view of a citizen's data, so it is audited."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.core.admin import AuditedReadOnlyAdmin, RicercaRiservataMixin

from .models import AttestazioneIsee, Bando, BudgetRegionale, Domanda


class BudgetRegionaleInline(admin.TabularInline):
    model = BudgetRegionale
    extra = 0
    autocomplete_fields = ["regione"]


class BandoForm(forms.ModelForm):
    """Bando.clean() enforces the 30-day notice and the 60-day window; a new bando must say when it
    was announced, or the notice could not be checked."""

    class Meta:
        model = Bando
        exclude = ["ultimo_protocollo"]  # noqa: DJ006 - the admin's fieldsets choose the fields

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and not cleaned.get("annunciato_il"):
            self.add_error("annunciato_il", _("Indicare la data di annuncio del bando."))
        return cleaned


@admin.register(Bando)
class BandoAdmin(admin.ModelAdmin):
    form = BandoForm
    list_display = [
        "anno",
        "nome",
        "apertura",
        "chiusura",
        "giorni_regolarizzazione",
        "giorni_validita",
        "demo",
    ]
    list_filter = ["demo"]
    search_fields = ["nome", "=anno"]
    filter_horizontal = ["territori_esclusi"]
    inlines = [BudgetRegionaleInline]
    change_form_template = "admin/domande/bando/change_form.html"

    def get_urls(self):
        from django.urls import path

        from .admin_import import importa_view

        urls = [
            path(
                "<int:pk>/importa/",
                self.admin_site.admin_view(lambda request, pk: importa_view(self, request, pk)),
                name="domande_bando_importa",
            )
        ]
        return urls + super().get_urls()

    fieldsets = [
        (None, {"fields": ["anno", "nome", "demo"]}),
        (_("Finestra"), {"fields": ["annunciato_il", "apertura", "chiusura"]}),
        (
            _("Fasce ISEE e importi"),
            {
                "fields": [
                    "soglia_fascia_a",
                    "soglia_fascia_b",
                    "isee_massimo",
                    "importo_fascia_a",
                    "importo_fascia_b",
                    "importo_fascia_c",
                    "massimo_seduta",
                ]
            },
        ),  # fmt: skip
        (
            _("Termini"),
            {
                "fields": [
                    "giorni_regolarizzazione",
                    "giorni_validita",
                    "giorni_prima_seduta",
                    "scorrimenti_massimi",
                    "termine_fatturazione",
                ]
            },
        ),  # fmt: skip
        (_("Territori esclusi"), {"fields": ["territori_esclusi"]}),
    ]


@admin.register(AttestazioneIsee)
class AttestazioneIseeAdmin(RicercaRiservataMixin, AuditedReadOnlyAdmin):
    azione_visualizzazione = "attestazione_isee.visualizzata"
    list_display = ["protocollo_dsu", "valore", "tipo", "difforme", "regolarizzata_il", "rilasciata_il"]
    list_filter = ["tipo", "difforme"]
    search_fields = ["=codice_fiscale", "=protocollo_dsu"]


@admin.register(Domanda)
class DomandaAdmin(RicercaRiservataMixin, AuditedReadOnlyAdmin):
    azione_visualizzazione = "domanda.visualizzata"
    list_display = ["protocollo", "bando", "regione", "isee", "presentata_il", "canale", "esito"]
    list_filter = ["bando", "regione", "canale", "posizione__esito"]
    list_select_related = ["bando", "regione", "posizione"]
    # Exact (case-insensitive) match only: a codice fiscale is looked up, never browsed by prefix.
    search_fields = ["=protocollo", "=cf_beneficiario", "=cf_richiedente"]
    date_hierarchy = "presentata_il"
    show_full_result_count = False

    @admin.display(description=_("esito"))
    def esito(self, obj):
        posizione = getattr(obj, "posizione", None)
        return posizione.get_esito_display() if posizione else _("in istruttoria")
