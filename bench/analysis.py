"""Benchmark of the analysis at full scale: twelve yearly rounds x every unit of the registry in
that year (428 in 2015 down to 372 today) x 150 questions, in a dedicated database.

    .venv/bin/python bench/analysis.py            # generates once, then measures
    .venv/bin/python bench/analysis.py --regenerate

Measures, in one run: full frequencies of one round, one series over twelve years with its panel,
one breakdown by region, the national PDF (context, HTML, WeasyPrint), SQL query counts, and for each
statistic the ratio to one hand-written SQL aggregate over the same answer rows (grouped by the same
dimension); then the export of one round to CSV, XLSX and SAV. Each figure is the median of several
runs, a statistic alternating with its floor, so that a busy moment of a shared machine hits both.
Before timing, the optimised frequencies are checked against a straightforward per-response
computation. Appends a dated block under "## Analysis" in bench/RESULTS.md; the PDF and the exports
are written to bench/out/.

    BENCH_REPEATS=11 .venv/bin/python bench/analysis.py   # more runs per figure (default 7)
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DATABASE = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_analysis")
os.environ["DATABASE_URL"] = BENCH_DATABASE
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

YEARS = list(range(2015, 2027))
REPEATS = int(os.environ.get("BENCH_REPEATS", "7"))
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


def queries_of(function) -> int:
    """The SQL queries one call makes (counted in a separate call, so timing is not disturbed)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured.captured_queries)


def sql_floor(sql: str, params: list):
    """One hand-written SQL aggregate, fetched: the floor a statistic is compared with."""
    from django.db import connection

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    return run


@dataclass
class Timing:
    label: str
    times: list[float]
    queries: int
    floor_times: list[float] | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def floor(self) -> float | None:
        return statistics.median(self.floor_times) if self.floor_times else None

    @property
    def ratio(self) -> float | None:
        return self.median / self.floor if self.floor else None


def measure(label: str, function, floor=None, repeats: int = REPEATS) -> Timing:
    """Runs the statistic and its floor alternately, `repeats` times each after a warm-up call, so a
    busy moment of a shared machine hits both; reports medians."""
    function()
    if floor is not None:
        floor()
    times, floor_times = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
        if floor is not None:
            started = time.perf_counter()
            floor()
            floor_times.append(time.perf_counter() - started)
    return Timing(label, times, queries_of(function), floor_times or None)


def reference_frequencies(survey) -> dict[str, tuple[int, list[int]]]:
    """N and category counts of every choice, scale and matrix variable computed the straightforward way
    (every response's visibility by `questionnaire_visibility`, answers one by one), to check that the
    optimised statistics give identical results at full scale."""
    from surveys.analytics.statistics import question_categories, question_variables
    from surveys.models import Answer, Response, SectionProgress
    from surveys.services.questionnaires import (
        NOT_RELEVANT,
        profile_values,
        questionnaire_load,
        questionnaire_visibility,
    )

    questionnaire = questionnaire_load(survey.questionnaire_id)
    result: dict[str, tuple[int, list[int]]] = {}
    counts: dict[str, list] = {}
    for response in Response.objects.filter(survey=survey).select_related("municipality"):
        submitted = set(
            SectionProgress.objects.filter(response=response, status="submitted").values_list("section_id", flat=True)
        )
        if not submitted:
            continue
        stored = {a.question.code: a.value for a in Answer.objects.filter(response=response).select_related("question")}
        profile = profile_values(municipality=response.municipality, year=survey.year)
        visibility = questionnaire_visibility(questionnaire=questionnaire, profile=profile, answers=stored)
        for section in visibility.sections:
            if section.pk not in submitted:
                continue
            for item in visibility.items[section.pk]:
                question = item.question
                for variable in question_variables(question):
                    categories = [c.code for c in question_categories(question)]
                    if not categories:
                        continue
                    n, tally = counts.setdefault(variable.name, [0, [0] * len(categories)])
                    value = stored.get(question.code)
                    if variable.item_code is not None:
                        value = value.get(variable.item_code) if isinstance(value, dict) else None
                    chosen = value if isinstance(value, list) else [value]
                    known = [categories.index(code) for code in chosen if code in categories and code != NOT_RELEVANT]
                    if known:
                        counts[variable.name][0] += 1
                        for index in known:
                            tally[index] += 1
    for name, (n, tally) in counts.items():
        result[name] = (n, tally)
    return result


def run() -> list[str]:
    import io
    import logging

    from django.db import connection
    from django.template.loader import render_to_string
    from django.utils import translation
    from pypdf import PdfReader
    from weasyprint import HTML

    from municipalities.models import Municipality
    from surveys.analytics.dataset import round_data_load
    from surveys.analytics.exports import export_csv, export_sav, export_table, export_xlsx
    from surveys.analytics.reports import report_context
    from surveys.analytics.series import series_compare
    from surveys.analytics.statistics import breakdown, frequencies
    from surveys.models import Answer, Survey

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    translation.activate("nb")
    connection.force_debug_cursor = False
    survey = Survey.objects.get(year=YEARS[-1])
    rows = Answer.objects.count()
    round_rows = Answer.objects.filter(response__survey=survey).count()
    series_code = "R030"  # a recurring 4-point scale question, in the introduction programme's section

    # Results first: the optimised frequencies against the straightforward computation.
    data = round_data_load(survey=survey)
    results = frequencies(data)
    reference = reference_frequencies(survey)
    ours = {
        d.variable.name: (d.n, [c.count for c in d.categories])
        for r in results
        for d in r.distributions
        if d.categories
    }
    identical = ours == reference
    if not identical:
        different = sorted(name for name in ours.keys() | reference.keys() if ours.get(name) != reference.get(name))
        print(f"RESULTS DIFFER for {len(different)} variables, e.g. {different[:5]}", file=sys.stderr)

    timings = [
        measure(
            f"full frequencies, one round ({len(results)} questions; load + compute)",
            lambda: frequencies(round_data_load(survey=survey)),
            sql_floor(
                "SELECT a.question_id, a.value::text, count(*) FROM surveys_answer a "
                "JOIN surveys_response r ON r.id = a.response_id WHERE r.survey_id = %s GROUP BY 1, 2",
                [survey.pk],
            ),
        ),
        measure("– of which computing from the loaded round", lambda: frequencies(data)),
        measure(
            "one series over twelve years with its panel (load + compute)",
            lambda: series_compare(series=series_code),
            sql_floor(
                "SELECT s.year, a.value::text, count(*) FROM surveys_answer a "
                "JOIN surveys_response r ON r.id = a.response_id JOIN surveys_survey s ON s.id = r.survey_id "
                "JOIN surveys_question q ON q.id = a.question_id WHERE q.series = %s GROUP BY 1, 2",
                [series_code],
            ),
        ),
        measure(
            "one breakdown: a scale question by region (load + compute)",
            lambda: breakdown(
                round_data_load(survey=survey, question_codes={series_code}), question_code=series_code, by="region"
            ),
            # The same dimension as the statistic: the region of the active scheme (a direct membership,
            # else the county's region), per answer value.
            sql_floor(
                "SELECT coalesce(direct.region_id, via_county.region_id), a.value::text, count(*) "
                "FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id "
                "JOIN municipalities_municipality m ON m.id = r.municipality_id "
                "JOIN surveys_question q ON q.id = a.question_id "
                "LEFT JOIN (SELECT rm.municipality_id, rm.region_id FROM municipalities_region_municipalities rm "
                "  JOIN municipalities_region g ON g.id = rm.region_id "
                "  JOIN municipalities_regionscheme s ON s.id = g.scheme_id AND s.is_active) direct "
                "  ON direct.municipality_id = m.id "
                "LEFT JOIN (SELECT rc.county_id, rc.region_id FROM municipalities_region_counties rc "
                "  JOIN municipalities_region g ON g.id = rc.region_id "
                "  JOIN municipalities_regionscheme s ON s.id = g.scheme_id AND s.is_active) via_county "
                "  ON via_county.county_id = m.county_id "
                "WHERE r.survey_id = %s AND q.code = %s GROUP BY 1, 2",
                [survey.pk, series_code],
            ),
        ),
    ]
    series = series_compare(series=series_code)

    # The national PDF: building the context (the round, and every round for the time series), the
    # HTML, and WeasyPrint's layout. No SQL floor is meaningful here (the time is layout, not data);
    # WeasyPrint on the finished HTML is the floor our part is compared with.
    pdf_repeats = max(1, REPEATS // 3)
    context_timing = measure(
        "national report: context (round, net scores, coded answers, time series)",
        lambda: report_context(survey=survey),
        repeats=pdf_repeats,
    )
    context = report_context(survey=survey)
    html = render_to_string("analytics/report_pdf.html", context)
    html_timing = measure(
        "national report: HTML from the context",
        lambda: render_to_string("analytics/report_pdf.html", context),
        repeats=pdf_repeats,
    )
    pdf_timing = measure(
        "national report: WeasyPrint layout of the HTML (the floor)",
        lambda: HTML(string=html, base_url=str(ROOT)).write_pdf(),
        repeats=pdf_repeats,
    )
    pdf = HTML(string=html, base_url=str(ROOT)).write_pdf()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "national-report.pdf").write_bytes(pdf)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)

    exports = []
    table = export_table(data)
    for name, writer in (("CSV", export_csv), ("XLSX", export_xlsx), ("SAV", export_sav)):
        timing = measure(name, lambda writer=writer: writer(export_table(data)), repeats=3)
        body = writer(table)
        (OUT / f"round-{survey.year}.{name.lower()}").write_bytes(body)
        exports.append((name, timing.median, len(body)))

    units = Municipality.objects.valid_on(survey.opens_at.date()).count()
    stamp = datetime.datetime.now(tz=datetime.UTC)
    panel = series.variables[0].panel_size

    def row(timing: Timing) -> str:
        spread = f"{min(timing.times):.3f}–{max(timing.times):.3f}"
        if timing.floor is None:
            return f"| {timing.label} | {timing.median:.3f} s | {spread} | {timing.queries} | | |"
        met = "yes" if timing.ratio <= 2 else "**no**"
        return (
            f"| {timing.label} | {timing.median:.3f} s | {spread} | {timing.queries} | "
            f"{timing.floor * 1000:.1f} ms | {timing.ratio:.1f}× ({met}) |"
        )

    total_pdf = context_timing.median + html_timing.median + pdf_timing.median
    load = os.getloadavg()
    return [
        f"### Run {stamp:%Y-%m-%d %H:%M} UTC (`.venv/bin/python bench/analysis.py`)",
        "",
        f"Data: {len(YEARS)} rounds ({YEARS[0]}–{YEARS[-1]}), 150 questions each (100 recurring, 50 rotating; "
        f"20 matrices of 4 items), the registry's units of each year; {rows:,} answer rows in all, "
        f"{round_rows:,} in {survey.year} ({units} units, {len(data.respondents())} responding). "
        f"PostgreSQL on 127.0.0.1, one process, warm connection, tables analysed. Each figure is the median of "
        f"{REPEATS} runs (the report's of {pdf_repeats}), each statistic alternating with its floor; load average "
        f"at the end {load[0]:.1f} on {os.cpu_count()} cores.",
        "",
        f"Results checked: the frequencies of {survey.year} (N and count of every category of "
        f"{len(reference)} variables) equal a straightforward per-response computation: "
        f"{'**identical**' if identical else '**DIFFERENT**'}.",
        "",
        "| statistic | median | range | SQL queries | floor: one hand-written SQL aggregate | ratio (target ≤ 2×) |",
        "|---|---:|---:|---:|---:|---:|",
        *[row(timing) for timing in timings],
        "",
        f"The series has {len(series.years)} years and a panel of {panel} units.",
        "",
        "| national PDF | median | SQL queries |",
        "|---|---:|---:|",
        f"| context: the round, net scores, coded answers, time series of every recurring question | "
        f"{context_timing.median:.2f} s | {context_timing.queries} |",
        f"| HTML from the context | {html_timing.median:.2f} s | 0 |",
        f"| WeasyPrint layout and PDF ({pages} pages) | {pdf_timing.median:.2f} s | 0 |",
        f"| total, and its ratio to WeasyPrint alone (the floor) | {total_pdf:.2f} s | "
        f"{total_pdf / pdf_timing.median:.2f}× |",
        "",
        f"Export of {survey.year} ({len(table.rows)} rows, one per unit, × {len(table.variables)} variables), table "
        "built from the loaded round and written: "
        + "; ".join(f"{name} {seconds:.2f} s ({size / 1e6:.1f} MB)" for name, seconds, size in exports)
        + ".",
        "",
    ]


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
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as autovacuum keeps them on a live database
    lines = run()
    print("\n".join(lines))
    if not args.no_results:
        results_append(lines)


if __name__ == "__main__":
    main()
