import logging

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

log = logging.getLogger("bonuspsi")


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = _("Dati di riferimento e servizi comuni")

    def ready(self):
        # Registers the system checks and connects the login audit.
        from . import checks, signals  # noqa: F401

        if settings.CELERY_TASK_ALWAYS_EAGER:
            log.info("Nessun broker Celery configurato: i job girano in modo sincrono (eager).")
