"""Conditions that show a question or section only when they hold.

Questionnaire designers write them in the spirit of XLSForm's `relevant` column, for example
`${settles_refugees} = true and selected(${Q7}, 'housing')`. `condition_parse` turns the text into a
small tree with a hand-written tokenizer and recursive-descent parser (nothing is ever eval'ed),
`condition_check` also checks the tree against the questions and profile variables it may use,
`condition_evaluate` decides whether the item is shown, and `condition_to_text` writes the canonical
form used for XLSForm export. Grammar, loosest binding first:

    condition  := and_expr ("or" and_expr)*
    and_expr   := comparison ("and" comparison)*
    comparison := unary (("=" | "!=" | "<" | "<=" | ">" | ">=") unary)?
    unary      := "not" unary | operand
    operand    := ${name} | number | 'text' | "text" | true | false | "(" condition ")"
                | selected(condition, condition) | count-selected(condition)
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext, gettext_noop

VALUE_TYPES = ("boolean", "number", "string", "choice", "multichoice")
FUNCTION_ARITY = {"selected": 2, "count-selected": 1}
KEYWORDS = frozenset({"and", "or", "not", "true", "false"})
MAX_DEPTH = 50  # deeper nesting than any real condition, and far below Python's recursion limit

TYPE_NAMES = {
    "boolean": gettext_noop("a true/false value"),
    "number": gettext_noop("a number"),
    "string": gettext_noop("a text value"),
    "choice": gettext_noop("a single choice answer"),
    "multichoice": gettext_noop("a multiple choice answer"),
}
COMPARISONS = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
ORDERINGS = frozenset({"<", "<=", ">", ">="})

# Marked for makemessages here and translated when an error is raised, in the language active then.
MESSAGES = {
    "empty": gettext_noop("The condition is empty."),
    "reference": gettext_noop("Invalid reference at position %(position)s; use ${code} with letters, digits and _."),
    "unterminated": gettext_noop("The text at position %(position)s has no closing quote."),
    "double_equals": gettext_noop("Use = instead of == at position %(position)s."),
    "character": gettext_noop("Unexpected character %(character)s at position %(position)s."),
    "too_deep": gettext_noop("The condition is nested too deeply at position %(position)s."),
    "unexpected": gettext_noop("Unexpected %(found)s at position %(position)s."),
    "chained": gettext_noop("Comparisons cannot be chained at position %(position)s; combine them with and."),
    "function": gettext_noop(
        "Unknown function %(name)s() at position %(position)s; use selected() or count-selected()."
    ),
    "word": gettext_noop("Unknown word %(word)s at position %(position)s; write codes as ${code} and text in quotes."),
    "value": gettext_noop("Expected ${code}, a number or 'text' at position %(position)s, but found %(found)s."),
    "call": gettext_noop("Expected ( after %(name)s at position %(position)s."),
    "closing": gettext_noop(
        "Expected ) at position %(position)s for the ( at position %(opening)s, but found %(found)s."
    ),
    "selected": gettext_noop(
        "selected() at position %(position)s takes a choice question and an option code in quotes."
    ),
    "count-selected": gettext_noop("count-selected() at position %(position)s takes one choice question."),
    "unknown": gettext_noop("Unknown code ${%(name)s} at position %(position)s."),
    "later": gettext_noop(
        "${%(name)s} at position %(position)s comes later; conditions can only use earlier questions."
    ),
    "boolean": gettext_noop(
        "%(found)s at position %(position)s is %(type)s, but a true/false condition is needed here."
    ),
    "multi": gettext_noop(
        "${%(name)s} at position %(position)s is multiple choice; use selected(${%(name)s}, 'option')."
    ),
    "number": gettext_noop(
        "%(found)s at position %(position)s is %(type)s; only numbers can be compared with %(operator)s."
    ),
    "incomparable": gettext_noop(
        "%(found)s at position %(position)s is %(type)s and cannot be compared with %(other)s."
    ),
    "option": gettext_noop(
        "'%(option)s' at position %(position)s is not an option of ${%(name)s}. Options: %(options)s."
    ),
    "choice": gettext_noop(
        "%(function)s() needs a choice question, but %(found)s at position %(position)s is %(type)s."
    ),
    "option_code": gettext_noop("selected() needs an option code in quotes, like 'yes', at position %(position)s."),
}


class ConditionError(Exception):
    """A condition that cannot be parsed or does not fit the questionnaire.

    `position` is the 0-based offset of the offending character, `code` a stable machine code and
    `message` translated text for the designer, which already names the position."""

    def __init__(self, message: str, *, code: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.position = position


def _error(code: str, position: int, message: str, **params: object) -> ConditionError:
    text = gettext(MESSAGES[message]) % {"position": position, **params}
    return ConditionError(text, code=code, position=position)


@dataclass(frozen=True)
class Reference:
    """What a `${name}` refers to: a question of the questionnaire or a variable of the municipality."""

    type: str  # one of VALUE_TYPES
    options: frozenset[str] | None = None  # option codes a string or choice may equal; None leaves them unchecked
    is_later: bool = False  # the question comes after the item the condition belongs to

    def __post_init__(self) -> None:
        if self.type not in VALUE_TYPES:
            raise ValueError(f"Unknown reference type {self.type!r}; use one of {', '.join(VALUE_TYPES)}.")


PROFILE_REFERENCES: dict[str, Reference] = {
    "settles_refugees": Reference("boolean"),
    "is_partner": Reference("boolean"),
    "population": Reference("number"),
    "centrality_class": Reference("number"),
    "immigrant_share": Reference("number"),
    "kind": Reference("string", options=frozenset({"municipality", "district"})),
}


# The tree of a condition. Each node carries the 0-based position where its text starts; positions are left out
# of equality so that a tree equals the tree of its canonical text.
@dataclass(frozen=True)
class Literal:
    type: str  # "boolean", "number" or "string"; kept so that `true` and `1` are different trees
    value: bool | Decimal | str
    position: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Ref:
    name: str
    position: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Not:
    operand: Node
    position: int = field(default=0, compare=False)


@dataclass(frozen=True)
class BoolOp:
    operator: str  # "and" or "or"
    operands: tuple[Node, ...]
    position: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Compare:
    operator: str  # a key of COMPARISONS
    left: Node
    right: Node
    position: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Call:
    function: str  # a key of FUNCTION_ARITY
    arguments: tuple[Node, ...]
    position: int = field(default=0, compare=False)


Node = Literal | Ref | Not | BoolOp | Compare | Call


@dataclass(frozen=True)
class _Token:
    kind: str  # "ref", "number", "string", "word", "op", "(", ")", "," or "end"
    text: str
    position: int


_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*")  # the hyphen is for count-selected
_OPERATOR = re.compile(r"!=|<=|>=|=|<|>")
_PUNCTUATION = re.compile(r"[(),]")
_STRING = re.compile(r"'[^']*'|\"[^\"]*\"")  # no escapes: a text needing ' is written in "


def _tokenize(text: str) -> Iterator[_Token]:
    # A generator, so that the parser reports whichever problem comes first in the text.
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
            continue
        if char in "'\"":
            if not (match := _STRING.match(text, index)):
                raise _error("unterminated_string", index, "unterminated")
            kind = "string"
        elif char == "$":
            if not (match := _REFERENCE.match(text, index)):
                raise _error("invalid_reference", index, "reference")
            kind = "ref"
        elif text.startswith("==", index):
            raise _error("syntax", index, "double_equals")
        elif match := _NUMBER.match(text, index):
            kind = "number"
        elif match := _WORD.match(text, index):
            kind = "word"
        elif match := _OPERATOR.match(text, index):
            kind = "op"
        elif match := _PUNCTUATION.match(text, index):
            kind = char
        else:
            raise _error("syntax", index, "character", character=char)
        yield _Token(kind, match[0], index)
        index = match.end()
    yield _Token("end", "", len(text))


def _describe(token: _Token) -> str:
    return gettext("the end of the condition") if token.kind == "end" else token.text


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.current = next(self.tokens)
        self.depth = 0

    def advance(self) -> _Token:
        token = self.current
        if token.kind != "end":
            self.current = next(self.tokens)
        return token

    def at_word(self, word: str) -> bool:
        return self.current.kind == "word" and self.current.text == word

    @contextmanager
    def nested(self, token: _Token) -> Iterator[None]:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _error("too_deep", token.position, "too_deep")
        yield
        self.depth -= 1

    def parse(self) -> Node:
        node = self.condition()
        if self.current.kind != "end":
            raise _error("syntax", self.current.position, "unexpected", found=self.current.text)
        return node

    def condition(self) -> Node:
        return self.bool_op("or", self.and_expr)

    def and_expr(self) -> Node:
        return self.bool_op("and", self.comparison)

    def bool_op(self, keyword: str, parse_operand: Callable[[], Node]) -> Node:
        operands = [parse_operand()]
        while self.at_word(keyword):
            self.advance()
            operands.append(parse_operand())
        return operands[0] if len(operands) == 1 else BoolOp(keyword, tuple(operands), operands[0].position)

    def comparison(self) -> Node:
        left = self.unary()
        if self.current.kind != "op":
            return left
        comparison = self.advance().text
        right = self.unary()
        if self.current.kind == "op":
            raise _error("syntax", self.current.position, "chained")
        return Compare(comparison, left, right, left.position)

    def unary(self) -> Node:
        if not self.at_word("not"):
            return self.operand()
        token = self.advance()
        with self.nested(token):
            return Not(self.unary(), token.position)

    def operand(self) -> Node:
        token = self.advance()
        if token.kind == "ref":
            return Ref(token.text[2:-1], token.position)
        if token.kind == "number":
            return Literal("number", Decimal(token.text), token.position)
        if token.kind == "string":
            return Literal("string", token.text[1:-1], token.position)
        if token.kind == "(":
            with self.nested(token):
                node = self.condition()
            self.expect_closing(token)
            return node
        if token.kind == "word" and token.text in ("true", "false"):
            return Literal("boolean", token.text == "true", token.position)
        if token.kind == "word" and token.text in FUNCTION_ARITY:
            return self.call(token)
        if token.kind == "word" and token.text not in KEYWORDS:
            if self.current.kind == "(":
                raise _error("syntax", token.position, "function", name=token.text)
            raise _error("syntax", token.position, "word", word=token.text)
        raise _error("syntax", token.position, "value", found=_describe(token))

    def call(self, name: _Token) -> Call:
        if self.current.kind != "(":
            raise _error("syntax", self.current.position, "call", name=name.text)
        opening = self.advance()
        arguments = []
        with self.nested(opening):
            if self.current.kind != ")":
                arguments.append(self.condition())
            while self.current.kind == ",":
                self.advance()
                arguments.append(self.condition())
        self.expect_closing(opening)
        if len(arguments) != FUNCTION_ARITY[name.text]:
            raise _error("arguments", name.position, name.text)
        return Call(name.text, tuple(arguments), name.position)

    def expect_closing(self, opening: _Token) -> None:
        if self.current.kind != ")":
            found = _describe(self.current)
            raise _error("syntax", self.current.position, "closing", opening=opening.position, found=found)
        self.advance()


def condition_parse(text: str) -> Node:
    """Parse condition text into a tree, checking syntax only. Raises ConditionError."""
    if not text.strip():
        raise _error("empty", 0, "empty")
    return _Parser(text).parse()


class _Checker:
    def __init__(self, references: Mapping[str, Reference]) -> None:
        self.references = references

    def require_boolean(self, node: Node) -> None:
        value_type = self.type_of(node)
        if value_type != "boolean":
            raise _type_error("boolean", node, value_type)

    def type_of(self, node: Node) -> str:
        if isinstance(node, Literal):
            return node.type
        if isinstance(node, Ref):
            return self.reference(node).type
        if isinstance(node, Compare):
            self.compare(node)
        elif isinstance(node, Call):
            return self.call(node)
        else:
            for operand in _children(node):
                self.require_boolean(operand)
        return "boolean"

    def reference(self, node: Ref) -> Reference:
        reference = self.references.get(node.name)
        if reference is None:
            raise _error("unknown_reference", node.position, "unknown", name=node.name)
        if reference.is_later:
            raise _error("later_question", node.position, "later", name=node.name)
        return reference

    def compare(self, node: Compare) -> None:
        sides = [(node.left, self.type_of(node.left)), (node.right, self.type_of(node.right))]
        for side, value_type in sides:
            if value_type == "multichoice" and isinstance(side, Ref):
                raise _error("type_mismatch", side.position, "multi", name=side.name)
            if node.operator in ORDERINGS and value_type != "number":
                raise _type_error("number", side, value_type, operator=node.operator)
        (left, left_type), (right, right_type) = sides
        if _family(left_type) != _family(right_type):
            # Blame the literal: the designer typed it, while a reference's type is fixed by its question.
            if isinstance(left, Literal) and not isinstance(right, Literal):
                sides.reverse()
            (_, other_type), (offending, offending_type) = sides
            raise _type_error("incomparable", offending, offending_type, other=gettext(TYPE_NAMES[other_type]))
        self.check_option(left, right)
        self.check_option(right, left)

    def check_option(self, node: Node, option: Node) -> None:
        if not (isinstance(node, Ref) and isinstance(option, Literal) and option.type == "string"):
            return
        options = self.references[node.name].options
        if options is not None and option.value not in options:
            listed = ", ".join(sorted(options))
            raise _error(
                "unknown_option", option.position, "option", option=option.value, name=node.name, options=listed
            )

    def call(self, node: Call) -> str:
        answer = node.arguments[0]
        answer_type = self.type_of(answer)
        if answer_type not in ("choice", "multichoice"):
            raise _type_error("choice", answer, answer_type, function=node.function)
        if node.function == "count-selected":
            return "number"
        option = node.arguments[1]
        if not (isinstance(option, Literal) and option.type == "string"):
            raise _error("type_mismatch", option.position, "option_code")
        self.check_option(answer, option)
        return "boolean"


def _type_error(message: str, node: Node, value_type: str, **params: object) -> ConditionError:
    found, type_name = condition_to_text(node), gettext(TYPE_NAMES[value_type])
    return _error("type_mismatch", node.position, message, found=found, type=type_name, **params)


def _family(value_type: str) -> str:
    # Free text and choice codes are both strings, so they compare with each other.
    return "string" if value_type == "choice" else value_type


def condition_check(text: str, *, references: Mapping[str, Reference]) -> Node:
    """Parse condition text and check it against the names it may use. Raises ConditionError."""
    node = condition_parse(text)
    _Checker(references).require_boolean(node)
    return node


def condition_references(node: Node) -> set[str]:
    """The names a condition refers to, e.g. to know which answers it depends on."""
    if isinstance(node, Ref):
        return {node.name}
    return set().union(*(condition_references(child) for child in _children(node)))


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Not):
        return (node.operand,)
    if isinstance(node, Compare):
        return (node.left, node.right)
    if isinstance(node, BoolOp):
        return node.operands
    if isinstance(node, Call):
        return node.arguments
    return ()


def condition_evaluate(node: Node, *, values: Mapping[str, object]) -> bool:
    """Whether the condition holds for the given answers and profile values.

    A missing or None value makes every comparison with it false and selected() false, so
    `not (${Q1} = 'yes')` holds while Q1 is unanswered; a bare missing true/false value counts as false."""
    return _value(node, values) is True


def _value(node: Node, values: Mapping[str, object]) -> object:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Ref):
        return values.get(node.name)
    if isinstance(node, Not):
        return _value(node.operand, values) is not True
    if isinstance(node, BoolOp):
        results = (_value(operand, values) is True for operand in node.operands)
        return all(results) if node.operator == "and" else any(results)
    if isinstance(node, Compare):
        return _compare(node.operator, _value(node.left, values), _value(node.right, values))
    answer = _value(node.arguments[0], values)
    chosen = [answer] if isinstance(answer, str) else answer
    if not isinstance(chosen, list | tuple | set | frozenset):
        return False if node.function == "selected" else None
    if node.function == "selected":
        return _value(node.arguments[1], values) in chosen
    return Decimal(len(chosen))


def _compare(comparison: str, left: object, right: object) -> bool:
    left_number, right_number = _number(left), _number(right)
    if left_number is not None and right_number is not None:
        return COMPARISONS[comparison](left_number, right_number)
    same_kind = isinstance(left, bool) and isinstance(right, bool) or isinstance(left, str) and isinstance(right, str)
    # Missing values and values of different kinds never match, whatever the operator.
    return same_kind and comparison not in ORDERINGS and COMPARISONS[comparison](left, right)


def _number(value: object) -> Decimal | None:
    # bool is an int subclass, but true is not the number 1 here; repr keeps 0.1 as 0.1, not its binary expansion.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return number if number.is_finite() else None


_PRECEDENCE = {"or": 1, "and": 2}
_COMPARE_PRECEDENCE, _NOT_PRECEDENCE, _ATOM_PRECEDENCE = 3, 4, 5


def condition_to_text(node: Node) -> str:
    """Canonical text of a tree, e.g. for XLSForm export; parsing it gives an equal tree."""
    if isinstance(node, Literal):
        if node.type == "boolean":
            return "true" if node.value else "false"
        if node.type == "number":
            return format(node.value, "f")
        quote = "'" if "'" not in node.value else '"'
        if quote in node.value:
            raise ValueError("A text literal cannot contain both kinds of quotes.")
        return f"{quote}{node.value}{quote}"
    if isinstance(node, Ref):
        return "${" + node.name + "}"
    if isinstance(node, Not):
        return "not " + _wrapped(node.operand, _NOT_PRECEDENCE)
    if isinstance(node, BoolOp):
        # Same-operator children keep their parentheses so that the tree survives the round trip.
        return f" {node.operator} ".join(_wrapped(child, _PRECEDENCE[node.operator] + 1) for child in node.operands)
    if isinstance(node, Compare):
        left, right = _wrapped(node.left, _NOT_PRECEDENCE), _wrapped(node.right, _NOT_PRECEDENCE)
        return f"{left} {node.operator} {right}"
    return f"{node.function}({', '.join(condition_to_text(argument) for argument in node.arguments)})"


def _wrapped(node: Node, minimum: int) -> str:
    if isinstance(node, BoolOp):
        precedence = _PRECEDENCE[node.operator]
    else:
        precedence = {Compare: _COMPARE_PRECEDENCE, Not: _NOT_PRECEDENCE}.get(type(node), _ATOM_PRECEDENCE)
    text = condition_to_text(node)
    return f"({text})" if precedence < minimum else text
