"""The report of one municipality or district: its own answers beside its region, the whole country
and the units of its size, with its own answers of last year for recurring questions.

A round's comparisons are computed once (`round_comparisons_load`: the round and last year's round
loaded once, every group's frequencies counted once) and every unit's report is read from them
(`municipal_report_context`), so building all 372 reports costs two loads and 372 layouts.

Conventions, the published reports' own:
- municipalities and Oslo's districts are two populations: a municipality is compared with the
  municipalities of its region, of its size band and of the whole country; a district with Oslo's
  districts, the municipalities of its region and of the whole country (a district has no size band);
- only answers that count are shown (a submitted section, a question the unit was shown); a question
  a condition hid from the unit is left out of its report;
- for an answer the comparison is the share of the group's responding units that gave the same
  answer (for each option of a multiple choice, the share that ticked it); for a number, the
  group's median; open answers are the unit's own, without comparison.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from surveys.analytics.dataset import Districts, RoundData, Unit, round_data_load
from surveys.analytics.reports import previous_round
from surveys.analytics.statistics import (
    QuestionFrequencies,
    ResponseStatistics,
    districts_label,
    question_frequencies,
    question_kind,
    question_variables,
    response_statistics,
)
from surveys.answers import answer_display
from surveys.models import DONT_KNOW, NOT_RELEVANT, Question, Survey
from surveys.numbering import question_numbers
from surveys.numbers import number_display
from surveys.pdf import Pdf, pdf_document

COMPARISON_NOTE = gettext_lazy(
    "Beside your answer, each group's column gives the share that gave the same answer among the group's "
    "units that answered the question (those asked it; “don't know” and “not relevant” left out), as in the "
    "national report; for a question with several answers, the share that ticked the option; for a "
    "number, the group's median. N in a column's heading is the number of responding units in the group. "
    "✓ ticked, – not answered. Oslo's districts are counted apart from the municipalities."
)
TICKED = "✓"


@dataclass
class Group:
    """Responding units to compare with, and their frequencies by question code."""

    label: str
    units: list[Unit]
    results: dict[str, QuestionFrequencies] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.units)


@dataclass
class RoundComparisons:
    """What every unit's report of a round is compared with, computed once for all of them."""

    data: RoundData
    previous: RoundData | None
    country: Group
    districts: Group
    regions: dict[int, Group]
    sizes: dict[str, Group]
    numbers: dict[int, int]  # question numbers by question id
    previous_units: dict[int, Unit]
    previous_questions: dict[str, Question]  # last year's questions by series
    rates: ResponseStatistics
    units_by_id: dict[int, Unit] = field(default_factory=dict)

    def unit(self, municipality_id: int) -> Unit | None:
        return self.units_by_id.get(municipality_id)

    def groups_of(self, unit: Unit) -> list[Group]:
        """The unit's comparison groups, in the order of the report's columns."""
        region = self.regions.get(unit.region_id) if unit.region_id is not None else None
        if unit.is_district:
            first = [self.districts]
        else:
            size = self.sizes.get(unit.size_band) if unit.size_band else None
            first = [size] if size else []
        return [group for group in [region, *first, self.country] if group is not None]


def _group(data: RoundData, label: str, units: list[Unit]) -> Group:
    group = Group(label, units)
    group.results = {item.question.code: question_frequencies(data, item, units) for item in data.items}
    return group


def round_comparisons_load(survey: Survey) -> RoundComparisons:
    """The round and last year's round loaded once, and the frequencies of every comparison group."""
    data = round_data_load(survey=survey, districts=Districts.APART)
    last = previous_round(survey)
    previous = round_data_load(survey=last, districts=Districts.APART) if last else None
    respondents = data.respondents()
    municipalities = [unit for unit in respondents if not unit.is_district]
    by_region: dict[int, list[Unit]] = defaultdict(list)
    by_size: dict[str, list[Unit]] = defaultdict(list)
    for unit in municipalities:
        if unit.region_id is not None:
            by_region[unit.region_id].append(unit)
        if unit.size_band:
            by_size[unit.size_band].append(unit)
    names = {unit.region_id: unit.region for unit in data.units if unit.region_id is not None}
    return RoundComparisons(
        data=data,
        previous=previous,
        country=_group(data, _("Whole country"), municipalities),
        districts=_group(data, districts_label(), [unit for unit in respondents if unit.is_district]),
        regions={pk: _group(data, names[pk], units) for pk, units in by_region.items()},
        sizes={
            band: _group(data, _("%(band)s inhabitants") % {"band": band}, units) for band, units in by_size.items()
        },
        numbers=question_numbers(data.items),
        previous_units={unit.id: unit for unit in previous.units} if previous else {},
        previous_questions={item.question.series: item.question for item in previous.items} if previous else {},
        rates=response_statistics(data),
        units_by_id={unit.id: unit for unit in data.units},
    )


# --- one unit's report -------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    answer: str
    last_year: str | None
    comparisons: list[str]


@dataclass
class QuestionRows:
    number: int | None
    question: Question
    rows: list[Row]
    recurring: bool

    @property
    def single(self) -> bool:
        """One row that is the question itself (not options or matrix items under it)."""
        return len(self.rows) == 1 and self.rows[0].label == ""


@dataclass
class Chapter:
    title: str
    questions: list[QuestionRows]


def _percent_text(value: int | None) -> str:
    return "–" if value is None else f"{value} %"


def _same_answer(result: QuestionFrequencies | None, item_code: str | None, code: object) -> str:
    """The share of a group's responding units that gave this answer."""
    if result is None or not isinstance(code, str) or code in (NOT_RELEVANT, DONT_KNOW):
        return "–"
    for distribution in result.distributions:
        if distribution.variable.item_code == item_code:
            category = next((c for c in distribution.categories if c.code == code), None)
            return _percent_text(category.percent if category else None)
    return "–"


def _median(result: QuestionFrequencies | None) -> str:
    if result is None or result.numbers is None or result.numbers.median is None:
        return "–"
    return number_display(round(result.numbers.median, 1))


def _value_text(question: Question, value: object) -> str:
    return answer_display(question, value, get_language()) if value is not None else _("not answered")


def question_rows(comparisons: RoundComparisons, unit: Unit, groups: list[Group], question: Question) -> list[Row]:
    """The unit's rows for one question: its answer, last year's, and each group's comparison."""
    code = question.code
    value = unit.answers.get(code)
    results = [group.results.get(code) for group in groups]
    before_question = comparisons.previous_questions.get(question.series)
    before_unit = comparisons.previous_units.get(unit.id)
    recurring = question.classification == Question.Classification.RECURRING
    # Last year's column: the unit's own answer to the same series, when it was asked last year.
    has_before = recurring and before_question is not None
    answered_before = has_before and before_unit is not None and before_unit.responded
    before_value = before_unit.answers.get(before_question.code) if answered_before else None
    kind = question_kind(question)
    if kind == "multiple":
        chosen = set(value or [])
        before_chosen = set(before_value or []) if isinstance(before_value, list) else set()

        def ticked(code: str, answer: object, codes: set[str]) -> str:
            # ✓ ticked, empty not ticked, a dash for a question left unanswered (not "ticked nothing")
            return "–" if answer is None else (TICKED if code in codes else "")

        rows = []
        for option in question.options.all():
            rows.append(
                Row(
                    option.label(),
                    ticked(option.code, value, chosen),
                    _before(has_before, answered_before, ticked(option.code, before_value, before_chosen)),
                    [_same_answer(result, None, option.code) for result in results],
                )
            )
        for reserved in (DONT_KNOW, NOT_RELEVANT):
            if reserved in chosen:
                rows.append(Row(_value_text(question, [reserved]), TICKED, None, ["–" for _group in groups]))
        return rows
    if kind == "matrix":
        answers = value if isinstance(value, dict) else {}
        before_answers = before_value if isinstance(before_value, dict) else {}
        rows = []
        for variable in question_variables(question):
            point = answers.get(variable.item_code)
            before_point = before_answers.get(variable.item_code)
            rows.append(
                Row(
                    variable.label,
                    _point_text(question, point),
                    _before(has_before, answered_before, _point_text(before_question, before_point)),
                    [_same_answer(result, variable.item_code, point) for result in results],
                )
            )
        return rows
    before_text = _before(has_before, answered_before, _value_text(before_question, before_value))
    if kind == "number":
        return [Row("", _value_text(question, value), before_text, [_median(result) for result in results])]
    if kind == "text":
        return [Row("", str(value) if value is not None else _("not answered"), before_text, [])]
    return [
        Row("", _value_text(question, value), before_text, [_same_answer(result, None, value) for result in results])
    ]


def _before(asked: bool, answered: bool, text: str) -> str | None:
    """Last year's cell: nothing when the question was not asked last year, a dash when the unit
    did not respond last year."""
    if not asked:
        return None
    return text if answered else "–"


def _point_text(question: Question | None, point: object) -> str:
    """A matrix item's answer: its scale point's label."""
    if question is None or point is None:
        return _("not answered")
    if point == NOT_RELEVANT:
        return _("Not relevant")
    if point == DONT_KNOW:
        return _("Don't know")
    labels = {p.code: p.label() for p in question.scale.points.all()}
    return labels.get(point, str(point))


def municipal_report_context(comparisons: RoundComparisons, unit: Unit) -> dict:
    """One unit's report: its facts, and its answers by theme beside its groups'."""
    data = comparisons.data
    groups = comparisons.groups_of(unit)
    chapters: dict[str, list[QuestionRows]] = defaultdict(list)
    for item in data.items:
        question = item.question
        # Answers count only in a submitted section: a section a colleague drafted is left out whole
        # (and named under the unit's facts), not shown as a page of unanswered questions.
        if question.type == Question.Type.NOTE or question.code not in unit.shown:
            continue
        if item.section_id not in unit.submitted_sections:
            continue
        rows = question_rows(comparisons, unit, groups, question)
        if not rows:
            continue
        theme = question.theme or item.section.title()
        recurring = question.classification == Question.Classification.RECURRING
        chapters[theme].append(QuestionRows(comparisons.numbers.get(question.pk), question, rows, recurring))
    previous = comparisons.previous
    return {
        "survey": data.survey,
        "unit": unit,
        "groups": groups,
        "chapters": [Chapter(title, questions) for title, questions in chapters.items()],
        "previous_year": previous.survey.year if previous else None,
        "rates": comparisons.rates,
        "comparison_note": COMPARISON_NOTE,
        "kind_label": districts_label() if unit.is_district else None,
        "unsubmitted_sections": [
            section.title()
            for section in data.sections
            if section.pk in unit.visible_sections and section.pk not in unit.submitted_sections
        ],
    }


def municipal_report_pdf(context: dict) -> Pdf:
    return pdf_document("analytics/municipal_report_pdf.html", context)
