from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def redis_required_in_production(app_configs, **kwargs):
    """Without REDIS_URL, Celery runs jobs inside the web request and every gunicorn worker keeps its own
    rate-limit counters (20 failed verifications become 20 per process): development only."""
    if not settings.DEBUG and not settings.REDIS_URL:
        return [
            Error(
                "REDIS_URL non è impostato con DEBUG=False: i job Celery girerebbero in modo sincrono e i "
                "limiti di tentativi sarebbero contati per processo.",
                hint="Imposta REDIS_URL (broker Celery e cache condivisa), es. redis://redis:6379/0.",
                id="core.E001",
            )
        ]
    return []
