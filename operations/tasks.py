"""Celery tasks of the operations app: thin, the work is in operations.outbox."""

from celery import shared_task

from operations.outbox import outbox_resend


@shared_task(name="operations.outbox_resend")
def outbox_resend_task() -> int:
    """Run by beat every minute: queues the tasks kept while the broker was away."""
    return outbox_resend()
