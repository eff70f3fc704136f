"""The graphic report: response statistics and representativeness first, then every question's
frequencies with N, the rounding note and a chart (and counts by category for coded open answers),
then the time series of the recurring questions, then the net-score ranking. The same context
renders the web page and the PDF."""

import math

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from municipalities.models import Region
from surveys.analytics.charts import Bar, Line, PointsBar, StackedRow, bar_chart, line_chart, points_chart, stacked_bars
from surveys.analytics.dataset import Districts, RoundData, round_data_load
from surveys.analytics.open_answers import CODING_NOTE, QuestionCoding, round_codings
from surveys.analytics.series import Series, SeriesVariable, series_compare_many
from surveys.analytics.statistics import (
    MULTIPLE_NOTE,
    NET_SCORE_NOTE,
    ROUNDING_NOTE,
    NetScoreTable,
    QuestionFrequencies,
    frequencies,
    net_score_tables,
    question_categories,
    representativeness,
    response_statistics,
)
from surveys.models import Item, Question, Survey
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


def series_chart(series: Series, variable: SeriesVariable) -> SafeString | None:
    """A line per year for all respondents (solid) and the panel (dashed): the mean of a scale or a
    number, the share choosing each option of a choice (for yes/no, the share answering yes)."""
    question = series.question
    title = f"{question.code}: {question.text()}" + (f" – {variable.label}" if variable.key else "")
    years = [str(year) for year in series.years]
    panels = [(variable.all, False, _("All respondents"))]
    if variable.panel_size:
        panels.append((variable.panel, True, _("Panel (%(units)s units)") % {"units": variable.panel_size}))
    n_rows = [(_("N"), [point.n for point in variable.all])]
    if variable.panel_size:
        n_rows.append((_("N panel"), [point.n for point in variable.panel]))
    lines: list[Line] = []
    if series.kind in ("scale", "matrix", "number"):
        for points, dashed, label in panels:
            lines.append(Line(label, [point.mean for point in points], 0, dashed))
        if series.kind == "number":
            top = max((value for line in lines for value in line.values if value is not None), default=0)
            y_min, y_max = 0.0, _nice_ceiling(top)
        else:
            values = [point.value for point in question.scale.points.all()]
            y_min, y_max = float(min(values, default=1)), float(max(values, default=4))
        unit = ""
    elif series.kind in ("choice", "multiple"):
        categories = question_categories(question)
        if question.type == question.Type.YES_NO:
            categories = categories[:1]
        for colour, category in enumerate(categories):
            for points, dashed, _label in panels:
                shares = [{c.code: c.percent for c in point.categories}.get(category.code) for point in points]
                name = _("%(answer)s (panel)") % {"answer": category.label} if dashed else category.label
                lines.append(Line(name, shares, colour, dashed))
        y_min, y_max, unit = 0.0, 100.0, " %"
    else:
        return None
    if not any(value is not None for line in lines for value in line.values):
        return None
    return line_chart(
        title=title,
        x_labels=years,
        lines=lines,
        y_min=y_min,
        y_max=y_max,
        unit=unit,
        n_rows=n_rows,
        heading=variable.label if variable.key else "",  # a matrix item; the question is the page's heading
    )


def _nice_ceiling(value: float) -> float:
    """The next round number above a value, for the top of an axis: 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 5, 10) if step * magnitude >= value)


def report_series(*, survey: Survey, region: Region | None, districts: str) -> list[tuple[Series, list]]:
    """The round's recurring series that earlier rounds asked too, each over every round up to this one,
    with a chart per variable. All rounds are loaded once for all series (a fixed number of queries)."""
    codes = list(
        dict.fromkeys(
            Item.objects.filter(
                questionnaire_id=survey.questionnaire_id, question__classification=Question.Classification.RECURRING
            )
            .exclude(question__type=Question.Type.NOTE)
            .order_by("section__position", "position")
            .values_list("question__series", flat=True)
        )
    )
    if not codes:
        return []
    surveys = list(
        Survey.objects.filter(year__lte=survey.year, questionnaire__items__question__series__in=codes)
        .distinct()
        .order_by("year")
    )
    if len(surveys) < 2:
        return []
    result = []
    for series in series_compare_many(series_codes=codes, surveys=surveys, region=region, districts=districts):
        if len(series.years) < 2:
            continue
        charts = [(variable, series_chart(series, variable)) for variable in series.variables]
        result.append((series, charts))
    return result


def net_score_chart(table: NetScoreTable) -> SafeString | None:
    """The items of one question by their points, in rank order."""
    bars = [PointsBar(row.variable.label, row.all.points, row.all.n) for row in table.rows if row.all.n]
    if not bars:
        return None
    title = _("Net score in points: %(question)s") % {"question": f"{table.question.code}: {table.question.text()}"}
    return points_chart(title=title, bars=bars)


def net_score_entries(data: RoundData) -> list[tuple[NetScoreTable, SafeString | None]]:
    return [(table, net_score_chart(table)) for table in net_score_tables(data)]


def frequency_entries(data: RoundData) -> list[tuple[QuestionFrequencies, SafeString | None, QuestionCoding | None]]:
    """Every question's frequencies with its chart and, for a coded open question, its counts by category."""
    codings = {code: coding for code, coding in round_codings(data).items() if coding.categories}
    return [(result, frequency_chart(result), codings.get(result.question.code)) for result in frequencies(data)]


def report_context(*, survey: Survey, region: Region | None = None, data: RoundData | None = None) -> dict:
    data = data or round_data_load(survey=survey, region=region, districts=Districts.APART)
    return {
        "survey": survey,
        "region": region,
        "data": data,
        "rates": response_statistics(data),
        "representativeness": representativeness(data),
        "frequencies": frequency_entries(data),
        "coding_note": CODING_NOTE,
        "net_scores": net_score_entries(data),
        "series": report_series(survey=survey, region=region, districts=data.districts),
        "rounding_note": ROUNDING_NOTE,
        "multiple_note": MULTIPLE_NOTE,
        "net_score_note": NET_SCORE_NOTE,
    }


def report_pdf(*, survey: Survey, region: Region | None = None, context: dict | None = None) -> bytes:
    return pdf_from_template("analytics/report_pdf.html", context or report_context(survey=survey, region=region))
