"""Reading an uploaded XLSForm with pyxform, the reference implementation's own parser.

pyxform's `workbook_to_json` does what an XLSForm reader must agree on with every other tool:
header case and aliases (`TYPE`, `list name`, `relevance`), `label::language` columns, type
aliases (`select one from`, `string`, `int`), groups, repeats and choice lists. The workbook's
cells are read first within our upload caps (operations.upload_limits: bytes, unpacked bytes,
1,000 rows, no DTD, no NUL; a used range that claims a million rows is not believed), then
handed to pyxform as its own sheet data. A legacy `.xls` (KoboToolbox's classic download) is
read by pyxform's `xls_to_dict` after the byte cap and held to the row cap afterwards.

Two things are added before pyxform sees the rows:
- an `x_row` column with each row's number in the workbook, which pyxform carries through to
  its result, so that every note names the row it is about;
- `allow_choice_duplicates`, so that a list with a name twice (cascading selects) reaches the
  mapping, which renames the second and says so, instead of stopping the import.
A language header with one colon (`label:English (en)`) is read as pyxform reads it when a sheet
has no `::` header; in a sheet with both, it is given the second colon here rather than dropped.
"""

import io
import re

from django.utils.translation import gettext as _

from operations.upload_limits import (
    UploadRefused,
    upload_check_size,
    upload_limits_for_xlsform,
    upload_read_xlsx,
    upload_too_many_rows,
)
from surveys.xlsform.report import RowNote, XLSFormImportError

SHEETS = ["survey", "choices", "settings", "external_choices"]
ROW_COLUMN = "x_row"
ONE_COLON_LANGUAGE = re.compile(
    r"^\s*(label|hint|guidance_hint|constraint_message|required_message)\s*:(?!:)\s*(.+)$", re.I
)
PYXFORM_ROW = re.compile(r"\[row\s*:\s*(\d+)\]")
PYXFORM_SHEET_COLUMN = re.compile(r"On the '(\w+)' sheet, the '([^']+)' value")
XLS_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def xlsform_read(content: bytes) -> dict:
    """The form as pyxform's JSON (its `workbook_to_json`), each element and choice with its
    `x_row`; refused with sheet, row and column where the workbook or pyxform says where."""
    # pyxform takes most of a second to import: loaded when a form is read, not when the admin is.
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import workbook_to_json
    from pyxform.xls2json_backends import DefinitionData

    limits = upload_limits_for_xlsform()
    try:
        if content.startswith(XLS_SIGNATURE):
            sheets = _read_xls(content, limits)
        else:
            sheets = _read_xlsx(content, limits)
    except UploadRefused as refused:
        raise XLSFormImportError(
            [
                RowNote(
                    refused.sheet or "-", refused.row or 0, refused.column or "-", refused.message, refused.column or ""
                )
            ]
        ) from None
    if "survey" not in sheets:
        raise XLSFormImportError([RowNote("survey", 0, "-", _("the workbook has no survey sheet"))])
    data = DefinitionData(
        survey=sheets["survey"][1],
        survey_header=[dict.fromkeys(sheets["survey"][0])],
        choices=sheets.get("choices", ([], []))[1],
        choices_header=[dict.fromkeys(sheets["choices"][0])] if "choices" in sheets else None,
        settings=[{**(sheets["settings"][1][:1] or [{}])[0], "allow_choice_duplicates": "yes"}]
        if "settings" in sheets
        else [{"allow_choice_duplicates": "yes"}],
        external_choices=sheets.get("external_choices", ([], []))[1] or None,
        external_choices_header=[dict.fromkeys(sheets["external_choices"][0])]
        if "external_choices" in sheets
        else None,
        fallback_form_name="form",
    )
    warnings: list[str] = []
    try:
        return workbook_to_json(workbook_dict=data, form_name="data", fallback_form_name="form", warnings=warnings)
    except PyXFormError as error:
        raise XLSFormImportError([_pyxform_note(line) for line in str(error).splitlines() if line.strip()]) from None
    except Exception as error:  # pyxform meets a form it did not expect; the admin gets its words
        raise XLSFormImportError(
            [RowNote("survey", 0, "-", _("the form cannot be read (%(error)s)") % {"error": error})]
        ) from None


def _pyxform_note(message: str) -> RowNote:
    row = PYXFORM_ROW.search(message)
    place = PYXFORM_SHEET_COLUMN.search(message)
    sheet, column = (place.group(1), place.group(2)) if place else ("survey", "")
    text = PYXFORM_ROW.sub("", message).strip()
    return RowNote(sheet, int(row.group(1)) if row else 0, column or "-", text, column)


def _cell_text(value) -> str:
    from pyxform.xls2json_backends import xlsx_value_to_str

    if value is None:
        return ""
    text = xlsx_value_to_str(value)
    return text.strip() if isinstance(text, str) else str(text)


def _read_xlsx(content: bytes, limits) -> dict[str, tuple[list[str], list[dict]]]:
    book = upload_read_xlsx(content=content, limits=limits, titles=SHEETS)
    sheets = {}
    for title, sheet in book.items():
        if not sheet.rows:
            sheets[title] = ([], [])
            continue
        (_first, header_cells), *rows = sheet.rows
        header = [_cell_text(cell) for cell in header_cells]
        sheets[title] = _rows_with_numbers(
            title, header, [(number, [_cell_text(c) for c in cells]) for number, cells in rows]
        )
    return sheets


def _read_xls(content: bytes, limits) -> dict[str, tuple[list[str], list[dict]]]:
    from pyxform.xls2json_backends import xls_to_dict

    upload_check_size(size=len(content), limits=limits)
    try:
        book = xls_to_dict(io.BytesIO(content))
    except Exception as error:  # xlrd raises many kinds for a broken file
        raise UploadRefused(_("The file is not a readable XLS workbook (%(error)s).") % {"error": error}) from None
    sheets = {}
    for title in SHEETS:
        if title not in book:
            continue
        header = [str(key) for key in (book.get(f"{title}_header") or [{}])[0]]
        rows = book[title]
        if len(rows) > limits.max_rows:
            raise upload_too_many_rows(title, limits.max_rows + 2, limits)
        numbered = [
            (number, [str(row.get(column) or "") for column in header]) for number, row in enumerate(rows, start=2)
        ]
        sheets[title] = _rows_with_numbers(title, header, numbered)
    return sheets


def _rows_with_numbers(
    title: str, header: list[str], rows: list[tuple[int, list[str]]]
) -> tuple[list[str], list[dict]]:
    """The header (one-colon language headers given their second colon in a sheet that uses `::`)
    and the non-empty rows as pyxform's dicts, each with its row number."""
    header = _header_for_pyxform(header)
    seen: set[str] = set()
    for column in header:
        if column and column.lower() in seen:
            raise UploadRefused(
                _("The column %(column)s is there twice.") % {"column": column}, sheet=title, row=1, column=column
            )
        seen.add(column.lower())
    # One record per row from row 2, empty ones too, as pyxform's own reader gives them: the row
    # numbers in pyxform's messages are positions in this list.
    records: list[dict] = []
    for number, cells in rows:
        record = {column: value for column, value in zip(header, cells, strict=False) if column and value}
        if record:
            records.extend({} for _gap in range(number - 2 - len(records)))
            record[ROW_COLUMN] = str(number)
            records.append(record)
    return [*[column for column in header if column], ROW_COLUMN], records


def _header_for_pyxform(header: list[str]) -> list[str]:
    if not any("::" in column for column in header):
        return header
    fixed = []
    for column in header:
        match = ONE_COLON_LANGUAGE.match(column)
        fixed.append(f"{match.group(1)}::{match.group(2)}" if match else column)
    return fixed
