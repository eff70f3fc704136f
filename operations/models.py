"""What the operations app keeps in the database: calls the broker could not take."""

from django.db import models

from municipalities.models import TimestampedModel


class OutboxTask(TimestampedModel):
    """A Celery task that was to be queued when the broker (Redis) was away. Kept here instead
    of failing the request that asked for it, and queued by beat's `operations.outbox_resend`
    once the broker answers (operations/outbox.py). The same call is kept once (`key`)."""

    task = models.CharField("task", max_length=200)
    kwargs = models.JSONField("keyword arguments", default=dict)
    key = models.CharField("task and arguments (SHA-256)", max_length=64, unique=True)
    attempts = models.PositiveIntegerField("attempts to queue it", default=1)
    last_error = models.CharField("last error", max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "task waiting for the broker"
        verbose_name_plural = "tasks waiting for the broker"

    def __str__(self) -> str:
        return f"{self.task} ({self.created_at:%Y-%m-%d %H:%M})" if self.created_at else self.task
