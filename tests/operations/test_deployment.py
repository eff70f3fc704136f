"""The README's production example, run for real: the release step once, two web
processes and one Celery worker started with the commands in deploy/Procfile and
production settings, against one PostgreSQL (the test database) and one Redis (a
private redis-server), sharing state only through those two."""

import json
import re
import subprocess

import pytest
from django.core.management import call_command

from municipalities.models import Municipality
from tests.scenarios import chief_link_create
from tests.servers import HttpClient, Process, RedisServer, procfile, production_env
from tests.support import ROOT, demo_round_open, free_port, wait_until


@pytest.fixture
def private_redis(tmp_path):
    server = RedisServer(tmp_path, appendonly=False).start()
    yield server.url
    server.stop()


@pytest.fixture
def respondent_token(registry_reloaded, transactional_db) -> str:
    """An open round and a chief executive's link, committed for the other processes."""
    if not Municipality.objects.exists():
        call_command("import_registry", verbosity=0)
    _invitation, token = chief_link_create(demo_round_open())
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
                response, text = HttpClient(port, {}).call("/health/", https=False)
            except OSError:
                return None
            return response.status == 200 and json.loads(text)

        for port in ports:
            report = wait_until(lambda port=port: healthy(port), timeout=90, what=f"/health/ on {port}")
            # then each reaches the database, the broker, the cache and the worker
            assert report["status"] == "ok", report
            assert report["checks"]["workers"] == {"status": "ok"}

        a, b = HttpClient(ports[0], {}), HttpClient(ports[1], {})
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
        response, _ = b.call(
            f"/r/{token}/submit/", {"section": "__all__", "confirm": "1", "csrfmiddlewaretoken": form_token}
        )
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
