"""What the operations app keeps in the database: calls waiting to be handed to the broker."""

from django.db import models

from municipalities.models import TimestampedModel


class OutboxTask(TimestampedModel):
    """A Celery task waiting to be queued: one the broker (Redis) could not take, kept here
    instead of failing the request that asked for it, or a receipt written with its submission.
    Beat's `operations.outbox_resend` queues it within seconds, once the broker answers
    (operations/outbox.py). The same call is kept once (`key`)."""

    task = models.CharField("task", max_length=200)
    kwargs = models.JSONField("keyword arguments", default=dict)
    key = models.CharField("task and arguments (SHA-256)", max_length=64, unique=True)
    attempts = models.PositiveIntegerField("attempts to queue it", default=1)
    last_error = models.CharField("last error", max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "task waiting to be queued"
        verbose_name_plural = "tasks waiting to be queued"

    def __str__(self) -> str:
        return f"{self.task} ({self.created_at:%Y-%m-%d %H:%M})" if self.created_at else self.task
