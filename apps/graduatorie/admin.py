"""Graduatorie in the operators' portal, and the Bando actions that compute and publish them.

The actions live here, not in domande's admin: domande must not import graduatorie (dependency
direction), so the Bando admin is re-registered with the actions added."""

import datetime as dt
import io
import tempfile

from django.contrib import admin, messages
from django.db.models import F
from django.http import FileResponse
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.core.admin import AuditedReadOnlyAdmin, RicercaRiservataMixin, importo_in_euro
from apps.core.exceptions import DomainError
from apps.core.jobs import accoda_job
from apps.core.models import EsecuzioneJob, Regione
from apps.core.money import euro
from apps.domande.admin import BandoAdmin as BaseBandoAdmin
from apps.domande.models import Bando

from .export import scrivi_graduatoria
from .models import Graduatoria, Posizione, Scorrimento
from .tasks import calcola_graduatorie_task, pubblica_graduatorie_task, scorrimento_task


def _run(modeladmin, request, queryset, task, parametri, fatto, avviato: str):
    """Queue `task` for each selected bando, on record in Esecuzioni job. Eager (no broker) the outcome
    is known at once and shown; otherwise the operator reads it in Esecuzioni job, failures included."""
    for bando in queryset.order_by("anno"):
        try:
            job = accoda_job(task, {"bando_id": bando.pk, **parametri}, richiesto_da=request.user)
        except DomainError as exc:
            modeladmin.message_user(request, str(exc.message), messages.ERROR)
            continue
        if job.esito == EsecuzioneJob.Esito.RIUSCITA:
            modeladmin.message_user(request, fatto(bando.anno, job.risultato), messages.SUCCESS)
        elif job.esito == EsecuzioneJob.Esito.FALLITA:
            modeladmin.message_user(request, job.errore, messages.ERROR)
        else:
            url = reverse("admin:core_esecuzionejob_change", args=[job.pk])
            testo = _("%(avviato)s: l'esito sarà in Esecuzioni job") % {
                "avviato": avviato.format(anno=bando.anno)
            }
            modeladmin.message_user(request, format_html('<a href="{}">{}</a>', url, testo), messages.INFO)


def _calcolate(anno, r) -> str:
    return _(
        "Graduatorie del bando %(anno)s calcolate: %(domande)s domande, %(finanziate)s finanziate, "
        "%(assegnato)s assegnati."
    ) % {
        "anno": anno,
        "domande": r["domande"],
        "finanziate": r["finanziate"],
        "assegnato": euro(r["assegnato"]),
    }


def _pubblicate(anno, r) -> str:
    return _(
        "Graduatorie del bando %(anno)s pubblicate il %(data)s: %(codici)s codici univoci, "
        "%(notifiche)s notifiche in coda."
    ) % {**r, "anno": anno, "data": _data_locale(r["data"])}


def _scorsa(anno, r) -> str:
    if r.get("motivo") == "termine_fatturazione":
        testo = _("Bando %(anno)s: il termine di fatturazione è passato, nessuno scorrimento.")
        return testo % {"anno": anno}
    return _(
        "Scorrimento del bando %(anno)s: %(nuovi)s nuovi codici, %(integrazioni)s integrazioni, "
        "%(assegnato)s assegnati."
    ) % {
        "anno": anno,
        "nuovi": r["nuovi_codici"],
        "integrazioni": r["integrazioni"],
        "assegnato": euro(r["assegnato"]),
    }


def _data_locale(iso: str) -> str:
    return date_format(dt.date.fromisoformat(iso), "SHORT_DATE_FORMAT")


admin.site.unregister(Bando)


@admin.register(Bando)
class BandoAdmin(BaseBandoAdmin):
    actions = ["calcola_graduatorie", "pubblica_graduatorie", "scorri_graduatorie", "esporta_graduatoria"]

    def has_graduatoria_permission(self, request):
        return request.user.has_perm("graduatorie.change_graduatoria")

    @admin.action(description=_("Calcola graduatorie"), permissions=["graduatoria"])
    def calcola_graduatorie(self, request, queryset):
        _run(
            self, request, queryset, calcola_graduatorie_task, {}, fatto=_calcolate,
            avviato=_("Calcolo delle graduatorie del bando {anno} avviato"),
        )  # fmt: skip

    @admin.action(description=_("Pubblica graduatorie"), permissions=["graduatoria"])
    def pubblica_graduatorie(self, request, queryset):
        _run(
            self, request, queryset, pubblica_graduatorie_task, {"data": None}, fatto=_pubblicate,
            avviato=_("Pubblicazione delle graduatorie del bando {anno} avviata"),
        )  # fmt: skip

    @admin.action(description=_("Scorri graduatorie con i fondi disponibili"), permissions=["graduatoria"])
    def scorri_graduatorie(self, request, queryset):
        _run(
            self, request, queryset, scorrimento_task, {}, fatto=_scorsa,
            avviato=_("Scorrimento delle graduatorie del bando {anno} avviato"),
        )  # fmt: skip

    @admin.action(description=_("Esporta graduatoria (CSV)"), permissions=["view"])
    def esporta_graduatoria(self, request, queryset):
        """export_graduatoria for one bando, as a download. Spooled to disk past 8 MB, so a
        400 000-row graduatoria does not sit in the web worker's memory."""
        if queryset.count() != 1:
            self.message_user(request, _("Selezionare un solo bando da esportare."), messages.WARNING)
            return None
        bando = queryset.get()
        spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, mode="w+b")  # noqa: SIM115
        testo = io.TextIOWrapper(spool, encoding="utf-8", newline="")
        scrivi_graduatoria(bando, testo, attore=request.user)
        testo.flush()
        testo.detach()
        spool.seek(0)
        return FileResponse(
            spool, as_attachment=True, filename=f"graduatoria-{bando.anno}.csv", content_type="text/csv"
        )


@admin.register(Graduatoria)
class GraduatoriaAdmin(admin.ModelAdmin):
    list_display = [
        "bando", "regione", "stato", "budget", "assegnato", "disponibile", "domande_in_graduatoria",
        "finanziate", "isee_ultimo_finanziato", "pubblicata_il", "posizioni_link",
    ]  # fmt: skip
    list_filter = ["bando", "stato", "regione"]
    list_select_related = ["bando", "regione"]
    readonly_fields = [f.name for f in Graduatoria._meta.fields] + ["disponibile"]

    @admin.display(description=_("disponibile"), ordering=F("budget") - F("assegnato"))
    def disponibile(self, obj):
        return importo_in_euro(obj.disponibile)

    @admin.display(description=_("posizioni"))
    def posizioni_link(self, obj):
        url = reverse("admin:graduatorie_posizione_changelist") + f"?graduatoria__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Vedi posizioni"))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Posizione)
class PosizioneAdmin(RicercaRiservataMixin, AuditedReadOnlyAdmin):
    azione_visualizzazione = "posizione.visualizzata"
    list_display = [
        "posizione",
        "protocollo",
        "isee",
        "presentata_il",
        "esito",
        "importo_assegnato",
        "graduatoria",
    ]
    list_filter = ["graduatoria__bando", "graduatoria__regione", "esito"]
    list_select_related = ["domanda", "graduatoria__bando", "graduatoria__regione"]
    search_fields = ["=domanda__protocollo"]
    ordering = ["graduatoria", F("posizione").asc(nulls_last=True), "domanda__protocollo"]
    list_per_page = 100
    show_full_result_count = False
    readonly_fields = ["graduatoria", "domanda", "posizione", "esito", "importo_assegnato"]

    def changelist_view(self, request, extra_context=None):
        """After "Vedi posizioni" (or the filters) the heading says which bando and region are shown."""
        titolo = self._titolo_dei_filtri(request.GET)
        if titolo:
            extra_context = {**(extra_context or {}), "title": titolo}
        return super().changelist_view(request, extra_context)

    @staticmethod
    def _titolo_dei_filtri(params) -> str | None:
        bando = regione = None
        graduatoria = params.get("graduatoria__id__exact", "")
        if graduatoria.isdigit():
            trovata = Graduatoria.objects.select_related("bando", "regione").filter(pk=graduatoria).first()
            if trovata is not None:
                bando, regione = trovata.bando, trovata.regione
        bando_id = params.get("graduatoria__bando__id__exact", "")
        if bando is None and bando_id.isdigit():
            bando = Bando.objects.filter(pk=bando_id).first()
        regione_id = params.get("graduatoria__regione__codice__exact", "")
        if regione is None and regione_id:
            regione = Regione.objects.filter(pk=regione_id).first()
        if bando and regione:
            return _("Posizioni in graduatoria: %(bando)s – %(regione)s") % {
                "bando": bando,
                "regione": regione,
            }
        if bando:
            return _("Posizioni in graduatoria: %(bando)s") % {"bando": bando}
        if regione:
            return _("Posizioni in graduatoria: %(regione)s") % {"regione": regione}
        return None

    @admin.display(description=_("protocollo"), ordering="domanda__protocollo")
    def protocollo(self, obj):
        return obj.domanda.protocollo

    @admin.display(description=_("ISEE"), ordering="domanda__isee")
    def isee(self, obj):
        return importo_in_euro(obj.domanda.isee)

    @admin.display(description=_("presentata il"), ordering="domanda__presentata_il")
    def presentata_il(self, obj):
        return obj.domanda.presentata_il


@admin.register(Scorrimento)
class ScorrimentoAdmin(admin.ModelAdmin):
    """Each scorrimento that funded someone, with what it moved per region (read-only)."""

    list_display = [
        "data", "bando", "nuovi_codici", "integrazioni", "assegnato", "usa_decadenza", "eseguito_il"
    ]  # fmt: skip
    list_filter = ["bando", "usa_decadenza"]
    readonly_fields = [f.name for f in Scorrimento._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("nuovi codici"))
    def nuovi_codici(self, obj):
        return obj.riepilogo.get("nuovi_codici", 0)

    @admin.display(description=_("integrazioni"))
    def integrazioni(self, obj):
        return obj.riepilogo.get("integrazioni", 0)

    @admin.display(description=_("assegnato"))
    def assegnato(self, obj):
        return importo_in_euro(obj.riepilogo.get("assegnato", "0"))
