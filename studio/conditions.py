"""What the condition builder offers at an item's place, and option values written by their label.

The builder lists the profile variables and the questions placed before the item, each with its
options by label, and writes one clause of the condition language (surveys.conditions) at a time;
the text stays the truth and can be typed. An admin may write a value as its label in any of the
three languages, or ja/nei for yes/no ("${Q05} = 'ja'"): `condition_with_codes` writes the codes
before the condition is checked and saved, so the stored condition is the same as if typed with
codes."""

from dataclasses import dataclass, replace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from municipalities.models import Municipality
from surveys.conditions import (
    PROFILE_REFERENCES,
    BoolOp,
    Call,
    Compare,
    ConditionError,
    Literal,
    Not,
    Ref,
    condition_parse,
    condition_to_text,
)
from surveys.models import NOT_RELEVANT, Item, Question
from surveys.services.questionnaires import questionnaire_items_in_order, questionnaire_load

PROFILE_LABELS = {
    "settles_refugees": gettext_lazy("settles refugees (profile)"),
    "is_partner": gettext_lazy("partner municipality (profile)"),
    "population": gettext_lazy("population (profile)"),
    "centrality_class": gettext_lazy("centrality class 1–6 (profile)"),
    "immigrant_share": gettext_lazy("immigrant share (profile)"),
    "kind": gettext_lazy("municipality or district (profile)"),
}
# Words for yes and no that are not the codes' labels in every language.
YES_NO_WORDS = {"ja": "yes", "nei": "no", "jo": "yes", "yes": "yes", "no": "no"}


@dataclass
class Variable:
    name: str
    label: str
    type: str  # a surveys.conditions value type
    options: list[tuple[str, str]]  # (code, label); empty for numbers and free text


def _question_variables(question: Question) -> list[Variable]:
    label = f"{question.code}: {question.text_nb[:70]}"
    kind = question.type
    if kind == Question.Type.NOTE:
        return []
    if kind in (Question.Type.INTEGER, Question.Type.DECIMAL):
        return [Variable(question.code, label, "number", [])]
    if kind in (Question.Type.SHORT_TEXT, Question.Type.LONG_TEXT):
        return [Variable(question.code, label, "string", [])]
    if kind == Question.Type.YES_NO:
        return [Variable(question.code, label, "choice", [("yes", _("Yes")), ("no", _("No"))])]
    if question.has_options:
        options = [(option.code, option.label_nb) for option in question.options.all()]
        value_type = "choice" if kind == Question.Type.SINGLE_CHOICE else "multichoice"
        return [Variable(question.code, label, value_type, options)]
    points = [(point.code, point.label_nb) for point in question.scale.points.all()]
    if question.offers_not_relevant:
        points.append((NOT_RELEVANT, _("Not relevant")))
    if kind == Question.Type.SCALE:
        return [Variable(question.code, label, "choice", points)]
    return [
        Variable(f"{question.code}_{row.code}", f"{question.code}_{row.code}: {row.label_nb[:60]}", "choice", points)
        for row in question.matrix_items.all()
    ]


def condition_vocabulary(*, item: Item) -> list[Variable]:
    """The profile variables, then the questions placed before `item`, in order."""
    variables = []
    for name, reference in PROFILE_REFERENCES.items():
        options = []
        if reference.type == "boolean":
            options = [("true", _("Yes")), ("false", _("No"))]
        elif name == "kind":
            options = list(Municipality.Kind.choices)
        variables.append(Variable(name, str(PROFILE_LABELS.get(name, name)), reference.type, options))
    questionnaire = questionnaire_load(item.questionnaire_id)
    for earlier in questionnaire_items_in_order(questionnaire):
        if earlier.pk == item.pk:
            break
        variables.extend(_question_variables(earlier.question))
    return variables


def _codes_by_word(item: Item) -> dict[str, dict[str, str]]:
    """For each name a condition may use: every label (three languages, lower case) -> code."""
    questionnaire = questionnaire_load(item.questionnaire_id)
    words: dict[str, dict[str, str]] = {}
    for placed in questionnaire_items_in_order(questionnaire):
        question = placed.question
        if question.type == Question.Type.YES_NO:
            words[question.code] = dict(YES_NO_WORDS)
        elif question.has_options:
            words[question.code] = {
                label.strip().lower(): option.code
                for option in question.options.all()
                for label in (option.label_nb, option.label_nn, option.label_en)
                if label
            }
        elif question.type in (Question.Type.SCALE, Question.Type.MATRIX):
            points = {
                label.strip().lower(): point.code
                for point in question.scale.points.all()
                for label in (point.label_nb, point.label_nn, point.label_en)
                if label
            }
            names = (
                [question.code]
                if question.type == Question.Type.SCALE
                else [f"{question.code}_{row.code}" for row in question.matrix_items.all()]
            )
            for name in names:
                words[name] = points
    return words


def condition_with_codes(text: str, *, item: Item) -> str:
    """The condition with option values given by label (or ja/nei) written as their codes; the
    text unchanged when there is nothing to write or it does not parse (the check says why)."""
    if not text.strip():
        return text
    try:
        tree = condition_parse(text)
    except ConditionError:
        return text
    words = _codes_by_word(item)
    changed = False

    def code_for(ref, literal):
        nonlocal changed
        if not (isinstance(ref, Ref) and isinstance(literal, Literal) and literal.type == "string"):
            return literal
        table = words.get(ref.name, {})
        if literal.value in table.values():
            return literal
        code = table.get(literal.value.strip().lower())
        if code is None:
            return literal
        changed = True
        return replace(literal, value=code)

    def walk(node):
        if isinstance(node, Compare):
            left, right = walk(node.left), walk(node.right)
            return replace(node, left=left, right=code_for(left, right) if isinstance(left, Ref) else right)
        if isinstance(node, Call) and node.function == "selected" and len(node.arguments) == 2:
            return replace(node, arguments=(node.arguments[0], code_for(*node.arguments)))
        if isinstance(node, BoolOp):
            return replace(node, operands=tuple(walk(operand) for operand in node.operands))
        if isinstance(node, Not):
            return replace(node, operand=walk(node.operand))
        return node

    rewritten = walk(tree)
    return condition_to_text(rewritten) if changed else text


OPERATORS = {
    "=": gettext_lazy("is"),
    "!=": gettext_lazy("is not"),
    "<": gettext_lazy("is less than"),
    "<=": gettext_lazy("is at most"),
    ">": gettext_lazy("is more than"),
    ">=": gettext_lazy("is at least"),
    "selected": gettext_lazy("has ticked"),
    "not selected": gettext_lazy("has not ticked"),
}


def operators_for(variable: Variable) -> list[str]:
    if variable.type == "multichoice":
        return ["selected", "not selected"]
    if variable.type == "number":
        return ["=", "!=", "<", "<=", ">", ">="]
    return ["=", "!="]


def condition_clause(*, variable: Variable, operator: str, value: str) -> str:
    """One comparison in the condition language, e.g. ${Q05} = 'yes' or selected(${Q07}, 'housing')."""
    reference = "${" + variable.name + "}"
    if variable.type == "multichoice":
        clause = f"selected({reference}, '{value}')"
        return f"not {clause}" if operator == "not selected" else clause
    if variable.type == "boolean":
        return f"{reference} {operator} {'true' if value == 'true' else 'false'}"
    if variable.type == "number":
        return f"{reference} {operator} {value}"
    quote = "'" if "'" not in value else '"'
    return f"{reference} {operator} {quote}{value}{quote}"


def condition_extend(text: str, clause: str, joiner: str) -> str:
    """The condition with one more clause: joined by and/or, the old text in parentheses when an
    `or` would otherwise bind looser than the admin meant."""
    if not text.strip():
        return clause
    if joiner == "and" and " or " in text:
        return f"({text.strip()}) and {clause}"
    return f"{text.strip()} {joiner} {clause}"
