from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProfessionistiConfig(AppConfig):
    name = "apps.professionisti"
    verbose_name = _("Professionisti aderenti (CNOP)")
