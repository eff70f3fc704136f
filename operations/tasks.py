"""Celery tasks of the operations app: thin, the work is in operations.outbox."""

from celery import shared_task

from operations.outbox import outbox_resend


@shared_task(name="operations.outbox_resend")
def outbox_resend_task() -> int:
    """Run by beat every ten seconds (OUTBOX_RESEND_SECONDS): queues the receipts written with
    their submissions and the tasks kept while the broker was away."""
    return outbox_resend()
