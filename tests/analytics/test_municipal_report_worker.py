"""Closing a round through the real path: the close commits, the outbox hands the task to Redis, and a
real Celery worker process queues and builds the national, regional and every municipal report."""

import io
import os

from django.db import connection
from pypdf import PdfReader

from config.celery import app
from surveys.models import MunicipalReport
from surveys.models.analytics import AnalysisReport
from surveys.services.rounds import survey_close
from tests.support import Worker, shared_database_url, wait_until


def test_closing_a_round_gives_every_responding_unit_its_report_built_by_a_worker(
    registry_reloaded, transactional_db, answered_round
):
    assert app.conf.broker_url.startswith("redis://"), "the test command sets REDIS_URL"
    assert connection.vendor == "postgresql", "the worker needs a database it can share with the test"
    worker = Worker({**os.environ, "DATABASE_URL": shared_database_url()}).start()
    try:
        survey_close(survey=answered_round)

        def all_built():
            municipal = list(MunicipalReport.objects.filter(survey=answered_round))
            finished = [report for report in municipal if report.status in ("done", "failed")]
            return municipal if municipal and len(finished) == len(municipal) else None

        reports = wait_until(all_built, timeout=240, what="every municipal report")
    finally:
        worker.stop()

    assert sorted((report.municipality.number, report.status) for report in reports) == [
        ("1811", "done"),
        ("4601", "done"),
        ("5501", "done"),
    ]
    bergen = next(report for report in reports if report.municipality.number == "4601")
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(bergen.pdf))).pages).split())
    assert "Bergen" in text and "Vest (N = 1)" in text
    # the national and regional reports were queued first, by the same task
    national = AnalysisReport.objects.get(survey=answered_round, region=None)
    assert national.created_at < min(report.created_at for report in reports)
