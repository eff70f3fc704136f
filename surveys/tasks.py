from celery import shared_task
from django.db import InterfaceError, OperationalError

from surveys.analytics.tasks import (
    analysis_export_build_task,
    analysis_jobs_resume_task,
    analysis_report_build_task,
    analysis_reports_for_closed_round_task,
)
from surveys.models import Invitation
from surveys.respondent.receipts import receipt_send
from surveys.services.invitations import invitation_link_resend, lost_link_send

# Nobody waits for the results of these (operations/outbox.py): none is stored. A mail
# server or a database that does not answer now is tried again later, with backoff.
TRANSIENT = (OSError, OperationalError, InterfaceError)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5, ignore_result=True)
def receipt_send_task(*, invitation_id: int, language: str) -> None:
    """E-mails the receipt after a submission; retried when the mail server fails."""
    receipt_send(invitation=Invitation.objects.get(pk=invitation_id), language=language)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3, ignore_result=True)
def lost_link_send_task(*, email: str) -> None:
    """Sends fresh links to an address typed on the lost-link page; who gets one is decided in the service."""
    lost_link_send(email=email)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=8, ignore_result=True)
def invitation_link_resend_task(*, invitation_id: int) -> None:
    """Sends a delegated link again, with a fresh token, after the mail server refused it."""
    invitation = Invitation.objects.select_related("survey", "municipality", "section", "delegated_by").get(
        pk=invitation_id
    )
    invitation_link_resend(invitation=invitation)


__all__ = [
    "analysis_export_build_task",
    "analysis_jobs_resume_task",
    "analysis_report_build_task",
    "analysis_reports_for_closed_round_task",
    "invitation_link_resend_task",
    "lost_link_send_task",
    "receipt_send_task",
]
