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
