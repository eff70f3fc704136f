"""An export built by a real Celery worker process that takes the task from Redis."""

import os
import uuid

import pytest
from django.db import connection
from django.urls import reverse

from config.celery import app
from surveys.analytics.tasks import analysis_export_build_task
from surveys.models.analytics import AnalysisExport
from tests.support import Worker, shared_database_url, wait_until


@pytest.fixture
def export_worker(tmp_path):
    assert app.conf.broker_url.startswith("redis://"), "the test command sets REDIS_URL"
    assert connection.vendor == "postgresql", "the worker needs a database it can share with the test"
    queue = f"test-export-{uuid.uuid4().hex[:8]}"
    worker = Worker({**os.environ, "DATABASE_URL": shared_database_url(), "MEDIA_ROOT": str(tmp_path)}, queue=queue)
    worker.start()
    yield queue
    worker.stop()


def test_a_real_worker_builds_an_export_through_redis(
    registry_reloaded, transactional_db, answered_round, analyst, client, settings, tmp_path, export_worker, monkeypatch
):
    # given the view's request routed to the worker's own queue (the rest of the path unchanged)
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(
        "surveys.analytics.tasks.analysis_export_build_task.delay",
        lambda **kwargs: analysis_export_build_task.apply_async(kwargs=kwargs, queue=export_worker),
    )
    client.force_login(analyst)

    # when
    response = client.post(reverse("analysis-export", args=[answered_round.pk, "csv"]))

    # then the worker builds the file; the page follows its progress and offers it
    export = wait_until(
        lambda: AnalysisExport.objects.filter(status__in=["done", "failed"]).first(), timeout=90, what="the export"
    )
    assert export.status == "done", export.failure_message or "the worker did not finish in time"
    status = client.get(response["Location"]).content.decode()
    download = client.get(reverse("analysis-export-download", args=[answered_round.pk, export.pk]))
    lines = b"".join(download.streaming_content).decode("utf-8-sig").splitlines()
    assert 'value="100"' in status
    assert lines[0].startswith("number,name,unit_kind") and len(lines) == 1 + 372
    assert (tmp_path / export.file.name).exists()
