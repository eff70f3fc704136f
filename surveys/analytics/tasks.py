"""Celery tasks of the analysis: thin, they load ids and call a service.

Celery's autodiscovery finds only `<app>.tasks`; surveys.tasks imports this module so the
worker registers these tasks (it imports nothing heavy at module level)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

# A database that does not answer now (a locked SQLite file at worker start, a PostgreSQL restart) is
# tried again with backoff (2, 4, 8 ... seconds, at most a minute apart); the job runner puts the
# job back in the queue for it (surveys.analytics.jobs), and beat's jobs_resume catches what is left.
TRANSIENT = (OperationalError, InterfaceError)
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": 2, "retry_backoff_max": 60, "max_retries": 8}


@shared_task(name="surveys.analytics.report_build", ignore_result=True, **RETRY)
def analysis_report_build_task(*, report_id: int) -> None:
    from surveys.analytics.services import analysis_report_build
    from surveys.models.analytics import AnalysisReport

    analysis_report_build(report=AnalysisReport.objects.select_related("survey", "region").get(pk=report_id))


@shared_task(name="surveys.analytics.reports_for_closed_round", ignore_result=True, **RETRY)
def analysis_reports_for_closed_round_task(*, survey_id: int, municipal: bool = True) -> None:
    """For whoever closes a round: queues the national and regional reports, then the municipal ones."""
    from surveys.analytics.services import analysis_reports_for_closed_round
    from surveys.models import Survey

    analysis_reports_for_closed_round(survey=Survey.objects.get(pk=survey_id), municipal=municipal)


@shared_task(name="surveys.analytics.municipal_reports_build", ignore_result=True, **RETRY)
def municipal_reports_build_task(*, report_ids: list[int]) -> None:
    """A batch of one round's municipal reports, built from one load of the round."""
    from surveys.analytics.services import municipal_reports_build
    from surveys.models.analytics import MunicipalReport

    reports = list(MunicipalReport.objects.select_related("survey").filter(pk__in=report_ids).order_by("pk"))
    municipal_reports_build(reports=reports)


@shared_task(name="surveys.analytics.municipal_report_build", ignore_result=True, **RETRY)
def municipal_report_build_task(*, report_id: int) -> None:
    """One municipal report: a rebuild asked for by staff, or one beat's jobs_resume queued again."""
    municipal_reports_build_task(report_ids=[report_id])


@shared_task(name="surveys.analytics.export_build", ignore_result=True, **RETRY)
def analysis_export_build_task(*, export_id: int) -> None:
    from surveys.analytics.services import analysis_export_build
    from surveys.models.analytics import AnalysisExport

    analysis_export_build(export=AnalysisExport.objects.select_related("survey", "region").get(pk=export_id))


@shared_task(name="surveys.analytics.jobs_resume")
def analysis_jobs_resume_task(now: str | None = None) -> int:
    """Run by beat every five minutes: queues again the reports and exports a worker left
    behind. `now` (ISO 8601) runs it on a fixed clock, for tests and replays."""
    import datetime

    from django.utils import timezone

    from surveys.analytics.services import analysis_jobs_resume

    moment = datetime.datetime.fromisoformat(now) if now else timezone.now()
    return len(analysis_jobs_resume(now=moment))
