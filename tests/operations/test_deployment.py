"""The README's production example, run for real: the release step once, two web
processes and one Celery worker started with the commands in deploy/Procfile and
production settings, against one PostgreSQL (the test database) and one Redis (a
private redis-server), sharing state only through those two."""

import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.management import call_command

from municipalities.models import Municipality
from tests.operations.conftest import ROOT, production_env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def procfile() -> dict[str, str]:
    lines = (ROOT / "deploy" / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def wait_until(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"waited {timeout} s for {what}")


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
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)


class Client:
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


@pytest.fixture(scope="session")
def collected_static() -> Path:
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
        env = production_env(STATIC_ROOT=str(folder))
        result = subprocess.run(
            ["python", "manage.py", "collectstatic", "--no-input", "-v0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture
def private_redis(tmp_path):
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    wait_until(answers, timeout=20, what="the private redis-server")
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=20)


@pytest.fixture
def respondent_token(registry_reloaded, transactional_db) -> str:
    """An open round and a chief executive's link, committed for the other processes."""
    from surveys.services.invitations import invitation_create
    from tests.support import demo_round_open

    if not Municipality.objects.exists():
        call_command("import_registry", verbosity=0)
    survey = demo_round_open()
    bergen = Municipality.objects.current().get(number="4601")
    _invitation, token = invitation_create(
        survey=survey, municipality=bergen, role="chief_executive", name="Kari Leder", email="kari@bergen.example"
    )
    return token


def test_two_web_processes_and_a_worker_share_one_database_and_one_redis(
    respondent_token, private_redis, collected_static, tmp_path
):
    token = respondent_token
    outbox = tmp_path / "outbox"
    env = production_env(
        REDIS_URL=private_redis,
        STATIC_ROOT=str(collected_static),
        EMAIL_FILE_PATH=str(outbox),
        MEDIA_ROOT=str(tmp_path / "media"),
        WEB_CONCURRENCY="1",
        WORKER_CONCURRENCY="1",
        LOG_LEVEL="INFO",
    )
    commands = procfile()
    assert set(commands) == {"release", "web", "worker", "beat"}
    processes: list[Process] = []
    try:
        # given the release step, run once
        release = subprocess.run(
            ["bash", "-c", commands["release"]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert release.returncode == 0, release.stdout + release.stderr

        # and one worker, then two web processes (as on two hosts: they share nothing but the servers)
        worker = Process("worker", commands["worker"], env | {"PORT": "1"}, tmp_path / "worker.log")
        processes.append(worker)
        wait_until(lambda: "ready." in worker.output(), timeout=90, what="the worker")
        ports = [free_port(), free_port()]
        webs = [Process(f"web-{p}", commands["web"], env | {"PORT": str(p)}, tmp_path / f"web-{p}.log") for p in ports]
        processes += webs

        # when the load balancer asks each for its health (plain HTTP, no redirect)
        def healthy(port: int):
            for process in processes:
                assert process.process.poll() is None, f"{process.name} stopped:\n{process.output()}"
            try:
                response, text = Client(port, {}).call("/health/", https=False)
            except OSError:
                return None
            return response.status == 200 and json.loads(text)

        for port in ports:
            report = wait_until(lambda port=port: healthy(port), timeout=90, what=f"/health/ on {port}")
            # then each reaches the database, the broker, the cache and the worker
            assert report["status"] == "ok", report
            assert report["checks"]["workers"] == {"status": "ok"}

        a, b = Client(ports[0], {}), Client(ports[1], {})
        # and a page over plain HTTP is sent to HTTPS
        response, _ = a.call("/", https=False)
        assert response.status == 301 and response.getheader("Location").startswith("https://")

        # when the respondent opens a section on one web process: HSTS, CSP, Secure HttpOnly cookies
        response, page = a.call(f"/r/{token}/s/settlement/")
        assert response.status == 200
        assert response.getheader("Strict-Transport-Security").startswith("max-age=31536000")
        assert "default-src 'self'" in response.getheader("Content-Security-Policy")
        csrf_cookie = next(c for c in response.headers.get_all("Set-Cookie") if c.startswith("csrftoken="))
        assert "Secure" in csrf_cookie and "HttpOnly" in csrf_cookie
        form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        b.cookies = a.cookies  # the same browser, sent to the other process by the load balancer

        # and autosaves an answer there
        save = {"question": "Q04", "version": 0, "Q04": "yes", "csrfmiddlewaretoken": form_token}
        response, text = a.call(f"/r/{token}/s/settlement/autosave/", save)
        assert response.status == 200 and json.loads(text)["status"] == "saved", text

        # then the other process knows it (the database): a save from the old version is refused
        response, text = b.call(f"/r/{token}/s/settlement/autosave/", save | {"Q04": "no"})
        assert response.status == 409 and json.loads(text)["status"] == "conflict", text

        # and the lost-link limit is counted across both (the cache in Redis): five per hour, then 429
        statuses = []
        for number in range(6):
            client = a if number % 2 == 0 else b
            response, _ = client.call(
                "/r/lost-link/", {"email": "nobody@example.no", "csrfmiddlewaretoken": form_token}
            )
            statuses.append(response.status)
        assert statuses == [200, 200, 200, 200, 200, 429]

        # when the respondent submits on the other process
        response, _ = b.call(f"/r/{token}/submit/", {"section": "__all__", "csrfmiddlewaretoken": form_token})
        assert response.status == 302

        # then the receipt waits in the outbox, written with the submission, until beat's resend
        # (every ten seconds; asked for here as beat would) hands it to Redis, and the worker e-mails it
        call = subprocess.run(
            ["bash", "-c", "exec celery -A config call operations.outbox_resend"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert call.returncode == 0, call.stdout + call.stderr
        sent = wait_until(lambda: list(outbox.glob("*.log")), timeout=90, what="the receipt e-mail")
        assert "kari@bergen.example" in sent[0].read_text()
    finally:
        for process in processes:
            process.stop()

    # and every process logged JSON lines, the requests with the token redacted on both web processes
    for web in webs:
        output = web.output()
        assert token not in output
        assert "/r/<token>/" in output
        lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
        assert lines and all(line["logger"] != "gunicorn.access" for line in lines)  # the access log is off
        assert {"respondent-autosave", "respondent-lost-link"} <= {line.get("route") for line in lines}
    worker_lines = [json.loads(line) for line in worker.output().splitlines() if line.startswith("{")]
    tasks = [line for line in worker_lines if line.get("event") == "task"]
    assert any(line["task"] == "surveys.tasks.receipt_send_task" and line["state"] == "SUCCESS" for line in tasks)
    assert token not in worker.output()
