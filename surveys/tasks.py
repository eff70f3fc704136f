from celery import shared_task

from surveys.analytics.tasks import (
    analysis_export_build_task,
    analysis_jobs_resume_task,
    analysis_report_build_task,
    analysis_reports_for_closed_round_task,
)
from surveys.models import Invitation
from surveys.receipts import receipt_send
from surveys.services.invitations import lost_link_send


# Nobody waits for the results of these (operations/outbox.py): none is stored.
@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, ignore_result=True)
def receipt_send_task(*, invitation_id: int, language: str) -> None:
    """E-mails the receipt after a submission; retried when the mail server fails."""
    receipt_send(invitation=Invitation.objects.get(pk=invitation_id), language=language)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3, ignore_result=True)
def lost_link_send_task(*, email: str) -> None:
    """Sends fresh links to an address typed on the lost-link page; who gets one is decided in the service."""
    lost_link_send(email=email)


__all__ = [
    "analysis_export_build_task",
    "analysis_jobs_resume_task",
    "analysis_report_build_task",
    "analysis_reports_for_closed_round_task",
    "lost_link_send_task",
    "receipt_send_task",
]
