"""The Celery application: configured from Django settings (CELERY_*)."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("survey_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def _logging_from_django_settings(**_) -> None:
    """Workers and beat log like the web processes (JSON lines, tokens redacted:
    settings.LOGGING) instead of Celery's own format; --loglevel gives way to LOG_LEVEL."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@app.task(name="config.ping")
def ping() -> str:
    """Answers 'pong': proves a worker is consuming from the broker."""
    return "pong"
