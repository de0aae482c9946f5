import logging

from django.apps import AppConfig
from django.conf import settings

log = logging.getLogger("bonuspsi")


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = "Dati di riferimento e servizi comuni"

    def ready(self):
        from . import signals  # noqa: F401 - connects the login audit

        if settings.CELERY_TASK_ALWAYS_EAGER:
            log.info("Nessun broker Celery configurato: i job girano in modo sincrono (eager).")
