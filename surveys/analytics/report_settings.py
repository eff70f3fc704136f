"""Reads of what the round's reports show of each question: its breakdowns by background
variable and the quotes an analyst chose for a coded open question (surveys.models.analytics:
ReportQuestionSetting, ReportQuote; the writes are in surveys.analytics.services).

The default, for a question nobody has set: the national report breaks a yes/no, single-choice or
scale question down by region (what the report always did), other questions not at all (a matrix
would get a table per item, a multiple choice or a number is rarely read by region); the quotes
carry no names. A regional report shows the chosen breakdowns but the one by region."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy

from surveys.analytics.open_answers import question_is_codable
from surveys.analytics.statistics import TEXT_TYPES
from surveys.models import Item, Question, Survey
from surveys.models.analytics import REPORT_DIMENSIONS, Dimension, ReportQuestionSetting, ReportQuote

DEFAULT_BREAKDOWN_TYPES = (Question.Type.YES_NO, Question.Type.SINGLE_CHOICE, Question.Type.SCALE)
# Each breakdown's name in a caption ("By population size") and a column heading of the settings page.
BREAKDOWN_NAMES = {
    Dimension.REGION: gettext_lazy("region"),
    Dimension.SIZE: gettext_lazy("population size"),
    Dimension.CENTRALITY: gettext_lazy("centrality"),
    Dimension.IMMIGRANT_SHARE: gettext_lazy("immigrant share"),
    Dimension.SETTLES: gettext_lazy("settling refugees"),
    Dimension.PARTNER_SETTLING: gettext_lazy("partner status"),
}


def question_may_be_broken_down(question: Question) -> bool:
    return question.type not in (*TEXT_TYPES, Question.Type.NOTE)


def report_breakdowns_default(question: Question) -> list[str]:
    return [Dimension.REGION.value] if question.type in DEFAULT_BREAKDOWN_TYPES else []


@dataclass
class QuotedAnswer:
    answer_id: int
    response_id: int


@dataclass
class ReportSettings:
    """The round's settings by question id; `quotes` holds the chosen answers in their order."""

    breakdowns: dict[int, list[str]] = field(default_factory=dict)
    with_names: dict[int, bool] = field(default_factory=dict)
    quotes: dict[int, list[QuotedAnswer]] = field(default_factory=dict)

    def breakdowns_of(self, question: Question, *, regional: bool = False) -> list[str]:
        chosen = self.breakdowns.get(question.pk)
        dimensions = report_breakdowns_default(question) if chosen is None else chosen
        if regional:  # a region's units all fall in the region: its table would have one row
            dimensions = [dimension for dimension in dimensions if dimension != Dimension.REGION]
        return dimensions

    def names_shown(self, question: Question) -> bool:
        return self.with_names.get(question.pk, False)


def report_settings_load(*, survey: Survey) -> ReportSettings:
    """Every setting and quote of the round (two queries)."""
    settings = ReportSettings()
    for question_id, breakdowns, with_names in ReportQuestionSetting.objects.filter(survey=survey).values_list(
        "question_id", "breakdowns", "quotes_with_names"
    ):
        settings.breakdowns[question_id] = [dimension for dimension in REPORT_DIMENSIONS if dimension in breakdowns]
        settings.with_names[question_id] = with_names
    quotes = ReportQuote.objects.filter(survey=survey).order_by("question_id", "position")
    for question_id, answer_id, response_id in quotes.values_list("question_id", "answer_id", "answer__response_id"):
        settings.quotes.setdefault(question_id, []).append(QuotedAnswer(answer_id, response_id))
    return settings


@dataclass
class QuestionReportSetting:
    """One row of the settings page."""

    item: Item
    breakdowns: list[str]
    is_default: bool
    may_be_broken_down: bool
    codable: bool
    with_names: bool
    quotes: int

    @property
    def question(self) -> Question:
        return self.item.question


def report_settings_rows(*, survey: Survey) -> list[QuestionReportSetting]:
    """The round's questions in questionnaire order, each with its settings (three queries)."""
    settings = report_settings_load(survey=survey)
    items = (
        Item.objects.filter(questionnaire_id=survey.questionnaire_id)
        .exclude(question__type=Question.Type.NOTE)
        .select_related("question")
        .order_by("section__position", "position")
    )
    rows = []
    for item in items:
        question = item.question
        rows.append(
            QuestionReportSetting(
                item=item,
                breakdowns=settings.breakdowns_of(question),
                is_default=question.pk not in settings.breakdowns,
                may_be_broken_down=question_may_be_broken_down(question),
                codable=question_is_codable(question),
                with_names=settings.names_shown(question),
                quotes=len(settings.quotes.get(question.pk, [])),
            )
        )
    return rows
