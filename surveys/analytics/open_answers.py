"""Reads of coded open answers: the categories of a question with their counts (the reports'
"advice by category") and the answers with their categories.

Only answers that count are listed and counted (see dataset.py: shown, section submitted, in the
scope's units); N is the number of such answers with text, and a category's percentage is its share
of them (an answer may have several categories, so the percentages may add up to more than 100)."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.analytics.charts import Bar, bar_chart
from surveys.analytics.dataset import RoundData, Unit
from surveys.analytics.statistics import TEXT_TYPES, percent
from surveys.models import Answer, Item, Question
from surveys.models.analytics import OpenAnswerCategory, OpenAnswerTag


def question_is_codable(question: Question) -> bool:
    """Text questions are coded on their answer, other questions with a comment box on the comment."""
    return question.type in (Question.Type.SHORT_TEXT, Question.Type.LONG_TEXT) or question.has_comment


def answer_codable_text(answer: Answer) -> str:
    """The text that is coded: the answer itself for a text question, else its comment."""
    if answer.question.type in (Question.Type.SHORT_TEXT, Question.Type.LONG_TEXT):
        return "" if answer.value is None else str(answer.value).strip()
    return answer.comment.strip()


CODING_NOTE = gettext_lazy(
    "Share of the open answers; an answer can have several categories, so the percentages may add up to more than 100."
)


@dataclass
class CategoryCount:
    category: OpenAnswerCategory
    count: int = 0
    percent: int | None = None


@dataclass
class CodedAnswer:
    answer_id: int
    unit: Unit
    text: str
    category_ids: set[int] = field(default_factory=set)
    quote_position: int | None = None  # its place among the report's quotes (from 1), if chosen


@dataclass
class QuestionCoding:
    item: Item
    n: int  # answers that count and have text
    coded: int  # of which with at least one category
    categories: list[CategoryCount]
    answers: list[CodedAnswer] = field(default_factory=list)

    @property
    def question(self) -> Question:
        return self.item.question

    @property
    def codes_comments(self) -> bool:
        return self.item.question.type not in TEXT_TYPES

    def chart(self) -> SafeString | None:
        if not self.categories:
            return None
        title = _("%(code)s: answers by category (N %(n)s)") % {"code": self.question.code, "n": self.n}
        return bar_chart(title=title, bars=[Bar(c.category.label(), c.percent, c.count) for c in self.categories])


def codable_items(data: RoundData) -> list[Item]:
    return [item for item in data.items if question_is_codable(item.question)]


def unit_codable_text(unit: Unit, question: Question) -> str:
    """The unit's text that counts for coding: the answer of a text question, else the comment."""
    if question.type in TEXT_TYPES:
        value = unit.answers.get(question.code)
        return "" if value is None else str(value).strip()
    return unit.comments.get(question.code, "").strip()


def round_codings(data: RoundData) -> dict[str, QuestionCoding]:
    """Counts per category of every codable question of the round (two queries), by question code.
    Questions without categories are included with an empty list."""
    items = codable_items(data)
    by_question = {item.question_id: item for item in items}
    categories: dict[int, list[OpenAnswerCategory]] = defaultdict(list)
    for category in OpenAnswerCategory.objects.filter(question_id__in=list(by_question)).order_by("position", "pk"):
        categories[category.question_id].append(category)
    by_response = {unit.response_id: unit for unit in data.units if unit.response_id is not None}
    tagged: dict[tuple[int, int], set[int]] = defaultdict(set)  # (response, question) -> categories
    for response_id, question_id, category_id in (
        OpenAnswerTag.objects.filter(
            answer__response__survey_id=data.survey.pk, answer__question_id__in=list(by_question)
        )
        .order_by()
        .values_list("answer__response_id", "answer__question_id", "category_id")
    ):
        tagged[(response_id, question_id)].add(category_id)
    codings = {}
    for item in items:
        question = item.question
        counts = [CategoryCount(category) for category in categories[question.pk]]
        by_id = {count.category.pk: count for count in counts}
        n = coded = 0
        for response_id, unit in by_response.items():
            if not unit_codable_text(unit, question):
                continue
            n += 1
            chosen = tagged.get((response_id, question.pk), set()) & by_id.keys()
            coded += bool(chosen)
            for category_id in chosen:
                by_id[category_id].count += 1
        for count in counts:
            count.percent = percent(count.count, n)
        codings[question.code] = QuestionCoding(item, n, coded, counts)
    return codings


def question_coding(data: RoundData, *, question_code: str) -> QuestionCoding:
    """One question's categories with counts and every answer that counts with its categories, in
    the units' order: three queries whatever the number of answers."""
    item = data.item(question_code)
    question = item.question
    categories = list(OpenAnswerCategory.objects.filter(question=question).order_by("position", "pk"))
    counts = [CategoryCount(category) for category in categories]
    by_id = {count.category.pk: count for count in counts}
    answer_ids = dict(
        Answer.objects.filter(response__survey_id=data.survey.pk, question=question)
        .order_by()
        .values_list("response_id", "pk")
    )
    tags: dict[int, set[int]] = defaultdict(set)
    for answer_id, category_id in (
        OpenAnswerTag.objects.filter(answer__response__survey_id=data.survey.pk, answer__question=question)
        .order_by()
        .values_list("answer_id", "category_id")
    ):
        tags[answer_id].add(category_id)
    answers = []
    for unit in data.units:
        text = unit_codable_text(unit, question) if unit.response_id in answer_ids else ""
        if not text:
            continue
        answer_id = answer_ids[unit.response_id]
        chosen = tags.get(answer_id, set()) & by_id.keys()
        answers.append(CodedAnswer(answer_id, unit, text, chosen))
        for category_id in chosen:
            by_id[category_id].count += 1
    for count in counts:
        count.percent = percent(count.count, len(answers))
    coded = sum(1 for answer in answers if answer.category_ids)
    return QuestionCoding(item, len(answers), coded, counts, answers)
