from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SeduteConfig(AppConfig):
    name = "apps.sedute"
    verbose_name = _("Sedute")
