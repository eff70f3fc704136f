"""Fault: Redis (cache, broker and result store in one) stops while respondents answer.

A private redis-server is stopped under this test process, which plays a web process whose
REDIS_URL names it. Every respondent page still answers without a server error, answers
save, the receipt and the lost link wait in the outbox, and the reminders written by the
dispatch wait as pending rows. Once Redis is back, beat's tasks (on a fixed clock) and a real
worker deliver every message to a real SMTP server, each exactly once."""

import datetime
import signal
import time

import pytest
from django.test import Client
from django.urls import reverse

from operations.models import OutboxTask
from operations.outbox import BROKER
from operations.tasks import outbox_resend_task
from reminders.models import Dispatch
from reminders.tasks import reminders_dispatch_due_task
from surveys.models import Answer, SectionProgress
from tests.scenarios import next_window
from tests.servers import redis_back, worker_env
from tests.support import wait_until

pytestmark = pytest.mark.faults

# A respondent page with Redis away costs at most a refused connection or two.
SLOW_SECONDS = 2.0


def test_with_redis_stopped_answers_save_and_messages_wait_then_go_out_once(
    round_with_contacts, on_private_redis, smtp, workers
):
    survey, token = round_with_contacts
    redis = on_private_redis
    mailbox = smtp.start()
    browser = Client(raise_request_exception=False)
    # given a respondent who opened the questionnaire while Redis was up (the cache holds its plan)
    assert browser.get(reverse("respondent-landing", args=[token])).status_code == 200

    # when Redis stops
    redis.stop()

    # then every respondent page still answers, quickly and without a server error
    statuses = {}

    def call(name: str, method: str, path: str, data: dict | None = None):
        started = time.monotonic()
        response = browser.get(path) if method == "GET" else browser.post(path, data)
        statuses[name] = (response.status_code, round(time.monotonic() - started, 2))
        return response

    call("landing", "GET", reverse("respondent-landing", args=[token]))
    call("section", "GET", reverse("respondent-section", args=[token, "settlement"]))
    autosave = reverse("respondent-autosave", args=[token, "settlement"])
    saved = [
        call("autosave Q04", "POST", autosave, {"question": "Q04", "version": 0, "Q04": "yes"}).json(),
        call("autosave Q02", "POST", autosave, {"question": "Q02", "version": 0, "Q02": "42"}).json(),
    ]
    call("review", "GET", reverse("respondent-review", args=[token]))
    call("submit", "POST", reverse("respondent-submit", args=[token]), {"section": "settlement", "confirm": "1"})
    call("review after submit", "GET", reverse("respondent-review", args=[token]))
    call("lost link", "POST", reverse("respondent-lost-link"), {"email": "tromso@example.org"})
    call("lost link again", "POST", reverse("respondent-lost-link"), {"email": "tromso@example.org"})
    print("respondent pages with Redis stopped (status, seconds):", statuses)
    assert all(status < 500 for status, _seconds in statuses.values()), statuses
    assert statuses["submit"][0] == 302 and statuses["lost link"][0] == 200 == statuses["lost link again"][0]
    assert all(seconds < SLOW_SECONDS for _status, seconds in statuses.values()), statuses
    # and the answers and the submission are in the database
    assert [reply["status"] for reply in saved] == ["saved", "saved"]
    answers = dict(Answer.objects.filter(response__survey=survey).values_list("question__code", "value"))
    assert answers == {"Q04": "yes", "Q02": 42}
    assert SectionProgress.objects.get(section__code="settlement").status == SectionProgress.Status.SUBMITTED
    # and the receipt and the lost link (asked for twice: kept once) wait in the outbox
    assert sorted(OutboxTask.objects.values_list("task", flat=True)) == [
        "surveys.tasks.lost_link_send_task",
        "surveys.tasks.receipt_send_task",
    ]
    # and the load balancer keeps this web process: degraded, not unavailable
    health = browser.get(reverse("health"))
    assert health.status_code == 200 and health.json()["status"] == "degraded"

    # when the dispatch runs during the outage (as on a worker that had taken beat's task)
    tick = next_window(survey.opens_at)
    reminders_dispatch_due_task(now=tick.isoformat())

    # then the invitations are written and wait as pending rows; nothing is sent
    assert Dispatch.objects.filter(status=Dispatch.Status.PENDING).count() == 3
    assert mailbox.messages == []

    # when Redis is back and a worker runs, and beat runs its tasks (the dispatch after the
    # lease of the rows handed out in vain, on a fixed clock)
    redis_back(redis)
    workers(worker_env(redis_url=redis.url, smtp_port=smtp.port))
    assert outbox_resend_task.delay().get(timeout=60) == 2
    reminders_dispatch_due_task.delay(now=(tick + datetime.timedelta(minutes=15)).isoformat()).get(timeout=60)

    # then every message goes out: three invitations, the receipt and the lost link
    wait_until(lambda: len(mailbox.messages) >= 5, timeout=60, what="the five messages")
    wait_until(lambda: not Dispatch.objects.exclude(status=Dispatch.Status.SENT).exists(), timeout=30, what="the rows")
    # and exactly once, also when beat runs again
    assert outbox_resend_task.delay().get(timeout=60) == 0
    reminders_dispatch_due_task.delay(now=(tick + datetime.timedelta(minutes=30)).isoformat()).get(timeout=60)
    time.sleep(2)
    subjects = sorted((str(m["To"]), m["Subject"].split(":")[0]) for m in mailbox.messages)
    print("delivered after Redis came back:", subjects)
    assert len(mailbox.messages) == 5
    assert mailbox.recipients() == [
        "bodo@example.org",
        "kari@bergen.example",
        "kari@bergen.example",
        "tromso@example.org",
        "tromso@example.org",
    ]
    assert sorted(m["Subject"].split(":")[0] for m in mailbox.to("kari@bergen.example")) == [
        "Kommuneundersøkelsen 2026",
        "Kvittering",
    ]
    assert Dispatch.objects.filter(status=Dispatch.Status.SENT, attempts=1).count() == 3
    assert not OutboxTask.objects.exists()


def test_a_hung_redis_costs_a_request_a_bounded_wait_once(
    chief_token,
    on_private_redis,
    client,
    django_capture_on_commit_callbacks,
):
    """A Redis that accepts connections but never answers (stopped with SIGSTOP) would keep a
    request waiting forever without socket timeouts; with them the first request that meets it
    waits at most the timeouts, and the next ones do not try Redis for a while."""
    on_private_redis.process.send_signal(signal.SIGSTOP)
    try:
        timings = []
        for _ in range(2):
            started = time.monotonic()
            with django_capture_on_commit_callbacks(execute=True):
                assert client.get(reverse("respondent-landing", args=[chief_token])).status_code == 200
                response = client.post(reverse("respondent-lost-link"), {"email": "kari@bergen.example"})
            assert response.status_code == 200
            timings.append(time.monotonic() - started)
    finally:
        on_private_redis.process.send_signal(signal.SIGCONT)
    print("two requests with Redis hung (seconds):", [round(t, 2) for t in timings])
    assert timings[0] < 5 and timings[1] < 0.5, timings
    assert BROKER.is_down() and OutboxTask.objects.count() == 1
