"""The servers the fault tests break: each test starts its own and breaks only those.

Never the machine's PostgreSQL or Redis (other test suites use them): a private
redis-server on a free port, a private PostgreSQL cluster (initdb in a temporary folder,
run as the postgres user when the tests run as root), a private SMTP server (aiosmtpd)
and Celery workers and gunicorn processes started as subprocesses.
"""

import contextlib
import datetime
import os
import shutil
import socket
import subprocess
import tempfile
import time
import zoneinfo
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from municipalities.models import Contact, Municipality
from operations.cache import REDIS_CACHE
from operations.outbox import BROKER
from reminders.models import Rule
from reminders.services import schedule_create_default
from surveys.services.invitations import invitation_create
from tests.support import Mailbox, Worker, demo_round_open, free_port

ROOT = Path(__file__).resolve().parent.parent.parent


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"waited {timeout} s for {what}")


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


# --- a round --------------------------------------------------------------------------------------

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")


def next_window(moment: datetime.datetime) -> datetime.datetime:
    """The first weekday 10:00 in Oslo after `moment`: inside the default send window."""
    day = timezone.localtime(moment, OSLO).date() + datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=OSLO)


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
    _invitation, token = invitation_create(
        survey=survey,
        municipality=units["4601"],
        role="chief_executive",
        name="Kari Leder",
        email="kari@bergen.example",
    )
    return survey, token


# --- Redis ------------------------------------------------------------------------------------


class RedisServer:
    """A private redis-server that can be stopped and started again on the same port. It keeps
    an append-only file, as a production broker should, so queued tasks survive a restart."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes"],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(self._pong, timeout=20, what="the private redis-server")
        return self

    def _pong(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        wait_until(lambda: not port_answers(self.port), timeout=10, what="redis-server to stop")


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


def redis_back(server: RedisServer) -> None:
    """Starts the stopped Redis again; this process learns it at once (no waiting out the pause)."""
    server.start()
    REDIS_CACHE.reset()
    BROKER.reset()


# --- SMTP ---------------------------------------------------------------------------------------


class SmtpServer:
    """aiosmtpd on a port chosen before it starts, so it can come up after an outage."""

    def __init__(self):
        self.mailbox, self.port = Mailbox(), free_port()
        self.controller: Controller | None = None

    def start(self) -> Mailbox:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self.mailbox

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    server = SmtpServer()
    yield server
    server.stop()


# --- a Celery worker ------------------------------------------------------------------------------


def worker_env(*, redis_url: str, smtp_port: int, **extra) -> dict[str, str]:
    """A worker on the test database, the private Redis and the private SMTP server."""
    from django.db import connection

    database = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}}
    return {
        **env,
        "DATABASE_URL": (
            f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "REDIS_URL": redis_url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "REMINDERS_RETRY_SECONDS": "1",
        **extra,
    }


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


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


class PostgresCluster:
    """A private PostgreSQL cluster in a temporary folder: trust authentication, a free port,
    no fsync. initdb refuses to run as root, so as root everything runs as the postgres user."""

    def __init__(self, bin_dir: Path):
        self.bin_dir, self.port = bin_dir, free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.data = self.folder / "data"
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_owner:
            shutil.chown(self.folder, "postgres", "postgres")

    def _run(self, *args: str, timeout: float = 60) -> None:
        subprocess.run([*self.as_owner, *args], check=True, capture_output=True, timeout=timeout)

    def init(self) -> "PostgresCluster":
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        return self.start()

    def _ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"), "-w",
            "-o", options, *args,
        )  # fmt: skip

    def start(self) -> "PostgresCluster":
        self._ctl("start")
        return self

    def stop(self) -> None:
        """A fast shutdown, as `pg_ctl restart -m fast` does first: open transactions are rolled back."""
        self._ctl("-m", "fast", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def private_postgres():
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.fail("needs PostgreSQL's server binaries (Debian: apt-get install postgresql)")
    cluster = PostgresCluster(bin_dir).init()
    yield cluster
    cluster.remove()
