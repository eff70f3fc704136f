import builtins
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from surveys import conditions
from surveys.conditions import (
    PROFILE_REFERENCES,
    BoolOp,
    Call,
    Compare,
    ConditionError,
    Literal,
    Not,
    Ref,
    Reference,
    condition_check,
    condition_evaluate,
    condition_parse,
    condition_references,
    condition_to_text,
)

YES_NO = frozenset({"yes", "no"})
REFERENCES = {
    **PROFILE_REFERENCES,
    "Q1": Reference("choice", YES_NO),
    "Q3": Reference("choice", YES_NO),
    "Q7": Reference("multichoice", frozenset({"housing", "work", "school"})),
    "Q12": Reference("choice", YES_NO),
    "Q20": Reference("number"),
    "Q21": Reference("string"),
    "intro_target": Reference("number"),
    "Q40": Reference("choice", YES_NO, is_later=True),
}

REFUGEES_AND_YES = "${settles_refugees} = true and ${Q12} = 'yes'"
NOT_NO_OR_REMOTE = "not (${Q3} = 'no' or ${centrality_class} > 4)"


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        (REFUGEES_AND_YES, {"settles_refugees": True, "Q12": "yes"}, True),
        (REFUGEES_AND_YES, {"settles_refugees": True, "Q12": "no"}, False),
        (REFUGEES_AND_YES, {"settles_refugees": False, "Q12": "yes"}, False),
        (REFUGEES_AND_YES, {"settles_refugees": True}, False),
        (REFUGEES_AND_YES, {"settles_refugees": None, "Q12": "yes"}, False),
        ("selected(${Q7}, 'housing')", {"Q7": ["housing", "work"]}, True),
        ("selected(${Q7}, 'housing')", {"Q7": ["work"]}, False),
        ("selected(${Q7}, 'housing')", {"Q7": []}, False),
        ("selected(${Q7}, 'housing')", {"Q7": None}, False),
        ("selected(${Q7}, 'housing')", {}, False),
        ("not selected(${Q7}, 'housing')", {}, True),
        ("selected(${Q12}, 'yes')", {"Q12": "yes"}, True),
        ("selected(${Q12}, 'yes')", {"Q12": "no"}, False),
        ("${population} >= 10000", {"population": 10000}, True),
        ("${population} >= 10000", {"population": 9999}, False),
        ("${population} >= 10000", {"population": Decimal("10000.00")}, True),
        ("${population} >= 10000", {"population": 10000.5}, True),
        ("${population} >= 10000", {"population": None}, False),
        ("${population} >= 10000", {}, False),
        ("${population} > -1", {"population": 0}, True),
        ("${immigrant_share} > 12.5", {"immigrant_share": Decimal("12.51")}, True),
        ("${immigrant_share} > 12.5", {"immigrant_share": Decimal("12.50")}, False),
        ("${immigrant_share} <= 0.1", {"immigrant_share": 0.1}, True),
        ("${intro_target} = ${Q20}", {"intro_target": 5, "Q20": Decimal("5.0")}, True),
        ("${intro_target} != ${Q20}", {"intro_target": 5, "Q20": 6.0}, True),
        ("${kind} = 'district'", {"kind": "district"}, True),
        ("${kind} = 'district'", {"kind": "municipality"}, False),
        ("${kind} != 'district'", {"kind": "municipality"}, True),
        (NOT_NO_OR_REMOTE, {"Q3": "yes", "centrality_class": 2}, True),
        (NOT_NO_OR_REMOTE, {"Q3": "no", "centrality_class": 2}, False),
        (NOT_NO_OR_REMOTE, {"Q3": "yes", "centrality_class": 5}, False),
        (NOT_NO_OR_REMOTE, {}, True),
        ("not (${Q1} = 'yes')", {}, True),
        ("not(${Q1} = 'yes')", {"Q1": "yes"}, False),
        ("${Q1} != 'yes'", {}, False),
        ('${Q21} = "it\'s fine"', {"Q21": "it's fine"}, True),
        ("${settles_refugees}", {"settles_refugees": True}, True),
        ("${settles_refugees}", {}, False),
        ("not ${settles_refugees}", {}, True),
        ("not ${settles_refugees}", {"settles_refugees": True}, False),
        ("${is_partner} = false", {"is_partner": False}, True),
        ("${is_partner} = false", {"is_partner": 0}, False),
        ("count-selected(${Q7}) >= 2", {"Q7": ["housing", "work"]}, True),
        ("count-selected(${Q7}) >= 2", {"Q7": ["work"]}, False),
        ("count-selected(${Q7}) = 0", {"Q7": []}, True),
        ("count-selected(${Q7}) = 0", {}, False),
        (
            "${is_partner} or ${population} > 100 and ${kind} = 'district'",
            {"population": 200, "kind": "district"},
            True,
        ),
        ("${is_partner} or ${population} > 100 and ${kind} = 'district'", {"population": 200}, False),
        ("${is_partner} or ${population} > 100 and ${kind} = 'district'", {"is_partner": True}, True),
        ("(${is_partner} or ${population} > 100) and ${kind} = 'district'", {"is_partner": True}, False),
    ],
)
def test_a_checked_condition_evaluates_against_profile_and_answers(text, values, expected):
    # given
    tree = condition_check(text, references=REFERENCES)

    # when
    shown = condition_evaluate(tree, values=values)

    # then
    assert shown is expected


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        (
            "${population} >= 10000",
            Compare(">=", Ref("population"), Literal("number", Decimal("10000"))),
        ),
        (
            "not ${a} = true",
            Compare("=", Not(Ref("a")), Literal("boolean", True)),
        ),
        (
            "not (${a} = true)",
            Not(Compare("=", Ref("a"), Literal("boolean", True))),
        ),
        (
            "${a} or ${b} and ${c} or ${d}",
            BoolOp("or", (Ref("a"), BoolOp("and", (Ref("b"), Ref("c"))), Ref("d"))),
        ),
        (
            "(${a} and ${b}) and ${c}",
            BoolOp("and", (BoolOp("and", (Ref("a"), Ref("b"))), Ref("c"))),
        ),
        (
            'selected(${Q7}, "housing")',
            Call("selected", (Ref("Q7"), Literal("string", "housing"))),
        ),
        (
            "${x} = -2.5",
            Compare("=", Ref("x"), Literal("number", Decimal("-2.5"))),
        ),
    ],
)
def test_parsing_follows_the_precedence_not_comparison_and_or(text, tree):
    assert condition_parse(text) == tree


def test_nodes_carry_the_position_where_they_start():
    tree = condition_parse("${a} = 1 and not (${b} != 'x')")

    assert tree.position == 0
    first, second = tree.operands
    assert (first.position, first.left.position, first.right.position) == (0, 0, 7)
    assert (second.position, second.operand.position, second.operand.right.position) == (13, 18, 26)


def test_positions_do_not_count_for_equality_but_types_do():
    assert Ref("a", position=0) == Ref("a", position=9)
    assert Literal("boolean", True) != Literal("number", Decimal(1))


@pytest.mark.parametrize(
    ("text", "code", "position"),
    [
        ("", "empty", 0),
        ("   ", "empty", 0),
        ("${Q12} = 'yes", "unterminated_string", 9),
        ('${kind} = "district', "unterminated_string", 10),
        ("${Q 12} = 'yes'", "invalid_reference", 0),
        ("${12} = 1", "invalid_reference", 0),
        ("${Q12 = 'yes'", "invalid_reference", 0),
        ("${Q3} = 'no' or $Q12 = 'yes'", "invalid_reference", 16),
        ("${population} >= 10000 and", "syntax", 26),
        ("${population} >= ", "syntax", 17),
        ("(${population} > 1", "syntax", 18),
        ("${population} > 1)", "syntax", 17),
        ("1 < ${population} < 3", "syntax", 18),
        ("${population} == 1", "syntax", 14),
        ("${is_partner} && ${settles_refugees}", "syntax", 14),
        ("population >= 10000", "syntax", 0),
        ("${Q12} = yes", "syntax", 9),
        ("${Q12} = 'yes' AND ${Q3} = 'no'", "syntax", 15),
        ("eval('1')", "syntax", 0),
        ("selected ${Q7}", "syntax", 9),
        ("selected(${Q7} 'housing')", "syntax", 15),
        ("${Q12} = 'yes' ${Q3} = 'no'", "syntax", 15),
        ("${population} > - 5", "syntax", 16),
        ("and ${is_partner}", "syntax", 0),
        ("()", "syntax", 1),
        ("(" * 60 + "true" + ")" * 60, "too_deep", 50),
        ("not " * 100 + "true", "too_deep", 200),
        ("selected(${Q7})", "arguments", 0),
        ("selected(${Q7}, 'housing', 'work')", "arguments", 0),
        ("${is_partner} and count-selected(${Q7}, 'x') > 1", "arguments", 18),
        ("${Q99} = 1", "unknown_reference", 0),
        ("${Q3} = 'no' or ${Q99} = 'yes'", "unknown_reference", 16),
        ("${Q40} = 'yes'", "later_question", 0),
        ("${Q3} = 'no' and selected(${Q40}, 'yes')", "later_question", 26),
        ("${population} = 'abc'", "type_mismatch", 16),
        ("'abc' = ${population}", "type_mismatch", 0),
        ("${population} = ${kind}", "type_mismatch", 16),
        ("${settles_refugees} = 1", "type_mismatch", 22),
        ("${Q7} = 'housing'", "type_mismatch", 0),
        ("'housing' = ${Q7}", "type_mismatch", 12),
        ("selected(${population}, 'a')", "type_mismatch", 9),
        ("selected(${kind}, 'district')", "type_mismatch", 9),
        ("selected(${Q7}, 3)", "type_mismatch", 16),
        ("selected(${Q7}, ${Q12})", "type_mismatch", 16),
        ("count-selected(${population}) > 1", "type_mismatch", 15),
        ("count-selected(${Q7})", "type_mismatch", 0),
        ("${settles_refugees} > 3", "type_mismatch", 0),
        ("3 < ${kind}", "type_mismatch", 4),
        ("${population}", "type_mismatch", 0),
        ("'yes'", "type_mismatch", 0),
        ("${population} and ${settles_refugees}", "type_mismatch", 0),
        ("${settles_refugees} or ${population}", "type_mismatch", 23),
        ("not ${Q3} = 'no'", "type_mismatch", 4),
        ("${Q12} = 'maybe'", "unknown_option", 9),
        ("'maybe' != ${Q12}", "unknown_option", 0),
        ("selected(${Q7}, 'sports')", "unknown_option", 16),
        ("${kind} = 'county'", "unknown_option", 10),
    ],
)
def test_a_wrong_condition_is_reported_with_its_code_and_position(text, code, position):
    # when
    with pytest.raises(ConditionError) as raised:
        condition_check(text, references=REFERENCES)

    # then
    assert (raised.value.code, raised.value.position) == (code, position)
    assert str(raised.value) == raised.value.message
    if code != "empty":
        assert f"at position {position}" in raised.value.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The condition is empty."),
        ("${Q3} = 'no' or ${Q99} = 'yes'", "Unknown code ${Q99} at position 16."),
        ("${Q12} = 'maybe'", "'maybe' at position 9 is not an option of ${Q12}. Options: no, yes."),
        ("${population} = 'abc'", "'abc' at position 16 is a text value and cannot be compared with a number."),
        ("${Q7} = 'x'", "${Q7} at position 0 is multiple choice; use selected(${Q7}, 'option')."),
        (
            "(${population} > 1",
            "Expected ) at position 18 for the ( at position 0, but found the end of the condition.",
        ),
        (
            "__import__('os').system('x')",
            "Unknown function __import__() at position 0; use selected() or count-selected().",
        ),
    ],
)
def test_the_message_says_what_is_wrong_and_where(text, message):
    with translation.override("en"), pytest.raises(ConditionError) as raised:
        condition_check(text, references=REFERENCES)

    assert raised.value.message == message


def test_parsing_alone_does_not_check_references_or_types():
    tree = condition_parse("${nowhere} = 'abc' and selected(${population}, 3)")

    assert condition_references(tree) == {"nowhere", "population"}


def test_the_references_of_a_condition_are_all_names_it_uses():
    tree = condition_parse("${a} = 1 and selected(${Q7}, 'x') or not (${b} and count-selected(${Q7}) > ${c})")

    assert condition_references(tree) == {"a", "b", "c", "Q7"}


@pytest.mark.parametrize(
    "text",
    [
        "${settles_refugees} = true and ${Q12} = 'yes'",
        "selected(${Q7}, 'housing')",
        "${population} >= 10000",
        "${kind} = 'district'",
        "not (${Q3} = 'no' or ${centrality_class} > 4)",
        "not(${a})=false",
        "not not ${a} != true",
        "${a}>=-0.50 or (${b} or ${c}) and ${d}",
        "((${a} and ${b}) and ${c}) or (${d} or ${e})",
        "count-selected(${Q7})<=2",
        '${x} = "it\'s" or ${y} = \'say "hi"\'',
        "selected(${Q7}, 'housing') and not selected(${Q7}, 'work')",
        "(${a} = 1) = true",
    ],
)
def test_the_canonical_text_parses_back_to_the_same_tree(text):
    # given
    tree = condition_parse(text)

    # when
    canonical = condition_to_text(tree)

    # then
    assert condition_parse(canonical) == tree
    assert condition_to_text(condition_parse(canonical)) == canonical


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("${a}=1", "${a} = 1"),
        ("not(${a})", "not ${a}"),
        ("not(${a} = 1)", "not (${a} = 1)"),
        ("((${a} = 1))", "${a} = 1"),
        ("${a} and (${b} or ${c})", "${a} and (${b} or ${c})"),
        ("(${a} and ${b}) or ${c}", "${a} and ${b} or ${c}"),
        ('${a} = "x"', "${a} = 'x'"),
        ("${a}>=10000.50", "${a} >= 10000.50"),
        ("count-selected( ${Q7} )>1", "count-selected(${Q7}) > 1"),
    ],
)
def test_the_canonical_text_is_spaced_and_quoted_uniformly(text, canonical):
    assert condition_to_text(condition_parse(text)) == canonical


def test_a_text_with_both_quote_kinds_has_no_canonical_form():
    with pytest.raises(ValueError):
        condition_to_text(Compare("=", Ref("a"), Literal("string", 'it\'s "odd"')))


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('x')",
        "${a}.__class__",
        "open('/etc/passwd')",
        "${a} = 1; import os",
        "lambda: 1",
        "[x for x in ()]",
        "${a} = 1 if true else 2",
        "`rm -rf /`",
    ],
)
def test_code_is_never_run_and_python_is_a_syntax_error(text, monkeypatch):
    # given
    def refuse(*args, **kwargs):
        raise AssertionError("eval/exec must not be used")

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)

    # when
    with pytest.raises(ConditionError) as raised:
        condition_parse(text)

    # then
    assert raised.value.code == "syntax"


def test_the_module_does_not_use_eval_exec_or_literal_eval():
    source = Path(conditions.__file__).read_text()

    assert "eval(" not in source and "exec(" not in source and "literal_eval" not in source


def test_a_reference_needs_a_known_type():
    with pytest.raises(ValueError):
        Reference("date")


def test_the_profile_offers_the_municipality_attributes():
    assert {name: reference.type for name, reference in PROFILE_REFERENCES.items()} == {
        "settles_refugees": "boolean",
        "is_partner": "boolean",
        "population": "number",
        "centrality_class": "number",
        "immigrant_share": "number",
        "kind": "string",
    }
    assert PROFILE_REFERENCES["kind"].options == {"municipality", "district"}
