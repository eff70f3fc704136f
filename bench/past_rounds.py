"""Past-round benchmark: the dry run and the import of a 443-row, 300-column SPSS file (the 428
municipalities and 15 districts of 3 December 2015, 300 coded variables with value labels and a
missing code), each column a new bank question; and the import's SQL queries for 40 rows and 443.

    .venv/bin/python bench/past_rounds.py          (about a minute; needs PostgreSQL)

It makes its own database (survey_bench_past_rounds, dropped and made again), migrates it and
imports the registry, writes the file with tests/past_rounds/files.py, then times reading,
suggesting a mapping, the dry run and the import (the median of `BENCH_REPEATS` runs, default 3;
each import is removed before the next). Results go to stdout and bench/RESULTS.md.
"""

import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = "survey_bench_past_rounds"
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))

os.environ.update(
    DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB}",
    DJANGO_SETTINGS_MODULE="config.settings",
    LOG_LEVEL="WARNING",
)
os.environ.pop("REDIS_URL", None)
sys.path.insert(0, str(ROOT))


def timed(function, **arguments):
    started = time.perf_counter()
    result = function(**arguments)
    return result, time.perf_counter() - started


def main() -> None:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB], check=True)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from municipalities.models import Municipality
    from surveys.models import Answer
    from surveys.past_rounds.dry_run import past_round_plan
    from surveys.past_rounds.matching import mapping_suggest
    from surveys.past_rounds.reading import DataFile, past_round_file_read
    from surveys.past_rounds.services import past_round_import, past_round_remove
    from tests.past_rounds.files import DAY_2015, wide_sav_write

    call_command("migrate", verbosity=0)
    call_command("import_registry", verbosity=0)
    numbers = list(Municipality.objects.valid_on(DAY_2015).order_by("number").values_list("number", flat=True))
    with tempfile.TemporaryDirectory() as directory:
        path = wide_sav_write(Path(directory) / "wide.sav", units=numbers, columns=300)
        content = path.read_bytes()
    reads, suggestions, dry_runs, imports = [], [], [], []
    queries = {}
    for _repeat in range(REPEATS):
        data_file, seconds = timed(past_round_file_read, name="wide.sav", content=content)
        reads.append(seconds)
        mapping, seconds = timed(mapping_suggest, data_file=data_file, year=2015, reference_day=DAY_2015)
        suggestions.append(seconds)
        plan, seconds = timed(past_round_plan, data_file=data_file, mapping=mapping)
        dry_runs.append(seconds)
        assert plan.ok, plan.problems
        with CaptureQueriesContext(connection) as captured:
            survey, seconds = timed(past_round_import, data_file=data_file, mapping=mapping, imported_by=None)
        imports.append(seconds)
        queries[len(data_file.rows)] = len(captured.captured_queries)
        answers = Answer.objects.filter(response__survey=survey).count()
        past_round_remove(survey=survey, removed_by=None)
    small = DataFile(name="small.sav", sha256="0" * 64, columns=data_file.columns, rows=data_file.rows[:40])
    with CaptureQueriesContext(connection) as captured:
        survey = past_round_import(data_file=small, mapping=mapping, imported_by=None)
    queries[40] = len(captured.captured_queries)
    past_round_remove(survey=survey, removed_by=None)

    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0]
    lines = [
        f"### {stamp}: a .sav of {len(data_file.rows)} rows × {len(data_file.columns) - 1} variables "
        f"({len(content) / 1e6:.1f} MB), {answers} answers; median of {REPEATS}, load average {load:.1f}",
        "",
        "| step | time |",
        "|---|---:|",
        f"| read (pyreadstat) | {statistics.median(reads):.2f} s |",
        f"| suggest a mapping (300 new questions) | {statistics.median(suggestions):.2f} s |",
        f"| dry run with its report | {statistics.median(dry_runs):.2f} s |",
        f"| import (dry run included) | {statistics.median(imports):.2f} s |",
        f"| SQL queries of the import, 40 rows / {len(data_file.rows)} rows | {queries[40]} / "
        f"{queries[len(data_file.rows)]} |",
        "",
    ]
    print("\n".join(lines))
    results = ROOT / "bench" / "RESULTS.md"
    text = results.read_text()
    heading = "## Past rounds\n\n"
    if heading not in text:
        text += "\n" + heading
    text = text.replace(heading, heading + "\n".join(lines) + "\n", 1)
    results.write_text(text)
    connection.close()
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)


if __name__ == "__main__":
    main()
