"""Celery runs for real: a worker process consumes from Redis and answers."""

import os
import uuid

import pytest

from config.celery import app, ping
from tests.support import Worker


@pytest.fixture
def worker_queue():
    assert app.conf.broker_url.startswith("redis://"), "the test command sets REDIS_URL"
    queue = f"test-ping-{uuid.uuid4().hex[:8]}"
    worker = Worker(dict(os.environ), queue=queue).start()
    yield queue
    worker.stop()


def test_a_real_worker_answers_a_ping_through_redis(worker_queue):
    result = ping.apply_async(queue=worker_queue)

    assert result.get(timeout=60) == "pong"


def test_the_beat_schedule_is_held_in_the_database():
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


def test_beat_writes_the_schedule_defined_in_code_into_its_tables_when_it_starts(registry_reloaded, transactional_db):
    # The scheduler closes connections it finds in a transaction: this test commits for real.
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    assert not PeriodicTask.objects.filter(task__in=["reminders.dispatch_due", "operations.outbox_resend"]).exists()

    DatabaseScheduler(app=app)  # what `celery beat` does when it starts

    stored = {task.name: task for task in PeriodicTask.objects.exclude(task="celery.backend_cleanup")}
    assert set(stored) == set(app.conf.beat_schedule)
    by_task = {task.task: task for task in stored.values()}
    assert (
        by_task["operations.outbox_resend"].interval.every,
        by_task["operations.outbox_resend"].interval.period,
    ) == (
        10,
        "seconds",
    )
    assert by_task["reminders.dispatch_due"].interval.every == 300
    assert by_task["surveys.analytics.jobs_resume"].interval.every == 300
    nightly = by_task["privacy.erase_expired_contacts"].crontab
    assert (nightly.hour, nightly.minute) == ("3", "15") and all(task.enabled for task in stored.values())
