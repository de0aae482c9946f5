from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DomandeConfig(AppConfig):
    name = "apps.domande"
    verbose_name = _("Bandi e domande")
