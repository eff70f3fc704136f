"""What the operations app keeps in the database: calls waiting to be handed to the broker; and
the base every table of the platform shares, which lives here, at the bottom of the house, so
that any app may use it without importing another."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimestampedModel(models.Model):
    """When a row was made and last changed."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


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
