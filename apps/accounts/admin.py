from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from apps.core.admin import RicercaRiservataMixin

from .models import User


@admin.register(User)
class UserAdmin(RicercaRiservataMixin, BaseUserAdmin):
    ordering = ["cognome", "nome"]
    list_display = ["codice_fiscale", "cognome", "nome", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["codice_fiscale", "cognome", "nome"]
    fieldsets = [
        (None, {"fields": ["codice_fiscale", "password"]}),
        (_("Anagrafica"), {"fields": ["nome", "cognome", "email"]}),
        (_("Permessi"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["codice_fiscale", "password1", "password2"]})]
