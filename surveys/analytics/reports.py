"""The graphic report, a report with a story: a cover; a summary (the response rate against last year,
the largest changes since last year among recurring questions, the net-score rankings); a method
chapter (field period, reminders and the responses after them, representativeness); the questions in
chapters by theme, each with its table (last year's figures for a recurring question, the whole
country's beside a region's), its chart with N, Oslo's districts apart, its breakdowns by the background
variables chosen for it (surveys.analytics.report_settings), and coded open answers as a chart with
at most three quotes an analyst chose, anonymised unless names are turned on; then the time series and
the net score. A regional report lists the region's units. The same context renders the web
page and the PDF."""

import datetime
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from municipalities.models import Municipality, Region
from surveys.analytics.charts import Bar, Line, PointsBar, StackedRow, bar_chart, line_chart, points_chart, stacked_bars
from surveys.analytics.dataset import Districts, RoundData, round_data_load
from surveys.analytics.open_answers import CODING_NOTE, QuestionCoding, round_codings, unit_codable_text
from surveys.analytics.report_settings import BREAKDOWN_NAMES, QuotedAnswer, ReportSettings, report_settings_load
from surveys.analytics.series import Series, SeriesVariable, series_compare_many
from surveys.analytics.statistics import (
    MULTIPLE_NOTE,
    NET_SCORE_NOTE,
    ROUNDING_NOTE,
    BreakdownTable,
    Dimension,
    NetScoreTable,
    QuestionFrequencies,
    breakdown,
    districts_label,
    frequencies,
    net_score_tables,
    question_categories,
    representativeness,
    response_statistics,
)
from surveys.models import Item, Question, Survey
from surveys.pdf import Pdf, pdf_document


def frequency_chart(result: QuestionFrequencies) -> SafeString | None:
    """Stacked bars for scales and matrices, bars for choices and number distributions, none for texts."""
    title = f"{result.question.code}: {result.question.text()} (N = {result.n})"
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


# --- the story around the figures ------------------------------------------------------------

CHANGES_IN_SUMMARY = 5


@dataclass
class TableRow:
    label: str
    cells: list[object]
    comparison: bool = False  # a row of last year's or the whole country's figures under the round's


@dataclass
class EntryBreakdown:
    """A question by one background variable: a table (a matrix: one per item) with a caption and a
    first column naming the variable."""

    dimension: str
    tables: list[BreakdownTable]

    @property
    def caption(self) -> str:
        return _("By %(name)s") % {"name": BREAKDOWN_NAMES[Dimension(self.dimension)]}

    @property
    def header(self) -> str:
        return capfirst(str(Dimension(self.dimension).label))


@dataclass
class QuestionEntry:
    """One question of the report: its frequencies, the table with its comparisons, its chart, its
    districts, its breakdowns and, for a coded open question, its coding with the chosen quotes."""

    result: QuestionFrequencies
    chart: SafeString | None
    coding: QuestionCoding | None
    head: list[str] = field(default_factory=list)
    rows: list[TableRow] = field(default_factory=list)
    last_year: QuestionFrequencies | None = None
    quotes: list[str] = field(default_factory=list)
    breakdowns: list[EntryBreakdown] = field(default_factory=list)


@dataclass
class Chapter:
    title: str
    entries: list[QuestionEntry]


@dataclass
class Change:
    question: Question
    label: str  # the item and the answer whose share moved
    now: int
    before: int

    @property
    def points(self) -> int:
        return self.now - self.before


def previous_round(survey: Survey) -> Survey | None:
    """Last year's round: the latest earlier round with a questionnaire."""
    return Survey.objects.filter(year__lt=survey.year).exclude(questionnaire=None).order_by("-year", "-pk").first()


def _distribution_of(result: QuestionFrequencies | None, item_code: str | None):
    if result is None:
        return None
    for distribution in result.distributions:
        if distribution.variable.item_code == item_code:
            return distribution
    return None


def _table(entry: QuestionEntry, comparisons: list[tuple[str, QuestionFrequencies | None]]) -> None:
    """The question's table: its own figures, then those of each comparison (the whole country, last
    year) matched by answer code and matrix item code, so a reworded option still lines up."""
    result = entry.result
    if result.kind in ("choice", "multiple") and result.distributions:
        main = result.distributions[0]
        entry.head = [_("Answer"), _("Count"), "%"] + [f"{label} %" for label, _other in comparisons]
        for category in main.categories:
            others = [_percents_of(other, None).get(category.code) for _label, other in comparisons]
            entry.rows.append(TableRow(category.label, [category.count, category.percent, *others]))
        entry.rows.append(TableRow("N", [main.n, "", *[other.n if other else None for _l, other in comparisons]]))
    elif result.kind in ("scale", "matrix") and result.distributions:
        categories = result.distributions[0].categories
        entry.head = [_("Item") if result.kind == "matrix" else "", *[c.label for c in categories], "N"]
        for distribution in result.distributions:
            label = distribution.label if result.kind == "matrix" else "%"
            entry.rows.append(TableRow(label, [*[c.percent for c in distribution.categories], distribution.n]))
            for other_label, other in comparisons:
                match = _distribution_of(other, distribution.variable.item_code)
                if match is None:
                    continue
                by_code = {c.code: c.percent for c in match.categories}
                cells = [by_code.get(c.code) for c in categories] + [match.n]
                entry.rows.append(TableRow(other_label, cells, comparison=True))
    elif result.kind == "number" and result.numbers is not None:
        entry.head = ["", "N", _("Mean"), _("Median")]
        summaries = [(_("This round"), result), *comparisons]
        for label, other in summaries:
            if other is None or other.numbers is None:
                continue
            numbers = other.numbers
            mean = None if numbers.mean is None else round(numbers.mean, 1)
            median = None if numbers.median is None else round(numbers.median, 1)
            entry.rows.append(TableRow(label, [numbers.n, mean, median], comparison=other is not result))


def _percents_of(result: QuestionFrequencies | None, item_code: str | None) -> dict[str, int | None]:
    distribution = _distribution_of(result, item_code)
    return {} if distribution is None else {c.code: c.percent for c in distribution.categories}


def unit_names_pattern() -> re.Pattern:
    """Every name the registry has known (municipalities and districts, before and after reforms),
    as whole words, a genitive -s included ("Bergens"); the longest first, so "Gamle Oslo" goes
    whole before "Oslo"."""
    names = sorted(set(Municipality.objects.values_list("name", flat=True)), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(name) for name in names if name) + r")s?\b")


def anonymised(text: str, names: re.Pattern) -> str:
    return names.sub("[…]", text)


def report_quotes(
    *, question: Question, chosen: list[QuotedAnswer], data: RoundData, with_names: bool, names: re.Pattern | None
) -> list[str]:
    """The quotes an analyst chose for an open question (or the comments on one), in their order:
    only those of the report's units whose text counts. Anonymised (names of units in the text
    replaced; `names` from unit_names_pattern, made here if not given) unless names are on, and then
    each begins with its unit's name. None chosen, none shown: a quote the analyst has not read is not
    published."""
    if not with_names and names is None:
        names = unit_names_pattern()
    by_response = {unit.response_id: unit for unit in data.units if unit.response_id is not None}
    quotes = []
    for quoted in chosen:
        unit = by_response.get(quoted.response_id)
        text = unit_codable_text(unit, question) if unit is not None else ""
        if not text:
            continue
        if with_names:
            quotes.append(f"{unit.name}: {text}")
        else:
            quotes.append(anonymised(text, names))
    return quotes


def largest_changes(entries: list[QuestionEntry]) -> list[Change]:
    """The largest moves since last year among recurring questions: for every variable, the answer
    whose share moved most (in percentage points), largest first."""
    changes = []
    for entry in entries:
        if entry.last_year is None or entry.result.kind not in ("choice", "scale", "matrix", "multiple"):
            continue
        for distribution in entry.result.distributions:
            before = _percents_of(entry.last_year, distribution.variable.item_code)
            moves = [
                (abs(c.percent - before[c.code]), c)
                for c in distribution.categories
                if c.percent is not None and before.get(c.code) is not None
            ]
            if not moves:
                continue
            _size, category = max(moves, key=lambda move: move[0])
            label = category.label if entry.result.kind != "matrix" else f"{distribution.label}: {category.label}"
            changes.append(Change(entry.result.question, label, category.percent, before[category.code]))
    changes.sort(key=lambda change: (-abs(change.points), change.question.code))
    return changes[:CHANGES_IN_SUMMARY]


def report_chapters(
    data: RoundData,
    *,
    previous: RoundData | None,
    national: RoundData | None,
    settings: ReportSettings | None = None,
) -> list[Chapter]:
    """The questions in chapters by theme (the question's theme, else its section's title), in
    questionnaire order, each with its comparisons, its breakdowns and quotes as set for the round
    (loaded when not given)."""
    settings = settings if settings is not None else report_settings_load(survey=data.survey)
    codings = {code: coding for code, coding in round_codings(data).items() if coding.categories}
    last_year = {result.question.series: result for result in frequencies(previous)} if previous else {}
    whole_country = {result.question.code: result for result in frequencies(national)} if national else {}
    names: re.Pattern | None = None
    has_districts = bool(data.district_units())
    regional = data.region is not None
    chapters: dict[str, list[QuestionEntry]] = defaultdict(list)
    for result in frequencies(data):
        question = result.question
        coding = codings.get(question.code)
        entry = QuestionEntry(result, frequency_chart(result), coding)
        if question.classification == Question.Classification.RECURRING:
            entry.last_year = last_year.get(question.series)
        comparisons = []
        if not has_districts:
            result.districts = None  # a region without districts shows no empty districts' table
        if result.districts is not None:  # municipalities and districts apart: the districts beside
            comparisons.append((districts_label(), result.districts))
        if national is not None:
            comparisons.append((_("Whole country"), whole_country.get(question.code)))
        if entry.last_year is not None and previous is not None:
            comparisons.append((str(previous.survey.year), entry.last_year))
        _table(entry, comparisons)
        chosen = settings.quotes.get(question.pk, [])
        if chosen:
            with_names = settings.names_shown(question)
            if names is None and not with_names:
                names = unit_names_pattern()
            entry.quotes = report_quotes(
                question=question, chosen=chosen, data=data, with_names=with_names, names=names
            )
        for dimension in settings.breakdowns_of(question, regional=regional):
            tables = breakdown(data, question_code=question.code, by=dimension)
            entry.breakdowns.append(EntryBreakdown(dimension, tables))
        theme = question.theme or result.item.section.title()
        chapters[theme].append(entry)
    return [Chapter(title, entries) for title, entries in chapters.items()]


@dataclass
class Reminder:
    day: datetime.date
    sent: int
    responses_within_a_week: int


def method_reminders(survey: Survey, data: RoundData) -> list[Reminder]:
    """Reminders sent per day and how many units submitted their first section in the week after."""
    sent: dict[datetime.date, int] = defaultdict(int)
    for moment in survey.dispatches.filter(status="sent", rule__kind="reminder").values_list("sent_at", flat=True):
        sent[moment.date()] += 1
    firsts = [unit.first_submitted for unit in data.units if unit.first_submitted is not None]
    reminders = []
    for day in sorted(sent):
        week = [first for first in firsts if day <= first < day + datetime.timedelta(days=7)]
        reminders.append(Reminder(day, sent[day], len(week)))
    return reminders


def report_context(*, survey: Survey, region: Region | None = None, data: RoundData | None = None) -> dict:
    data = data or round_data_load(survey=survey, region=region, districts=Districts.APART)
    region = data.region if region is None else region
    previous_survey = previous_round(survey)
    previous = (
        round_data_load(survey=previous_survey, region=region, districts=data.districts) if previous_survey else None
    )
    national = round_data_load(survey=survey, districts=data.districts) if region is not None else None
    chapters = report_chapters(data, previous=previous, national=national)
    entries = [entry for chapter in chapters for entry in chapter.entries]
    net_scores = net_score_entries(data)
    return {
        "survey": survey,
        "region": region,
        "data": data,
        "built": datetime.date.today(),
        "rates": response_statistics(data),
        "previous": previous,
        "previous_rates": response_statistics(previous) if previous else None,
        "national_rates": response_statistics(national) if national else None,
        "changes": largest_changes(entries),
        "reminders": method_reminders(survey, data),
        "representativeness": representativeness(data),
        "chapters": chapters,
        "frequencies": [(entry.result, entry.chart, entry.coding) for entry in entries],
        "coding_note": CODING_NOTE,
        "net_scores": net_scores,
        # The time series are the national report's: drawing a hundred line charts takes a third of a
        # report's build (bench/RESULTS.md, "Reports at close"), and seven of them at close would not
        # be ready within a minute. A region's series are on the analysis page's time series.
        "series": report_series(survey=survey, region=region, districts=data.districts) if region is None else [],
        "region_units": sorted(data.units, key=lambda unit: unit.number) if region is not None else [],
        "rounding_note": ROUNDING_NOTE,
        "multiple_note": MULTIPLE_NOTE,
        "net_score_note": NET_SCORE_NOTE,
    }


def report_pdf(*, survey: Survey, region: Region | None = None, context: dict | None = None) -> Pdf:
    return pdf_document("analytics/report_pdf.html", context or report_context(survey=survey, region=region))
