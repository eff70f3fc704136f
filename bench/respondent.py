"""Respondent benchmark: the section page, one autosave and a full submission against gunicorn
and PostgreSQL, each beside the stack's ceiling measured in the same run with the same server.

    .venv/bin/python bench/respondent.py            (a few minutes; needs PostgreSQL and Redis)

It makes its own database (bench_respondent, dropped and made again), imports the registry and
builds two open rounds: the demo questionnaire (its longest section is measured, as the issue
asks) and a synthetic one whose one section has 60 questions of every type (the issue's
targets are stated for 60 questions). It starts gunicorn (3 sync workers) on a free port in
8101-8199 with bench.settings: the platform plus two bare views, an HTML page of a given size
and a small POST, which are the ceiling. Four client threads send the requests; nothing leaves
127.0.0.1.

To stay honest on a shared machine, every measurement runs in ROUNDS rounds (BENCH_ROUNDS,
default 5) that alternate the platform and its ceiling, after a warm-up; the figures pool all
rounds, the spread of the per-round ratios is reported too, and so is the server CPU per request
(gunicorn workers and their PostgreSQL backends, read from /proc), which other load on the
machine hardly changes. Results go to stdout and replace the generated block of the respondent
section in bench/RESULTS.md. The cache's Redis database (BENCH_REDIS_URL, default db 10) is
emptied at the start.
"""

import datetime
import json
import os
import statistics
import subprocess
import sys
import threading
import time

from harness import PYTHON, ROOT, Client, ServerCpu, csrf_of, database_recreate, free_port, percentile

DB = "bench_respondent"
PORTS = range(8101, 8200)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
CLIENTS = 4
WORKERS = 3
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
# Per round; each round's window lasts about half a second (the first version's, a third of
# this, lasted 0.2 s, short enough for one stall of the shared machine to move a round's ratio
# by half).
PAGE_REQUESTS = 360
SAVES_PER_UNIT = 75  # per autosaving unit (one per client)
FLOWS = 48  # units that each load the page, save SAVES_PER_FLOW answers and submit
SAVES_PER_FLOW = 7
WARMUP = 30
ENV = {
    **os.environ,
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
    "REDIS_URL": REDIS_URL,
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DEBUG": "false",
    "ALLOWED_HOSTS": "127.0.0.1",
    "PYTHONPATH": str(ROOT),
    "LOG_LEVEL": "WARNING",
}
MARK_START = "<!-- bench/respondent.py: generated, replaced on every run -->"
MARK_END = "<!-- end of generated block -->"

SETUP = r"""
import datetime, json
from django.core.cache import cache
from django.utils import timezone
from municipalities.models import Municipality, MunicipalityProfile
from surveys.demo_questionnaire import demo_questionnaire_create
from surveys.models import Item, MatrixItem, Question, QuestionOption, Questionnaire, Scale, ScalePoint, Section, Survey
from surveys.services.invitations import invitation_create
from surveys.services.rounds import survey_open

cache.clear()
now = timezone.now()
units = list(Municipality.objects.current().order_by("number")[:UNITS])

# The synthetic round: one section of 60 questions of every type.
scale = Scale.objects.create(code="bench4", name="bench4")
for value, code in enumerate(["very_poor", "poor", "good", "very_good"], start=1):
    ScalePoint.objects.create(scale=scale, value=value, code=code, label_nb=code)
questionnaire = Questionnaire.objects.create(title="Benchmark", year=2027)
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
synthetic = Survey.objects.create(year=2027, title="Benchmark", questionnaire=questionnaire,
    opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=30))
survey_open(survey=synthetic)

# The demo questionnaire, for settlement municipalities (so that every section and question shows).
demo = Survey.objects.create(year=2026, title="Kommuneundersøkelsen 2026", questionnaire=demo_questionnaire_create(year=2026),
    opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=30))
survey_open(survey=demo)
for unit in units:
    MunicipalityProfile.objects.update_or_create(municipality=unit, year=2026, defaults={"settles_refugees": True})
longest = max(demo.questionnaire.sections.all(), key=lambda s: s.items.count())
items = list(longest.items.select_related("question").order_by("position"))

out = {"synthetic": {"section": "main", "questions": 60, "tokens": []},
       "demo": {"section": longest.code, "questions": len(items), "tokens": [],
                "answerable": [(i.question.code, i.question.type) for i in items if i.question.type != "note"]}}
for survey, name in [(synthetic, "synthetic"), (demo, "demo")]:
    for unit in units:
        out[name]["tokens"].append(invitation_create(survey=survey, municipality=unit, role="chief_executive",
            name="Bench", email="bench@example.org")[1])
print("BENCH" + json.dumps(out))
"""


def run(*args: str) -> str:
    return subprocess.run(args, cwd=ROOT, env=ENV, check=True, capture_output=True, text=True).stdout


def units_needed() -> int:
    return CLIENTS + FLOWS * ROUNDS + 4  # autosaving units, flow units, page units


def prepare() -> dict:
    database_recreate(DB)
    run(PYTHON, "manage.py", "migrate", "--no-input", "-v0")
    run(PYTHON, "manage.py", "import_registry", "-v0")
    out = run(PYTHON, "manage.py", "shell", "-c", SETUP.replace("[:UNITS]", f"[:{units_needed()}]"))
    return json.loads(out.split("BENCH", 1)[1])


def in_threads(port: int, work, jobs: list) -> tuple[list[float], float, int]:
    """Runs `work(client, job)` (which yields (ok, seconds) per request) over the jobs with
    CLIENTS threads; returns the latencies, the wall time and the number of failed requests."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    queue = list(jobs)

    def worker():
        client = Client(port)
        while True:
            with lock:
                if not queue:
                    return
                job = queue.pop(0)
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


CPU: ServerCpu | None = None


class Measure:
    """Latencies and throughput of one kind of request, pooled over rounds."""

    def __init__(self, name: str):
        self.name = name
        self.latencies: list[float] = []
        self.wall = 0.0
        self.units = 0
        self.errors = 0
        self.cpu = 0.0
        self.cpu_db = 0.0
        self.round_p50: list[float] = []
        self.round_rate: list[float] = []

    @property
    def cpu_ms(self) -> float:
        return (self.cpu + self.cpu_db) / len(self.latencies) * 1000

    @property
    def cpu_db_ms(self) -> float:
        return self.cpu_db / len(self.latencies) * 1000

    def run(self, call, units: int | None = None) -> None:
        before = CPU.snapshot() if CPU else {}
        result = call()
        if CPU:
            used = ServerCpu.used(before, CPU.snapshot())
            self.cpu, self.cpu_db = self.cpu + used.get("app", 0.0), self.cpu_db + used.get("db", 0.0)
        self.add(result, units)

    def add(self, result: tuple[list[float], float, int], units: int | None = None) -> None:
        latencies, wall, errors = result
        self.latencies += latencies
        self.wall += wall
        self.units += units if units is not None else len(latencies)
        self.errors += errors
        self.round_p50.append(statistics.median(latencies) * 1000)
        self.round_rate.append((units if units is not None else len(latencies)) / wall)

    def p(self, fraction: float) -> float:
        return percentile(self.latencies, fraction) * 1000

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.wall

    @property
    def per_s(self) -> float:
        return self.units / self.wall


def page_work(path: str):
    return lambda client, _job: [((r := client.request("GET", path))[0] == 200, r[2])]


def measure_questionnaire(port: int, label: str, spec: dict, saves: list[tuple[str, dict]]) -> dict:
    """The three comparisons for one questionnaire's section. `saves` are the flow's answers."""
    tokens = spec["tokens"]
    section = spec["section"]
    save_tokens = tokens[:CLIENTS]
    page_tokens = tokens[CLIENTS : CLIENTS + 4]
    flow_tokens = tokens[CLIENTS + 4 :]
    status, page, _elapsed = Client(port).request("GET", f"/r/{page_tokens[0]}/s/{section}/")
    assert status == 200, f"the section page answered {status}"
    size = len(page)
    ceiling_page = f"/bench/ceiling/?size={size}"

    # warm every worker: its database connection, the cache of the frozen questionnaire
    in_threads(port, lambda c, t: [((r := c.request("GET", f"/r/{t}/s/{section}/"))[0] == 200, r[2])], page_tokens * 8)
    in_threads(port, page_work(ceiling_page), list(range(WARMUP)))

    page_m, page_c = (
        Measure(f"section page ({spec['questions']} questions)"),
        Measure(f"ceiling: bare page of {size} bytes"),
    )
    save_m, save_c = Measure("autosave of one answer"), Measure("ceiling: bare small POST")
    flow_m = Measure(f"full submission flow (page + {len(saves)} saves + submit)")
    flow_c = Measure("ceiling: the same requests to bare views")
    versions = {token: 0 for token in save_tokens}
    save_question, save_values = saves[0][0], saves[0][1]["choices"]

    def autosaves(client: Client, token: str):
        _s, body, _e = client.request("GET", f"/r/{token}/s/{section}/")
        headers = {"X-CSRFToken": csrf_of(body)}
        out = []
        for index in range(SAVES_PER_UNIT):
            value = save_values[index % len(save_values)]
            status, reply, elapsed = client.request(
                "POST",
                f"/r/{token}/s/{section}/autosave/",
                {"question": save_question, "version": versions[token], save_question: value},
                headers,
            )
            if status == 200:
                versions[token] = json.loads(reply)["version"]
            out.append((status == 200, elapsed))
        return out

    def ceiling_posts(client: Client, _token: str):
        return [
            (
                (r := client.request("POST", "/bench/ceiling-post/", {"question": "Q", "version": 1, "Q": "a"}))[0]
                == 200,
                r[2],
            )
            for _ in range(SAVES_PER_UNIT)
        ]

    def flow(thread_client: Client, token: str):
        # one respondent, one browser: its own cookies (a thread's client serves many units)
        client = Client(thread_client.port)
        status, body, elapsed = client.request("GET", f"/r/{token}/s/{section}/")
        out = [(status == 200, elapsed)]
        headers = {"X-CSRFToken": csrf_of(body)}
        for code, answer in saves:
            status, _r, elapsed = client.request(
                "POST",
                f"/r/{token}/s/{section}/autosave/",
                {"question": code, "version": 0, code: answer["flow"]},
                headers,
            )
            out.append((status == 200, elapsed))
        status, _r, elapsed = client.request(
            "POST", f"/r/{token}/submit/", {"section": section, "csrfmiddlewaretoken": csrf_of(body)}, headers
        )
        out.append((status == 302, elapsed))
        client.close()
        return out

    def ceiling_flow(thread_client: Client, _token: str):
        client = Client(thread_client.port)
        out = [((r := client.request("GET", ceiling_page))[0] == 200, r[2])]
        for _ in range(len(saves) + 1):
            r = client.request("POST", "/bench/ceiling-post/", {"question": "Q", "version": 0, "Q": "a"})
            out.append((r[0] == 200, r[2]))
        client.close()
        return out

    jobs = [page_tokens[i % len(page_tokens)] for i in range(PAGE_REQUESTS)]
    for round_number in range(ROUNDS):
        # alternate which goes first, so that a change of load on the machine hits both alike
        pairs = [
            (page_m, lambda: in_threads(port, lambda c, t: page_work(f"/r/{t}/s/{section}/")(c, t), jobs), None),
            (page_c, lambda: in_threads(port, page_work(ceiling_page), jobs), None),
        ]
        for measure, call, units in pairs if round_number % 2 == 0 else pairs[::-1]:
            measure.run(call, units)
        pairs = [
            (save_m, lambda: in_threads(port, autosaves, save_tokens), None),
            (save_c, lambda: in_threads(port, ceiling_posts, save_tokens), None),
        ]
        for measure, call, units in pairs if round_number % 2 == 0 else pairs[::-1]:
            measure.run(call, units)
        batch = flow_tokens[round_number * FLOWS : (round_number + 1) * FLOWS]
        pairs = [
            (flow_m, lambda b=batch: in_threads(port, flow, b), len(batch)),
            (flow_c, lambda b=batch: in_threads(port, ceiling_flow, b), len(batch)),
        ]
        for measure, call, units in pairs if round_number % 2 == 0 else pairs[::-1]:
            measure.run(call, units)

    ratios = [
        (
            "page p50 / ceiling page p50",
            page_m.p(0.5) / page_c.p(0.5),
            [a / b for a, b in zip(page_m.round_p50, page_c.round_p50, strict=True)],
            "at most 10",
            lambda v: v <= 10,
        ),
        (
            "autosave p50 / ceiling POST p50",
            save_m.p(0.5) / save_c.p(0.5),
            [a / b for a, b in zip(save_m.round_p50, save_c.round_p50, strict=True)],
            "at most 3",
            lambda v: v <= 3,
        ),
        (
            "flows per s / ceiling flows per s",
            flow_m.per_s / flow_c.per_s,
            [a / b for a, b in zip(flow_m.round_rate, flow_c.round_rate, strict=True)],
            "at least 0.33",
            lambda v: v >= 1 / 3,
        ),
    ]
    cpu = [
        ("page", page_m, page_c),
        ("autosave", save_m, save_c),
        ("flow request (average)", flow_m, flow_c),
    ]
    return {
        "label": label,
        "size": size,
        "measures": [page_m, page_c, save_m, save_c, flow_m, flow_c],
        "ratios": ratios,
        "cpu": cpu,
    }


def report(results: list[dict], load_before: tuple, load_after: tuple) -> str:
    lines = [
        MARK_START,
        "",
        f"### Run {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC (`.venv/bin/python bench/respondent.py`)",
        "",
        f"gunicorn ({WORKERS} sync workers) + PostgreSQL + Redis on 127.0.0.1, {os.cpu_count()} cores; {CLIENTS} client "
        f"threads; {ROUNDS} rounds alternating platform and ceiling, pooled. Load average before/after: "
        f"{load_before[0]:.2f}/{load_after[0]:.2f}. Errors must be 0.",
    ]
    for result in results:
        lines += [
            "",
            f"#### {result['label']} ({result['size']} bytes)",
            "",
            "| request | n | p50 ms | p95 ms | requests/s | flows/s | server CPU ms/request | errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for m in result["measures"]:
            flows = f"{m.per_s:.1f}" if "flow" in m.name else ""
            lines.append(
                f"| {m.name} | {len(m.latencies)} | {m.p(0.5):.1f} | {m.p(0.95):.1f} | {m.rps:.0f} | {flows} "
                f"| {m.cpu_ms:.2f} | {m.errors} |"
            )
        lines += ["", "| ratio (pooled) | value | per round | target | met |", "|---|---:|---|---|---|"]
        for name, value, per_round, target, met in result["ratios"]:
            spread = ", ".join(f"{v:.2f}" for v in per_round)
            lines.append(f"| {name} | {value:.2f} | {spread} | {target} | {'yes' if met(value) else 'no'} |")
        lines += [
            "",
            "| server CPU per request | platform ms (of which PostgreSQL) | ceiling ms | ratio |",
            "|---|---:|---:|---:|",
        ]
        for name, platform, ceiling in result["cpu"]:
            lines.append(
                f"| {name} | {platform.cpu_ms:.2f} ({platform.cpu_db_ms:.2f}) | {ceiling.cpu_ms:.2f} "
                f"| {platform.cpu_ms / ceiling.cpu_ms:.1f} |"
            )
    lines += ["", MARK_END]
    return "\n".join(lines) + "\n"


def write_results(block: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text(encoding="utf-8")
    if MARK_START in text and MARK_END in text:
        before, rest = text.split(MARK_START, 1)
        _old, after = rest.split(MARK_END, 1)
        text = before + block.rstrip("\n") + after
    else:
        text = text.rstrip("\n") + "\n\n## Respondent pages\n\n" + block
    path.write_text(text, encoding="utf-8")


def flow_answers(spec: dict) -> list[tuple[str, dict]]:
    """What the flow saves: for the synthetic section its seven whole-number questions, for the
    demo section its first answerable questions; the first is also the autosave's question."""
    if spec["section"] == "main":
        first = ("B00", {"choices": ["housing", "jobs"], "flow": "housing"})
        return [first] + [
            (f"B{n * 8 + 5:02d}", {"flow": str(n), "choices": [str(n)]}) for n in range(SAVES_PER_FLOW - 1)
        ]
    sample = {"yes_no": ["yes", "no"], "integer": ["12", "13"], "short_text": ["tekst", "annen tekst"]}
    usable = [(code, kind) for code, kind in spec["answerable"] if kind in sample]
    return [(code, {"choices": sample[kind], "flow": sample[kind][0]}) for code, kind in usable[:SAVES_PER_FLOW]]


def main() -> None:
    print("Preparing the database …", flush=True)
    specs = prepare()
    port = free_port(PORTS)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "bench.wsgi_app:application",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=ENV,
    )
    global CPU
    CPU = ServerCpu(DB, {server.pid: "app"})
    load_before = os.getloadavg()
    results = []
    try:
        for _ in range(150):
            if Client(port).request("GET", "/bench/ceiling/")[0] == 200:
                break
            time.sleep(0.2)
        for label, spec in [
            (
                f"Demo questionnaire, longest section “{specs['demo']['section']}” ({specs['demo']['questions']} items)",
                specs["demo"],
            ),
            ("Synthetic section of 60 questions", specs["synthetic"]),
        ]:
            print(f"Measuring: {label} …", flush=True)
            results.append(measure_questionnaire(port, label, spec, flow_answers(spec)))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    block = report(results, load_before, os.getloadavg())
    print(block)
    write_results(block)
    if any(m.errors for result in results for m in result["measures"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
