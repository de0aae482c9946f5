"""Monitoring snapshots in the operators' portal: read-only (they are computed, never edited), and the
"Cruscotto di monitoraggio": the latest snapshot of a bando as tables, its trend as charts, CSV of each."""

import datetime as dt

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ReadOnlyAdmin
from apps.domande.models import Bando
from apps.rimborsi.services import mese_successivo

from . import presentazione
from .models import Instantanea


class CruscottoForm(forms.Form):
    bando = forms.ModelChoiceField(
        Bando.objects.filter(pk__in=Instantanea.objects.values("bando")).order_by("-anno"),
        label=_("Bando"),
        empty_label=None,
    )
    mese = forms.DateField(
        label=_("Mese"),
        input_formats=["%Y-%m"],
        required=False,
        help_text=_("Nel formato AAAA-MM, per esempio 2026-01. Vuoto: l'ultimo mese disponibile."),
        error_messages={"invalid": _("Scrivi il mese nel formato AAAA-MM, per esempio 2026-01.")},
    )

    def clean(self):
        dati = super().clean()
        bando, mese = dati.get("bando"), dati.get("mese")
        if bando and mese and not Instantanea.objects.filter(bando=bando, mese=mese).exists():
            self.add_error(
                "mese",
                _("Per questo bando non c'è un'istantanea del mese %(mese)s.") % {"mese": f"{mese:%m/%Y}"},
            )
        return dati


@admin.register(Instantanea)
class InstantaneaAdmin(ReadOnlyAdmin):
    list_display = ["mese", "bando", "beneficiari", "sedute_svolte", "creata_il"]
    list_filter = ["bando"]
    date_hierarchy = "mese"
    change_list_template = "admin/monitoraggio/instantanea/change_list.html"

    @admin.display(description=_("beneficiari"))
    def beneficiari(self, obj):
        return presentazione.conteggio(obj.dati["beneficiari"]["totale"])

    @admin.display(description=_("sedute svolte"))
    def sedute_svolte(self, obj):
        return obj.dati["sedute"]["svolte"]

    def get_urls(self):
        vista = self.admin_site.admin_view(self.cruscotto_view)
        return [path("cruscotto/", vista, name="monitoraggio_instantanea_cruscotto")] + super().get_urls()

    def cruscotto_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = CruscottoForm(request.GET or None)
        bando = mese = None
        if form.is_bound and form.is_valid():
            bando, mese = form.cleaned_data["bando"], form.cleaned_data["mese"]
        elif form.is_bound and "bando" not in form.errors:
            bando = form.cleaned_data.get("bando")
        bando = bando or form.fields["bando"].queryset.first()
        if not form.is_bound and bando is not None:
            form = CruscottoForm(initial={"bando": bando})
        istantanee = list(Instantanea.objects.filter(bando=bando).order_by("mese")) if bando else []
        scelta = next((i for i in istantanee if i.mese == mese), istantanee[-1] if istantanee else None)
        tabelle = presentazione.tabelle(scelta) if scelta else []
        grafici = presentazione.andamento(istantanee) if istantanee else []
        richiesto = request.GET.get("csv")
        if richiesto:
            trovata = next((t for t in tabelle + [g.tabella for g in grafici] if t.slug == richiesto), None)
            if trovata is None:
                raise Http404
            return trovata.csv(f"monitoraggio-{bando.anno}-{scelta.mese:%Y-%m}")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Cruscotto di monitoraggio"),
            "form": form,
            "bando": bando,
            "istantanea": scelta,
            "fine_mese": scelta and mese_successivo(scelta.mese) - dt.timedelta(days=1),
            "tabelle": tabelle,
            "grafici": grafici,
            "parametri": f"bando={bando.pk}&mese={scelta.mese:%Y-%m}" if scelta else "",
            "opts": Instantanea._meta,
        }
        return TemplateResponse(request, "admin/monitoraggio/instantanea/cruscotto.html", context)
