"""Whole numbers from query strings and forms: a number in range, or None."""

import pytest

from operations.params import param_id, param_int


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("12", 12),
        (12, 12),
        ("0", 0),
        ("abc", None),
        ("²", None),
        ("٣", None),
        ("1.5", None),
        (" 5", None),
        ("-1", None),
        ("9" * 5000, None),
        (str(2**31), None),
        (True, None),
        (None, None),
        ("", None),
    ],
)
def test_a_parameter_is_a_whole_number_in_range_or_none(value, number):
    assert param_int(value) == number


def test_an_id_is_positive_and_fits_a_big_integer():
    assert (param_id("1"), param_id("0"), param_id(str(2**63 - 1)), param_id(str(2**63))) == (1, None, 2**63 - 1, None)
    assert param_int("-3", minimum=-5) == -3 and param_int("-6", minimum=-5) is None
