"""Reminder benchmark: the invitation fanned out to every unit's three contacts (about 1,100
messages) by a real Celery worker on Redis, delivered to a real SMTP server (aiosmtpd) on
127.0.0.1, and the SQL queries one message costs.

    .venv/bin/python bench/reminders.py            (about a minute; needs PostgreSQL and Redis)

It makes its own database (survey_bench_reminders, dropped and made again), imports the
registry, gives every unit valid today a chief executive, a head of the introduction
programme and a head of schools, opens a round on the demo questionnaire with the standard
schedule, starts the SMTP server in this process and `celery worker` (prefork, two
processes) beside it, and runs beat's task once on the round's opening morning. Results go
to stdout and bench/RESULTS.md.
"""

import datetime
import os
import subprocess
import sys
import threading
import time
import zoneinfo
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = "survey_bench_reminders"
REDIS = "redis://127.0.0.1:6379/7"
OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
OPENS = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=OSLO)
WORKER_PROCESSES = 2

os.environ.update(
    DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB}",
    REDIS_URL=REDIS,
    DJANGO_SETTINGS_MODULE="config.settings",
    LOG_LEVEL="WARNING",
)
sys.path.insert(0, str(ROOT))


class Counter:
    def __init__(self):
        self.count = 0
        self.first = self.last = None
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            self.last = time.monotonic()
            self.first = self.first or self.last
        return "250 OK"


def main() -> None:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB], check=True)
    subprocess.run(["redis-cli", "-u", REDIS, "flushdb"], check=True, stdout=subprocess.DEVNULL)

    import django

    django.setup()
    from aiosmtpd.controller import Controller
    from django.core import mail
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from municipalities.models import Contact, Municipality
    from reminders.models import Dispatch, Rule
    from reminders.services import dispatch_send, rule_fan_out, schedule_create_default
    from reminders.tasks import reminders_dispatch_due_task
    from surveys.demo_questionnaire import demo_questionnaire_create
    from surveys.models import Survey
    from surveys.services.rounds import survey_open

    call_command("migrate", verbosity=0)
    call_command("import_registry", verbosity=0)
    units = list(Municipality.objects.current().order_by("number"))
    roles = [Contact.Role.CHIEF_EXECUTIVE, Contact.Role.INTRODUCTION_PROGRAMME, Contact.Role.SCHOOLS]
    Contact.objects.bulk_create(
        [
            Contact(municipality=unit, name=f"{role} {unit.name}", role=role, email=f"{role}.{unit.number}@example.org")
            for unit in units
            for role in roles
        ]
    )
    survey = Survey.objects.create(
        year=2027,
        title="Benchmark",
        questionnaire=demo_questionnaire_create(year=2027),
        opens_at=OPENS,
        closes_at=OPENS + datetime.timedelta(days=52),
    )
    survey = survey_open(survey=survey)
    schedule_create_default(survey=survey)
    messages = Contact.objects.count()

    # --- SQL queries per message, in this process (e-mail to memory) -------------------------
    per_message = {}
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        mail.outbox = []
        reminder = Rule.objects.select_related("schedule__survey").get(
            schedule__survey=survey, name="Første påminnelse"
        )
        rule_fan_out(rule=reminder, now=OPENS + datetime.timedelta(days=14, hours=1))
        pending = list(Dispatch.objects.filter(rule=reminder).order_by("pk").values_list("pk", flat=True))
        for size in (10, 100):
            batch, pending = pending[:size], pending[size:]
            with CaptureQueriesContext(connection) as queries:
                for dispatch_id in batch:
                    assert dispatch_send(dispatch_id=dispatch_id).status == "sent"
            per_message[size] = len(queries) / size
        Dispatch.objects.filter(rule=reminder).delete()

    # --- the fan-out through a worker to the SMTP server -------------------------------------
    counter = Counter()
    smtp = Controller(counter, hostname="127.0.0.1", port=8825)
    smtp.start()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            f"--concurrency={WORKER_PROCESSES}",
            "--loglevel=warning",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env={**os.environ, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": "8825"},
        start_new_session=True,
    )
    try:
        time.sleep(5)  # the worker's start is not part of the run
        started = time.monotonic()
        reminders_dispatch_due_task.delay(now=(OPENS + datetime.timedelta(hours=1)).isoformat())
        while counter.count < messages and time.monotonic() - started < 900:
            time.sleep(0.2)
        finished = time.monotonic()
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        smtp.stop()
    sent = Dispatch.objects.filter(rule__kind=Rule.Kind.INVITATION, status=Dispatch.Status.SENT).count()
    duplicates = counter.count - sent
    elapsed = finished - started

    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"### Run {stamp} (`.venv/bin/python bench/reminders.py`)",
        "",
        f"{len(units)} units × 3 contacts = {messages} invitations, fanned out by beat's task on one Celery worker "
        f"({WORKER_PROCESSES} processes, prefork) on Redis, each message on its own SMTP connection to aiosmtpd on "
        "127.0.0.1; PostgreSQL on 127.0.0.1; 2 cores shared by all of it.",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| messages delivered | {counter.count} of {messages} |",
        f"| dispatch rows sent | {sent} |",
        f"| duplicates | {duplicates} |",
        f"| time from beat's task to the last message | {elapsed:.1f} s |",
        f"| messages per second | {counter.count / elapsed:.0f} |",
        f"| SQL queries per message, 10 messages | {per_message[10]:.1f} |",
        f"| SQL queries per message, 100 messages | {per_message[100]:.1f} |",
        "",
    ]
    print("\n".join(lines))
    results = ROOT / "bench" / "RESULTS.md"
    text = results.read_text()
    heading = "## Reminders\n\n"
    if heading not in text:
        text += "\n" + heading
    text = text.replace(heading, heading + "\n".join(lines) + "\n", 1)
    results.write_text(text)
    connection.close()
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)


if __name__ == "__main__":
    main()
