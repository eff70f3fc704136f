"""GET /health/ for a load balancer: database, broker, cache and workers."""

import json
import subprocess
import sys

import pytest
from django.urls import reverse

from config.celery import app
from operations import health
from tests.support import ROOT

CLOSED_PORT = "redis://127.0.0.1:6399/0"  # nothing listens here


@pytest.fixture
def redis_down(settings, monkeypatch):
    """The broker and the cache pointed at a closed port."""
    monkeypatch.setitem(app.conf, "broker_url", CLOSED_PORT)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED_PORT}}


def test_with_everything_reachable_it_answers_200_and_says_no_worker_is_running(client, db):
    # given the test database and Redis, and no Celery worker
    response = client.get(reverse("health"))

    # then it can serve: 200, "degraded" because no worker answered the ping
    assert response.status_code == 200
    body = response.json()
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "broker": "ok",
        "cache": "ok",
        "workers": "none",
    }
    assert body["status"] == "degraded"
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_worker_answer_is_shared_for_a_while(client, db, monkeypatch):
    # given one health check that pinged the workers
    client.get(reverse("health"))
    pings = []
    monkeypatch.setattr(health, "_workers_ping", lambda: pings.append(1) or {"status": "ok"})

    # when the load balancer asks again soon after (here or on another web process)
    body = client.get(reverse("health")).json()

    # then the cached answer is used, no second ping waits for its timeout
    assert pings == [] and body["checks"]["workers"]["status"] == "none"


def test_with_redis_unreachable_it_still_serves_and_names_no_host(client, db, redis_down):
    # answers still save and queued work waits in the outbox (docs/operations.md, "Faults"):
    # a load balancer must not take every web process out
    response = client.get(reverse("health"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["broker"] == {"status": "error", "error": "ConnectionError"}
    assert body["checks"]["cache"]["status"] == "error"
    assert body["checks"]["workers"] == {"status": "not checked"}
    assert "6399" not in response.content.decode() and "127.0.0.1" not in response.content.decode()


def test_with_only_the_cache_unreachable_it_still_serves(client, db, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED_PORT}}

    response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["cache"]["status"] == "error"


def test_with_the_database_unreachable_it_answers_503():
    # a process whose DATABASE_URL points at a closed port
    code = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client().get('/health/'); print(r.status_code, json.dumps(r.json()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **__import__("os").environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5499/nothing",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503"
    assert json.loads(body)["checks"]["database"] == {"status": "error", "error": "OperationalError"}
