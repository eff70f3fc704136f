"""The servers and processes a test starts itself: a private redis-server, an SMTP server
(aiosmtpd) that can come up after an outage, a private PostgreSQL cluster, the Procfile's
commands with production settings, and plain HTTP to them. A Celery worker and the SMTP
server's mailbox are `Worker` and `Mailbox` in tests/support.py."""

import contextlib
import hashlib
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from aiosmtpd.controller import Controller

from operations.cache import REDIS_CACHE
from operations.outbox import BROKER
from tests.support import ROOT, Mailbox, free_port, port_answers, process_group_stop, shared_database_url, wait_until

# --- Redis ------------------------------------------------------------------------------------


class RedisServer:
    """A private redis-server that can be stopped and started again on the same port. With
    `appendonly` (as a production broker should have) queued tasks survive a restart."""

    def __init__(self, folder: Path, *, appendonly: bool = True):
        self.folder, self.port, self.appendonly = folder, free_port(), appendonly
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [
                "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "yes" if self.appendonly else "no",
            ],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
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
        self.mailbox.port = self.port
        return self.mailbox

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


# --- PostgreSQL -----------------------------------------------------------------------------------


def postgres_bin() -> Path | None:
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


# --- production processes -------------------------------------------------------------------------

# Not handed on to a production process; DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser
# tests' conftest for Playwright, and check --deploy rightly refuses it.
NOT_INHERITED = {
    "DEBUG",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "EMAIL_HOST",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def production_env(**overrides) -> dict[str, str]:
    """The environment of a production process on the test database and Redis."""
    env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    return {
        **env,
        "PLATFORM_ENV": "production",
        "SECRET_KEY": "a-production-secret-for-tests-only-" + "k7Qx2mZp9Lw4Rt8Vb1Nc6Hj3Fd5Gs0Ay",
        "ALLOWED_HOSTS": "survey.example.no,127.0.0.1,localhost",
        "DATABASE_URL": shared_database_url(),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "VAR_DIR": str(ROOT / "var" / "production-test"),
        **overrides,
    }


def worker_env(*, redis_url: str, smtp_port: int, **extra) -> dict[str, str]:
    """A Celery worker's environment on the test database, a private Redis and an SMTP port."""
    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}}
    return {
        **env,
        "DATABASE_URL": shared_database_url(),
        "REDIS_URL": redis_url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "REMINDERS_RETRY_SECONDS": "1",
        **extra,
    }


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def procfile() -> dict[str, str]:
    lines = (ROOT / "deploy" / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def static_collect() -> Path:
    """`collectstatic` as the README says, into a folder kept across runs while the
    sources are unchanged (compressing every file takes half a minute)."""
    sources = [ROOT / "static", ROOT / "package-lock.json", ROOT / "requirements.txt", ROOT / "config" / "settings.py"]
    stamp = hashlib.sha256()
    for source in sources:
        for path in sorted([source] if source.is_file() else source.rglob("*")):
            stamp.update(f"{path}:{path.stat().st_mtime_ns}".encode())
    folder = ROOT / "var" / "production-test" / f"static-{stamp.hexdigest()[:12]}"
    if not (folder / "staticfiles.json").exists():
        for stale in folder.parent.glob("static-*"):
            shutil.rmtree(stale, ignore_errors=True)
        result = subprocess.run(
            ["python", "manage.py", "collectstatic", "--no-input", "-v0"],
            cwd=ROOT,
            env=production_env(STATIC_ROOT=str(folder)),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
    return folder


class Process:
    """One Procfile command under bash, in its own process group, output to a file."""

    def __init__(self, name: str, command: str, env: dict[str, str], log: Path):
        self.name, self.log = name, log
        self.process = subprocess.Popen(
            ["bash", "-c", "exec " + command],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log.read_text()

    def stop(self) -> None:
        process_group_stop(self.process)


class HttpClient:
    """Plain HTTP to one web process, as behind a TLS-terminating proxy (X-Forwarded-Proto),
    keeping cookies itself: they are Secure, which a cookie jar would not send over HTTP."""

    def __init__(self, port: int, cookies: dict[str, str]):
        self.port, self.cookies = port, cookies

    def call(self, path: str, data: dict | None = None, *, https: bool = True):
        origin = f"https://127.0.0.1:{self.port}"
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if https:
            headers["X-Forwarded-Proto"] = "https"
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin}
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        connection.request("POST" if data is not None else "GET", path, body, headers)
        response = connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        connection.close()
        return response, text
