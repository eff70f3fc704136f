"""The schedule end to end: beat's task on a fixed clock, a real Celery worker on Redis and
the test database, and a real SMTP server (aiosmtpd) receiving the messages."""

import datetime

import pytest

from reminders.models import Dispatch
from reminders.services import dispatches_enqueue, reminders_fan_out_due
from reminders.tasks import dispatch_send_task, reminders_dispatch_due_task
from tests.scenarios import CLOSES, at, start_answering, submit
from tests.support import Worker, wait_until


def _tick(moment: datetime.datetime) -> None:
    """One beat: the task runs on the worker with the simulated clock."""
    reminders_dispatch_due_task.delay(now=moment.isoformat()).get(timeout=60)


def _settled() -> bool:
    return not Dispatch.objects.filter(status=Dispatch.Status.PENDING).exists()


def test_three_rules_over_a_field_period_send_exactly_the_right_messages(
    worker, smtp_server, three_rules, contacts, units
):
    # opening day: the invitation to every active contact who answers for a role
    _tick(at(0))
    wait_until(lambda: len(smtp_server.messages) == 5 and _settled(), what="the invitations")
    assert smtp_server.recipients() == sorted(
        f"{key}@example.org"
        for key in ["bergen_chief", "bergen_intro", "tromso_chief", "bodo_chief", "gamle_oslo_chief"]
    )

    # Bergen submits, Bodø starts; Tromsø and Gamle Oslo do nothing
    submit(three_rules, units["bergen"])
    start_answering(three_rules, units["bodo"])

    # day 14: the first reminder goes to those who have not started, once however often beat runs
    _tick(at(14))
    _tick(at(14, hour=11))
    wait_until(lambda: len(smtp_server.messages) == 7 and _settled(), what="the first reminder")
    # three days before closing: the last call to those who have not submitted
    _tick(CLOSES - datetime.timedelta(days=3) + datetime.timedelta(hours=1))
    wait_until(lambda: len(smtp_server.messages) == 10 and _settled(), what="the last call")
    _tick(CLOSES - datetime.timedelta(days=3) + datetime.timedelta(hours=2))
    dispatches_enqueue(list(Dispatch.objects.values_list("pk", flat=True)))  # even handed out twice
    wait_until(lambda: not Dispatch.objects.filter(status=Dispatch.Status.PENDING).exists(), what="the sweep")

    assert len(smtp_server.messages) == 10
    tromso, bodo = units["tromso"].name, units["bodo"].name
    assert [m["Subject"].strip() for m in smtp_server.to("tromso_chief@example.org")] == [
        f"Kommuneundersøkinga 2027: {tromso}",
        f"Påminning: Kommuneundersøkinga 2027 for {tromso}",
        "Tre dagar att: Kommuneundersøkinga 2027",
    ]
    assert [m["Subject"].strip() for m in smtp_server.to("bodo_chief@example.org")] == [
        f"Kommuneundersøkelsen 2027: {bodo}",
        "Tre dager igjen: Kommuneundersøkelsen 2027",
    ]
    assert len(smtp_server.to("bergen_chief@example.org")) == len(smtp_server.to("bergen_intro@example.org")) == 1
    reminder = smtp_server.to("gamle_oslo_chief@example.org")[1].get_content()
    assert "Gamle Oslo" in reminder and "/r/" in reminder and "regionkontoret" in reminder
    last_call = smtp_server.to("tromso_chief@example.org")[2].get_content()
    assert "stengjer" in last_call and "Nord" in last_call  # in Nynorsk, naming Tromsø's regional office
    assert Dispatch.objects.filter(status=Dispatch.Status.SENT).count() == 10


@pytest.mark.faults  # one of the fault scenarios (docs/operations.md, Faults)
def test_a_worker_killed_in_the_middle_of_a_fan_out_completes_without_duplicates(
    worker_env, smtp_server, three_rules, units
):
    from municipalities.models import Contact, Municipality

    # forty contacts in Nordland
    for unit in Municipality.objects.current().filter(number__startswith="18").order_by("number")[:40]:
        Contact.objects.create(
            municipality=unit,
            name=f"Leder {unit.name}",
            role="chief_executive",
            email=f"leder.{unit.number}@example.org",
        )
    first = Worker(worker_env).start()
    # the SMTP server pulls the plug on the worker while it hands over the 15th message
    seen = []

    def kill_at_fifteenth(address):
        seen.append(address)
        if len(seen) == 15:
            first.kill()

    smtp_server.on_recipient = kill_at_fifteenth
    reminders_dispatch_due_task.delay(now=at(0).isoformat())
    wait_until(lambda: first.process.poll() is not None, what="the worker to die")
    smtp_server.on_recipient = None
    delivered_before_restart = len(smtp_server.messages)
    assert 0 < delivered_before_restart < 40

    second = Worker(worker_env).start()
    try:
        # the next beat, after the dead worker's lease ran out
        reminders_dispatch_due_task.delay(now=(at(0) + datetime.timedelta(minutes=15)).isoformat()).get(timeout=60)
        wait_until(lambda: len(smtp_server.messages) >= 40 and _settled(), what="the rest of the fan-out")
    finally:
        second.stop()

    recipients = smtp_server.recipients()
    assert len(recipients) == len(set(recipients)) == 40
    assert Dispatch.objects.filter(status=Dispatch.Status.SENT).count() == 40


@pytest.mark.faults  # one of the fault scenarios (docs/operations.md, Faults)
def test_an_smtp_server_that_refuses_first_leads_to_retries_and_delivery(worker, smtp_server, three_rules, contacts):
    smtp_server.refusals = {"tromso_chief@example.org": 2}

    _tick(at(0))
    wait_until(lambda: len(smtp_server.messages) == 5 and _settled(), timeout=90, what="delivery after retries")

    refused = Dispatch.objects.get(contact=contacts["tromso_chief"])
    assert refused.status == Dispatch.Status.SENT and refused.attempts == 3
    assert "451" in refused.failure_reason  # the last refusal stays in the log
    assert len(smtp_server.to("tromso_chief@example.org")) == 1
    assert set(Dispatch.objects.exclude(pk=refused.pk).values_list("attempts", flat=True)) == {1}


def test_a_submission_between_fan_out_and_send_suppresses_the_message(
    worker_env, smtp_server, three_rules, contacts, units
):
    from reminders.models import Rule

    Rule.objects.filter(schedule__survey=three_rules, name="Siste frist").update(offset_days=-50)  # due on day 2
    pending = reminders_fan_out_due(now=at(2))
    assert len(pending) == 10  # five invitations and five last calls, written before anything is sent
    submit(three_rules, units["bergen"])

    worker = Worker(worker_env).start()
    try:
        for dispatch_id in pending:
            dispatch_send_task.delay(dispatch_id=dispatch_id)
        wait_until(_settled, what="the sends")
    finally:
        worker.stop()

    skipped = Dispatch.objects.filter(status=Dispatch.Status.SKIPPED)
    assert {(d.contact.email, d.skip_reason) for d in skipped} == {
        ("bergen_chief@example.org", "submitted"),
        ("bergen_intro@example.org", "submitted"),
    }
    assert len(smtp_server.to("bergen_chief@example.org")) == 1  # the invitation, not the last call
    assert len(smtp_server.messages) == 8
