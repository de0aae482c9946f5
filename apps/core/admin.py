import secrets

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin import utils as admin_utils
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.views.main import PAGE_VAR, SEARCH_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, EsecuzioneJob, Notifica, Provincia, Regione
from .money import MONEY, euro
from .services import audit


def _importo(field) -> bool:
    return (
        isinstance(field, models.DecimalField)
        and (field.max_digits, field.decimal_places) == (MONEY["max_digits"], MONEY["decimal_places"])
        and not getattr(field, "flatchoices", None)
    )


def importo_in_euro(valore) -> str:
    """euro(), kept on one line in the admin's narrow columns (a no-break space before the symbol)."""
    return euro(valore).replace(" ", "\u00a0")


def mostra_campo(value, field, empty_value_display, avoid_link=False):
    """Django admin's display_for_field, except that every amount (a DecimalField(**MONEY): budgets, ISEE,
    importi) reads through euro(), like on the portals: "1.500,00 €", not "1500,00". Columns of the lists,
    read-only fields of the pages and inlines all go through here; an input keeps the plain number."""
    if _importo(field) and value not in field.empty_values:
        return importo_in_euro(value)
    return _display_for_field(value, field, empty_value_display, avoid_link)


# Django admin has no formatting hook: its two callers (the lists, the read-only fields) get ours.
_display_for_field = admin_utils.display_for_field
admin_list.display_for_field = helpers.display_for_field = mostra_campo

# The token of a search in the changelist's URL (see RicercaRiservataMixin); its term stays in the session.
RICERCA_VAR = "ricerca"
RICERCA_CAMPO = "_ricerca"  # the POSTed search box
RICERCHE_SESSIONE = "ricerche_admin"
RICERCHE_MASSIME = 20  # tokens kept per session: older ones expire


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


class _ChangeListRiservata(ChangeList):
    """A changelist whose search term comes from the session, never from the query string: `ricerca`
    (the token) is carried by every link the list makes (pagination, filters, sorting, the change
    links' preserved filters) like any parameter, but it is not a filter. templates/admin/search_form.html
    shows a POST search box for it."""

    ricerca_riservata = True

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        lookup_params.pop(RICERCA_VAR, None)
        return lookup_params

    def get_queryset(self, request, exclude_parameters=None):
        self.query = getattr(request, "_termine_ricerca", "")
        return super().get_queryset(request, exclude_parameters)

    @property
    def senza_ricerca_qs(self) -> str:
        return self.get_query_string(remove=[RICERCA_VAR, PAGE_VAR])


class RicercaRiservataMixin:
    """Search of citizens' data by POST: no codice fiscale or code ever appears in a URL (access logs,
    browser history, Referer).

    The search box POSTs the term; the term is stored in the session under a random token and the
    browser is redirected to `?ricerca=<token>`, which is meaningless in a log. A GET with `?q=` does
    not search: it is redirected without it. Each display of results is audited with its count of
    results (`ricerca.operatore`), never the term."""

    def get_changelist(self, request, **kwargs):
        return _ChangeListRiservata

    def get_search_results(self, request, queryset, search_term):
        # Only the term stored in the session searches: this also covers the autocomplete view's ?term=.
        return super().get_search_results(request, queryset, getattr(request, "_termine_ricerca", ""))

    def _senza(self, request, *nomi: str) -> str:
        params = request.GET.copy()
        for nome in nomi:
            params.pop(nome, None)
        return f"{request.path}?{params.urlencode()}" if params else request.path

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and RICERCA_CAMPO in request.POST:
            return self._registra_ricerca(request)
        if SEARCH_VAR in request.GET:
            messages.warning(request, _("La ricerca si fa con la casella di ricerca, non dall'indirizzo."))
            return HttpResponseRedirect(self._senza(request, SEARCH_VAR))
        token = request.GET.get(RICERCA_VAR)
        if token:
            ricerca = request.session.get(RICERCHE_SESSIONE, {}).get(token)
            if not ricerca or ricerca["modello"] != self.model._meta.label_lower:
                messages.warning(request, _("La ricerca è scaduta: ripeterla."))
                return HttpResponseRedirect(self._senza(request, RICERCA_VAR, PAGE_VAR))
            request._termine_ricerca = ricerca["termine"]
        response = super().changelist_view(request, extra_context)
        cl = (getattr(response, "context_data", None) or {}).get("cl")
        if token and cl is not None:
            audit(
                request.user, "ricerca.operatore", None, modello=self.model._meta.label_lower,
                risultati=cl.result_count, pagina=cl.page_num, ricerca=token,
            )  # fmt: skip
        return response

    def _registra_ricerca(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        termine = request.POST.get(RICERCA_CAMPO, "").strip()[:200]
        if not termine:
            return HttpResponseRedirect(self._senza(request, RICERCA_VAR, PAGE_VAR, SEARCH_VAR))
        token = secrets.token_urlsafe(16)
        ricerche = dict(request.session.get(RICERCHE_SESSIONE, {}))
        ricerche[token] = {"modello": self.model._meta.label_lower, "termine": termine}
        request.session[RICERCHE_SESSIONE] = dict(list(ricerche.items())[-RICERCHE_MASSIME:])
        params = request.GET.copy()
        for nome in (RICERCA_VAR, PAGE_VAR, SEARCH_VAR):
            params.pop(nome, None)
        params[RICERCA_VAR] = token
        return HttpResponseRedirect(f"{request.path}?{params.urlencode()}")


class AuditaVisualizzazioneMixin:
    """Opening an object's page is a view of a citizen's data: audited as `azione_visualizzazione`
    (who, what, when)."""

    azione_visualizzazione = ""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and request.method == "GET":
            obj = self.get_object(request, object_id)
            if obj is not None:
                audit(request.user, self.azione_visualizzazione, obj)
        return response


class AuditedReadOnlyAdmin(AuditaVisualizzazioneMixin, ReadOnlyAdmin):
    """Read-only, and every object's page opened is audited."""


class ValoriConVuotoFilter(admin.AllValuesFieldListFilter):
    """Django's filter by value, except that the empty value gets a name: its link is not empty."""

    def choices(self, changelist):
        for scelta in super().choices(changelist):
            if scelta["display"] == "":
                scelta["display"] = _("(nessuno)")
            yield scelta


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["creato_il", "attore", "azione", "oggetto_tipo", "oggetto_id", "ip"]
    list_filter = ["azione", ("oggetto_tipo", ValoriConVuotoFilter)]
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


# An operator's CSV import page: at most this many bad lines are listed (the count of the others follows).
MAX_ERRORI_MOSTRATI = 200


def pagina_importazione(
    modeladmin,
    request,
    *,
    permesso: str,
    form_class,
    importa,
    errore,
    esito,
    destinazione: str,
    titolo,
    template,
):
    """The page behind every "Importa … (CSV)" button: the same service as the command, all or nothing,
    every bad line listed with its number. `importa(upload, nome, operatore=…)` raises `errore` (with
    `.errori`) or returns a result that `esito(result)` turns into the success message."""
    if not request.user.has_perm(permesso):
        raise PermissionDenied
    form = form_class(request.POST or None, request.FILES or None)
    errori: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            risultato = importa(upload, upload.name, operatore=request.user)
        except errore as exc:
            errori = exc.errori
            modeladmin.message_user(request, str(exc), messages.ERROR)
        else:
            modeladmin.message_user(request, esito(risultato), messages.SUCCESS)
            return redirect(destinazione)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": titolo,
        "form": form,
        "errori": errori[:MAX_ERRORI_MOSTRATI],
        "altri_errori": max(0, len(errori) - MAX_ERRORI_MOSTRATI),
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, template, context)
