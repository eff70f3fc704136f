"""A round on the demo questionnaire (tests/scenarios.py: field_round_open, and the steps `at`,
`start_answering`, `submit`) with a few contacts, a real SMTP server (aiosmtpd)
and a real Celery worker on the test database and Redis."""

import os

import pytest

from municipalities.models import Contact, Municipality
from reminders.services import schedule_create_default
from surveys.models import Survey
from tests.scenarios import field_round_open
from tests.servers import SmtpServer
from tests.support import Worker, shared_database_url


@pytest.fixture
def field_round(db) -> Survey:
    return field_round_open()


@pytest.fixture
def units(db) -> dict[str, Municipality]:
    """Bergen (Vest), Tromsø (Nord), Bodø (Nord) and Gamle Oslo (a district)."""
    numbers = {"bergen": "4601", "tromso": "5501", "bodo": "1804", "gamle_oslo": "030101"}
    return {key: Municipality.objects.current().get(number=number) for key, number in numbers.items()}


@pytest.fixture
def contacts(units) -> dict[str, Contact]:
    def contact(key: str, unit: str, role: str, **fields) -> tuple[str, Contact]:
        return key, Contact.objects.create(
            municipality=units[unit],
            name=fields.pop("name", key.replace("_", " ").title()),
            role=role,
            email=fields.pop("email", f"{key}@example.org"),
            **fields,
        )

    return dict(
        [
            contact("bergen_chief", "bergen", Contact.Role.CHIEF_EXECUTIVE),
            contact("bergen_intro", "bergen", Contact.Role.INTRODUCTION_PROGRAMME),
            contact("tromso_chief", "tromso", Contact.Role.CHIEF_EXECUTIVE, language=Contact.Language.NYNORSK),
            contact("bodo_chief", "bodo", Contact.Role.CHIEF_EXECUTIVE),
            contact("gamle_oslo_chief", "gamle_oslo", Contact.Role.CHIEF_EXECUTIVE),
            contact("bodo_other", "bodo", Contact.Role.OTHER),
            contact("tromso_old", "tromso", Contact.Role.CHIEF_EXECUTIVE, is_active=False),
        ]
    )


@pytest.fixture
def three_rules(field_round) -> Survey:
    """The invitation at opening, a reminder after 14 days to those not started, and a last
    call 3 days before closing to those not submitted."""
    schedule = schedule_create_default(survey=field_round)
    schedule.rules.exclude(name__in=["Invitasjon", "Første påminnelse", "Siste frist"]).delete()
    assert schedule.rules.count() == 3
    return field_round


# --- a real SMTP server -----------------------------------------------------------------------


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    yield server.start()
    server.stop()


# --- a real Celery worker ---------------------------------------------------------------------


@pytest.fixture
def worker_env(registry_reloaded, transactional_db, smtp_server, settings) -> dict[str, str]:
    """What a worker needs to reach this test's database, Redis and SMTP server."""
    from config.celery import app

    assert app.conf.broker_url.startswith("redis://"), "the test command sets REDIS_URL"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    return {
        **os.environ,
        "DATABASE_URL": shared_database_url(),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_server.port),
        "REMINDERS_RETRY_SECONDS": "1",
    }


@pytest.fixture
def worker(worker_env):
    running = Worker(worker_env).start()
    yield running
    running.stop()
