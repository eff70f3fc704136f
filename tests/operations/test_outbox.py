"""Queuing tasks through the outbox: a broker outage never fails the caller, and the kept
calls are queued once the broker is back (operations/outbox.py)."""

import logging

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError

from operations.models import OutboxTask
from operations.outbox import BROKER, outbox_resend, task_enqueue
from surveys.tasks import lost_link_send_task, receipt_send_task


@pytest.fixture
def broker(monkeypatch):
    """The tasks' publishing, recorded; `broker.down = True` makes it fail as kombu does."""

    class Broker:
        down = False
        published: list[tuple[str, dict]] = []
        attempts = 0

    def publisher(task):
        def delay(**kwargs):
            Broker.attempts += 1
            if Broker.down:
                raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
            Broker.published.append((task.name, kwargs))

        return delay

    for task in (lost_link_send_task, receipt_send_task):
        monkeypatch.setattr(task, "delay", publisher(task))
    Broker.published = []
    BROKER.reset()
    yield Broker
    BROKER.reset()


def test_a_task_the_broker_cannot_take_is_kept_once_and_nothing_is_raised(db, broker, caplog):
    broker.down = True

    with caplog.at_level(logging.WARNING, logger="operations.outage"):
        task_enqueue(lost_link_send_task, email="kari@bergen.example")
        task_enqueue(lost_link_send_task, email="kari@bergen.example")  # asked for again
        task_enqueue(receipt_send_task, invitation_id=7, language="nb")

    kept = list(OutboxTask.objects.values_list("task", "kwargs"))
    assert kept == [
        ("surveys.tasks.lost_link_send_task", {"email": "kari@bergen.example"}),
        ("surveys.tasks.receipt_send_task", {"invitation_id": 7, "language": "nb"}),
    ]
    # the broker was tried once: after a failure the process leaves it alone for a while
    assert broker.attempts == 1 and BROKER.is_down()
    assert [r.getMessage() for r in caplog.records] == [
        "Celery broker unreachable (OperationalError): tasks are kept in the outbox, reminders wait as pending rows"
    ]


def test_the_resend_queues_the_kept_calls_once_the_broker_is_back(db, broker):
    broker.down = True
    task_enqueue(lost_link_send_task, email="kari@bergen.example")
    task_enqueue(receipt_send_task, invitation_id=7, language="nb")

    # while the broker is still away the resend keeps them
    BROKER.reset()
    assert outbox_resend() == 0
    assert list(OutboxTask.objects.values_list("attempts", flat=True)) == [2, 1]

    # once it is back, each is queued and forgotten, oldest first
    broker.down = False
    BROKER.reset()
    assert outbox_resend() == 2
    assert broker.published == [
        ("surveys.tasks.lost_link_send_task", {"email": "kari@bergen.example"}),
        ("surveys.tasks.receipt_send_task", {"invitation_id": 7, "language": "nb"}),
    ]
    assert not OutboxTask.objects.exists()


def test_a_submission_with_the_broker_away_succeeds_and_keeps_the_receipt(
    client, chief_token, broker, django_capture_on_commit_callbacks
):
    broker.down = True
    autosave = reverse("respondent-autosave", args=[chief_token, "settlement"])
    assert client.post(autosave, {"question": "Q04", "version": 0, "Q04": "yes"}).json()["status"] == "saved"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("respondent-submit", args=[chief_token]), {"section": "settlement", "confirm": "1"}
        )

    assert response.status_code == 302
    assert list(OutboxTask.objects.values_list("task", flat=True)) == ["surveys.tasks.receipt_send_task"]
