"""XLSForm export: the questionnaire format of ODK, KoboToolbox and SurveyCTO.

Export writes the `survey`, `choices` and `settings` sheets with
`label::Norsk bokmål (nb)`-style language columns, `relevant` (our condition
language is XLSForm's syntax), `constraint` for ranges and maximum choices,
and `begin group`/`end group` for sections and matrices. Columns starting with
`x_` carry what XLSForm has no column for (series, classification, theme,
role, scale and its name, "not relevant", comment box, and on the choices
sheet the value of a scale point); other tools ignore them, and they make our
own round trip lossless. Every text is written as a text cell (operations/spreadsheets.py):
a wording that starts with "=" is a wording, not a formula, in Excel and in our
import.

A condition may use a profile variable such as `${settles_refugees}`, or a question that is
not in this questionnaire; XLSForm requires every `${name}` to be a row of the form, so each
such name is written as a `calculate` row with an empty value and `x_profile` saying what it
stands for (`yes` for a profile variable, `missing` otherwise). Another tool fills it in by
preloading or a calculation of its own; our import skips these rows. pyxform's `xls2xform`
converts every export (tests/surveys/test_xlsform_forms.py).
"""

from django.utils.text import slugify

from operations.spreadsheets import xlsx_bytes
from surveys.conditions import (
    PROFILE_REFERENCES,
    ConditionError,
    condition_parse,
    condition_references,
    condition_to_text,
)
from surveys.models import Question, Questionnaire
from surveys.services.questionnaires import NOT_RELEVANT, questionnaire_load

LANGUAGES = [("nb", "Norsk bokmål (nb)"), ("nn", "Norsk nynorsk (nn)"), ("en", "English (en)")]
EXTENSIONS = [
    "x_series",
    "x_classification",
    "x_theme",
    "x_role",
    "x_scale",
    "x_scale_name",
    "x_not_relevant",
    "x_dont_know",
    "x_max_choices",
    "x_min",
    "x_max",
    "x_comment",
    "x_comment_for",
    "x_matrix",
    "x_profile",
]
SURVEY_COLUMNS = (
    ["type", "name"]
    + [f"label::{name}" for _code, name in LANGUAGES]
    + [f"hint::{name}" for _code, name in LANGUAGES]
    + ["relevant", "constraint", "appearance", "calculation"]
    + EXTENSIONS
)
NOT_RELEVANT_LABELS = {"nb": "Ikke relevant", "nn": "Ikkje relevant", "en": "Not relevant"}
YES_NO_LABELS = {"yes": {"nb": "Ja", "nn": "Ja", "en": "Yes"}, "no": {"nb": "Nei", "nn": "Nei", "en": "No"}}

# Export -------------------------------------------------------------------------------------


def _labels(obj, field_name: str) -> list[str]:
    return [getattr(obj, f"{field_name}_{code}") or "" for code, _name in LANGUAGES]


def _condition_text(text: str) -> str:
    if not text.strip():
        return ""
    try:
        return condition_to_text(condition_parse(text))
    except ConditionError:
        return text


def _number(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == int(value) else str(value.normalize())


def questionnaire_export_xlsform(*, questionnaire: Questionnaire) -> bytes:
    """The questionnaire as an .xlsx XLSForm."""
    questionnaire = questionnaire_load(questionnaire.pk)
    survey: list[list[object]] = [list(SURVEY_COLUMNS)]
    choices: list[list[object]] = [
        ["list_name", "name"] + [f"label::{name}" for _code, name in LANGUAGES] + ["x_value", "x_exclusive"]
    ]
    lists_written: set[str] = set()

    def put_row(values: dict) -> None:
        survey.append([values.get(column, "") for column in SURVEY_COLUMNS])

    def write_list(
        name: str, entries: list[tuple], values: dict[str, int] | None = None, exclusive: frozenset = frozenset()
    ) -> None:
        if name in lists_written:
            return
        lists_written.add(name)
        for code, labels in entries:
            value = str(values[code]) if values and code in values else ""
            choices.append([name, code, *labels, value, "yes" if code in exclusive else ""])

    def scale_list(question: Question) -> str:
        points = [(p.code, _labels(p, "label")) for p in question.scale.points.all()]
        values = {p.code: p.value for p in question.scale.points.all()}
        name = question.scale.code
        if question.offers_not_relevant:
            name = f"{question.scale.code}_nr"
            points.append((NOT_RELEVANT, [NOT_RELEVANT_LABELS[code] for code, _n in LANGUAGES]))
        write_list(name, points, values)
        return name

    for section in questionnaire.sections.all():
        values = {"type": "begin group", "name": section.code, "relevant": _condition_text(section.condition)}
        values["x_role"] = section.role
        for (_code, name), text in zip(LANGUAGES, _labels(section, "title"), strict=True):
            values[f"label::{name}"] = text
        put_row(values)
        for item in section.items.all():
            question = item.question
            base = {
                "name": question.code,
                "relevant": _condition_text(item.condition),
                "x_series": question.series,
                "x_classification": question.classification,
                "x_theme": question.theme,
                "x_comment": "yes" if question.has_comment else "",
                "x_dont_know": "yes" if question.offers_dont_know else "",
            }
            for (_code, name), text, hint in zip(
                LANGUAGES, _labels(question, "text"), _labels(question, "help"), strict=True
            ):
                base[f"label::{name}"] = text
                base[f"hint::{name}"] = hint
            kind = question.type
            if kind == Question.Type.MATRIX:
                put_row(
                    {
                        **base,
                        "type": "begin group",
                        "appearance": "field-list",
                        "x_matrix": question.code,
                        "x_scale": question.scale.code,
                        "x_scale_name": question.scale.name,
                        "x_not_relevant": "yes" if question.offers_not_relevant else "",
                    }
                )
                list_name = scale_list(question)
                for matrix_row in question.matrix_items.all():
                    cells = {"type": f"select_one {list_name}", "name": f"{question.code}_{matrix_row.code}"}
                    for (_code, name), text in zip(LANGUAGES, _labels(matrix_row, "label"), strict=True):
                        cells[f"label::{name}"] = text
                    put_row(cells)
                put_row({"type": "end group", "name": question.code})
            else:
                if kind == Question.Type.NOTE:
                    base["type"] = "note"
                elif kind == Question.Type.YES_NO:
                    base["type"] = "select_one yes_no"
                    write_list(
                        "yes_no", [(c, [YES_NO_LABELS[c][code] for code, _n in LANGUAGES]) for c in YES_NO_LABELS]
                    )
                elif kind in (Question.Type.SINGLE_CHOICE, Question.Type.MULTIPLE_CHOICE):
                    verb = "select_one" if kind == Question.Type.SINGLE_CHOICE else "select_multiple"
                    base["type"] = f"{verb} {question.code}"
                    options = question.options.all()
                    write_list(
                        question.code,
                        [(o.code, _labels(o, "label")) for o in options],
                        exclusive=frozenset(o.code for o in options if o.is_exclusive),
                    )
                    if question.max_choices:
                        base["constraint"] = f"count-selected(.) <= {question.max_choices}"
                        base["x_max_choices"] = str(question.max_choices)
                elif kind == Question.Type.SCALE:
                    base["type"] = f"select_one {scale_list(question)}"
                    base["x_scale"] = question.scale.code
                    base["x_scale_name"] = question.scale.name
                    base["x_not_relevant"] = "yes" if question.offers_not_relevant else ""
                elif kind in (Question.Type.INTEGER, Question.Type.DECIMAL):
                    base["type"] = kind
                    bounds = []
                    if question.min_value is not None:
                        bounds.append(f". >= {_number(question.min_value)}")
                        base["x_min"] = _number(question.min_value)
                    if question.max_value is not None:
                        bounds.append(f". <= {_number(question.max_value)}")
                        base["x_max"] = _number(question.max_value)
                    base["constraint"] = " and ".join(bounds)
                else:
                    base["type"] = "text"
                    if kind == Question.Type.LONG_TEXT:
                        base["appearance"] = "multiline"
                put_row(base)
            if question.has_comment:
                comment = {"type": "text", "name": f"{question.code}_comment", "x_comment_for": question.code}
                for code, name in LANGUAGES:
                    comment[f"label::{name}"] = {"nb": "Kommentar", "nn": "Kommentar", "en": "Comment"}[code]
                put_row(comment)
        put_row({"type": "end group", "name": section.code})

    _stand_ins_for_outside_names(questionnaire, survey)
    settings = [
        ["form_title", "form_id", "version", "default_language"],
        [
            questionnaire.title,
            slugify(f"{questionnaire.title}-{questionnaire.year}"),
            str(questionnaire.year),
            LANGUAGES[0][1],
        ],
    ]
    return xlsx_bytes({"survey": survey, "choices": choices, "settings": settings})


def _stand_ins_for_outside_names(questionnaire: Questionnaire, survey: list[list[object]]) -> None:
    """A `calculate` row, at the top, for each name a condition uses that is not a row of the form."""
    name_column = SURVEY_COLUMNS.index("name")
    names = {row[name_column] for row in survey[1:]}
    used: set[str] = set()
    conditions = [section.condition for section in questionnaire.sections.all()]
    conditions += [item.condition for section in questionnaire.sections.all() for item in section.items.all()]
    for text in conditions:
        try:
            used |= condition_references(condition_parse(text)) if text.strip() else set()
        except ConditionError:
            continue  # a broken condition is the questionnaire's problem, listed on its page
    rows = []
    for name in sorted(used - names):
        values = {"type": "calculate", "name": name, "calculation": "''"}
        values["x_profile"] = "yes" if name in PROFILE_REFERENCES else "missing"
        rows.append([values.get(column, "") for column in SURVEY_COLUMNS])
    survey[1:1] = rows
