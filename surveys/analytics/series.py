"""Time series of one question series across rounds, for all respondents and for the panel.

Units are compared through reforms by mapping every unit to its *current* unit along the
registry's successor links (`MunicipalityChange`): a merged municipality is compared with
its predecessors. When a unit was split, it follows the successor with the largest population
(latest profile). When several predecessors of one current unit answered in the same round,
the panel uses the answer of the one with the largest population that year (ties: lowest
number). The panel of a variable is the current units that answered it in every compared round.
"""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from municipalities.models import Municipality, MunicipalityChange, MunicipalityProfile, Region
from surveys.analytics.dataset import Districts, RoundData, Unit, rounds_data_load
from surveys.analytics.statistics import (
    Category,
    NumberSummary,
    VariableDef,
    distribution_of,
    number_summary,
    question_kind,
    question_variables,
    unit_value,
)
from surveys.models import Item, Question, Survey


def current_unit_map() -> dict[int, int]:
    """Every unit id mapped to the id of the current unit it continues as (two queries)."""
    successors: dict[int, list[int]] = {}
    for predecessor_id, successor_id in MunicipalityChange.objects.values_list("predecessor_id", "successor_id"):
        successors.setdefault(predecessor_id, []).append(successor_id)
    population: dict[int, int] = {}
    for municipality_id, people in (
        MunicipalityProfile.objects.filter(population__isnull=False)
        .order_by("year")
        .values_list("municipality_id", "population")
    ):
        population[municipality_id] = people  # the latest year wins
    mapped: dict[int, int] = {}

    def follow(unit_id: int, depth: int = 0) -> int:
        if unit_id in mapped:
            return mapped[unit_id]
        nexts = successors.get(unit_id)
        if not nexts or depth > 20:
            return unit_id
        chosen = max(nexts, key=lambda next_id: (population.get(next_id, 0), -next_id))
        mapped[unit_id] = follow(chosen, depth + 1)
        return mapped[unit_id]

    for unit_id in list(successors):
        follow(unit_id)
    return mapped


@dataclass
class SeriesPoint:
    year: int
    question_code: str
    n: int
    categories: list[Category] = field(default_factory=list)
    mean: float | None = None
    not_relevant: int = 0
    dont_know: int = 0


@dataclass
class SeriesVariable:
    key: str  # the matrix item code, or "" for a one-variable question
    label: str
    all: list[SeriesPoint]
    panel: list[SeriesPoint]
    panel_size: int


@dataclass
class Series:
    series: str
    kind: str
    question: Question  # the latest question of the series
    years: list[int]
    variables: list[SeriesVariable]


def series_surveys(series: str) -> QuerySet[Survey]:
    return Survey.objects.filter(questionnaire__items__question__series=series).order_by("year").distinct()


def _point(question: Question, variable: VariableDef, year: int, values: list[object]) -> SeriesPoint:
    if question.type in (Question.Type.INTEGER, Question.Type.DECIMAL):
        summary: NumberSummary = number_summary(question, values)
        return SeriesPoint(year, question.code, summary.n, summary.distribution, summary.mean)
    if question.type in (Question.Type.SHORT_TEXT, Question.Type.LONG_TEXT):
        return SeriesPoint(year, question.code, sum(1 for value in values if value is not None))
    distribution = distribution_of(question, variable, values)
    return SeriesPoint(
        year,
        question.code,
        distribution.n,
        distribution.categories,
        distribution.mean,
        distribution.not_relevant,
        distribution.dont_know,
    )


def _answered(value: object) -> bool:
    from surveys.services.questionnaires import DONT_KNOW, NOT_RELEVANT

    return value not in (None, NOT_RELEVANT, DONT_KNOW, [DONT_KNOW], [], "")


def series_compare(
    *,
    series: str,
    surveys: list[Survey] | None = None,
    region: Region | None = None,
    districts: str = Districts.APART,
) -> Series:
    """The series in every round that asked it (or the rounds given), for all respondents and for
    the panel."""
    surveys = list(surveys) if surveys is not None else list(series_surveys(series))
    return series_compare_many(series_codes=[series], surveys=surveys, region=region, districts=districts)[0]


def series_compare_many(
    *,
    series_codes: list[str],
    surveys: list[Survey],
    region: Region | None = None,
    districts: str = Districts.APART,
    rounds: list[RoundData] | None = None,
) -> list[Series]:
    """Several series over the given rounds, each round loaded once for all of them (a fixed number
    of queries in all, see `rounds_data_load`, plus two for the reform links). A series no round
    asked is left out."""
    if rounds is None:
        rounds = rounds_data_load(
            surveys=surveys, region=region, districts=districts, series=set(series_codes), respondents_only=True
        )
    to_current = current_unit_map()
    results = []
    for series in series_codes:
        asked = []
        for data in rounds:
            item = next((item for item in data.items if item.question.series == series), None)
            if item is not None:
                asked.append((data, item))
        if asked:
            results.append(_series_of(series, asked, to_current))
    return results


def _series_of(series: str, rounds: list[tuple[RoundData, Item]], to_current: dict[int, int]) -> Series:
    latest = rounds[-1][1].question
    variables = []
    for latest_variable in question_variables(latest):
        all_points: list[SeriesPoint] = []
        per_round: list[dict[int, tuple[Unit, object]]] = []
        for data, item in rounds:
            question = item.question
            variable = _matching_variable(question, latest_variable)
            shown = [unit for unit in data.respondents() if question.code in unit.shown]
            values = [unit_value(unit, question, variable) if variable else None for unit in shown]
            all_points.append(_point(question, variable or latest_variable, data.survey.year, values))
            chosen: dict[int, tuple[Unit, object]] = {}
            for unit, value in zip(shown, values, strict=True):
                if not _answered(value):
                    continue
                current = to_current.get(unit.id, unit.id)
                rival = chosen.get(current)
                if rival is None or _outranks(unit, rival[0]):
                    chosen[current] = (unit, value)
            per_round.append(chosen)
        panel_ids = set.intersection(*(set(chosen) for chosen in per_round)) if per_round else set()
        panel_points = []
        for (data, item), chosen in zip(rounds, per_round, strict=True):
            question = item.question
            variable = _matching_variable(question, latest_variable) or latest_variable
            values = [chosen[current][1] for current in panel_ids]
            panel_points.append(_point(question, variable, data.survey.year, values))
        variables.append(
            SeriesVariable(
                latest_variable.item_code or "", latest_variable.label, all_points, panel_points, len(panel_ids)
            )
        )
    return Series(
        series=series,
        kind=question_kind(latest),
        question=latest,
        years=[data.survey.year for data, _item in rounds],
        variables=variables,
    )


def _matching_variable(question: Question, latest: VariableDef) -> VariableDef | None:
    """The same variable in an earlier question of the series (matrix items match by code)."""
    for variable in question_variables(question):
        if variable.item_code == latest.item_code:
            return variable
    return None


def _outranks(unit: Unit, other: Unit) -> bool:
    return (unit.population or 0, _negated(unit.number)) > (other.population or 0, _negated(other.number))


def _negated(number: str) -> int:
    return -int(number) if number.isdigit() else 0


def current_units(ids: set[int]) -> list[Municipality]:
    return list(Municipality.objects.filter(pk__in=ids).order_by("number"))
