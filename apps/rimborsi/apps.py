from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RimborsiConfig(AppConfig):
    name = "apps.rimborsi"
    verbose_name = _("Rimborsi")
