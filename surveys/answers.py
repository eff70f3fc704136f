"""Answers as form data and as stored values, for one question at a time.

Stored values are typed JSON: an option or scale code (str), a list of codes,
{item code: scale code} for a matrix, an int, a decimal as float, or text.
An empty answer is None.
"""

from django.utils.translation import gettext

from surveys.forms import comment_field_name, matrix_field_name
from surveys.models import DONT_KNOW, NOT_RELEVANT, Answer, Question
from surveys.numbers import number_display


def answer_from_cleaned(question: Question, cleaned: dict) -> tuple[object, str]:
    """(value, comment) from a SectionForm's cleaned data for this question."""
    comment = (cleaned.get(comment_field_name(question)) or "").strip() if question.has_comment else ""
    kind = question.type
    if kind == Question.Type.MATRIX:
        rows = {
            row.code: cleaned.get(matrix_field_name(question, row.code))
            for row in question.matrix_items.all()
            if cleaned.get(matrix_field_name(question, row.code))
        }
        return (rows or None), comment
    raw = cleaned.get(question.code)
    if kind == Question.Type.MULTIPLE_CHOICE:
        return (list(raw) if raw else None), comment
    if kind == Question.Type.DECIMAL:
        return (None if raw is None else float(raw)), comment
    if kind == Question.Type.INTEGER:
        return raw, comment
    if raw in ("", None):
        return None, comment
    return raw, comment


def initial_from_answer(question: Question, answer: Answer | None) -> dict:
    """Form initial data that shows a stored answer."""
    if answer is None:
        return {}
    initial = {}
    if question.has_comment:
        initial[comment_field_name(question)] = answer.comment
    value = answer.value
    if value is None:
        return initial
    if question.type == Question.Type.MATRIX:
        for code, point in value.items():
            initial[matrix_field_name(question, code)] = point
    elif question.type in (Question.Type.DECIMAL, Question.Type.INTEGER):
        # as the field shows it ("65,5"), so the compiled form and crispy-forms draw the same
        initial[question.code] = number_display(value, grouped=False)
    else:
        initial[question.code] = value
    return initial


def answer_field_names(question: Question) -> list[str]:
    """The form fields that carry this question's answer."""
    if question.type == Question.Type.NOTE:
        return []
    names = (
        [matrix_field_name(question, row.code) for row in question.matrix_items.all()]
        if question.type == Question.Type.MATRIX
        else [question.code]
    )
    if question.has_comment:
        names.append(comment_field_name(question))
    return names


def answer_display(question: Question, value: object, language: str) -> str:
    """An answer as text for review pages and receipts."""
    if value is None:
        return ""

    def label_of(code: str) -> str:
        if code == NOT_RELEVANT:
            return gettext("Not relevant")
        if code == DONT_KNOW:
            return gettext("Don't know")
        if question.type == Question.Type.YES_NO:
            return gettext("Yes") if code == "yes" else gettext("No")
        if question.type in (Question.Type.SCALE, Question.Type.MATRIX):
            points = {p.code: p.label(language) for p in question.scale.points.all()}
            return points.get(code, code)
        options = {o.code: o.label(language) for o in question.options.all()}
        return options.get(code, code)

    if question.type == Question.Type.MATRIX:
        rows = {row.code: row.label(language) for row in question.matrix_items.all()}
        return "; ".join(f"{rows.get(code, code)}: {label_of(point)}" for code, point in value.items())
    if question.type == Question.Type.MULTIPLE_CHOICE:
        return "; ".join(label_of(code) for code in value)
    if question.type in (Question.Type.SINGLE_CHOICE, Question.Type.YES_NO, Question.Type.SCALE):
        return label_of(value)
    if question.type in (Question.Type.INTEGER, Question.Type.DECIMAL) and isinstance(value, int | float):
        return number_display(value)
    return str(value)
