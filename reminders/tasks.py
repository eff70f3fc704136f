"""Celery tasks of the schedule: thin, the decisions are in reminders.services."""

import datetime

from celery import shared_task
from django.utils import timezone

from reminders.services import dispatch_send, dispatches_enqueue, reminders_fan_out_due


@shared_task(name="reminders.dispatch_due")
def reminders_dispatch_due_task(now: str | None = None) -> int:
    """Run by beat every few minutes: writes the due messages and hands the pending ones to
    the workers. `now` (ISO 8601) runs it on a fixed clock, for tests and replays."""
    moment = datetime.datetime.fromisoformat(now) if now else timezone.now()
    ids = reminders_fan_out_due(now=moment)
    dispatches_enqueue(ids)
    return len(ids)


@shared_task(bind=True, name="reminders.dispatch_send", max_retries=None, ignore_result=True)
def dispatch_send_task(self, *, dispatch_id: int) -> str:
    """Sends one message; a temporary SMTP failure comes back after the backoff the
    dispatch row records (the row, not the task, counts the attempts)."""
    outcome = dispatch_send(dispatch_id=dispatch_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status
