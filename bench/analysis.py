"""Benchmark of the analysis at full scale: twelve yearly rounds x every unit of the registry in
that year (428 in 2015 down to 372 today) x 150 questions, in a dedicated database.

    .venv/bin/python bench/analysis.py            # generates once, then measures
    .venv/bin/python bench/analysis.py --regenerate

Measures, in one run: full frequencies of one round, one series over twelve years with its panel,
one breakdown, the national PDF, SQL query counts, and for each statistic the ratio to one
hand-written SQL aggregate over the same answer rows; then the export of one round to CSV, XLSX
and SAV. Appends a dated block under "## Analysis" in bench/RESULTS.md and renders the PDF's first
pages to PNG in bench/out/ (pdftoppm).
"""

import argparse
import datetime
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DATABASE = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/survey_bench_analysis")
os.environ["DATABASE_URL"] = BENCH_DATABASE
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

YEARS = list(range(2015, 2027))
QUESTIONS = 150
RESPONSE_SHARE = 0.78
OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "RESULTS.md"


def database_ensure() -> None:
    import psycopg

    name = BENCH_DATABASE.rsplit("/", 1)[1]
    admin_url = BENCH_DATABASE.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def setup() -> None:
    database_ensure()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("import_registry", verbosity=0)


# --- generation --------------------------------------------------------------------------


# type, how many of the 150 (recurring ones are the same bank question every year)
PLAN = [
    ("yes_no", 30),
    ("single_choice", 25),
    ("multiple_choice", 15),
    ("scale", 30),
    ("matrix", 20),
    ("integer", 15),
    ("short_text", 15),
]


def generate() -> None:
    from django.db import transaction
    from django.utils import timezone

    from municipalities.models import Municipality, MunicipalityProfile
    from surveys.models import (
        Answer,
        Item,
        MatrixItem,
        Question,
        Questionnaire,
        QuestionOption,
        Response,
        Scale,
        ScalePoint,
        Section,
        SectionProgress,
        Survey,
    )
    from surveys.services.questionnaires import NOT_RELEVANT, questionnaire_load, questionnaire_visibility

    rng = random.Random(2015)
    with transaction.atomic():
        scale = Scale.objects.create(code="bench4", name="Bench 4-point")
        ScalePoint.objects.bulk_create(
            ScalePoint(scale=scale, value=v, code=c, label_nb=label)
            for v, c, label in [(1, "vp", "Svært dårlig"), (2, "p", "Dårlig"), (3, "g", "God"), (4, "vg", "Svært god")]
        )
        points = ["vp", "p", "g", "vg"]

        def question(code: str, kind: str, series: str, classification: str) -> Question:
            q = Question.objects.create(
                code=code,
                series=series,
                classification=classification,
                type=kind,
                text_nb=f"Spørsmål {code} om bosetting og integrering",
                scale=scale if kind in ("scale", "matrix") else None,
                offers_not_relevant=kind in ("scale", "matrix"),
                max_choices=3 if kind == "multiple_choice" else None,
                min_value=0 if kind == "integer" else None,
                max_value=500 if kind == "integer" else None,
            )
            if kind in ("single_choice", "multiple_choice"):
                QuestionOption.objects.bulk_create(
                    QuestionOption(question=q, code=f"o{i}", position=i, label_nb=f"Alternativ {i}")
                    for i in range(1, 6)
                )
            if kind == "matrix":
                MatrixItem.objects.bulk_create(
                    MatrixItem(question=q, code=f"i{i}", position=i, label_nb=f"Del {i}") for i in range(1, 5)
                )
            return q

        # 100 recurring questions shared by all rounds, 50 rotating per round.
        kinds = [kind for kind, count in PLAN for _ in range(count)]
        recurring = [question(f"R{i:03d}", kinds[i], f"R{i:03d}", "recurring") for i in range(100)]
        now = timezone.now()
        for year in YEARS:
            rotating = [question(f"T{year}_{i:02d}", kinds[100 + i], f"T{year}_{i:02d}", "rotating") for i in range(50)]
            questionnaire = Questionnaire.objects.create(title="Kommuneundersøkelsen", year=year)
            chief = Section.objects.create(
                questionnaire=questionnaire, position=1, code="chief", role="chief_executive", title_nb="Leder"
            )
            intro = Section.objects.create(
                questionnaire=questionnaire,
                position=2,
                code="intro",
                role="introduction_programme",
                title_nb="Introduksjonsprogrammet",
                condition="${settles_refugees} = true",
            )
            items = []
            for position, q in enumerate(recurring[:70] + rotating[:30], start=1):
                # every tenth question follows up a yes/no question earlier in the section
                condition = "${R000} = 'yes'" if position % 10 == 0 and position > 1 else ""
                items.append(
                    Item(questionnaire=questionnaire, section=chief, position=position, question=q, condition=condition)
                )
            for position, q in enumerate(recurring[70:] + rotating[30:], start=1):
                items.append(Item(questionnaire=questionnaire, section=intro, position=position, question=q))
            Item.objects.bulk_create(items)
            opens = datetime.datetime(year, 3, 1, 9, tzinfo=datetime.UTC)
            Survey.objects.create(
                year=year,
                title=f"Kommuneundersøkelsen {year}",
                questionnaire=questionnaire,
                opens_at=opens,
                closes_at=opens + datetime.timedelta(days=49),
                status=Survey.Status.CLOSED,
            )

        # Profiles for every unit and year the registry has none for.
        have = set(MunicipalityProfile.objects.values_list("municipality_id", "year"))
        profiles = []
        for unit in Municipality.objects.all():
            for year in YEARS:
                if not unit.is_valid_on(datetime.date(year, 3, 1)) or (unit.pk, year) in have:
                    continue
                profiles.append(
                    MunicipalityProfile(
                        municipality=unit,
                        year=year,
                        population=int(rng.lognormvariate(8.8, 1.2)),
                        centrality_class=rng.randint(1, 6),
                    )
                )
        MunicipalityProfile.objects.bulk_create(profiles, batch_size=2000)
        missing = list(MunicipalityProfile.objects.filter(immigrant_share__isnull=True))
        for profile in missing:
            profile.immigrant_share = round(rng.uniform(2, 30), 1)
            profile.settles_refugees = rng.random() < 0.8
            profile.is_partner = profile.settles_refugees and rng.random() < 0.25
        MunicipalityProfile.objects.bulk_update(
            missing, ["immigrant_share", "settles_refugees", "is_partner"], batch_size=2000
        )

    def value(q: Question) -> object:
        kind = q.type
        if kind == "yes_no":
            return "yes" if rng.random() < 0.6 else "no"
        if kind == "single_choice":
            return f"o{rng.randint(1, 5)}"
        if kind == "multiple_choice":
            return sorted(rng.sample([f"o{i}" for i in range(1, 6)], rng.randint(1, 3)))
        if kind == "scale":
            return NOT_RELEVANT if rng.random() < 0.06 else rng.choices(points, weights=[1, 2, 4, 3])[0]
        if kind == "matrix":
            return {
                f"i{i}": NOT_RELEVANT if rng.random() < 0.06 else rng.choices(points, [1, 2, 4, 3])[0]
                for i in range(1, 5)
            }
        if kind == "integer":
            return rng.randint(0, 500)
        return rng.choice(["Bedre boligtilbud.", "Raskere tilskudd.", "Flere språkkurs.", "Tettere oppfølging."])

    for survey in Survey.objects.order_by("year"):
        questionnaire = questionnaire_load(survey.questionnaire_id)
        day = survey.opens_at.date()
        units = list(Municipality.objects.valid_on(day).order_by("number"))
        profile_of = {
            p.municipality_id: p for p in MunicipalityProfile.objects.filter(year__lte=survey.year).order_by("year")
        }
        with transaction.atomic():
            responders = [unit for unit in units if rng.random() < RESPONSE_SHARE]
            responses = Response.objects.bulk_create(Response(survey=survey, municipality=unit) for unit in responders)
            answers, progress = [], []
            for response, unit in zip(responses, responders, strict=True):
                p = profile_of.get(unit.pk)
                profile = {
                    "kind": unit.kind,
                    "settles_refugees": p.settles_refugees if p else None,
                    "is_partner": p.is_partner if p else None,
                    "population": p.population if p else None,
                    "centrality_class": p.centrality_class if p else None,
                    "immigrant_share": p.immigrant_share if p else None,
                }
                values = {
                    item.question.code: value(item.question)
                    for section in questionnaire.sections.all()
                    for item in section.items.all()
                }
                visibility = questionnaire_visibility(questionnaire=questionnaire, profile=profile, answers=values)
                for section in visibility.sections:
                    if rng.random() < 0.08:
                        continue  # a section left unsubmitted now and then
                    for item in visibility.items[section.pk]:
                        if rng.random() < 0.04:
                            continue  # no answer is forced
                        answers.append(
                            Answer(response=response, question=item.question, value=values[item.question.code])
                        )
                    progress.append(
                        SectionProgress(response=response, section=section, status="submitted", submitted_at=now)
                    )
            Answer.objects.bulk_create(answers, batch_size=5000)
            SectionProgress.objects.bulk_create(progress, batch_size=5000)
        print(f"  {survey.year}: {len(units)} units, {len(responses)} responses, {len(answers)} answers", flush=True)


# --- measurement -------------------------------------------------------------------------


class Measure:
    def __init__(self) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.context = CaptureQueriesContext(connection)

    def __enter__(self) -> "Measure":
        self.context.__enter__()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.started
        self.context.__exit__(*exc)
        self.queries = len(self.context.captured_queries)


def sql_seconds(sql: str, params: list) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(sql, params)
        cursor.fetchall()
        return time.perf_counter() - started


def run() -> list[str]:
    from django.db import connection, reset_queries
    from django.utils import translation

    from municipalities.models import Municipality
    from surveys.analytics.dataset import round_data_load
    from surveys.analytics.exports import export_csv, export_sav, export_table, export_xlsx
    from surveys.analytics.reports import report_context, report_pdf
    from surveys.analytics.series import series_compare
    from surveys.analytics.statistics import breakdown, frequencies
    from surveys.models import Answer, Survey

    translation.activate("nb")
    connection.force_debug_cursor = False
    reset_queries()
    survey = Survey.objects.get(year=YEARS[-1])
    rows = Answer.objects.count()
    round_rows = Answer.objects.filter(response__survey=survey).count()
    lines = []

    # Warm up: connection, imports, template loading.
    round_data_load(survey=survey, question_codes={"R000"})
    sql_seconds("SELECT 1", [])

    freq_sql = sql_seconds(
        "SELECT a.question_id, a.value::text, count(*) FROM surveys_answer a "
        "JOIN surveys_response r ON r.id = a.response_id WHERE r.survey_id = %s GROUP BY 1, 2",
        [survey.pk],
    )
    with Measure() as freq:
        data = round_data_load(survey=survey)
        results = frequencies(data)
    with Measure() as freq_only:
        frequencies(data)

    series_code = "R030"  # a recurring 4-point scale question
    series_sql = sql_seconds(
        "SELECT s.year, a.value::text, count(*) FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id "
        "JOIN surveys_survey s ON s.id = r.survey_id JOIN surveys_question q ON q.id = a.question_id "
        "WHERE q.series = %s GROUP BY 1, 2",
        [series_code],
    )
    with Measure() as series_run:
        series = series_compare(series=series_code)

    breakdown_sql = sql_seconds(
        "SELECT m.county_id, a.value::text, count(*) FROM surveys_answer a "
        "JOIN surveys_response r ON r.id = a.response_id "
        "JOIN municipalities_municipality m ON m.id = r.municipality_id "
        "JOIN surveys_question q ON q.id = a.question_id WHERE r.survey_id = %s AND q.code = %s GROUP BY 1, 2",
        [survey.pk, series_code],
    )
    with Measure() as breakdown_run:
        breakdown_data = round_data_load(survey=survey, question_codes={series_code})
        breakdown(breakdown_data, question_code=series_code, by="region")

    with Measure() as pdf_run:
        pdf = report_pdf(survey=survey, context=report_context(survey=survey, data=data))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "national-report.pdf").write_bytes(pdf)
    import io

    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    pngs = ""
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "70",
                "-f",
                "1",
                "-l",
                "4",
                str(OUT / "national-report.pdf"),
                str(OUT / "report-page"),
            ],
            check=True,
        )
        pngs = ", ".join(sorted(path.name for path in OUT.glob("report-page*.png")))

    with Measure() as table_run:
        table = export_table(data)
    timings = {}
    for name, writer in (("CSV", export_csv), ("XLSX", export_xlsx), ("SAV", export_sav)):
        started = time.perf_counter()
        body = writer(table)
        timings[name] = (time.perf_counter() - started, len(body))
        (OUT / f"round-{survey.year}.{name.lower()}").write_bytes(body)

    units = Municipality.objects.valid_on(survey.opens_at.date()).count()

    def row(label: str, run: Measure, sql: float | None) -> str:
        baseline = f"{sql * 1000:.0f} ms | {run.seconds / sql:.0f}×" if sql else " |"
        return f"| {label} | {run.seconds:.2f} s | {run.queries} | {baseline} |"

    stamp = datetime.datetime.now(tz=datetime.UTC)
    panel = series.variables[0].panel_size
    exports = "; ".join(f"{name} {seconds:.2f} s ({size / 1e6:.1f} MB)" for name, (seconds, size) in timings.items())
    lines += [
        f"### Run {stamp:%Y-%m-%d %H:%M} UTC (`.venv/bin/python bench/analysis.py`)",
        "",
        f"Data: {len(YEARS)} rounds ({YEARS[0]}–{YEARS[-1]}), 150 questions each (100 recurring, 50 rotating; "
        f"20 matrices of 4 items), the registry's units of each year; {rows:,} answer rows in all, "
        f"{round_rows:,} in {survey.year} ({units} units, {len(data.respondents())} responding). "
        "PostgreSQL, one process, warm connection.",
        "",
        "| statistic | time | SQL queries | one hand-written SQL aggregate over the same rows | ratio |",
        "|---|---:|---:|---:|---:|",
        row(f"full frequencies, one round ({len(results)} questions; load + compute)", freq, freq_sql),
        row("– of which computing from the loaded round", freq_only, None),
        row(f"one series over {len(series.years)} years with its panel ({panel} units)", series_run, series_sql),
        row("one breakdown (a scale question by region)", breakdown_run, breakdown_sql),
        row(f"national PDF (WeasyPrint, {pages} pages, from the loaded round)", pdf_run, None),
        "",
        f"Export of {survey.year} ({len(table.rows)} rows × {len(table.variables)} variables): "
        f"building the table {table_run.seconds:.2f} s; {exports}.",
        "",
        "The ratios set the whole path (load the round's answers, profiles and sections, evaluate every "
        "response's conditions, count) against a bare GROUP BY that knows nothing of conditions, N or panels; "
        "most of the difference is the fixed cost of loading, paid once per round (twelve times for the series).",
        "",
        f"The national PDF has {pages} pages; its first pages are rendered to PNG in bench/out/ "
        f"({pngs or 'pdftoppm not installed'}).",
        "",
    ]
    return lines


def results_append(lines: list[str]) -> None:
    """Adds the run at the end of the "## Analysis" section (created at the end of the file if
    missing), leaving the other sections as they are."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    block = "\n".join(lines) + "\n"
    if "\n## Analysis\n" not in "\n" + text:
        text = text.rstrip("\n") + "\n\n## Analysis\n\n" + block
    else:
        start = ("\n" + text).index("\n## Analysis\n")
        following = text.find("\n## ", start + 5)
        if following == -1:
            text = text.rstrip("\n") + "\n\n" + block
        else:
            text = text[:following].rstrip("\n") + "\n\n" + block + text[following:]
    RESULTS.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regenerate", action="store_true", help="drop and regenerate the bench database")
    parser.add_argument("--no-results", action="store_true", help="print, do not append to bench/RESULTS.md")
    args = parser.parse_args()
    if args.regenerate:
        import psycopg

        name = BENCH_DATABASE.rsplit("/", 1)[1]
        with psycopg.connect(BENCH_DATABASE.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
    setup()
    from surveys.models import Survey

    if not Survey.objects.exists():
        print("Generating the bench data (once) ...", flush=True)
        started = time.perf_counter()
        generate()
        print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)
    lines = run()
    print("\n".join(lines))
    if not args.no_results:
        results_append(lines)


if __name__ == "__main__":
    main()
