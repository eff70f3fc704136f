"""Queuing Celery tasks so that a broker outage never fails the caller and loses no task.

`task_enqueue` hands a task to the broker. When the broker (Redis) cannot take it, the
call is kept in the database (`OutboxTask`) instead of raising after the caller's commit,
and beat's `operations.outbox_resend` queues it once the broker is back. The same call
(task and arguments) is kept once: two receipts asked for during one outage become one
receipt, and the lost-link page cannot queue more than one message per address.

`task_record` keeps a call in the outbox without trying the broker at all, in the caller's
transaction: the receipt of a submission is written with the submission, so it commits or
rolls back with it, and the respondent's request does not wait for the broker (a publish
costs more than the submission itself). Beat queues it within OUTBOX_RESEND_SECONDS.

What a publish may cost with the broker away is bounded in config/settings.py
(`CELERY_BROKER_TRANSPORT_OPTIONS`, `CELERY_TASK_PUBLISH_RETRY_POLICY`): a stopped Redis
refuses in a fraction of a second, a hung one within the socket timeouts. After a failure
this process does not try the broker for a few seconds (operations.outage), so an outage
costs one timeout per process now and then, not one per request.

The tasks queued here ignore their results (`ignore_result=True` on the task): a web
process never waits for them, and publishing does not touch the result backend, which
would retry for twenty seconds with Redis away.

A task queued twice must do no harm: the receipt and the lost link send one more e-mail,
a report or export build of a finished job does nothing (surveys.analytics.services).
"""

import hashlib
import json
import logging
from functools import partial

from celery import current_app
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from operations.models import OutboxTask
from operations.outage import Outage

logger = logging.getLogger("operations.outbox")

# What a publish raises with the broker away: kombu wraps the transport's errors, but the
# result backend and a connection torn mid-publish may raise redis' or the socket's own.
BROKER_UNREACHABLE = (KombuOperationalError, RedisConnectionError, RedisTimeoutError, OSError)
BROKER = Outage("Celery broker")


def task_of(task):
    """A task given as itself or by its name. Callers that name it need not import the module
    that defines it, and a tasks module may import the services it calls without a circle. A web
    process or a shell has not imported the apps' tasks modules (a worker does when it starts): the
    first name looked up imports them."""
    if not isinstance(task, str):
        return task
    if task not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[task]


def task_publish(task, kwargs: dict) -> bool:
    """Hands one task (or its name) to the broker; False (and nothing raised) when the broker is away."""
    if BROKER.is_down():
        return False
    try:
        task_of(task).delay(**kwargs)
    except BROKER_UNREACHABLE as error:
        BROKER.failed(error, consequence="tasks are kept in the outbox, reminders wait as pending rows")
        return False
    return True


def task_key(task_name: str, kwargs: dict) -> str:
    """What makes two calls the same call: the task and its arguments (SHA-256)."""
    return hashlib.sha256(f"{task_name}:{json.dumps(kwargs, sort_keys=True)}".encode()).hexdigest()


def _keep(task_name: str, kwargs: dict, *, attempts: int, last_error: str = "") -> None:
    call = OutboxTask(
        task=task_name, kwargs=kwargs, key=task_key(task_name, kwargs), attempts=attempts, last_error=last_error
    )
    OutboxTask.objects.bulk_create(
        [call],
        ignore_conflicts=True,  # the same call is already waiting
    )


def task_record(task, **kwargs) -> None:
    """Keeps the call in the outbox, in the current transaction, for beat to queue."""
    _keep(task_of(task).name, kwargs, attempts=0)  # nobody has tried the broker yet


def task_enqueue(task, **kwargs) -> None:
    """Queues `task` (or the task of that name) with `kwargs`, or keeps the call for the resend
    when the broker is away."""
    task = task_of(task)
    if task_publish(task, kwargs):
        return
    _keep(task.name, kwargs, attempts=1, last_error="broker unreachable")
    logger.info("task %s kept in the outbox until the broker answers", task.name, extra={"event": "outbox"})


def task_enqueue_on_commit(task, **kwargs) -> None:
    """`task_enqueue` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(partial(task_enqueue, task, **kwargs))


def outbox_resend(*, limit: int = 1000) -> int:
    """Queues the kept calls, oldest first, and forgets each once the broker took it. Stops at
    the first the broker refuses (it is still away). Two runs at once skip each other's rows.
    Returns how many were queued."""
    sent = 0
    pks = list(OutboxTask.objects.order_by("created_at", "pk").values_list("pk", flat=True)[:limit])
    for pk in pks:
        with transaction.atomic():
            entry = OutboxTask.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if entry is None:
                continue
            task = current_app.tasks[entry.task]
            if not task_publish(task, entry.kwargs):
                OutboxTask.objects.filter(pk=pk).update(attempts=F("attempts") + 1, updated_at=timezone.now())
                break
            entry.delete()
        sent += 1
    return sent
