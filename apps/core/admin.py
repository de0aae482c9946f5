from django.contrib import admin

from .models import AuditEvent, EsecuzioneJob, Notifica, Provincia, Regione
from .services import audit


class ReferenceAdmin(admin.ModelAdmin):
    """Regions and provinces come from load_reference_data and are never deleted: domande point to
    them without a database foreign key (see domande.models.Domanda)."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Regione)
class RegioneAdmin(ReferenceAdmin):
    list_display = ["codice", "nome"]
    search_fields = ["codice", "nome"]


@admin.register(Provincia)
class ProvinciaAdmin(ReferenceAdmin):
    list_display = ["sigla", "nome", "regione"]
    list_filter = ["regione"]
    search_fields = ["sigla", "nome"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedReadOnlyAdmin(ReadOnlyAdmin):
    """Read-only, and opening an object's page is a view of a citizen's data: audited as
    `azione_visualizzazione` (who, what, when)."""

    azione_visualizzazione = ""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and request.method == "GET":
            obj = self.get_object(request, object_id)
            if obj is not None:
                audit(request.user, self.azione_visualizzazione, obj)
        return response


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["creato_il", "attore", "azione", "oggetto_tipo", "oggetto_id", "ip"]
    list_filter = ["azione", "oggetto_tipo"]
    search_fields = ["oggetto_id", "azione"]
    date_hierarchy = "creato_il"


@admin.register(Notifica)
class NotificaAdmin(ReadOnlyAdmin):
    # "esito incerto" (an SMS whose sender died mid-send) is for an operator to check with the gateway.
    list_display = [
        "id",
        "canale",
        "stato",
        "tentativi",
        "creata_il",
        "in_invio_dal",
        "inviata_il",
        "ultimo_errore",
    ]
    list_filter = ["canale", "stato"]
    exclude = ["destinatario", "testo"]  # personal data: not shown in lists or detail


@admin.register(EsecuzioneJob)
class EsecuzioneJobAdmin(ReadOnlyAdmin):
    """How each job run ended; written by apps.core.jobs, never edited."""

    list_display = [
        "id",
        "job",
        "esito",
        "richiesto_da",
        "richiesto_il",
        "terminato_il",
        "oggetti_modificati",
    ]
    list_filter = ["job", "esito"]
    date_hierarchy = "richiesto_il"
    list_select_related = ["richiesto_da"]
