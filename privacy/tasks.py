"""Celery tasks for personal data: thin, the decisions are in privacy.services."""

from celery import shared_task
from django.utils import timezone

from privacy.services import RETENTION_RULE, Doer, contacts_erase_expired


@shared_task(name="privacy.erase_expired_contacts")
def contacts_erase_expired_task() -> int:
    """Run by beat once a day: erases the contacts the retention rule has expired."""
    return len(contacts_erase_expired(now=timezone.now(), doer=Doer(name=RETENTION_RULE)))
