from django.contrib import admin
from django.db.models import Avg, Count

from .models import PaginaContenuto, Valutazione


@admin.register(PaginaContenuto)
class PaginaContenutoAdmin(admin.ModelAdmin):
    """The AgID content pages, one row per page and language: operators edit the text; the date of the last
    update is set on save and shown on the page."""

    list_display = ["titolo", "slug", "lingua", "aggiornata_il"]
    list_filter = ["slug", "lingua"]
    fields = ["slug", "lingua", "titolo", "corpo", "aggiornata_il"]
    readonly_fields = ["aggiornata_il"]

    def get_readonly_fields(self, request, obj=None):
        # Which page and language a row is stays fixed once created.
        return ["slug", "lingua", "aggiornata_il"] if obj else ["aggiornata_il"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Valutazione)
class ValutazioneAdmin(admin.ModelAdmin):
    """ "Valuta il servizio" answers, read-only, with the count and average per journey above the list."""

    list_display = ["data", "percorso", "voto", "commento"]
    list_filter = ["percorso", "voto", "data"]
    change_list_template = "pagine/admin/valutazioni_change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        etichette = dict(Valutazione.Percorso.choices)
        righe = (
            Valutazione.objects.values("percorso")
            .annotate(numero=Count("id"), media=Avg("voto"))
            .order_by("percorso")
        )
        riepilogo = [
            {
                "percorso": etichette.get(r["percorso"], r["percorso"]),
                "numero": r["numero"],
                "media": r["media"],
            }
            for r in righe
        ]
        extra_context = {**(extra_context or {}), "riepilogo_valutazioni": riepilogo}
        return super().changelist_view(request, extra_context=extra_context)
