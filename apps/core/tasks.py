from celery import shared_task

from . import services


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def send_pending_notifiche():
    """Send what the outbox holds (a publication queues hundreds of thousands); safe to run
    concurrently and repeatedly. What is left after the time budget goes with the next run."""
    return services.drain_queue(budget_seconds=540)
