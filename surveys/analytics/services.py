"""Writes of the analysis: requesting and building report PDFs."""

import io

from django.db import transaction
from django.utils import timezone

from municipalities.models import Region
from surveys.analytics.models import AnalysisReport
from surveys.models import Survey


def analysis_report_request(*, survey: Survey, region: Region | None, requested_by=None) -> AnalysisReport:
    """Queues a report build; an unfinished build of the same report is reused."""
    from surveys.analytics.tasks import analysis_report_build_task

    with transaction.atomic():
        report = AnalysisReport.objects.filter(
            survey=survey, region=region, status__in=[AnalysisReport.Status.QUEUED, AnalysisReport.Status.RUNNING]
        ).first()
        if report is not None:
            return report
        report = AnalysisReport(survey=survey, region=region, requested_by=requested_by)
        report.full_clean()
        report.save()
        transaction.on_commit(lambda: analysis_report_build_task.delay(report_id=report.pk))
    return report


def _progress(report: AnalysisReport, progress: int, status: str = AnalysisReport.Status.RUNNING) -> None:
    report.progress, report.status = progress, status
    AnalysisReport.objects.filter(pk=report.pk).update(progress=progress, status=status, updated_at=timezone.now())


def analysis_report_build(*, report: AnalysisReport) -> AnalysisReport:
    """Builds the PDF and records progress on the row, so the page can show it."""
    from pypdf import PdfReader

    from surveys.analytics.dataset import Districts, round_data_load
    from surveys.analytics.reports import report_context, report_pdf

    _progress(report, 5)
    try:
        data = round_data_load(survey=report.survey, region=report.region, districts=Districts.APART)
        _progress(report, 30)
        context = report_context(survey=report.survey, region=report.region, data=data)
        _progress(report, 50)
        pdf = report_pdf(survey=report.survey, region=report.region, context=context)
    except Exception as error:
        report.status, report.failure_message = AnalysisReport.Status.FAILED, str(error)[:2000]
        report.finished_at = timezone.now()
        report.save(update_fields=["status", "failure_message", "finished_at", "updated_at"])
        raise
    report.pdf = pdf
    report.page_count = len(PdfReader(io.BytesIO(pdf)).pages)
    report.status, report.progress, report.finished_at = AnalysisReport.Status.DONE, 100, timezone.now()
    report.save(update_fields=["pdf", "page_count", "status", "progress", "finished_at", "updated_at"])
    return report


def analysis_reports_for_closed_round(*, survey: Survey) -> list[AnalysisReport]:
    """The national report and one per region of the active scheme, queued when a round closes."""
    from municipalities.selectors import region_scheme_active

    scheme = region_scheme_active()
    regions: list[Region | None] = [None] + (list(scheme.regions.order_by("name")) if scheme else [])
    return [analysis_report_request(survey=survey, region=region) for region in regions]
