"""Numbers as Norwegians write them: a decimal comma (a point is accepted too), spaces between
thousands, and limits worded as a range. Written once for the forms, the pages, the receipt and
the e-mail."""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext

# Spaces people and programs put between thousands: the space, the no-break space, the thin
# and the narrow no-break space.
_THOUSANDS = re.compile(r"[ \u00a0\u2009\u202f]")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")


def number_parse(text: str) -> Decimal | None:
    """The number in `text` ("65,5", "65.5", "1 234,5"), or None when it is not one number.
    A minus may be typed as the typographic one (U+2212)."""
    cleaned = _THOUSANDS.sub("", text.strip()).replace("\u2212", "-")
    if not _NUMBER.fullmatch(cleaned):
        return None
    try:
        return Decimal(cleaned.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


def number_display(value, *, grouped: bool = True) -> str:
    """`value` (int, float or Decimal) in Norwegian: "65,5", "1 234" (a no-break space between
    thousands when `grouped`; a field shows the number ungrouped, to be edited)."""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    else:
        number = number.normalize()
    sign = "-" if number < 0 else ""
    whole, _point, fraction = f"{abs(number):f}".partition(".")
    if grouped and len(whole) > 4:  # Norwegian style leaves four digits together: 5000, 12 000
        whole = f"{int(whole):,}".replace(",", "\u00a0")
    return sign + whole + ("," + fraction if fraction else "")


def range_text(minimum, maximum) -> str:
    """The limits of a number as a person says them: "between 0 and 100", "at least 0"."""
    if minimum is not None and maximum is not None:
        return gettext("Write a number between %(min)s and %(max)s.") % {
            "min": number_display(minimum),
            "max": number_display(maximum),
        }
    if minimum is not None:
        return gettext("Write a number of at least %(min)s.") % {"min": number_display(minimum)}
    if maximum is not None:
        return gettext("Write a number of at most %(max)s.") % {"max": number_display(maximum)}
    return ""
