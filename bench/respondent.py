"""Respondent benchmark: the section page, one autosave and a full submission against gunicorn
and PostgreSQL, each beside the stack's ceiling measured in the same run with the same server.

    .venv/bin/python bench/respondent.py            (about a minute; needs PostgreSQL and Redis)

It makes its own database (survey_bench_respondent, dropped and made again), imports the
registry, builds an open round whose one section has 60 questions, and starts gunicorn on
127.0.0.1 with bench.settings (the platform plus two bare ceiling views). Four client threads
send a fixed number of requests; nothing leaves 127.0.0.1. Results go to stdout and bench/RESULTS.md.
"""

import datetime
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
DB = "survey_bench_respondent"
PORT = 8799
CLIENTS = 4
UNITS = 48
PAGE_REQUESTS = 200
SAVE_REQUESTS = 400
SAVES_PER_FLOW = 7  # the seven whole-number questions B05, B13, … B53
ENV = {
    **os.environ,
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
    "REDIS_URL": "redis://127.0.0.1:6379/11",
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DEBUG": "false",
    "ALLOWED_HOSTS": "127.0.0.1",
    "PYTHONPATH": str(ROOT),
    "LOG_LEVEL": "WARNING",
}
PYTHON = str(ROOT / ".venv" / "bin" / "python")

SETUP = r"""
import datetime, json
from django.utils import timezone
from municipalities.models import Municipality
from surveys.models import Item, MatrixItem, Question, QuestionOption, Questionnaire, Scale, ScalePoint, Section, Survey
from surveys.services.invitations import invitation_create
from surveys.services.rounds import survey_open
scale = Scale.objects.create(code="q4", name="q4")
for value, code in enumerate(["very_poor", "poor", "good", "very_good"], start=1):
    ScalePoint.objects.create(scale=scale, value=value, code=code, label_nb=code)
questionnaire = Questionnaire.objects.create(title="Benchmark", year=2026)
section = Section.objects.create(questionnaire=questionnaire, position=1, code="main", role="chief_executive", title_nb="Alt")
kinds = ["single_choice", "multiple_choice", "yes_no", "scale", "matrix", "integer", "short_text", "long_text"]
for number in range(60):
    kind = kinds[number % len(kinds)]
    question = Question.objects.create(code=f"B{number:02d}", series=f"B{number:02d}", classification="recurring",
        type=kind, text_nb=f"Spørsmål nummer {number} om bosetting og integrering i kommunen?",
        scale=scale if kind in ("scale", "matrix") else None, offers_not_relevant=kind == "matrix",
        max_choices=3 if kind == "multiple_choice" else None, min_value=0 if kind == "integer" else None,
        max_value=1000 if kind == "integer" else None, has_comment=number % 10 == 0)
    if kind in ("single_choice", "multiple_choice"):
        for position, code in enumerate(["housing", "jobs", "capacity", "finance", "politics"]):
            QuestionOption.objects.create(question=question, code=code, position=position, label_nb=code.title())
    if kind == "matrix":
        for position in range(8):
            MatrixItem.objects.create(question=question, code=f"r{position}", position=position, label_nb=f"Område {position}")
    Item.objects.create(questionnaire=questionnaire, section=section, position=number + 1, question=question)
now = timezone.now()
survey = Survey.objects.create(year=2026, title="Benchmark", questionnaire=questionnaire,
    opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=30))
survey_open(survey=survey)
tokens = []
for unit in Municipality.objects.current().order_by("number")[:UNITS_PLACEHOLDER]:
    tokens.append(invitation_create(survey=survey, municipality=unit, role="chief_executive", name="Bench", email="b@example.org")[1])
print("TOKENS" + json.dumps(tokens))
"""


def run(*args: str) -> str:
    return subprocess.run(args, cwd=ROOT, env=ENV, check=True, capture_output=True, text=True).stdout


def prepare() -> list[str]:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB], check=True)
    run(PYTHON, "manage.py", "migrate", "--no-input", "-v0")
    run(PYTHON, "manage.py", "import_registry", "-v0")
    out = run(PYTHON, "manage.py", "shell", "-c", SETUP.replace("UNITS_PLACEHOLDER", str(UNITS)))
    return json.loads(out.split("TOKENS", 1)[1])


class Client:
    """One keep-alive connection with the cookies a browser would keep."""

    def __init__(self):
        self.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        elapsed = time.perf_counter() - started
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _eq, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, content, elapsed


def csrf_of(page: bytes) -> str:
    return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()


def in_threads(work, jobs: list) -> tuple[list[float], float, int]:
    """Runs `work(client, job)` over the jobs with CLIENTS threads; returns latencies, wall time, errors."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    queue = list(jobs)

    def worker():
        client = Client()
        while True:
            with lock:
                if not queue:
                    return
                job = queue.pop()
            for ok, elapsed in work(client, job):
                with lock:
                    latencies.append(elapsed)
                    errors[0] += 0 if ok else 1

    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started, errors[0]


def summary(name: str, latencies: list[float], wall: float, errors: int, units: int | None = None) -> dict:
    ordered = sorted(latencies)
    return {
        "name": name,
        "p50": statistics.median(ordered) * 1000,
        "p95": ordered[int(len(ordered) * 0.95) - 1] * 1000,
        "rps": len(ordered) / wall,
        "per_s": (units or len(ordered)) / wall,
        "errors": errors,
        "n": len(ordered),
    }


def main() -> None:
    print("Preparing the database …", flush=True)
    tokens = prepare()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "bench.wsgi_app:application",
            "--workers",
            "3",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=ENV,
    )
    try:
        for _ in range(100):
            try:
                Client().request("GET", "/bench/ceiling/")
                break
            except OSError:
                time.sleep(0.2)
        page_path = f"/r/{tokens[0]}/s/main/"
        status, page, _e = Client().request("GET", page_path)
        assert status == 200, status
        size = len(page)
        results = []

        # (a) the section page against a bare page of the same size
        jobs = [f"/r/{tokens[i % len(tokens)]}/s/main/" for i in range(PAGE_REQUESTS)]
        results.append(
            summary(
                "section page (60 questions)",
                *in_threads(lambda c, p: [((r := c.request("GET", p))[0] == 200, r[2])], jobs),
            )
        )
        results.append(
            summary(
                f"ceiling: bare page of {size} bytes",
                *in_threads(
                    lambda c, _p: [((r := c.request("GET", f"/bench/ceiling/?size={size}"))[0] == 200, r[2])], jobs
                ),
            )
        )

        # (b) one autosave against a bare small POST; each thread saves on its own units
        def saves(client: Client, token: str):
            _s, body, _e = client.request("GET", f"/r/{token}/s/main/")
            headers = {"X-CSRFToken": csrf_of(body)}
            version, out = 0, []
            for index in range(SAVE_REQUESTS // len(tokens)):
                status, reply, elapsed = client.request(
                    "POST",
                    f"/r/{token}/s/main/autosave/",
                    {"question": "B00", "version": version, "B00": ["housing", "jobs"][index % 2]},
                    headers,
                )
                if status == 200:
                    version = json.loads(reply)["version"]
                out.append((status == 200, elapsed))
            return out

        results.append(summary("autosave of one answer", *in_threads(saves, tokens[: len(tokens) // 2])))
        results.append(
            summary(
                "ceiling: bare small POST",
                *in_threads(
                    lambda c, _t: [
                        (
                            (r := c.request("POST", "/bench/ceiling-post/", {"question": "B00", "B00": "housing"}))[0]
                            == 200,
                            r[2],
                        )
                        for _ in range(SAVE_REQUESTS // len(tokens))
                    ],
                    tokens[: len(tokens) // 2],
                ),
            )
        )

        # (c) full flows: page, ten answers, submit, one unit each
        def flow(client: Client, token: str):
            status, body, elapsed = client.request("GET", f"/r/{token}/s/main/")
            out = [(status == 200, elapsed)]
            headers = {"X-CSRFToken": csrf_of(body)}
            for number in range(SAVES_PER_FLOW):
                code = f"B{number * 8 + 5:02d}"  # whole-number questions
                status, _r, elapsed = client.request(
                    "POST", f"/r/{token}/s/main/autosave/", {"question": code, "version": 0, code: str(number)}, headers
                )
                out.append((status == 200, elapsed))
            status, _r, elapsed = client.request(
                "POST", f"/r/{token}/submit/", {"section": "main", "csrfmiddlewaretoken": csrf_of(body)}, headers
            )
            out.append((status == 302, elapsed))
            return out

        flow_tokens = tokens[len(tokens) // 2 :]
        flows = summary(
            "full submission flow (page + 7 saves + submit)", *in_threads(flow, flow_tokens), units=len(flow_tokens)
        )
        results.append(flows)
        ceiling_flows = summary(
            "ceiling: same requests to bare views",
            *in_threads(
                lambda c, _t: (
                    [((r := c.request("GET", f"/bench/ceiling/?size={size}"))[0] == 200, r[2])]
                    + [
                        ((r := c.request("POST", "/bench/ceiling-post/", {"a": "b"}))[0] == 200, r[2])
                        for _ in range(SAVES_PER_FLOW + 1)
                    ]
                ),
                flow_tokens,
            ),
            units=len(flow_tokens),
        )
        results.append(ceiling_flows)
    finally:
        server.terminate()
        server.wait(timeout=30)

    page, page_ceiling, save, save_ceiling = results[0], results[1], results[2], results[3]
    ratios = {
        "page p50 / ceiling p50": page["p50"] / page_ceiling["p50"],
        "autosave p50 / ceiling p50": save["p50"] / save_ceiling["p50"],
        "flows per s / ceiling flows per s": flows["per_s"] / ceiling_flows["per_s"],
    }
    lines = [
        "",
        "## Respondent pages",
        "",
        f"### Run {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC (`.venv/bin/python bench/respondent.py`)",
        "",
        f"gunicorn (3 sync workers) + PostgreSQL on 127.0.0.1, 2 cores; {CLIENTS} client threads; section page of "
        f"60 questions ({size} bytes). Errors must be 0.",
        "",
        "| request | n | p50 ms | p95 ms | requests/s | per unit/s | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['name']} | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['rps']:.0f} | {r['per_s']:.1f} | {r['errors']} |"
        )
    lines += ["", "| ratio | value | target |", "|---|---:|---|"]
    targets = ["within 10x", "within 3x", "at least 0.33"]
    for (name, value), target in zip(ratios.items(), targets, strict=True):
        lines.append(f"| {name} | {value:.2f} | {target} |")
    text = "\n".join(lines) + "\n"
    print(text)
    with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as results_file:
        results_file.write(text)
    if any(r["errors"] for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
