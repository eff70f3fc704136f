"""The graphic report: response statistics and representativeness first, then every question's
frequencies with N, the rounding note and a chart, then the net-score ranking. The same context
renders the web page and the PDF."""

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from municipalities.models import Region
from surveys.analytics.charts import Bar, StackedRow, bar_chart, stacked_bars
from surveys.analytics.dataset import Districts, RoundData, round_data_load
from surveys.analytics.open_answers import CODING_NOTE, QuestionCoding, round_codings
from surveys.analytics.statistics import (
    MULTIPLE_NOTE,
    NET_SCORE_NOTE,
    ROUNDING_NOTE,
    NetScore,
    QuestionFrequencies,
    frequencies,
    net_scores,
    representativeness,
    response_statistics,
)
from surveys.models import Survey
from surveys.pdf import pdf_from_template


def frequency_chart(result: QuestionFrequencies) -> SafeString | None:
    """Stacked bars for scales and matrices, bars for choices and number distributions, none for texts."""
    title = f"{result.question.code}: {result.question.text()}"
    if result.kind in ("scale", "matrix"):
        legend = [category.label for category in result.distributions[0].categories] if result.distributions else []
        rows = [
            StackedRow(d.label if result.kind == "matrix" else _("All"), d.n, [c.percent for c in d.categories])
            for d in result.distributions
        ]
        return stacked_bars(title=title, legend=legend, rows=rows) if rows else None
    if result.kind in ("choice", "multiple") and result.distributions:
        categories = result.distributions[0].categories
        return bar_chart(title=title, bars=[Bar(c.label, c.percent, c.count) for c in categories])
    if result.kind == "number" and result.numbers and result.numbers.n:
        return bar_chart(title=title, bars=[Bar(c.label, c.percent, c.count) for c in result.numbers.distribution])
    return None


def net_score_chart(scores: list[NetScore]) -> SafeString | None:
    rated = [score for score in scores if score.score is not None]
    if not rated:
        return None
    # Shown as bars from 0 to 100 % of the range −2..+2, labelled with the score itself.
    bars = [
        Bar(f"{score.variable.name} ({score.score:+.2f})", round((score.score + 2) * 25), score.n) for score in rated
    ]
    return bar_chart(title=_("Net score"), bars=bars)


def frequency_entries(data: RoundData) -> list[tuple[QuestionFrequencies, SafeString | None, QuestionCoding | None]]:
    """Every question's frequencies with its chart and, for a coded open question, its counts by category."""
    codings = {code: coding for code, coding in round_codings(data).items() if coding.categories}
    return [(result, frequency_chart(result), codings.get(result.question.code)) for result in frequencies(data)]


def report_context(*, survey: Survey, region: Region | None = None, data: RoundData | None = None) -> dict:
    data = data or round_data_load(survey=survey, region=region, districts=Districts.APART)
    scores = net_scores(data)
    return {
        "survey": survey,
        "region": region,
        "data": data,
        "rates": response_statistics(data),
        "representativeness": representativeness(data),
        "frequencies": frequency_entries(data),
        "coding_note": CODING_NOTE,
        "net_scores": scores,
        "net_score_chart": net_score_chart(scores),
        "rounding_note": ROUNDING_NOTE,
        "multiple_note": MULTIPLE_NOTE,
        "net_score_note": NET_SCORE_NOTE,
    }


def report_pdf(*, survey: Survey, region: Region | None = None, context: dict | None = None) -> bytes:
    return pdf_from_template("analytics/report_pdf.html", context or report_context(survey=survey, region=region))
