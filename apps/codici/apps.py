from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CodiciConfig(AppConfig):
    name = "apps.codici"
    verbose_name = _("Codici univoci")
