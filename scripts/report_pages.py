"""Renders the national and the Nord report of the demo data, and Tromsø's own report, and writes every
page of each as small PNG images to docs/report-pages/ (pdftoppm from poppler-utils; low resolution).

    .venv/bin/python scripts/report_pages.py            # a scratch SQLite database under /tmp
    .venv/bin/python scripts/report_pages.py --dpi 40

It builds the demo exactly as `./scripts/run` does (migrate, import_registry, load_demo, on the
embedded SQLite default) in a scratch folder. So that the reports compare two years, it then answers
this year's round in the scratch database as the demo generator does (`demo_responses_generate`),
closes it, codes its advice, and builds this year's national report and the Nord office's report
through the same service the Celery task calls (municipalities and districts apart, as at close), and
Tromsø's report as the batch task builds every unit's. Prints the page count of each PDF and the first
page of each chapter.
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


def build(survey, region) -> bytes:
    from surveys.analytics.services import analysis_report_build
    from surveys.models.analytics import AnalysisReport

    report = AnalysisReport.objects.create(survey=survey, region=region)
    return bytes(analysis_report_build(report=report).pdf)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dpi", type=int, default=40)
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

    from municipalities.models import Region
    from surveys.demo import demo_open_answers_code, demo_responses_generate
    from surveys.models import Survey
    from surveys.services.rounds import survey_close

    translation.activate("nb")
    current = Survey.objects.order_by("year").last()  # this year's round (earlier ones: the closed and the imported)
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        old.unlink()

    # This year's round answered and closed in the scratch database, for reports with two years.
    answered = tuple(current.responses.values_list("municipality__number", flat=True))  # the demo's third
    demo_responses_generate(survey=current, share=0.78, keep_open=answered)
    survey_close(survey=current)
    demo_open_answers_code(survey=current)
    nord = Region.objects.get(scheme__is_active=True, code="nord")
    kept = []
    for name, region in (("national", None), ("nord", nord)):
        pdf = build(current, region)
        pdf_path = scratch / f"{name}.pdf"
        pdf_path.write_bytes(pdf)
        texts = page_texts(pdf)
        for page in range(1, len(texts) + 1):
            kept.append(render(pdf_path, page, f"{name}-{page:02d}", args.dpi))
        chapters = {}
        for heading in ("Sammendrag", "Metode", "Tidsserier", "Nettoskår", "Enhetene i"):
            try:
                chapters[heading] = first_page(texts, heading, after=2)
            except LookupError:
                continue
        print(f"{name}: {len(texts)} pages; chapters from page {chapters}")
    # One municipality's own report, as the batch task builds every responding unit's at close.
    from municipalities.models import Municipality
    from surveys.analytics.services import municipal_reports_build
    from surveys.models import MunicipalReport

    tromso = Municipality.objects.current().get(number="5501")
    [report] = municipal_reports_build(reports=[MunicipalReport.objects.create(survey=current, municipality=tromso)])
    pdf_path = scratch / "municipal.pdf"
    pdf_path.write_bytes(bytes(report.pdf))
    texts = page_texts(bytes(report.pdf))
    for page in range(1, len(texts) + 1):
        kept.append(render(pdf_path, page, f"municipal-tromso-{page:02d}", args.dpi))
    print(f"municipal (Tromsø): {len(texts)} pages")
    total = sum(path.stat().st_size for path in kept)
    print(f"Wrote {len(kept)} images ({total / 1e6:.2f} MB) to {OUT.relative_to(ROOT)}; scratch folder {scratch}")


if __name__ == "__main__":
    main()
