"""A round on the demo questionnaire with a few contacts, a real SMTP server (aiosmtpd)
and a real Celery worker on the test database and Redis."""

import datetime
import os
import zoneinfo

import pytest
from aiosmtpd.controller import Controller

from municipalities.models import Contact, Municipality
from reminders.models import Rule
from reminders.services import schedule_create_default
from surveys.demo_questionnaire import demo_questionnaire_create
from surveys.models import Section, Survey
from surveys.services.questionnaires import questionnaire_load
from surveys.services.responses import Actor, answer_save, response_get_or_create, section_submit
from surveys.services.rounds import survey_open
from tests.support import Mailbox, Worker, free_port, shared_database_url

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
# A Monday morning: the field period runs 52 days, so opening + 14 days and closing - 3 days are Mondays too.
OPENS = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=OSLO)
CLOSES = OPENS + datetime.timedelta(days=52)


def at(days: float, hour: int = 10) -> datetime.datetime:
    """A moment `days` after the round opened, at `hour` o'clock in Oslo."""
    day = (OPENS + datetime.timedelta(days=days)).date()
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=OSLO)


@pytest.fixture
def field_round(db) -> Survey:
    survey = Survey.objects.create(
        year=2027,
        title="Kommuneundersøkelsen 2027",
        questionnaire=demo_questionnaire_create(year=2027),
        opens_at=OPENS,
        closes_at=CLOSES,
    )
    return survey_open(survey=survey)


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


def chief_section(survey: Survey) -> Section:
    return Section.objects.get(questionnaire=survey.questionnaire, code="settlement")


def start_answering(survey: Survey, unit: Municipality) -> None:
    """Someone answers one question of the chief's section: the unit has started."""
    questionnaire = questionnaire_load(survey.questionnaire_id)
    section = next(s for s in questionnaire.sections.all() if s.code == "settlement")
    item = next(i for i in section.items.all() if i.question.code == "Q04")
    answer_save(
        response=response_get_or_create(survey=survey, municipality=unit),
        section=section,
        question=item.question,
        value="yes",
        comment="",
        expected_version=0,
        actor=Actor(name="Test"),
    )


def submit(survey: Survey, unit: Municipality) -> None:
    section_submit(
        response=response_get_or_create(survey=survey, municipality=unit),
        section=chief_section(survey),
        actor=Actor(name="Test"),
    )


@pytest.fixture
def eager_celery():
    """Tasks run in the calling process: the unit tests' stand-in for a worker (the worker
    tests run a real one)."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def rule_named(survey: Survey, name: str) -> Rule:
    return Rule.objects.get(schedule__survey=survey, name=name)


# --- a real SMTP server -----------------------------------------------------------------------


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mailbox.port = controller.port
    yield mailbox
    controller.stop()


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
