"""The operators' portal for bandi, regional budgets, the ISEE archive, legal representations, domande.

Domande, attestazioni and rappresentanze are read-only here: they change only through the services
(submission, import). Opening a domanda's detail is a view of a citizen's data, so it is audited."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.http import HttpResponseRedirect
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from apps.core.admin import AuditedReadOnlyAdmin, RicercaRiservataMixin
from apps.core.exceptions import DomainError

from . import services_bando
from .models import AttestazioneIsee, Bando, BudgetRegionale, Domanda, RappresentanzaLegale


def _pubblicato(bando) -> bool:
    return bool(bando is not None and bando.graduatoria_pubblicata_il)


class BudgetRegionaleInline(admin.TabularInline):
    """The regional budgets: frozen, like the rules, once the graduatorie are published."""

    model = BudgetRegionale
    extra = 0
    autocomplete_fields = ["regione"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # A table's inputs have only the column header above them: each says what it is to a screen reader.
        campo = super().formfield_for_dbfield(db_field, request, **kwargs)
        if campo is not None and db_field.name == "importo":
            campo.widget.attrs["aria-label"] = capfirst(db_field.verbose_name)
        return campo

    def has_add_permission(self, request, obj=None):
        return not _pubblicato(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _pubblicato(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _pubblicato(obj) and super().has_delete_permission(request, obj)


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
    # Checkboxes, not Django's two-box filter widget: some of its texts have no Italian translation in
    # Django, it needs inline styles, and 21 regions fit in a list anyone can read and tick.
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
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

    def get_readonly_fields(self, request, obj=None):
        """After the publication every rule is read-only, except the billing deadline."""
        if not _pubblicato(obj):
            return super().get_readonly_fields(request, obj)
        campi = [c for _nome, opzioni in self.get_fieldsets(request, obj) for c in opzioni["fields"]]
        return [c for c in campi if c not in services_bando.MODIFICABILI_DOPO_PUBBLICAZIONE]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The service refuses what the form let through (e.g. a form opened before the publication):
        # the transaction is rolled back and the operator told why, never a 500.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        territori = form.cleaned_data.get("territori_esclusi") if "territori_esclusi" in form.fields else None
        services_bando.salva_bando(obj, request.user, territori_esclusi=territori)

    def save_formset(self, request, form, formset, change):
        if formset.model is not BudgetRegionale:
            return super().save_formset(request, form, formset, change)
        budget = formset.save(commit=False)
        for eliminato in formset.deleted_objects:
            services_bando.elimina_budget(eliminato, request.user)
        for b in budget:
            services_bando.salva_budget(b, request.user)
        return None


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


@admin.register(RappresentanzaLegale)
class RappresentanzaLegaleAdmin(RicercaRiservataMixin, AuditedReadOnlyAdmin):
    """The archive of verified links, filled only by `import_rappresentanze` (or the upload page reached
    from this list). Opening one is a view of two citizens' data: audited."""

    azione_visualizzazione = "rappresentanza.visualizzata"
    list_display = ["tipo", "provvedimento_numero", "provvedimento_data", "valida_dal", "valida_al"]
    list_filter = ["tipo"]
    # A codice fiscale only exactly, never browsed by prefix.
    search_fields = ["=cf_richiedente", "=cf_beneficiario"]
    show_full_result_count = False
    change_list_template = "admin/domande/rappresentanzalegale/change_list.html"

    def get_urls(self):
        from django.urls import path

        from .admin_import import importa_rappresentanze_view

        urls = [
            path(
                "importa/",
                self.admin_site.admin_view(lambda request: importa_rappresentanze_view(self, request)),
                name="domande_rappresentanzalegale_importa",
            )
        ]
        return urls + super().get_urls()
