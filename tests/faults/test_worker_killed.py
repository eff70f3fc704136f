"""Fault: the Celery worker is killed (SIGKILL) in the middle of a report build.

The worker killed during a reminder fan-out is tests/reminders/test_dispatch_worker.py::
test_a_worker_killed_in_the_middle_of_a_fan_out_completes_without_duplicates (also marked
`faults`): the next beat after the lease sends the rest, each message once.

Here a report build is cut off while it reads the round's data. With the Redis transport
the unacknowledged message would come back only after the visibility timeout (an hour), so
the report would stay "being built"; beat's resume sweep (surveys.analytics.jobs_resume, on
a fixed clock here) queues it again, a new worker builds it, and the old message delivered
once more changes nothing: one report, one PDF."""

import datetime
import time

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from surveys.analytics.jobs import JOB_STALE_AFTER
from surveys.analytics.services import analysis_report_request
from surveys.analytics.tasks import analysis_jobs_resume_task, analysis_report_build_task
from surveys.models.analytics import AnalysisReport
from tests.servers import worker_env
from tests.support import free_port, wait_until

pytestmark = pytest.mark.faults


def _test_database() -> psycopg.Connection:
    """A connection of its own to the test database, outside Django's."""
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
    )


def test_a_report_build_cut_off_by_a_killed_worker_completes_once_after_a_restart(
    registry_reloaded,
    transactional_db,
    answered_round,
    on_private_redis,
    workers,
):
    env = worker_env(redis_url=on_private_redis.url, smtp_port=free_port())
    first = workers(env)
    blocker = _test_database()
    try:
        # given the build will wait on the round's responses: another transaction holds the table
        blocker.execute("LOCK TABLE surveys_response IN ACCESS EXCLUSIVE MODE")

        # when the national report is asked for, a worker takes it and starts to build
        report = analysis_report_request(survey=answered_round, region=None)
        wait_until(
            lambda: AnalysisReport.objects.get(pk=report.pk).status == AnalysisReport.Status.RUNNING,
            timeout=60,
            what="the worker to start the build",
        )
        waiting = (
            "SELECT count(*) FROM pg_locks WHERE relation = 'surveys_response'::regclass AND NOT granted"
        )  # fmt: skip
        wait_until(lambda: blocker.execute(waiting).fetchone()[0] == 1, timeout=30, what="the build to read data")

        # and the worker is killed in the middle of it
        first.kill()
    finally:
        blocker.rollback()
        blocker.close()

    # then the report is left "being built", and a new worker does not get it back by itself
    second = workers(env)
    time.sleep(3)
    stuck = AnalysisReport.objects.get(pk=report.pk)
    assert (stuck.status, stuck.progress, stuck.pdf) == (AnalysisReport.Status.RUNNING, 5, None)

    # when beat's resume sweep runs once the report has not moved for long enough
    later = timezone.now() + JOB_STALE_AFTER + datetime.timedelta(minutes=1)
    assert analysis_jobs_resume_task.delay(now=later.isoformat()).get(timeout=60) == 1

    # then the new worker builds it
    wait_until(
        lambda: AnalysisReport.objects.get(pk=report.pk).status == AnalysisReport.Status.DONE,
        timeout=90,
        what="the resumed build",
    )
    done = AnalysisReport.objects.get(pk=report.pk)
    assert bytes(done.pdf).startswith(b"%PDF") and done.page_count > 0

    # and nothing is doubled: the killed worker's message delivered again, and the sweep again,
    # leave the one report and its PDF as they are
    analysis_report_build_task.apply_async(kwargs={"report_id": report.pk}, ignore_result=False).get(timeout=60)
    assert analysis_jobs_resume_task.delay(now=(later + JOB_STALE_AFTER).isoformat()).get(timeout=60) == 0
    again = AnalysisReport.objects.get(pk=report.pk)
    assert bytes(again.pdf) == bytes(done.pdf) and again.updated_at == done.updated_at
    assert AnalysisReport.objects.filter(survey=answered_round, region=None).count() == 1
    second.stop()
