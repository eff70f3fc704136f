"""The servers the fault tests break: each test starts its own and breaks only those.

Never the machine's PostgreSQL or Redis (other test suites use them): a private
redis-server on a free port, a private PostgreSQL cluster (initdb in a temporary folder,
run as the postgres user when the tests run as root), a private SMTP server (aiosmtpd)
and Celery workers and gunicorn processes started as subprocesses (the classes are in
tests/servers.py; these fixtures start and stop them).
"""

import pytest

from municipalities.models import Contact, Municipality
from operations.cache import REDIS_CACHE
from operations.outbox import BROKER
from reminders.models import Rule
from reminders.services import schedule_create_default
from surveys.models import Survey
from tests.factories import QualityScaleFactory
from tests.scenarios import analysis_questionnaire_create, answered_round_create, chief_link_create
from tests.servers import PostgresCluster, RedisServer, SmtpServer, postgres_bin
from tests.support import Worker, demo_round_open

# --- a round --------------------------------------------------------------------------------------


@pytest.fixture
def round_with_contacts(registry_reloaded, transactional_db):
    """An open round whose schedule sends only the invitation, three chief executives, and
    Bergen's chief's own link."""
    survey = demo_round_open(days_open=1)
    schedule_create_default(survey=survey).rules.exclude(kind=Rule.Kind.INVITATION).delete()
    units = {number: Municipality.objects.current().get(number=number) for number in ("4601", "5501", "1804")}
    for number, email in [
        ("4601", "kari@bergen.example"),
        ("5501", "tromso@example.org"),
        ("1804", "bodo@example.org"),
    ]:
        Contact.objects.create(municipality=units[number], name=f"Leder {number}", role="chief_executive", email=email)
    _invitation, token = chief_link_create(survey)
    return survey, token


@pytest.fixture
def answered_round(transactional_db) -> Survey:
    """The analysis tests' round answered by hand (tests/scenarios.py), committed for a worker."""
    return answered_round_create(analysis_questionnaire_create(QualityScaleFactory()))


@pytest.fixture
def open_round(db) -> Survey:
    return demo_round_open()


@pytest.fixture
def chief_token(open_round) -> str:
    _invitation, token = chief_link_create(open_round)
    return token


# --- Redis ------------------------------------------------------------------------------------


@pytest.fixture
def private_redis(tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


def _celery_on(url: str) -> None:
    """Points this process's Celery app (broker and results) at `url`, with fresh pools."""
    from config.celery import app

    # kombu keeps one pool per broker URL for the whole process: drop the app's references to
    # them, do not close them (the app finds the same pool again when it is pointed back).
    app.conf.broker_url = app.conf.result_backend = url
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@pytest.fixture
def on_private_redis(private_redis, settings):
    """This test process uses the private Redis as cache, broker and result store, as a web
    process of a deployment whose REDIS_URL names it would."""
    from config.celery import app

    settings.CACHES = {
        "default": {
            "BACKEND": "operations.cache.ResilientRedisCache",
            "LOCATION": private_redis.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
    broker, results = app.conf.broker_url, app.conf.result_backend
    _celery_on(private_redis.url)
    REDIS_CACHE.reset()
    BROKER.reset()
    yield private_redis
    _celery_on(broker)
    app.conf.result_backend = results
    REDIS_CACHE.reset()
    BROKER.reset()


# --- SMTP ---------------------------------------------------------------------------------------


@pytest.fixture
def smtp():
    server = SmtpServer()
    yield server
    server.stop()


# --- a Celery worker ------------------------------------------------------------------------------


@pytest.fixture
def workers():
    """Starts workers on demand and stops whatever is still running at the end."""
    started: list[Worker] = []

    def start(env: dict[str, str]) -> Worker:
        worker = Worker(env).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


# --- PostgreSQL -----------------------------------------------------------------------------------


@pytest.fixture
def private_postgres():
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.fail("needs PostgreSQL's server binaries (Debian: apt-get install postgresql)")
    cluster = PostgresCluster(bin_dir).init()
    yield cluster
    cluster.remove()
