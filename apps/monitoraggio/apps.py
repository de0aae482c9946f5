from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoraggioConfig(AppConfig):
    name = "apps.monitoraggio"
    verbose_name = _("Monitoraggio")
