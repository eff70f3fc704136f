"""Deadline load test: every municipality and district valid today (372) answers in the same
hour, compressed into a few minutes, against gunicorn + PostgreSQL + Redis with a real Celery
worker sending the receipts (queued from the outbox every ten seconds, as beat does); then a
check that nothing sent was lost or changed.

    .venv/bin/python bench/deadline.py          (a few minutes; needs PostgreSQL and Redis; not in CI)

It makes its own database (bench_deadline, dropped and made again; dropped at the end unless a
check failed), imports the registry and opens a round on the demo questionnaire with one chief
executive's link per unit (district director for Oslo's districts). Profiles vary, so the
conditions do: about 60 % settle refugees (the introduction programme's section and Q02 show),
about 35 % do not, and for the rest it is not known (the registry's profiles leave it empty).
Redis database 3 (BENCH_REDIS_URL) is emptied at the start and is the broker and the cache. The script starts an SMTP server
(aiosmtpd) in this process, `celery -A config worker` (prefork, 2 processes) and gunicorn
(`config.wsgi`, 4 sync workers) on free ports in 8301-8399.

The load: RESPONDENTS (BENCH_RESPONDENTS, default 40) virtual respondents take the units from a
queue. Each is a fresh browser: it opens the landing page, opens each section it lists, saves
each question the page shows one at a time as the page's script does (the item's fields, the
version from the page or from the last reply, the CSRF token; the reply's `hidden` list decides
which items show, so a yes to I02 reveals I03), sometimes changes its mind about an answer or
sends the same one again, reviews, submits everything (the chief's submit-all) and downloads the
receipt PDF. It waits 0.05-0.3 s between actions; answers and waits come from a random generator
seeded per unit (BENCH_SEED), so a run is repeatable up to the order the server serves requests.
Every request's kind, status and latency is recorded; an error is a status other than the one
expected (200; 302 for the submission), an autosave reply other than "saved" (or with a wrong
version), a submission the review page does not show, or a receipt that is not a PDF.

After the run it waits for the receipts (one e-mail per unit) and checks through the ORM that the
database holds, for every unit, exactly the answers its respondent last sent (JSON value and
comment), no others, with one audit row per save that changed something (and the values of those
rows in order); that every section the link shows is submitted; and that the server's view of
which sections and questions show is the one the respondent followed. The table and the check go
to stdout and under "## Deadline load" in bench/RESULTS.md; every request goes to requests.csv in
the run's log folder. BENCH_UNITS=20 tries a few units only (and writes nothing to RESULTS.md).
"""

import csv
import datetime
import email
import json
import os
import queue
import random
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from email import policy
from html.parser import HTMLParser
from pathlib import Path

from harness import ROOT, Client, ServerCpu, csrf_of, database_drop, database_recreate, free_port, percentile

DB = "bench_deadline"
PORTS = range(8301, 8400)
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
RESPONDENTS = int(os.environ.get("BENCH_RESPONDENTS", "40"))
WEB_WORKERS = 4
WORKER_PROCESSES = 2
THINK = (0.05, 0.3)
SEED = os.environ.get("BENCH_SEED", "2026")
UNITS = int(os.environ.get("BENCH_UNITS", "0"))  # 0: every unit valid today
MAIL_WAIT = 600  # seconds to wait for the receipts after the last submission
KINDS = ["landing", "section page", "autosave", "review", "submit", "receipt"]
TEXT_TYPES = ("short_text", "long_text")

for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "EMAIL_HOST", "PLATFORM_ENV"):
    os.environ.pop(name, None)
os.environ.update(
    DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB}",
    REDIS_URL=REDIS,
    DJANGO_SETTINGS_MODULE="config.settings",
    DEBUG="false",
    ALLOWED_HOSTS="127.0.0.1",
    LOG_LEVEL="WARNING",
)
sys.path.insert(0, str(ROOT))

PHRASES = [
    "Vi trenger flere egnede boliger i sentrum",
    "Samarbeidet med NAV om kvalifisering fungerer godt",
    "Økt bemanning i skolen og barnehagen",
    "Språkpraksis på arbeidsplassen gir gode resultater",
    "Kommunestyret vedtok å bosette 15 flyktninger i år",
    "Bedre dialog med direktoratet om tilskuddene",
    "Mangel på kvalifiserte tolker i helsetjenesten",
    "Frivilligsentralen og Røde Kors bidrar mye",
    "Større forutsigbarhet i anmodningene – særlig for små kommuner",
    "Gode erfaringer med «Jobbsjansen» og praksisplasser",
    "Lange avstander gjør kollektivtransport til en utfordring på Sørøya",
    "Ærlig talt: økonomien er stram, men vi får det til",
]
MARKUP = ["<b>viktig</b>", "<i>svært</i> nyttig", "50 % & mer", "<script>alert('x')</script>", "a < b > c", "👍"]


class SectionPage(HTMLParser):
    """What the page's script reads of a section page: the items in order, which are hidden,
    each item's fields (with their options and limits), the versions and the CSRF token."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.order: list[str] = []
        self.hidden: set[str] = set()
        self.fields: dict[str, dict[str, dict]] = {}
        self.versions: dict[str, int] = {}
        self.current = ""
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name") or ""
        if tag == "div" and "data-question" in a:
            self.current = a["data-question"]
            self.order.append(self.current)
            self.fields[self.current] = {}
            if "hidden" in a:
                self.hidden.add(self.current)
        elif tag == "input" and "data-version-for" in a:
            self.versions[a["data-version-for"]] = int(a["value"])
        elif tag in ("input", "textarea") and self.current and name:
            kind = a.get("type", "text") if tag == "input" else "textarea"
            field = self.fields[self.current].setdefault(name, {**a, "type": kind, "options": []})
            if kind in ("radio", "checkbox"):
                field["options"].append(a["value"])

    def answerable(self, code: str) -> bool:
        return any(not name.endswith("__comment") for name in self.fields[code])

    def shown(self) -> list[str]:
        return [code for code in self.order if code not in self.hidden and self.answerable(code)]


class Respondent:
    """One unit's chief executive in a fresh browser. Keeps what it sent for the check."""

    def __init__(self, port: int, unit: dict, questions: dict, drivers: set[str], records: list, errors: list):
        self.unit = unit
        self.token = unit["token"]
        self.questions = questions
        self.drivers = drivers
        self.records = records
        self.errors = errors
        self.rng = random.Random(f"{SEED}-{unit['number']}")
        self.client = Client(port)
        self.sections: list[str] = []
        self.visible: dict[str, list[str]] = {}  # section -> the answerable items shown at the end
        self.sent: dict[str, tuple[object, str]] = {}  # question -> (value, comment) last sent
        self.sent_fields: dict[str, list[tuple[str, str]]] = {}
        self.changes: dict[str, list[tuple[object, str]]] = defaultdict(list)  # the saves that changed it
        self.unchanged = 0
        self.submitted = False

    # --- requests -------------------------------------------------------------------------
    def call(self, kind: str, method: str, path: str, body=None, headers=None, expect=(200,)):
        at = time.perf_counter()
        status, content, seconds = self.client.request(method, path, body, headers)
        record = [kind, status, seconds, status in expect, self.unit["number"], at]
        self.records.append(record)
        if not record[3]:
            self.fail(kind, f"{method} {path.replace(self.token, '…')}: HTTP {status} {content[:200]!r}")
        return status, content, record

    def fail(self, kind: str, detail: str) -> None:
        self.errors.append((kind, self.unit["number"], detail))

    def think(self) -> None:
        time.sleep(self.rng.uniform(*THINK))

    # --- the visit --------------------------------------------------------------------------
    def run(self) -> None:
        try:
            self.visit()
        finally:
            self.client.close()

    def visit(self) -> None:
        base = f"/r/{self.token}/"
        _status, page, record = self.call("landing", "GET", base)
        if not record[3]:
            return
        found = re.findall(rf'href="{re.escape(base)}s/([\w-]+)/"', page.decode())
        self.sections = list(dict.fromkeys(found))
        for code in self.sections:
            self.think()
            if not self.answer_section(code):
                return
        self.think()
        _status, page, record = self.call("review", "GET", f"{base}review/")
        if not record[3]:
            return
        self.think()
        _status, _body, submit = self.call(
            "submit",
            "POST",
            f"{base}submit/",
            {"csrfmiddlewaretoken": csrf_of(page), "section": "__all__"},
            expect=(302,),
        )
        if not submit[3]:
            return
        location = self.client.headers.get("location", "")
        _status, page, record = self.call("review", "GET", location)  # the browser follows the redirect
        text = page.decode()
        left = [code for code in re.findall(r'name="section" value="([^"]+)"', text) if code != "__all__"]
        done = text.count('<p class="alert alert-success">')
        if (
            not record[3]
            or location != f"{base}review/"
            or left
            or done != len(self.sections)
            or "alert-danger" in text
        ):
            submit[3] = False
            self.fail("submit", f"after the submission: {location}, {done} submitted, open {left}")
            return
        self.submitted = True
        self.think()
        _status, pdf, record = self.call("receipt", "GET", f"{base}receipt.pdf")
        if record[3] and not (self.client.headers.get("content-type") == "application/pdf" and pdf.startswith(b"%PDF")):
            record[3] = False
            self.fail("receipt", f"not a PDF: {self.client.headers.get('content-type')} {pdf[:40]!r}")

    def answer_section(self, section: str) -> bool:
        path = f"/r/{self.token}/s/{section}/"
        _status, page, record = self.call("section page", "GET", path)
        if not record[3]:
            return False
        form = SectionPage(page.decode())
        headers = {"X-CSRFToken": csrf_of(page)}
        done: list[str] = []
        while todo := [code for code in form.shown() if code not in done]:
            # in the page's order; an item that a reply revealed above comes first
            code = todo[0]
            done.append(code)
            self.think()
            if not self.save(path, form, headers, code, self.answer(code, form.fields[code])):
                return False
        shown = [code for code in done if code not in form.hidden and code not in self.drivers]
        if shown and self.rng.random() < 0.35:  # a second thought about one answer
            code = self.rng.choice(shown)
            self.think()
            if self.rng.random() < 0.3:
                answer = self.sent_fields[code], *self.sent[code]  # the same again
            elif self.questions[code]["type"] in TEXT_TYPES and self.rng.random() < 0.3:
                answer = self.cleared(code)
            else:
                answer = self.answer(code, form.fields[code])
            if not self.save(path, form, headers, code, answer):
                return False
        self.visible[section] = form.shown()
        return True

    def save(self, path: str, form: SectionPage, headers: dict, code: str, answer: tuple) -> bool:
        fields, value, comment = answer
        body = [("question", code), ("version", str(form.versions.get(code, 0))), *fields]
        status, reply, record = self.call("autosave", "POST", f"{path}autosave/", body, headers)
        if not record[3]:
            return False
        try:
            data = json.loads(reply)
        except ValueError:
            data = {}
        changed = self.sent.get(code, (None, "")) != (value, comment)
        version = form.versions.get(code, 0) + (1 if changed else 0)
        if data.get("status") != "saved" or data.get("version") != version:
            record[3] = False
            self.fail("autosave", f"{code}: {data} (expected version {version})")
            return False
        form.versions[code] = data["version"]
        form.hidden = set(data["hidden"])
        self.sent[code], self.sent_fields[code] = (value, comment), fields
        if changed:
            self.changes[code].append((value, comment))
        else:
            self.unchanged += 1
        return True

    # --- answers ----------------------------------------------------------------------------
    def text(self, sentences: int) -> str:
        parts = []
        for _ in range(sentences):
            phrase = self.rng.choice(PHRASES)
            if self.rng.random() < 0.3:
                phrase += " " + self.rng.choice(MARKUP)
            parts.append(phrase + ".")
        return " ".join(parts)

    def pick(self, options: list[str]) -> str:
        if "not_relevant" in options and self.rng.random() < 0.1:
            return "not_relevant"
        return self.rng.choice([option for option in options if option != "not_relevant"])

    def answer(self, code: str, fields: dict[str, dict]) -> tuple[list[tuple[str, str]], object, str]:
        """The fields the page's script would send for a plausible answer, and the value and
        comment the database should then hold (surveys.answers)."""
        spec = self.questions[code]
        kind = spec["type"]
        posted: list[tuple[str, str]] = []
        if kind in ("single_choice", "yes_no", "scale"):
            value = self.pick(fields[code]["options"])
            posted.append((code, value))
        elif kind == "multiple_choice":
            options = fields[code]["options"]
            count = self.rng.randint(1, min(spec["max_choices"] or len(options), len(options)))
            value = sorted(self.rng.sample(options, count), key=options.index)
            posted += [(code, option) for option in value]
        elif kind == "matrix":
            value = {}
            rows = [name for name in fields if name.startswith(f"{code}__") and name != f"{code}__comment"]
            for name in rows:
                if self.rng.random() < 0.9 or (not value and name == rows[-1]):  # now and then a row left out
                    value[name.removeprefix(f"{code}__")] = self.pick(fields[name]["options"])
                    posted.append((name, value[name.removeprefix(f"{code}__")]))
        elif kind == "integer":
            low, high = int(fields[code].get("min", 0)), int(fields[code].get("max", 10000))
            value = self.rng.randint(low, min(high, low + 250))
            posted.append((code, str(value)))
        elif kind == "decimal":
            low, high = float(fields[code].get("min", 0)), float(fields[code].get("max", 1000))
            shown = f"{self.rng.uniform(low, high):.{self.rng.choice([0, 1, 2])}f}"
            value = float(shown)
            posted.append((code, shown))
        elif kind == "short_text":
            value = self.text(1)
            posted.append((code, value))
        else:  # long text: paragraphs, with the line breaks a browser sends
            value = "\r\n\r\n".join(self.text(self.rng.randint(1, 3)) for _ in range(self.rng.randint(1, 3)))
            posted.append((code, value))
        comment = ""
        if spec["has_comment"]:
            comment = self.text(1) if self.rng.random() < 0.5 else ""
            posted.append((f"{code}__comment", comment))
        return posted, value, comment

    def cleared(self, code: str) -> tuple[list[tuple[str, str]], object, str]:
        """The text deleted again: the script sends the empty field (and the comment as it is)."""
        comment = self.sent[code][1]
        posted = [(code, "")] + ([(f"{code}__comment", comment)] if self.questions[code]["has_comment"] else [])
        return posted, None, comment


class Mailbox:
    """An SMTP server's handler that keeps every message."""

    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def prepare() -> tuple:
    """The round, the units with their tokens, the questions' types and the questions conditions read."""
    database_recreate(DB)
    subprocess.run(["redis-cli", "-u", REDIS, "flushdb"], check=True, stdout=subprocess.DEVNULL)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from municipalities.models import Municipality, MunicipalityProfile
    from surveys.demo_questionnaire import demo_questionnaire_create
    from surveys.models import Item, Section, Survey
    from surveys.services.invitations import invitation_create
    from surveys.services.rounds import survey_open

    call_command("migrate", verbosity=0)
    call_command("import_registry", verbosity=0)
    rng = random.Random(f"{SEED}-profiles")
    now = timezone.now()
    year = timezone.localdate().year
    survey = Survey.objects.create(
        year=year,
        title=f"Kommuneundersøkelsen {year}",
        questionnaire=demo_questionnaire_create(year=year),
        opens_at=now - datetime.timedelta(days=40),
        closes_at=now + datetime.timedelta(days=1),
    )
    survey = survey_open(survey=survey)
    units = list(Municipality.objects.current().order_by("number"))
    units = units[:UNITS] if UNITS else units
    out = []
    for unit in units:
        draw = rng.random()
        settles = True if draw < 0.6 else False if draw < 0.95 else None
        MunicipalityProfile.objects.update_or_create(
            municipality=unit, year=year, defaults={"settles_refugees": settles}
        )
        district = unit.kind == Municipality.Kind.DISTRICT
        invitation, token = invitation_create(
            survey=survey,
            municipality=unit,
            role="district_director" if district else "chief_executive",
            name=f"{'Bydelsdirektør' if district else 'Kommunedirektør'} i {unit.name}",
            email=f"leder.{unit.number}@example.org",
        )
        out.append({"number": unit.number, "token": token, "email": invitation.email, "settles": settles})
    items = Item.objects.filter(questionnaire=survey.questionnaire).select_related("question")
    questions = {
        item.question.code: {
            "type": item.question.type,
            "max_choices": item.question.max_choices,
            "has_comment": item.question.has_comment,
        }
        for item in items
    }
    conditions = [item.condition for item in items]
    conditions += list(Section.objects.filter(questionnaire=survey.questionnaire).values_list("condition", flat=True))
    drivers = {code for text in conditions for code in re.findall(r"\$\{(\w+)\}", text) if code in questions}
    return survey, out, questions, drivers


def start(port: int, smtp_port: int, logs: Path) -> tuple[subprocess.Popen, subprocess.Popen]:
    """The Celery worker and gunicorn, each writing its output to a file in `logs`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port)}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", f"--concurrency={WORKER_PROCESSES}"]
        + ["--loglevel=warning", "--without-gossip", "--without-mingle"],
        cwd=ROOT,
        env=env,
        stdout=(logs / "celery.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    web = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "--workers", str(WEB_WORKERS)]
        + ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=(logs / "gunicorn.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return web, worker


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_ready(port: int) -> None:
    from config.celery import ping

    for _ in range(300):
        if Client(port).request("GET", "/")[0] == 200:
            break
        time.sleep(0.2)
    else:
        raise SystemExit("gunicorn did not answer.")
    assert ping.delay().get(timeout=120) == "pong", "the Celery worker did not answer"


def load(port: int, units: list[dict], questions: dict, drivers: set[str], sample) -> tuple[list, list, list, float]:
    """Runs the respondents over the units, calling `sample()` every two seconds; returns the
    respondents, the records, the errors and the wall time."""
    records: list[list] = []
    errors: list[tuple] = []
    order = units[:]
    random.Random(f"{SEED}-order").shuffle(order)
    jobs: queue.Queue = queue.Queue()
    for unit in order:
        jobs.put(unit)
    respondents: list[Respondent] = []

    def work():
        while True:
            try:
                unit = jobs.get_nowait()
            except queue.Empty:
                return
            respondent = Respondent(port, unit, questions, drivers, records, errors)
            respondents.append(respondent)
            respondent.run()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(RESPONDENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    ticks = 0
    while any(thread.is_alive() for thread in threads):
        time.sleep(2)
        sample()
        ticks += 1
        if ticks % 5:
            continue
        done = sum(respondent.submitted for respondent in respondents)
        print(
            f"  {time.perf_counter() - started:5.0f} s: {len(records)} requests, {done} units submitted, "
            f"{len(errors)} errors",
            flush=True,
        )
    return respondents, records, errors, time.perf_counter() - started


def wait_for_mail(mailbox: Mailbox, expected: int) -> float:
    started = time.monotonic()
    while len(mailbox.messages) < expected and time.monotonic() - started < MAIL_WAIT:
        time.sleep(0.5)
    waited = time.monotonic() - started
    time.sleep(5)  # a duplicate would come in now
    return waited


def completeness(survey, respondents: list[Respondent], mailbox: Mailbox) -> tuple[list[tuple[str, str, bool]], list]:
    """The after-run check; returns rows (check, result, passed) and the first problems found."""
    from surveys.models import Answer, AnswerChange, SectionProgress
    from surveys.respondent.links import link_resolve, visit_build

    problems: list[str] = []
    stored = defaultdict(dict)
    for number, code, value, comment, version in Answer.objects.filter(response__survey=survey).values_list(
        "response__municipality__number", "question__code", "value", "comment", "version"
    ):
        stored[number][code] = (value, comment, version)
    audit = defaultdict(lambda: defaultdict(list))
    for number, code, value, comment, version in (
        AnswerChange.objects.filter(answer__response__survey=survey)
        .order_by("answer_id", "version")
        .values_list(
            "answer__response__municipality__number", "answer__question__code", "new_value", "new_comment", "version"
        )
    ):
        audit[number][code].append((value, comment, version))
    progress = defaultdict(dict)
    for number, code, status in SectionProgress.objects.filter(response__survey=survey).values_list(
        "response__municipality__number", "section__code", "status"
    ):
        progress[number][code] = status

    sent = exact = extra = versions = audit_ok = changing = audit_rows = unchanged = 0
    submitted = seen_alike = profile_alike = 0
    for respondent in respondents:
        number = respondent.unit["number"]
        mine = stored.get(number, {})
        unchanged += respondent.unchanged
        for code, (value, comment) in respondent.sent.items():
            sent += 1
            got = mine.get(code)
            if got is not None and got[0] == value and type(got[0]) is type(value) and got[1] == comment:
                exact += 1
            else:
                problems.append(f"{number} {code}: sent {value!r} / {comment!r}, stored {got!r}")
            steps = respondent.changes[code]
            changing += len(steps)
            if got is not None and got[2] == len(steps):
                versions += 1
            rows = audit[number].get(code, [])
            if [(v, c) for v, c, _version in rows] == steps and [r[2] for r in rows] == list(range(1, len(steps) + 1)):
                audit_ok += 1
            else:
                problems.append(f"{number} {code}: audit {rows!r}, saves that changed it {steps!r}")
        for code in set(mine) - set(respondent.sent):
            extra += 1
            problems.append(f"{number} {code}: stored {mine[code]!r} but never sent")
        audit_rows += sum(len(rows) for rows in audit[number].values())
        if respondent.sections and all(progress[number].get(s) == "submitted" for s in respondent.sections):
            submitted += 1
        else:
            problems.append(f"{number}: sections {respondent.sections}, progress {progress[number]}")
        access = visit_build(invitation=link_resolve(token=respondent.token))
        server = {s.code: [i.code for i in access.visible_items(s) if i.answerable] for s in access.sections}
        if server == respondent.visible and list(server) == respondent.sections:
            seen_alike += 1
        else:
            problems.append(f"{number}: the server shows {server}, the respondent followed {respondent.visible}")
        settles = respondent.unit["settles"] is True
        expected_sections = ["settlement", "directorate"] + (["intro"] if settles else [])
        if respondent.sections == expected_sections and ("Q02" in respondent.visible.get("settlement", [])) == settles:
            profile_alike += 1
        else:
            problems.append(f"{number}: settles {respondent.unit['settles']}, sections {respondent.sections}")

    units = len(respondents)
    recipients = Counter(rcpt for rcpts, _content in mailbox.messages for rcpt in rcpts)
    expected_to = {respondent.unit["email"] for respondent in respondents}
    with_pdf = 0
    for _rcpts, content in mailbox.messages:
        message = email.message_from_bytes(content, policy=policy.default)
        if any(part.get_content_type() == "application/pdf" for part in message.iter_attachments()):
            with_pdf += 1
    mail_ok = len(mailbox.messages) == units and set(recipients) == expected_to and max(recipients.values()) == 1
    rows = [
        ("answers in the database exactly as last sent (JSON value and comment)", f"{exact} of {sent}", exact == sent),
        ("answers stored that the respondents never sent", str(extra), extra == 0),
        ("answer versions = the saves that changed them", f"{versions} of {sent}", versions == sent),
        (
            "audit rows = saves that changed a value, with those values in order",
            f"{audit_rows} rows for {changing} such saves; {audit_ok} of {sent} answers' trails alike "
            f"({unchanged} saves changed nothing: no row)",
            audit_rows == changing and audit_ok == sent,
        ),
        ("units with every section they see submitted", f"{submitted} of {units}", submitted == units),
        (
            "sections and questions shown: the server's view after the run = what the respondent followed",
            f"{seen_alike} of {units}",
            seen_alike == units,
        ),
        ("sections and Q02 shown as the unit's profile says", f"{profile_alike} of {units}", profile_alike == units),
        (
            "receipt e-mails (one per unit, to its chief, PDF attached)",
            f"{len(mailbox.messages)} of {units}; {len(expected_to & set(recipients))} units reached, "
            f"{sum(n - 1 for n in recipients.values())} duplicates, {with_pdf} with the PDF",
            mail_ok and with_pdf == units,
        ),
    ]
    return rows, problems


def report(records, wall, respondents, cpu, rows, mail_wait, load_before, load_after, problems, errors) -> str:
    by_kind = defaultdict(list)
    for kind, _status, seconds, ok, *_rest in records:
        by_kind[kind].append((seconds, ok))
    settles = Counter(respondent.unit["settles"] for respondent in respondents)
    saves = sum(len(r.sent) for r in respondents)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    used = ", ".join(f"{name} {cpu.get(key, 0):.1f} s" for key, name in CPU_NAMES.items())
    lines = [
        f"### Run {stamp} (`.venv/bin/python bench/deadline.py`)",
        "",
        f"Machine: {os.cpu_count()} shared cores; gunicorn, PostgreSQL, Redis, the Celery worker, the SMTP server "
        "and the load generator all on this one machine, so the load generator competes with the server for CPU; "
        "other engineers' test suites may have been running at the same time. Load average before/after: "
        f"{load_before:.2f}/{load_after:.2f}.",
        "",
        f"Configuration: {len(respondents)} units (settling {settles[True]}, not settling {settles[False]}, "
        f"not known {settles[None]}), the demo questionnaire, one chief executive's link each; gunicorn "
        f"`config.wsgi` with {WEB_WORKERS} sync workers; PostgreSQL; Redis (broker and cache); `celery -A config "
        f"worker` (prefork, {WORKER_PROCESSES} processes) sending the receipts to aiosmtpd; {RESPONDENTS} virtual "
        f"respondents at once, {THINK[0]}-{THINK[1]} s between actions, seed {SEED}. The hour of 372 units ran "
        f"in {wall / 60:.1f} min ({3600 / wall * len(respondents) / 372:.0f}x compressed). CPU used during the run: "
        f"{used}.",
        "",
        "| request | n | p50 ms | p95 ms | p99 ms | max ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    every = []
    for kind in KINDS:
        found = by_kind.get(kind, [])
        every += found
        lines.append(table_row(kind, found))
    lines.append(table_row("**all**", every))
    lines += [
        "",
        f"{len(records)} requests in {wall:.0f} s: **{len(records) / wall:.0f} requests/s**, "
        f"{sum(r.submitted for r in respondents) / wall * 60:.0f} units submitted per minute; "
        f"{saves} answers, {sum(k == 'autosave' for k, *_ in records)} autosaves. Errors: **{len(errors)}**. "
        f"Server CPU per request (gunicorn and PostgreSQL): {(cpu.get('web', 0) + cpu.get('db', 0)) / len(records) * 1000:.1f} ms; "
        f"per receipt e-mail (the worker): {cpu.get('worker', 0) / max(1, len(respondents)) * 1000:.0f} ms.",
        "",
        f"After the run (receipts waited for {mail_wait:.0f} s after the last request):",
        "",
        "| check | result | passed |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {result} | {'yes' if passed else '**no**'} |" for name, result, passed in rows]
    if problems or errors:
        lines += ["", "First problems:", ""] + [f"- {p}" for p in ([str(e) for e in errors] + problems)[:10]]
    return "\n".join(lines) + "\n"


CPU_NAMES = {"web": "gunicorn", "db": "PostgreSQL", "worker": "Celery worker", "load": "load generator"}


def table_row(kind: str, found: list[tuple[float, bool]]) -> str:
    if not found:
        return f"| {kind} | 0 | | | | | |"
    ms = [seconds * 1000 for seconds, _ok in found]
    errors = sum(not ok for _seconds, ok in found)
    return (
        f"| {kind} | {len(found)} | {percentile(ms, 0.5):.0f} | {percentile(ms, 0.95):.0f} "
        f"| {percentile(ms, 0.99):.0f} | {max(ms):.0f} | {errors} |"
    )


def write_requests(records: list[list], path: Path) -> None:
    """Every request, for a closer look: when it started (s into the run), unit, kind, status, ms, ok."""
    start = min(record[5] for record in records)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["started_s", "unit", "kind", "status", "ms", "ok"])
        for kind, status, seconds, ok, unit, at in sorted(records, key=lambda record: record[5]):
            writer.writerow([f"{at - start:.3f}", unit, kind, status, f"{seconds * 1000:.1f}", int(ok)])


def write_results(block: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text(encoding="utf-8").rstrip("\n") + "\n"
    heading = "## Deadline load"
    if heading not in text:
        text += f"\n{heading}\n\nWritten by `bench/deadline.py`; each run adds its block at the end.\n"
    path.write_text(text + "\n" + block, encoding="utf-8")


class Beat(threading.Thread):
    """What beat does for the receipts: hands what waits in the outbox to the broker every
    OUTBOX_RESEND_SECONDS (config/settings.py). Beat itself is not started, as its other
    tasks (the reminders) would e-mail the units too."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stopping = threading.Event()

    def run(self) -> None:
        from django.conf import settings
        from django.db import connection

        import surveys.tasks  # noqa: F401 - the receipt's task, by name
        from operations.outbox import outbox_resend

        while not self.stopping.wait(settings.OUTBOX_RESEND_SECONDS):
            outbox_resend()
        connection.close()

    def stop(self) -> None:
        self.stopping.set()
        if self.is_alive():
            self.join(timeout=60)


def main() -> None:
    print("Preparing the database …", flush=True)
    survey, units, questions, drivers = prepare()
    from aiosmtpd.controller import Controller
    from django.db import connection

    mailbox = Mailbox()
    smtp_port = free_port(PORTS)
    smtp = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    port = free_port(PORTS)
    logs = Path(tempfile.mkdtemp(prefix="bench_deadline_"))
    web, worker = start(port, smtp_port, logs)
    print(f"The server's and the worker's output: {logs}", flush=True)
    beat = Beat()
    try:
        wait_ready(port)
        beat.start()
        meter = ServerCpu(DB, {web.pid: "web", worker.pid: "worker"})
        connection.close()  # this process's backend is not the server's
        before, load_before, mine = meter.snapshot(), os.getloadavg()[0], resource.getrusage(resource.RUSAGE_SELF)
        # Django reopens a database connection after CONN_MAX_AGE, so the backends are sampled
        # while they live: each one's last reading counts.
        seen = dict(before)
        print(f"Load: {len(units)} units, {RESPONDENTS} respondents at once, gunicorn on {port} …", flush=True)
        respondents, records, errors, wall = load(
            port, units, questions, drivers, lambda: seen.update(meter.snapshot())
        )
        print("Waiting for the receipts …", flush=True)
        mail_wait = wait_for_mail(mailbox, sum(r.submitted for r in respondents))
        seen.update(meter.snapshot())
        cpu = ServerCpu.used(before, seen)
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu["load"] = after.ru_utime + after.ru_stime - mine.ru_utime - mine.ru_stime
        load_after = os.getloadavg()[0]
    finally:
        beat.stop()
        stop(web)
        stop(worker)
        smtp.stop()
    write_requests(records, logs / "requests.csv")
    print(f"Every request: {logs / 'requests.csv'}", flush=True)
    print("Checking the database …", flush=True)
    rows, problems = completeness(survey, respondents, mailbox)
    block = report(records, wall, respondents, cpu, rows, mail_wait, load_before, load_after, problems, errors)
    print(block)
    for problem in ([str(e) for e in errors] + problems)[10:40]:  # the first ten are in the block
        print("-", problem)
    if not UNITS:
        write_results(block)
    connection.close()
    passed = not errors and all(ok for _name, _result, ok in rows)
    if passed:
        database_drop(DB)
    else:
        print(f"Kept the database {DB} for a look.")
        sys.exit(1)


if __name__ == "__main__":
    main()
