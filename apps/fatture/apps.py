from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FattureConfig(AppConfig):
    name = "apps.fatture"
    verbose_name = _("Fatture")
