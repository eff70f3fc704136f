"""Renders the national report of the demo data and writes a few of its pages as PNG images to
docs/report-pages/ (pdftoppm from poppler-utils; modest resolution).

    .venv/bin/python scripts/report_pages.py            # a scratch SQLite database under /tmp
    .venv/bin/python scripts/report_pages.py --dpi 50

It builds the demo exactly as `./scripts/run` does (migrate, import_registry, load_demo, on the
embedded SQLite default) in a scratch folder, then builds the national report of last year's closed
round through the same service the Celery task calls. The demo's other round is open with no answers,
so that report has no time series; for the time-series page the script then answers this year's round
in the scratch database as the demo generator does (`demo_responses_generate`), closes it, codes its
advice, and builds this year's national report, whose time-series section compares the two years.
Prints the page count of both PDFs and which pages it kept.
"""

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "report-pages"


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def page_texts(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def first_page(texts: list[str], *needles: str, after: int = 0, last: bool = False) -> int:
    """The first (or last) page, 1-based, at or after `after` whose text holds every needle."""
    found = [n for n, text in enumerate(texts, start=1) if n >= after and all(needle in text for needle in needles)]
    if not found:
        raise LookupError(f"no page with {needles}")
    return found[-1] if last else found[0]


def render(pdf_path: Path, page: int, name: str, dpi: int) -> Path:
    target = OUT / name
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            str(dpi),
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(pdf_path),
            str(target),
        ],
        check=True,
    )
    return target.with_suffix(".png")


def build_national(survey) -> bytes:
    from surveys.analytics.services import analysis_report_build
    from surveys.models.analytics import AnalysisReport

    report = AnalysisReport.objects.create(survey=survey)
    return bytes(analysis_report_build(report=report).pdf)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dpi", type=int, default=50)
    args = parser.parse_args()
    if not shutil.which("pdftoppm"):
        sys.exit("pdftoppm is missing: apt-get install poppler-utils")
    scratch = Path(tempfile.mkdtemp(prefix="report-pages-"))
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env.update(VAR_DIR=str(scratch), DJANGO_SETTINGS_MODULE="config.settings")
    manage("migrate", "--no-input", "-v0", env=env)
    manage("import_registry", env=env)
    manage("load_demo", env=env)

    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.utils import translation

    from surveys.demo import demo_open_answers_code, demo_responses_generate
    from surveys.models import Question, Survey
    from surveys.services.rounds import survey_close

    translation.activate("nb")
    earlier, current = Survey.objects.order_by("year")
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        old.unlink()

    pdf = build_national(earlier)
    pdf_path = scratch / "national-demo.pdf"
    pdf_path.write_bytes(pdf)
    texts = page_texts(pdf)
    matrix = Question.objects.filter(items__questionnaire=earlier.questionnaire_id, type="matrix").order_by("code")
    matrix_code = matrix.values_list("code", flat=True).first()
    pages = {
        "01-response-rate.png": 1,
        "02-representativeness.png": first_page(texts, "Representativitet"),
        "03-matrix-chart.png": first_page(texts, f"{matrix_code}."),
        # the chart follows the table of counts: the last page with a category's label
        "04-advice-by-category.png": first_page(texts, "Kontakt med direktoratet", last=True),
    }
    kept = [render(pdf_path, page, name.removesuffix(".png"), args.dpi) for name, page in pages.items()]
    print(f"Demo national report ({earlier.title}): {len(texts)} pages; kept {pages}")

    # This year's round answered and closed in the scratch database, for a report with two years.
    demo_responses_generate(survey=current, share=0.78)
    survey_close(survey=current)
    demo_open_answers_code(survey=current)
    later = build_national(current)
    later_path = scratch / "national-demo-two-years.pdf"
    later_path.write_bytes(later)
    later_texts = page_texts(later)
    series_page = first_page(later_texts, "Tidsserier")
    kept.append(render(later_path, series_page + 1, "05-time-series", args.dpi))
    print(
        f"Report for {current.title} answered in the scratch database: {len(later_texts)} pages; "
        f"time series from page {series_page}, kept page {series_page + 1}"
    )
    total = sum(path.stat().st_size for path in kept)
    print(f"Wrote {len(kept)} images ({total / 1e6:.2f} MB) to {OUT.relative_to(ROOT)}; scratch folder {scratch}")


if __name__ == "__main__":
    main()
