"""Benchmark of the reports at close: a round of benchmark scale (372 units, 150 questions, twelve
years: bench/analysis.py's database `bench_analysis`) is closed with `survey_close`, and the national,
regional and (once they exist) municipal reports are built by a real Celery worker with the
deployment's worker count.

    .venv/bin/python bench/reports.py            # generates the database once if it is missing

The worker and beat are started as deploy/Procfile starts them (`celery -A config worker
--concurrency=${WORKER_CONCURRENCY:-2}`, `celery -A config beat`), with WORKER_CONCURRENCY from
BENCH_WORKER_CONCURRENCY (default 2), on Redis `BENCH_REDIS_URL` (default
redis://127.0.0.1:6379/11, emptied first) and the bench database. Before closing, the 2026 round is
opened again with `survey_open` (its answers stay) and its earlier report rows are deleted. Then
the script calls `survey_close` and polls the report rows: seconds from close to the national report
done, to each regional report done and to the last; page counts; build time per report (from first
seen running to done, polled every 0.2 s); the load average; CPU used by the worker, its PostgreSQL
backends and beat. If the model `MunicipalReport` exists it also waits for every municipal report of
the round: count, time to the first and the last, median build time. Appends a dated block under
"## Reports at close" in bench/RESULTS.md; the worker's and beat's output go to bench/out/reports-logs/.
"""

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
CONCURRENCY = os.environ.get("BENCH_WORKER_CONCURRENCY", "2")
TARGET_NATIONAL_REGIONAL = 60  # seconds from close (issue 17)
TARGET_MUNICIPAL = 300
POLL = 0.2
LOGS = ROOT / "bench" / "out" / "reports-logs"

for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "EMAIL_HOST", "PLATFORM_ENV"):
    os.environ.pop(name, None)
os.environ.update(REDIS_URL=REDIS, DEBUG="false", DJANGO_SETTINGS_MODULE="config.settings")
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import analysis  # noqa: E402 - sets DATABASE_URL to the bench database
from harness import ServerCpu  # noqa: E402

DATABASE = analysis.BENCH_DATABASE.rsplit("/", 1)[1]


def municipal_model():
    """The per-municipality report model if this code has it (it is being added), else None."""
    try:
        from surveys.models.analytics import MunicipalReport
    except ImportError:
        return None
    return MunicipalReport


def procfile_command(process: str) -> str:
    """The command deploy/Procfile gives a process type, so the bench runs what the deployment runs."""
    for line in (ROOT / "deploy" / "Procfile").read_text().splitlines():
        if line.startswith(f"{process}:"):
            return line.split(":", 1)[1].strip()
    raise SystemExit(f"deploy/Procfile has no {process!r} process.")


def start(process: str) -> subprocess.Popen:
    LOGS.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(ROOT),
        "WORKER_CONCURRENCY": CONCURRENCY,
        "PORT": "1",
    }
    return subprocess.Popen(
        ["sh", "-c", f"exec {procfile_command(process)}"],  # exec: the pid is celery's own
        cwd=ROOT,
        env=env,
        stdout=(LOGS / f"{process}.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    process.terminate()  # warm shutdown: a worker finishes its task first
    try:
        process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def prepare(survey, municipal) -> None:
    """The round open again with its answers, and no reports of it: as it was the moment before closing."""
    from operations.models import OutboxTask
    from surveys.models import Survey
    from surveys.models.analytics import AnalysisReport
    from surveys.services.rounds import survey_open

    AnalysisReport.objects.filter(survey=survey).delete()
    if municipal is not None:
        municipal.objects.filter(survey=survey).delete()
    OutboxTask.objects.all().delete()
    if survey.status != Survey.Status.OPEN:
        survey_open(survey=survey)
    subprocess.run(["redis-cli", "-u", REDIS, "flushdb"], check=True, stdout=subprocess.DEVNULL)


@dataclass
class Job:
    """One report row as the poll saw it: seconds after close when first seen running and when done."""

    label: str
    status: str = "queued"
    running: float | None = None
    done: float | None = None
    pages: int | None = None
    load: float | None = None  # one-minute load average when it was seen done
    failure: str = ""

    @property
    def build(self) -> float | None:
        return None if self.running is None or self.done is None else self.done - self.running


def poll(rows, jobs: dict, closed_at, now: float, labels):
    """Updates `jobs` (pk -> Job) from the rows of one model, `now` seconds after close; yields
    the jobs that finished since the last poll."""
    for row in rows:
        job = jobs.setdefault(row["pk"], Job(labels(row)))
        if row["status"] != "queued" and job.running is None:
            job.running = now
        if row["status"] in ("done", "failed") and job.done is None:
            job.status, job.pages, job.failure = row["status"], row["page_count"], row["failure_message"]
            job.done = (row["finished_at"] - closed_at).total_seconds()
            job.running = min(job.running, job.done)
            job.load = os.getloadavg()[0]
            yield job
        elif job.done is None:
            job.status = row["status"]


def run(timeout: float) -> list[str]:
    from django.db import connection
    from django.utils import timezone

    from config.celery import ping
    from municipalities.selectors import region_scheme_active
    from surveys.analytics.dataset import round_data_load
    from surveys.models import Survey
    from surveys.models.analytics import AnalysisReport
    from surveys.services.rounds import survey_close

    survey = Survey.objects.get(year=analysis.YEARS[-1])
    municipal = municipal_model()
    prepare(survey, municipal)
    scheme = region_scheme_active()
    expected_area = 1 + (scheme.regions.count() if scheme else 0)
    data = round_data_load(survey=survey)
    units, responding = len(data.units), len(data.respondents())
    del data
    print(
        f"Round {survey.year}: {units} units, {responding} responding; open again, no reports. "
        f"Starting the worker (concurrency {CONCURRENCY}) and beat from deploy/Procfile; output in {LOGS}",
        flush=True,
    )
    worker, beat = start("worker"), start("beat")
    try:
        if ping.delay().get(timeout=180) != "pong":
            raise SystemExit("The Celery worker did not answer.")
        time.sleep(2)  # the pool's processes up and idle, beat's first tick past
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            own_backend = cursor.fetchone()[0]  # this process's polling is not the worker's work
        meter = ServerCpu(DATABASE, {worker.pid: "worker", beat.pid: "beat"})

        def snapshot() -> dict:
            readings = meter.snapshot()
            readings.pop(own_backend, None)
            return readings

        cpu_before = snapshot()
        seen = dict(cpu_before)
        load_before = os.getloadavg()
        closed_at = timezone.now()
        started = time.perf_counter()
        survey_close(survey=survey)
        print(f"Closed the round at {closed_at:%H:%M:%S} UTC; waiting for the reports …", flush=True)
        area_jobs: dict[int, Job] = {}
        municipal_jobs: dict[int, Job] = {}
        peak_load, last_sample, quiet_since, shown = 0.0, 0.0, None, 0
        fields = ("pk", "status", "finished_at", "page_count", "failure_message")
        while True:
            now = time.perf_counter() - started
            rows = AnalysisReport.objects.filter(survey=survey).values(*fields, "region__name")
            for job in poll(rows, area_jobs, closed_at, now, lambda row: row["region__name"] or "national"):
                pages = f"{job.pages} pages" if job.pages else job.failure[:200]
                print(f"  {job.done:6.1f} s  {job.label}: {job.status} ({pages}), load {job.load:.2f}", flush=True)
            if municipal is not None:
                rows = municipal.objects.filter(survey=survey).values(*fields, "municipality__name")
                for job in poll(rows, municipal_jobs, closed_at, now, lambda row: row["municipality__name"]):
                    if job.status != "done":
                        print(f"  {job.done:6.1f} s  municipal {job.label}: {job.status} {job.failure[:200]}")
                finished = sum(job.done is not None for job in municipal_jobs.values())
                if finished >= shown + 25:
                    shown = finished - finished % 25
                    print(f"  {now:6.1f} s  municipal reports finished: {finished}", flush=True)
            if now - last_sample >= 1:
                seen.update(snapshot())  # backends are sampled while they live
                peak_load, last_sample = max(peak_load, os.getloadavg()[0]), now
            area_finished = len(area_jobs) >= expected_area and all(j.done is not None for j in area_jobs.values())
            municipal_finished = municipal is None or (
                municipal_jobs and all(j.done is not None for j in municipal_jobs.values())
            )
            if area_finished and municipal_finished:
                # Every municipal row there is, is done: finished if all responding units have one,
                # or if no new row has come for 30 s (fewer units than expected get one).
                if municipal is None or len(municipal_jobs) >= responding:
                    break
                quiet_since = quiet_since or now
                if now - quiet_since > 30:
                    break
            else:
                quiet_since = None
            if now > timeout:
                print(f"Timed out after {timeout:.0f} s.", file=sys.stderr)
                break
            time.sleep(POLL)
        wall = time.perf_counter() - started
        seen.update(snapshot())
        load_after = os.getloadavg()
    finally:
        stop(worker)
        stop(beat)
    cpu = ServerCpu.used(cpu_before, seen)
    return results(
        survey, units, responding, area_jobs, municipal, municipal_jobs, wall, cpu, load_before, load_after, peak_load
    )


def results(survey, units, responding, area_jobs, municipal, municipal_jobs, wall, cpu, before, after, peak):
    jobs = sorted(area_jobs.values(), key=lambda job: (job.label != "national", job.done or 1e9))
    national = next((job for job in jobs if job.label == "national"), None)
    regional = [job for job in jobs if job.label != "national"]
    done = [job for job in jobs if job.status == "done"]
    last = max((job.done for job in jobs if job.done is not None), default=None)
    met = last is not None and len(done) == len(jobs) and last <= TARGET_NATIONAL_REGIONAL

    def seconds(value: float | None) -> str:
        return "–" if value is None else f"{value:.1f} s"

    lines = [
        f"### Run {stamp()} (`.venv/bin/python bench/reports.py`)",
        "",
        f"Data: bench/analysis.py's database, {len(analysis.YEARS)} rounds ({analysis.YEARS[0]}–{analysis.YEARS[-1]}) "
        f"of 150 questions; the {survey.year} round of {units} units ({responding} responding) opened again and "
        f"closed with `survey_close`. Worker and beat as deploy/Procfile runs them: `celery -A config worker "
        f"--concurrency={CONCURRENCY}` (prefork) and `celery -A config beat`, Redis and PostgreSQL on 127.0.0.1, "
        f"all on this machine's {os.cpu_count()} shared cores. Load average (1, 5, 15 min) at close "
        f"{before[0]:.2f} / {before[1]:.2f} / {before[2]:.2f}, at the end {after[0]:.2f} / {after[1]:.2f} / "
        f"{after[2]:.2f}, highest 1-min reading during the run {peak:.2f}.",
        "",
        "| report | pages | running from | done at | build | load at done |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for job in jobs:
        pages = job.pages if job.status == "done" else f"**{job.status}**"
        lines.append(
            f"| {job.label} | {pages} | {seconds(job.running)} | {seconds(job.done)} | {seconds(job.build)} | "
            f"{'–' if job.load is None else f'{job.load:.2f}'} |"
        )
    regional_last = max((job.done for job in regional if job.done is not None), default=None)
    lines += [
        "",
        f'Times are seconds after `survey_close` was called; "running from" is when the poll (every {POLL} s) '
        'first saw the row running, "build" from then to `finished_at`.',
        "",
        f"- National report done after **{seconds(national.done if national else None)}**; the last of the "
        f"{len(regional)} regional reports after **{seconds(regional_last)}**; all {len(done)} of {len(jobs)} "
        f"done: national and regional within {TARGET_NATIONAL_REGIONAL} s of closing: "
        f"{'**yes**' if met else '**no**'}.",
    ]
    if municipal is None:
        lines.append("- Municipal reports: this code has no `MunicipalReport` model yet; not measured.")
    else:
        finished = [job for job in municipal_jobs.values() if job.done is not None]
        ok = [job for job in finished if job.status == "done"]
        times = sorted(job.done for job in finished)
        builds = [job.build for job in ok if job.build is not None]
        pages = [job.pages for job in ok if job.pages]
        municipal_met = len(ok) >= responding and times and times[-1] <= TARGET_MUNICIPAL
        lines.append(
            f"- Municipal reports: {len(municipal_jobs)} rows for {responding} responding units, {len(ok)} done, "
            f"{len(finished) - len(ok)} failed; first done after {seconds(times[0] if times else None)}, last after "
            f"**{seconds(times[-1] if times else None)}**; median build {seconds(statistics.median(builds) if builds else None)}"
            f" per report; pages {min(pages, default=0)}–{max(pages, default=0)}; every municipal report within "
            f"{TARGET_MUNICIPAL // 60} minutes: {'**yes**' if municipal_met else '**no**'}."
        )
    busy = cpu.get("worker", 0) + cpu.get("db", 0) + cpu.get("beat", 0)
    lines += [
        f"- CPU from close to the last report ({wall:.1f} s of wall time): worker {cpu.get('worker', 0):.1f} s, its "
        f"PostgreSQL backends {cpu.get('db', 0):.1f} s, beat {cpu.get('beat', 0):.1f} s; together "
        f"{busy / wall:.2f} cores busy on average out of {os.cpu_count()}.",
        "",
    ]
    return lines


def split(regions: list[str]) -> list[str]:
    """Where one report's build goes, in this process (CPU seconds, one run each): loading the round,
    the context (of which the time series), the HTML, and WeasyPrint's parse, cascade, layout and
    drawing; for the national report and the given regions."""
    import weasyprint.document
    from django.template.loader import render_to_string
    from django.utils import translation
    from weasyprint import HTML

    from municipalities.models import Region
    from surveys.analytics import reports
    from surveys.analytics.dataset import round_data_load
    from surveys.models import Survey
    from surveys.pdf import pdf_html

    translation.activate("nb")
    survey = Survey.objects.get(year=analysis.YEARS[-1])
    clock = time.process_time
    spent: dict[str, float] = {}

    def timed(name: str, function):
        def wrapper(*args, **kwargs):
            started = clock()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + clock() - started

        return wrapper

    report_series, cascade = reports.report_series, weasyprint.document.get_all_computed_styles
    reports.report_series = timed("series", report_series)
    weasyprint.document.get_all_computed_styles = timed("cascade", cascade)
    lines = [
        f"### Where a build goes: run {stamp()} (`.venv/bin/python bench/reports.py --split {' '.join(regions)}`)",
        "",
        f"CPU seconds in one process, one run each (the first report also pays the imports and font set-up); "
        f"load average {os.getloadavg()[0]:.2f} at the start.",
        "",
        "| report | load round | context (of which time series) | HTML | WeasyPrint: parse | cascade | layout | "
        "draw and write | total | pages |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    try:
        for name in ["national", *regions]:
            region = None if name == "national" else Region.objects.get(name=name)
            spent.clear()
            started = clock()
            data = round_data_load(survey=survey, region=region)
            loaded = clock()
            context = reports.report_context(survey=survey, region=region, data=data)
            built = clock()
            html = pdf_html(render_to_string("analytics/report_pdf.html", context))
            rendered = clock()
            document = HTML(string=html, base_url=str(ROOT))
            parsed = clock()
            laid_out = document.render()
            paginated = clock()
            laid_out.write_pdf()
            done = clock()
            lines.append(
                f"| {name} | {loaded - started:.2f} | {built - loaded:.2f} ({spent['series']:.2f}) | "
                f"{rendered - built:.2f} | {parsed - rendered:.2f} | {spent['cascade']:.2f} | "
                f"{paginated - parsed - spent['cascade']:.2f} | {done - paginated:.2f} | {done - started:.2f} | "
                f"{len(laid_out.pages)} |"
            )
            print(lines[-1], flush=True)
    finally:
        reports.report_series, weasyprint.document.get_all_computed_styles = report_series, cascade
    return [*lines, ""]


def stamp() -> str:
    return f"{datetime.datetime.now(tz=datetime.UTC):%Y-%m-%d %H:%M} UTC"


def results_append(lines: list[str]) -> None:
    """Adds the run at the end of the "## Reports at close" section (created at the end of the file)."""
    path = analysis.RESULTS
    heading = "## Reports at close"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    block = "\n".join(lines) + "\n"
    if f"\n{heading}\n" not in "\n" + text:
        text = text.rstrip("\n") + f"\n\n{heading}\n\n" + block
    else:
        start = ("\n" + text).index(f"\n{heading}\n")
        following = text.find("\n## ", start + len(heading))
        if following == -1:
            text = text.rstrip("\n") + "\n\n" + block
        else:
            text = text[:following].rstrip("\n") + "\n\n" + block + text[following:]
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-results", action="store_true", help="print, do not append to bench/RESULTS.md")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for the reports (default 900)")
    parser.add_argument(
        "--split",
        nargs="*",
        metavar="REGION",
        help="instead: where the national report's build goes (and the named regions'), in this process",
    )
    args = parser.parse_args()
    analysis.setup()
    from django.db import connection

    from surveys.models import Survey

    if not Survey.objects.exists():
        print("Generating the bench data (once, several minutes) …", flush=True)
        started = time.perf_counter()
        analysis.generate()
        print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    lines = run(args.timeout) if args.split is None else split(args.split)
    print("\n".join(lines))
    if not args.no_results:
        results_append(lines)


if __name__ == "__main__":
    main()
