"""Statistics of one round, computed from a loaded `RoundData` (no queries here).

Definitions (see docs/analysis.md):
- percentages are whole numbers rounded half up, so they need not add up to 100;
- N of a question is the number of responding units that were shown it and answered it;
  a unit that a condition hid the question from is not in N ("not asked");
- "not relevant" is counted apart and left out of N, percentages, means and net scores
  of scale and matrix questions; "don't know" (scale, matrix and choice questions) likewise;
- multiple choice: the share of the question's respondents who chose each option;
- the net score of a scale item, in points: the two lowest points count -2 and -1, the two
  highest +1 and +2 (points in between 0; on the survey's four-point scales categories 1 and 4
  weigh 2, categories 2 and 3 weigh 1); negative points are subtracted from positive ones, per
  item, and items are ranked within their question. Points per unit with a scale answer (-2 to
  +2) is a second, normalised column.
"""

import statistics as pystats
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from municipalities.models import Municipality
from surveys.analytics.dataset import Districts, RoundData, Unit
from surveys.models import DONT_KNOW, NOT_RELEVANT, Item, Question
from surveys.models.analytics import Dimension

ROUNDING_NOTE = gettext_lazy("Percentages are rounded to whole numbers and need not add up to 100.")
MULTIPLE_NOTE = gettext_lazy(
    "Share of the respondents to the question; a unit could choose more than one option, "
    "so the percentages may add up to more than 100."
)
NET_SCORE_NOTE = gettext_lazy(
    "Net score in points: the answers in categories 1 and 4 weigh 2 points, those in categories 2 and 3 "
    "weigh 1 point; the negative points are subtracted from the positive ones, per item. The items are "
    "ranked within their question. Points per unit is the net score divided by the number of units with "
    "an answer on the scale (−2 to +2); “not relevant” is left out of both."
)

CHOICE_TYPES = (Question.Type.YES_NO, Question.Type.SINGLE_CHOICE, Question.Type.SCALE)
SCALE_TYPES = (Question.Type.SCALE, Question.Type.MATRIX)
NUMBER_TYPES = (Question.Type.INTEGER, Question.Type.DECIMAL)
TEXT_TYPES = (Question.Type.SHORT_TEXT, Question.Type.LONG_TEXT)


def percent(count: int, total: int) -> int | None:
    """A whole-number percentage, rounded half up (not to even); None when there is no base."""
    if not total:
        return None
    return int((Decimal(100 * count) / Decimal(total)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- groups ---------------------------------------------------------------------------------
# The background variables a table is broken down by are `Dimension` (surveys.models.analytics,
# since a report setting stores them).


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else (_("Yes") if value else _("No"))


def partner_settling_labels() -> tuple[str, str, str]:
    return _("Partner municipality"), _("Other settlement municipality"), _("Does not settle refugees")


def _partner_settling(unit: Unit) -> str | None:
    """The reports compare partner municipalities with the other settlement municipalities."""
    partner, other, not_settling = partner_settling_labels()
    if unit.settles_refugees is None:
        return None
    if not unit.settles_refugees:
        return not_settling
    return partner if unit.is_partner else other


def districts_label() -> str:
    return _("Oslo's districts")


def unknown_label() -> str:
    return _("Unknown")


def group_of(unit: Unit, dimension: str, districts: str) -> str:
    """The group a unit falls in; Oslo's districts form their own group when reported apart, and by
    size always (a district has no size band)."""
    apart = districts == Districts.APART or dimension == Dimension.SIZE
    if apart and unit.is_district and dimension != Dimension.KIND:
        return districts_label()
    value: object = {
        Dimension.REGION: lambda: unit.region,
        Dimension.COUNTY: lambda: unit.county,
        Dimension.KIND: lambda: str(Municipality.Kind(unit.kind).label),
        Dimension.SIZE: lambda: unit.size_band,
        Dimension.CENTRALITY: lambda: unit.centrality_label,
        Dimension.IMMIGRANT_SHARE: lambda: unit.immigrant_band,
        Dimension.SETTLES: lambda: _yes_no(unit.settles_refugees),
        Dimension.PARTNER: lambda: _yes_no(unit.is_partner),
        Dimension.PARTNER_SETTLING: lambda: _partner_settling(unit),
    }[Dimension(dimension)]()
    return unknown_label() if value is None else str(value)


def group_order(data: RoundData, dimension: str) -> list[str]:
    """The groups of a dimension that occur among the round's units, in their natural order
    (so a group whose units did not answer shows as an empty cell)."""
    canonical: list[str] = {
        Dimension.REGION: lambda: [region.name for region in data.regions],
        Dimension.COUNTY: lambda: sorted({unit.county for unit in data.units}),
        Dimension.KIND: lambda: [str(label) for label in Municipality.Kind.labels],
        Dimension.SIZE: lambda: [band.label for band in data.bands.get("population", [])],
        Dimension.CENTRALITY: lambda: [band.label for band in data.bands.get("centrality", [])],
        Dimension.IMMIGRANT_SHARE: lambda: [band.label for band in data.bands.get("immigrant_share", [])],
        Dimension.SETTLES: lambda: [_("Yes"), _("No")],
        Dimension.PARTNER: lambda: [_("Yes"), _("No")],
        Dimension.PARTNER_SETTLING: lambda: list(partner_settling_labels()),
    }[Dimension(dimension)]()
    present = {group_of(unit, dimension, data.districts) for unit in data.units}
    ordered = [group for group in canonical if group in present]
    ordered += sorted(present - set(ordered) - {unknown_label(), districts_label()})
    ordered += [label for label in (districts_label(), unknown_label()) if label in present]
    return ordered


# --- response statistics and representativeness ---------------------------------------------


@dataclass
class RateRow:
    label: str
    units: int
    responded: int
    complete: int

    @property
    def percent(self) -> int | None:
        return percent(self.responded, self.units)

    @property
    def complete_percent(self) -> int | None:
        return percent(self.complete, self.units)


@dataclass
class ResponseStatistics:
    overall: RateRow
    by_region: list[RateRow]
    by_county: list[RateRow]
    by_kind: list[RateRow]
    populations: list[RateRow] = field(default_factory=list)  # municipalities and districts, when apart


def municipalities_label() -> str:
    return _("Municipalities")


def _rate_row(label: str, units: list[Unit]) -> RateRow:
    return RateRow(label, len(units), sum(unit.responded for unit in units), sum(unit.complete for unit in units))


def _rate_rows(data: RoundData, dimension: str) -> list[RateRow]:
    rows = {group: RateRow(group, 0, 0, 0) for group in group_order(data, dimension)}
    for unit in data.units:
        row = rows[group_of(unit, dimension, data.districts)]
        row.units += 1
        row.responded += unit.responded
        row.complete += unit.complete
    return list(rows.values())


def response_statistics(data: RoundData) -> ResponseStatistics:
    """Units, responding units (at least one section submitted) and complete ones (every section
    the unit sees submitted), overall and by region, county and kind."""
    populations = []
    if data.apart:
        populations = [
            _rate_row(municipalities_label(), data.main_units()),
            _rate_row(districts_label(), data.district_units()),
        ]
    return ResponseStatistics(
        overall=_rate_row(_("All units"), data.units),
        by_region=_rate_rows(data, Dimension.REGION),
        by_county=_rate_rows(data, Dimension.COUNTY),
        by_kind=_rate_rows(data, Dimension.KIND),
        populations=populations,
    )


@dataclass
class RepresentativenessRow:
    label: str
    units: int
    units_percent: int | None
    respondents: int
    respondents_percent: int | None


@dataclass
class RepresentativenessBlock:
    dimension: str
    title: str
    rows: list[RepresentativenessRow]


REPRESENTATIVENESS_DIMENSIONS = (Dimension.SIZE, Dimension.CENTRALITY, Dimension.IMMIGRANT_SHARE, Dimension.SETTLES)


def representativeness(data: RoundData) -> list[RepresentativenessBlock]:
    """All units against responding units, count and percent of each, by population band,
    centrality class, immigrant-share band and settling. With districts apart a group's percent is of
    its own population (a municipal band of the municipalities, the districts of the districts)."""
    blocks = []
    respondents = data.respondents()
    districts = districts_label()

    def bases(group: str) -> tuple[int, int]:
        """Units and responding units of the population a group belongs to."""
        if not data.apart:
            return len(data.units), len(respondents)
        units = data.district_units() if group == districts else data.main_units()
        return len(units), sum(unit.responded for unit in units)

    for dimension in REPRESENTATIVENESS_DIMENSIONS:
        all_counts = Counter(group_of(unit, dimension, data.districts) for unit in data.units)
        responding = Counter(group_of(unit, dimension, data.districts) for unit in respondents)
        rows = []
        for group in group_order(data, dimension):
            units, responded = bases(group)
            rows.append(
                RepresentativenessRow(
                    label=group,
                    units=all_counts[group],
                    units_percent=percent(all_counts[group], units),
                    respondents=responding[group],
                    respondents_percent=percent(responding[group], responded),
                )
            )
        blocks.append(RepresentativenessBlock(dimension, str(Dimension(dimension).label), rows))
    return blocks


# --- variables and values -------------------------------------------------------------------


@dataclass
class Category:
    code: str
    label: str
    count: int = 0
    percent: int | None = None
    value: int | None = None  # the scale value, for scale points


@dataclass
class VariableDef:
    """One distribution of a question: the question itself, or one matrix item."""

    name: str  # the export variable name: the question code, or `<code>_<item>`
    label: str
    item_code: str | None = None


def question_variables(question: Question) -> list[VariableDef]:
    if question.type == Question.Type.MATRIX:
        return [
            VariableDef(f"{question.code}_{row.code}", row.label(), row.code) for row in question.matrix_items.all()
        ]
    return [VariableDef(question.code, question.text())]


def question_categories(question: Question) -> list[Category]:
    """The answer categories in order, without "not relevant"."""
    if question.type == Question.Type.YES_NO:
        return [Category("yes", _("Yes")), Category("no", _("No"))]
    if question.has_options:
        return [Category(option.code, option.label()) for option in question.options.all()]
    if question.type in SCALE_TYPES:
        return [Category(point.code, point.label(), value=point.value) for point in question.scale.points.all()]
    return []


def unit_value(unit: Unit, question: Question, variable: VariableDef) -> object:
    value = unit.answers.get(question.code)
    if variable.item_code is not None:
        return value.get(variable.item_code) if isinstance(value, dict) else None
    return value


# --- frequencies ----------------------------------------------------------------------------


@dataclass
class Distribution:
    variable: VariableDef
    n: int
    categories: list[Category]
    not_relevant: int = 0
    mean: float | None = None  # mean scale value, for scale points
    dont_know: int = 0

    @property
    def label(self) -> str:
        return self.variable.label


@dataclass
class NumberSummary:
    n: int
    mean: float | None
    median: float | None
    minimum: float | None
    maximum: float | None
    distribution: list[Category] = field(default_factory=list)


@dataclass
class TextAnswer:
    unit: str
    text: str


@dataclass
class QuestionFrequencies:
    question: Question
    item: Item
    kind: str  # choice, multiple, scale, matrix, number, text
    shown: int  # responding units the question was shown to
    not_asked: int  # responding units a condition hid it from
    distributions: list[Distribution] = field(default_factory=list)
    numbers: NumberSummary | None = None
    texts: list[TextAnswer] = field(default_factory=list)
    districts: "QuestionFrequencies | None" = None  # Oslo's districts, when reported apart

    @property
    def n(self) -> int:
        if self.numbers is not None:
            return self.numbers.n
        if self.kind == "text":
            return len(self.texts)
        return max((d.n for d in self.distributions), default=0)

    @property
    def note(self) -> str:
        return str(MULTIPLE_NOTE if self.kind == "multiple" else ROUNDING_NOTE)


def question_kind(question: Question) -> str:
    if question.type == Question.Type.MULTIPLE_CHOICE:
        return "multiple"
    if question.type == Question.Type.MATRIX:
        return "matrix"
    if question.type == Question.Type.SCALE:
        return "scale"
    if question.type in NUMBER_TYPES:
        return "number"
    if question.type in TEXT_TYPES:
        return "text"
    return "choice"


def distribution_of(question: Question, variable: VariableDef, values: list[object]) -> Distribution:
    """Counts and percents of one variable over the given answers (None = not answered).

    Equal answers are counted together first (a round has hundreds of answers but a few distinct
    values), then each distinct value is classified once."""
    categories = question_categories(question)
    by_code = {category.code: category for category in categories}
    not_relevant = dont_know = 0
    n = 0
    present = [value for value in values if value is not None]
    try:
        counts = Counter(present)  # answers are codes (strings), except multiple choice
    except TypeError:
        counts = Counter(_hashable(value) for value in present)
    for value, weight in counts.items():
        if value == NOT_RELEVANT:
            not_relevant += weight
            continue
        chosen = value if isinstance(value, tuple) else (value,)
        if DONT_KNOW in chosen:  # alone: a multiple choice refuses it with another option
            dont_know += weight
            continue
        known = [code for code in chosen if isinstance(code, str) and code in by_code]
        if not known:
            continue
        n += weight
        for code in known:
            by_code[code].count += weight
    for category in categories:
        category.percent = percent(category.count, n)
    mean = None
    if question.type in SCALE_TYPES and n:
        mean = sum(c.value * c.count for c in categories if c.value is not None) / n
    return Distribution(variable, n, categories, not_relevant, mean, dont_know)


def _hashable(value: object) -> object:
    """A multiple-choice list becomes a tuple (to be counted); other unhashable values a marker
    that matches no category."""
    if isinstance(value, list):
        return tuple(code if isinstance(code, str) else None for code in value)
    if isinstance(value, dict):
        return ()
    return value


def number_summary(question: Question, values: list[object]) -> NumberSummary:
    numbers = sorted(float(v) for v in values if isinstance(v, int | float | str) and _is_number(v))
    if not numbers:
        return NumberSummary(0, None, None, None, None)
    summary = NumberSummary(
        n=len(numbers),
        mean=sum(numbers) / len(numbers),
        median=pystats.median(numbers),
        minimum=numbers[0],
        maximum=numbers[-1],
    )
    summary.distribution = _number_bins(question, numbers)
    return summary


def _is_number(value: object) -> bool:
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return not isinstance(value, bool)


def _number_bins(question: Question, numbers: list[float]) -> list[Category]:
    """Each value when there are at most ten distinct ones, else five equal-width bins
    over the question's range (or the data's)."""
    distinct = sorted(set(numbers))
    if len(distinct) <= 10:
        counts = Counter(numbers)
        return [
            Category(_format_number(value), _format_number(value), counts[value], percent(counts[value], len(numbers)))
            for value in distinct
        ]
    low = float(question.min_value) if question.min_value is not None else numbers[0]
    high = float(question.max_value) if question.max_value is not None else numbers[-1]
    low, high = min(low, numbers[0]), max(high, numbers[-1])
    width = (high - low) / 5 or 1
    bins = []
    for index in range(5):
        start = low + index * width
        end = start + width
        last = index == 4
        count = sum(1 for number in numbers if start <= number < end or (last and number == end))
        label = f"{_format_number(start)}–{_format_number(end)}"
        bins.append(Category(label, label, count, percent(count, len(numbers))))
    return bins


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def question_frequencies(
    data: RoundData, item: Item, units: list[Unit] | None = None, *, shown: int | None = None
) -> QuestionFrequencies:
    """One question's frequencies over the responding units (or the units given). `shown`, the
    number of those units shown the question, may be passed in when counted for all questions at once."""
    question = item.question
    respondents = units if units is not None else data.respondents()
    code = question.code
    if shown is None:
        shown = sum(1 for unit in respondents if code in unit.shown)
    result = QuestionFrequencies(
        question=question,
        item=item,
        kind=question_kind(question),
        shown=shown,
        not_asked=len(respondents) - shown,
    )
    # An answer counts only when the question was shown, so the answers are the shown units' values.
    answered = [(unit, unit.answers[code]) for unit in respondents if code in unit.answers]
    if result.kind == "text":
        result.texts = [TextAnswer(unit.name, str(value)) for unit, value in answered]
    elif result.kind == "number":
        result.numbers = number_summary(question, [value for _unit, value in answered])
    else:
        for variable in question_variables(question):
            if variable.item_code is None:
                values = [value for _unit, value in answered]
            else:
                values = [value.get(variable.item_code) if isinstance(value, dict) else None for _u, value in answered]
            result.distributions.append(distribution_of(question, variable, values))
    return result


def frequencies(data: RoundData) -> list[QuestionFrequencies]:
    """Frequencies of every question of the round, in questionnaire order. With districts apart,
    each question's frequencies are the municipalities', with the districts' beside them."""
    respondents = [unit for unit in data.main_units() if unit.responded]
    shown = Counter(code for unit in respondents for code in unit.shown)
    results = [question_frequencies(data, item, respondents, shown=shown[item.question.code]) for item in data.items]
    if data.apart:
        districts = [unit for unit in data.district_units() if unit.responded]
        for result in results:
            result.districts = question_frequencies(data, result.item, districts)
    return results


# --- breakdowns -----------------------------------------------------------------------------


@dataclass
class BreakdownRow:
    group: str
    units: int  # units of the group in the round
    respondents: int  # responding units of the group
    n: int
    categories: list[Category] = field(default_factory=list)
    mean: float | None = None
    median: float | None = None


@dataclass
class BreakdownTable:
    variable: VariableDef
    columns: list[str]
    rows: list[BreakdownRow]
    total: BreakdownRow


def _breakdown_row(
    group: str, question: Question, variable: VariableDef, units: list[Unit], all_units: int
) -> BreakdownRow:
    respondents = [unit for unit in units if unit.responded]
    shown = [unit for unit in respondents if question.code in unit.shown]
    row = BreakdownRow(group, all_units, len(respondents), 0)
    if question.type in NUMBER_TYPES:
        summary = number_summary(question, [unit.answers.get(question.code) for unit in shown])
        row.n, row.mean, row.median = summary.n, summary.mean, summary.median
    elif question.type in TEXT_TYPES:
        row.n = sum(1 for unit in shown if question.code in unit.answers)
    else:
        distribution = distribution_of(question, variable, [unit_value(unit, question, variable) for unit in shown])
        row.n, row.categories, row.mean = distribution.n, distribution.categories, distribution.mean
    return row


def breakdown(data: RoundData, *, question_code: str, by: str) -> list[BreakdownTable]:
    """A question by a background variable: one row per group with its N (groups whose units
    did not answer are kept, with N 0). A matrix gives one table per item."""
    question = data.item(question_code).question
    groups: dict[str, list[Unit]] = defaultdict(list)
    for unit in data.units:
        groups[group_of(unit, by, data.districts)].append(unit)
    tables = []
    for variable in question_variables(question):
        columns = [category.label for category in question_categories(question)]
        rows = [
            _breakdown_row(group, question, variable, groups[group], len(groups[group]))
            for group in group_order(data, by)
        ]
        main = data.main_units()
        label = _("All municipalities") if data.apart else _("All")
        total = _breakdown_row(label, question, variable, main, len(main))
        tables.append(BreakdownTable(variable, columns, rows, total))
    return tables


# --- net score ---------------------------------------------------------------------------


@dataclass
class NetScore:
    """One scale item's net score over one population of units."""

    question_code: str
    variable: VariableDef
    n: int = 0  # units with a scale answer ("not relevant" and "don't know" left out)
    positive: int = 0  # positive points
    negative: int = 0  # negative points, as a positive number
    not_relevant: int = 0
    dont_know: int = 0

    @property
    def points(self) -> int | None:
        """Positive points minus negative points: the net score as the survey's reports give it."""
        return None if not self.n else self.positive - self.negative

    @property
    def per_unit(self) -> float | None:
        """The normalised variant: points per unit with a scale answer, from -2 to +2."""
        return None if not self.n else (self.positive - self.negative) / self.n


def scale_weights(question: Question) -> dict[str, int]:
    """The two lowest points weigh -2 and -1, the two highest +1 and +2 (on the survey's four-point
    scales: categories 1 and 4 weigh 2, categories 2 and 3 weigh 1); needs four points or more."""
    points = [point.code for point in question.scale.points.all()]
    if len(points) < 4:
        return {}
    weights = dict.fromkeys(points, 0)
    weights.update({points[0]: -2, points[1]: -1, points[-2]: 1, points[-1]: 2})
    return weights


def _net_score(question: Question, variable: VariableDef, weights: dict[str, int], units: list[Unit]) -> NetScore:
    score = NetScore(question.code, variable)
    for unit in units:
        if question.code not in unit.shown:
            continue
        value = unit_value(unit, question, variable)
        if value == NOT_RELEVANT:
            score.not_relevant += 1
        elif value == DONT_KNOW:
            score.dont_know += 1
        elif value in weights:
            score.n += 1
            weight = weights[value]
            if weight > 0:
                score.positive += weight
            else:
                score.negative -= weight
    return score


def is_partner(unit: Unit) -> bool:
    return unit.settles_refugees is True and unit.is_partner is True


def is_other_settling(unit: Unit) -> bool:
    return unit.settles_refugees is True and unit.is_partner is not True


@dataclass
class NetScoreRow:
    """One item of a question: its rank within the question (by the points of all units in the
    table's population; equal points share a rank) and its score for each population."""

    variable: VariableDef
    rank: int | None
    all: NetScore
    partner: NetScore
    others: NetScore
    districts: NetScore | None  # Oslo's districts, when reported apart


@dataclass
class NetScoreTable:
    question: Question
    rows: list[NetScoreRow]


def net_score_tables(data: RoundData) -> list[NetScoreTable]:
    """The net score of every item of every scale or matrix question with four points or more,
    one table per question with its items ranked by points (best first).

    This is the one computation of the net score: pages, reports and exports read it. The
    populations follow the round's convention for Oslo's districts: reported apart, the main
    columns are the municipalities and the districts get a column of their own (so a partner
    district is never counted among partner municipalities); left out or only districts, the
    main columns are the units loaded."""
    main = [unit for unit in data.main_units() if unit.responded]
    partner = [unit for unit in main if is_partner(unit)]
    others = [unit for unit in main if is_other_settling(unit)]
    districts = [unit for unit in data.district_units() if unit.responded] if data.apart else None
    tables = []
    for item in data.items:
        question = item.question
        if question.type not in SCALE_TYPES:
            continue
        weights = scale_weights(question)
        if not weights:
            continue
        rows = [
            NetScoreRow(
                variable=variable,
                rank=None,
                all=_net_score(question, variable, weights, main),
                partner=_net_score(question, variable, weights, partner),
                others=_net_score(question, variable, weights, others),
                districts=None if districts is None else _net_score(question, variable, weights, districts),
            )
            for variable in question_variables(question)
        ]
        rows.sort(key=lambda row: (row.all.points is None, -(row.all.points or 0)))  # stable: item order on ties
        for index, row in enumerate(rows):
            if row.all.points is None:
                continue
            previous = rows[index - 1] if index else None
            same = previous is not None and previous.all.points == row.all.points
            row.rank = previous.rank if same else index + 1
        tables.append(NetScoreTable(question, rows))
    return tables
