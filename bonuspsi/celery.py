import logging
import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonuspsi.settings")

app = Celery("bonuspsi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger(__name__)


@worker_init.connect
def _log_broker(**kwargs):
    log.info("Celery worker connected to %s", app.conf.broker_url)
