"""Whole numbers that views and admin filters read from a query string or a form themselves.

A parameter is text anyone can change. `int()` alone turns it into a server error for 'abc', for
'²' (which `str.isdigit` calls a digit) and for 5,000 nines (more digits than `int` converts), and
a number beyond the column's range is an error in the database. So a view asks here, gets None
for anything but plain ASCII digits within the range, and answers 400 or leaves the parameter out.
"""

MAX_INTEGER = 2**31 - 1  # PostgreSQL's integer: positions, versions
MAX_ID = 2**63 - 1  # BigAutoField


def param_int(value: object, *, minimum: int = 0, maximum: int = MAX_INTEGER) -> int | None:
    """The parameter as a whole number from minimum to maximum, or None."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = str(value)
    digits = text[1:] if text.startswith("-") and minimum < 0 else text
    if not (digits.isascii() and digits.isdigit()) or len(digits) > len(str(max(abs(minimum), maximum))):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def param_id(value: object) -> int | None:
    """The parameter as a row's id, or None."""
    return param_int(value, minimum=1, maximum=MAX_ID)
