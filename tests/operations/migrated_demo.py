"""Run inside a process on the migrated demo database (see test_migrations.py):

    DATABASE_URL=... python manage.py shell -c \
        "from tests.operations.migrated_demo import main; main(token=..., password=..., totp_key=...)"

It does what users do on the day after a release, through today's code, with what the demo
handed out before it (the chief executive's link, the admin's password and authenticator key),
and prints what it saw as JSON."""

import base64
import json

from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from surveys.models import Answer, Response, SectionProgress, Survey


def respondent_day(token: str) -> dict[str, object]:
    """The link given before the release opens the open round and saves an answer."""
    client = Client()
    landing = client.get(reverse("respondent-landing", args=[token]))
    page = client.get(reverse("respondent-section", args=[token, "settlement"]))
    saved = client.post(
        reverse("respondent-autosave", args=[token, "settlement"]), {"question": "Q04", "version": 0, "Q04": "yes"}
    )
    survey = Survey.objects.get(status=Survey.Status.OPEN)
    answer = Answer.objects.filter(
        response__survey=survey, response__municipality__number="4601", question__code="Q04"
    ).first()
    return {
        "landing": landing.status_code,
        "section_page": page.status_code,
        "autosave": saved.status_code,
        "answer": answer.value if answer else None,
    }


def staff_day(password: str, totp_key: str) -> dict[str, object]:
    """The admin signs in with the password and authenticator from before and reads the closed round."""
    device = TOTPDevice.objects.get(user__username="admin")
    code = TOTP(base64.b32decode(totp_key), step=device.step, digits=device.digits).token()
    client = Client()
    password_step = client.post(reverse("staff-login"), {"username": "admin", "password": password})
    code_step = client.post(reverse("staff-verify"), {"code": f"{code:0{device.digits}d}", "next": "/staff/"})
    closed = Survey.objects.get(status=Survey.Status.CLOSED)
    frequencies = client.get(reverse("analysis-frequencies", args=[closed.pk]))
    return {
        "password_step": password_step.status_code,
        "code_step": code_step.status_code,
        "frequencies": frequencies.status_code,
        "frequencies_mention_Q04": "Q04" in frequencies.content.decode(),
    }


def closed_round() -> dict[str, int]:
    survey = Survey.objects.get(status=Survey.Status.CLOSED)
    return {
        "responses": Response.objects.filter(survey=survey).count(),
        "submitted_sections": SectionProgress.objects.filter(
            response__survey=survey, status=SectionProgress.Status.SUBMITTED
        ).count(),
    }


def beat_schedule() -> list[str]:
    """What `celery beat` writes into its tables when it starts, over the entries old migrations made."""
    from celery import current_app
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    DatabaseScheduler(app=current_app)
    return sorted(PeriodicTask.objects.exclude(task="celery.backend_cleanup").values_list("name", flat=True))


def main(*, token: str, password: str, totp_key: str) -> None:
    print(
        json.dumps(
            {
                "respondent": respondent_day(token),
                "staff": staff_day(password, totp_key),
                "closed": closed_round(),
                "beat": beat_schedule(),
            }
        )
    )
