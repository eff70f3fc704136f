"""Numbers as Norwegians write them: parsed from a comma or a point with spaces between thousands,
shown with a comma, limits worded as a range (surveys.numbers, the form's number field)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from surveys.forms import NorwegianNumberField
from surveys.numbers import number_display, number_parse


@pytest.mark.parametrize(
    ("typed", "number"),
    [("65,5", "65.5"), ("65.5", "65.5"), (" 1 234,25 ", "1234.25"), ("1\u00a0234", "1234"), ("\u22123", "-3")],
)
def test_typed_numbers_are_read_as_written(typed, number):
    assert number_parse(typed) == Decimal(number)


@pytest.mark.parametrize("typed", ["abc", "1,2,3", "1.234,5", "65 %", "--1"])
def test_what_is_not_one_number_is_refused(typed):
    assert number_parse(typed) is None


def test_numbers_are_shown_the_norwegian_way():
    assert number_display(65.5) == "65,5"
    assert number_display(Decimal("100.0000")) == "100"
    assert number_display(5000) == "5000"
    assert number_display(12000) == "12\u00a0000"
    assert number_display(1234567.25, grouped=False) == "1234567,25"


@translation.override("nb")
def test_the_field_refuses_with_the_limits_as_a_range():
    field = NorwegianNumberField(whole=False, minimum=Decimal("0.0000"), maximum=Decimal("100.0000"), required=False)
    assert field.clean("65,5") == Decimal("65.5")
    with pytest.raises(ValidationError) as refused:
        field.clean("150")
    assert refused.value.messages == ["Skriv et tall mellom 0 og 100."]
    whole = NorwegianNumberField(whole=True, minimum=0, maximum=5000, required=False)
    assert whole.clean("1 200") == 1200
    with pytest.raises(ValidationError) as refused:
        whole.clean("12,5")
    assert refused.value.messages == ["Skriv et helt tall, for eksempel 12."]
