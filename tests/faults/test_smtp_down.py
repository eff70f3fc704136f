"""Fault: the SMTP server is down when the invitations go out.

A real worker tries to hand each message to an SMTP port where nothing listens. Each row
records the attempt and the error and is tried again with a doubling pause (1 s, 2 s, 4 s
here: REMINDERS_RETRY_SECONDS=1), and the mail log shows it pending with the time of the next
attempt and the error. When the SMTP server (aiosmtpd) comes up, the next attempt delivers
each message, once. (An SMTP server that answers but refuses with 451 is
tests/reminders/test_dispatch_worker.py::test_an_smtp_server_that_refuses_first_leads_to_retries_and_delivery.)"""

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from reminders.models import Dispatch
from reminders.tasks import reminders_dispatch_due_task
from tests.scenarios import next_window
from tests.servers import worker_env
from tests.support import wait_until

pytestmark = pytest.mark.faults


def test_with_the_smtp_server_down_messages_are_retried_visible_as_pending_and_delivered_once_it_is_up(
    round_with_contacts, on_private_redis, smtp, workers, client, survey_admin
):
    survey, _token = round_with_contacts
    # given a worker whose SMTP server is down (its port refuses connections)
    workers(worker_env(redis_url=on_private_redis.url, smtp_port=smtp.port))

    # when beat's dispatch hands out the three invitations
    reminders_dispatch_due_task.delay(now=next_window(survey.opens_at).isoformat()).get(timeout=60)

    # then each is tried, fails, and is tried again after a pause: still pending
    wait_until(
        lambda: Dispatch.objects.filter(attempts__gte=2).count() == 3, timeout=30, what="two attempts at each message"
    )
    pending = list(Dispatch.objects.order_by("email"))
    assert {dispatch.status for dispatch in pending} == {Dispatch.Status.PENDING}
    assert all("ConnectionRefusedError" in dispatch.failure_reason for dispatch in pending)
    assert all(dispatch.next_attempt_at > dispatch.updated_at - timezone.timedelta(seconds=1) for dispatch in pending)

    # and the mail log shows them pending, with the next attempt and the error
    client.force_login(survey_admin)
    log = client.get(reverse("reminders-mail-log", args=[survey.pk])).content.decode()
    assert log.count("venter") >= 3 and "ConnectionRefusedError" in log
    shown = [date_format(timezone.localtime(d.next_attempt_at), "j.n. H:i") for d in pending]
    assert any(f"Prøves igjen {when}" in log for when in shown), shown

    # when the SMTP server comes up
    mailbox = smtp.start()

    # then the next attempt delivers every message, each once
    wait_until(
        lambda: not Dispatch.objects.exclude(status=Dispatch.Status.SENT).exists(),
        timeout=60,
        what="delivery once the SMTP server is up",
    )
    assert mailbox.recipients() == ["bodo@example.org", "kari@bergen.example", "tromso@example.org"]
    sent = Dispatch.objects.all()
    assert all(dispatch.attempts >= 3 and dispatch.sent_at is not None for dispatch in sent)
    print("attempts before delivery:", sorted(dispatch.attempts for dispatch in sent))
