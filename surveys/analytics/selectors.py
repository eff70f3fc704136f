"""Reads for the analysis pages, exports and reports. Each loads the round once (a fixed
number of queries, see `round_data_load`) and computes in memory."""

from dataclasses import dataclass

from municipalities.models import Region
from surveys.analytics.dataset import Districts, RoundData, round_data_load
from surveys.analytics.series import Series, series_compare
from surveys.analytics.statistics import (
    BreakdownTable,
    NetScoreTable,
    QuestionFrequencies,
    RepresentativenessBlock,
    ResponseStatistics,
    breakdown,
    frequencies,
    net_score_tables,
    representativeness,
    response_statistics,
)
from surveys.models import Item, Question, Survey


@dataclass
class Overview:
    data: RoundData
    rates: ResponseStatistics
    representativeness: list[RepresentativenessBlock]


def analysis_overview(*, survey: Survey, region: Region | None = None, districts: str = Districts.APART) -> Overview:
    data = round_data_load(survey=survey, region=region, districts=districts)
    return Overview(data, response_statistics(data), representativeness(data))


def analysis_frequencies(
    *, survey: Survey, region: Region | None = None, districts: str = Districts.APART
) -> list[QuestionFrequencies]:
    return frequencies(round_data_load(survey=survey, region=region, districts=districts))


def analysis_breakdown(
    *, survey: Survey, question_code: str, by: str, region: Region | None = None, districts: str = Districts.APART
) -> list[BreakdownTable]:
    data = round_data_load(survey=survey, region=region, districts=districts, question_codes={question_code})
    return breakdown(data, question_code=question_code, by=by)


def analysis_net_scores(
    *, survey: Survey, region: Region | None = None, districts: str = Districts.APART
) -> list[NetScoreTable]:
    return net_score_tables(round_data_load(survey=survey, region=region, districts=districts))


def analysis_series(
    *, series: str, region: Region | None = None, districts: str = Districts.APART, up_to_year: int | None = None
) -> Series:
    from surveys.analytics.series import series_surveys

    surveys = series_surveys(series)
    if up_to_year is not None:
        surveys = surveys.filter(year__lte=up_to_year)
    return series_compare(series=series, surveys=list(surveys), region=region, districts=districts)


def analysis_series_choices(*, survey: Survey) -> list[tuple[str, str]]:
    """The series asked in a round, for the series picker: the question's code and text, and the years
    of the rounds up to this one that asked it ("Q06: How satisfied … (2019, 2020, 2026)"). Two queries."""
    items = (
        Item.objects.filter(questionnaire_id=survey.questionnaire_id)
        .exclude(question__type=Question.Type.NOTE)
        .select_related("question")
        .order_by("section__position", "position")
    )
    questions = [item.question for item in items]
    years: dict[str, list[int]] = {}
    for series, year in (
        Item.objects.filter(
            question__series__in=[question.series for question in questions],
            questionnaire__survey__year__lte=survey.year,
        )
        .values_list("question__series", "questionnaire__survey__year")
        .distinct()
        .order_by("questionnaire__survey__year")
    ):
        years.setdefault(series, []).append(year)
    return [
        (
            question.series,
            f"{question.code}: {question.text()} ({', '.join(str(year) for year in years.get(question.series, []))})",
        )
        for question in questions
    ]
