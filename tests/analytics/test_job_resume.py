"""Report and export builds that a worker left behind are queued again by beat, and a build
delivered twice builds nothing twice (surveys.analytics.services: analysis_jobs_resume).
A real worker killed in the middle of a build: tests/faults/test_worker_killed.py."""

import datetime

import pytest
from django.utils import timezone

from surveys.analytics.jobs import JOB_STALE_AFTER
from surveys.analytics.services import analysis_export_build, analysis_jobs_resume
from surveys.models.analytics import AnalysisExport, AnalysisReport


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def queued(monkeypatch):
    """The builds the resume queues, recorded instead of sent to a worker."""
    calls = []
    monkeypatch.setattr("surveys.analytics.tasks.analysis_report_build_task.delay", lambda **kw: calls.append(kw))
    monkeypatch.setattr("surveys.analytics.tasks.analysis_export_build_task.delay", lambda **kw: calls.append(kw))
    return calls


def test_only_jobs_that_stopped_moving_are_queued_again(answered_round, queued, django_capture_on_commit_callbacks):
    # given a report a killed worker left running, an export whose message was lost, and jobs that are fine
    stuck = AnalysisReport.objects.create(survey=answered_round, status="running", progress=30)
    lost = AnalysisExport.objects.create(survey=answered_round, format="csv")
    moving = AnalysisExport.objects.create(survey=answered_round, format="sav", status="running", progress=60)
    done = AnalysisExport.objects.create(survey=answered_round, format="xlsx", status="done", file="x.xlsx")
    now = timezone.now() + JOB_STALE_AFTER + datetime.timedelta(minutes=1)
    AnalysisExport.objects.filter(pk=moving.pk).update(updated_at=now - datetime.timedelta(minutes=1))

    # when beat's sweep runs
    with django_capture_on_commit_callbacks(execute=True):
        resumed = analysis_jobs_resume(now=now)

    # then the two stale ones are queued again, from the start
    assert resumed == [("report", stuck.pk), ("export", lost.pk)]
    assert queued == [{"report_id": stuck.pk}, {"export_id": lost.pk}]
    stuck.refresh_from_db()
    assert (stuck.status, stuck.progress) == ("queued", 0)
    assert AnalysisExport.objects.get(pk=moving.pk).status == "running"
    assert AnalysisExport.objects.get(pk=done.pk).status == "done"
    # and the next sweep leaves them to the build it queued
    assert analysis_jobs_resume(now=now + datetime.timedelta(minutes=5)) == []


def test_an_export_built_twice_is_built_once(answered_round):
    export = AnalysisExport.objects.create(survey=answered_round, format="csv")

    analysis_export_build(export=export)
    first = AnalysisExport.objects.get(pk=export.pk)
    # the same task delivered again (a killed worker's message coming back)
    analysis_export_build(export=AnalysisExport.objects.get(pk=export.pk))

    again = AnalysisExport.objects.get(pk=export.pk)
    assert first.status == "done" and (again.file.name, again.updated_at) == (first.file.name, first.updated_at)
    assert AnalysisExport.objects.count() == 1


def test_a_build_that_another_run_holds_is_left_to_it(answered_round):
    export = AnalysisExport.objects.create(survey=answered_round, format="csv", status="running", progress=40)

    assert analysis_export_build(export=export).status == "running"
    assert AnalysisExport.objects.get(pk=export.pk).progress == 40


def test_a_build_the_database_failed_goes_back_to_the_queue_and_the_retry_builds_it(answered_round):
    # given a report whose first build meets a locked database (as SQLite at a worker's start)
    from django.db import OperationalError

    from surveys.analytics.jobs import JobOutput, job_run
    from surveys.analytics.tasks import analysis_report_build_task

    report = AnalysisReport.objects.create(survey=answered_round)

    def locked(progress):
        progress(30)
        raise OperationalError("database is locked")

    # when the build fails on it
    with pytest.raises(OperationalError):
        job_run(report, build=locked)

    # then the report waits in the queue for the task's retry (with backoff), not failed
    report.refresh_from_db()
    assert (report.status, report.progress, report.failure_message) == ("queued", 0, "")
    assert OperationalError in analysis_report_build_task.autoretry_for and analysis_report_build_task.retry_backoff
    # and the retry builds it
    job_run(report, build=lambda progress: JobOutput({"pdf": b"%PDF-1.7", "page_count": 1}))
    report.refresh_from_db()
    assert report.status == "done"


def test_a_failed_report_says_what_failed_and_offers_a_rebuild(client, analyst, answered_round):
    from django.urls import reverse

    report = AnalysisReport.objects.create(
        survey=answered_round, status="failed", failure_message="WeasyPrint: no font", finished_at=timezone.now()
    )
    client.force_login(analyst)

    page = client.get(reverse("analysis-report-status", args=[answered_round.pk, report.pk])).content.decode()

    assert "WeasyPrint: no font" in page
    assert reverse("analysis-report-request", args=[answered_round.pk]) + "?districts=apart" in page


def test_a_municipal_report_a_worker_left_behind_is_queued_again_alone_and_built_once(
    answered_round, monkeypatch, django_capture_on_commit_callbacks
):
    from municipalities.models import Municipality
    from surveys.analytics.services import municipal_reports_build
    from surveys.models import MunicipalReport

    calls = []
    monkeypatch.setattr("surveys.analytics.tasks.municipal_report_build_task.delay", lambda **kw: calls.append(kw))
    tromso = Municipality.objects.current().get(number="5501")
    stuck = MunicipalReport.objects.create(survey=answered_round, municipality=tromso, status="running", progress=50)
    now = timezone.now() + JOB_STALE_AFTER + datetime.timedelta(minutes=1)

    with django_capture_on_commit_callbacks(execute=True):
        resumed = analysis_jobs_resume(now=now)

    assert resumed == [("municipal", stuck.pk)] and calls == [{"report_id": stuck.pk}]
    [built] = municipal_reports_build(reports=[MunicipalReport.objects.get(pk=stuck.pk)])
    again = municipal_reports_build(reports=[MunicipalReport.objects.get(pk=stuck.pk)])  # delivered twice
    assert built.status == "done" and again[0].finished_at == built.finished_at
