from celery import shared_task

from . import services


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def send_pending_notifiche():
    """Send what the outbox holds; safe to run concurrently and repeatedly."""
    return services.send_pending()
