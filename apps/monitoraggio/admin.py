"""Monitoring snapshots in the operators' portal: read-only (they are computed, never edited)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ReadOnlyAdmin

from .models import Instantanea


@admin.register(Instantanea)
class InstantaneaAdmin(ReadOnlyAdmin):
    list_display = ["mese", "bando", "beneficiari", "sedute_svolte", "creata_il"]
    list_filter = ["bando"]
    date_hierarchy = "mese"

    @admin.display(description=_("beneficiari"))
    def beneficiari(self, obj):
        return obj.dati["beneficiari"]["totale"]

    @admin.display(description=_("sedute svolte"))
    def sedute_svolte(self, obj):
        return obj.dati["sedute"]["svolte"]
