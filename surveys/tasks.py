from celery import shared_task

from surveys.analytics.tasks import (
    analysis_export_build_task,
    analysis_report_build_task,
    analysis_reports_for_closed_round_task,
)
from surveys.models import Invitation
from surveys.receipts import receipt_send


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def receipt_send_task(*, invitation_id: int, language: str) -> None:
    """E-mails the receipt after a submission; retried when the mail server fails."""
    receipt_send(invitation=Invitation.objects.get(pk=invitation_id), language=language)


__all__ = [
    "analysis_export_build_task",
    "analysis_report_build_task",
    "analysis_reports_for_closed_round_task",
    "receipt_send_task",
]
