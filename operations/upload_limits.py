"""Caps on uploaded files, and the readers that keep to them.

Every upload (yearly profiles and contacts as CSV or XLSX, questionnaires as XLSForm) is read
through this module, so that no file can take minutes, memory or SQLite's write lock, and no
parser's exception reaches the user as a server error:

- `UPLOAD_MAX_BYTES`: the file as uploaded (2 MB; the whole registry's contacts are a tenth of it).
- `UPLOAD_MAX_EXPANDED_BYTES`: what an .xlsx unpacks to, the sum of its zip members' sizes,
  checked before openpyxl opens it (10 MB, five times a registry's worth of contacts as Excel
  writes them; a 140 KB workbook of 200,000 identical rows unpacks to 34 MB). zipfile never
  inflates a member beyond its stated size, so the sum bounds the work: openpyxl reads a sheet
  without a dimension to its end when it opens the workbook, about a second for 10 MB.
- `UPLOAD_MAX_ROWS` (5,000: the registry has about 450 units with a few contacts each) and
  `UPLOAD_MAX_XLSFORM_ROWS` (1,000 per sheet: a questionnaire has a few hundred): a sheet may
  not reach beyond that row under its header, empty rows included, so reading stops at the first
  row too many. An XLSForm's data ends at a run of 60 empty rows, as in pyxform, so a sheet
  formatted down to row 1,048,576 is read to its last value. A sheet's own dimension is not
  believed (it may claim 1,048,576 rows by 16,384 columns); openpyxl streams the rows that are
  there (`read_only`).
- `MAX_COLUMNS`: a value beyond the 200th column is refused; cells further right are not read (a past
  round's data file, one variable a column, may have 1,000: `upload_limits_for_past_rounds`).

An .xlsx whose XML has a document type declaration (DTD) is refused before it is parsed: a
workbook never needs one, and entities are how XML bombs and external references work (openpyxl
also parses with defusedxml, which refuses entities in any encoding). A file that is not what it
claims, XML that is not well-formed, a CSV that is not UTF-8 and NUL characters (which PostgreSQL
cannot store) are `UploadRefused`, with the sheet, row and column where known.
"""

import csv
import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

MAX_COLUMNS = 200
XLSFORM_EMPTY_ROWS_END = 60
PAST_ROUND_MAX_COLUMNS = 1000
ERRORS_SHOWN = 50
DOCTYPE_MARKS = tuple("<!DOCTYPE".encode(encoding) for encoding in ("ascii", "utf-16-le", "utf-16-be"))


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    max_expanded_bytes: int
    max_rows: int
    # A run of this many empty rows ends the sheet's data (None: every row is read up to the cap).
    # XLSForm readers agree on 60 (pyxform's get_excel_rows); a sheet formatted to its last row
    # (1,048,576) is then read to its data, not refused or read for half a minute.
    empty_rows_end: int | None = None
    max_columns: int = MAX_COLUMNS


def upload_limits_for_tables() -> UploadLimits:
    """The caps of a profile or contact file."""
    return UploadLimits(settings.UPLOAD_MAX_BYTES, settings.UPLOAD_MAX_EXPANDED_BYTES, settings.UPLOAD_MAX_ROWS)


def upload_limits_for_past_rounds() -> UploadLimits:
    """The caps of a past round's data file (.sav, .xlsx or .csv): one row per unit, so the rows are
    the registry's (about 450), but a decade-old questionnaire may have several hundred variables."""
    return UploadLimits(
        settings.UPLOAD_MAX_PAST_ROUND_BYTES,
        settings.UPLOAD_MAX_EXPANDED_BYTES * 5,
        settings.UPLOAD_MAX_ROWS,
        max_columns=PAST_ROUND_MAX_COLUMNS,
    )


def upload_limits_for_xlsform() -> UploadLimits:
    """The caps of a questionnaire in XLSForm, per sheet."""
    return UploadLimits(
        settings.UPLOAD_MAX_BYTES,
        settings.UPLOAD_MAX_EXPANDED_BYTES,
        settings.UPLOAD_MAX_XLSFORM_ROWS,
        empty_rows_end=XLSFORM_EMPTY_ROWS_END,
    )


class UploadRefused(Exception):
    """A file that is not read, and why; `sheet`, `row` (1 = the header) and `column` where known."""

    def __init__(self, message: str, *, sheet: str | None = None, row: int | None = None, column: str | None = None):
        super().__init__(message)
        self.message, self.sheet, self.row, self.column = message, sheet, row, column


@dataclass
class Sheet:
    """The non-empty rows of one sheet as (row number, cell values), the header first. XLSX cells
    keep openpyxl's types (str, int, float, bool, datetime); CSV cells are text."""

    title: str
    rows: list[tuple[int, list]]


def upload_check_size(*, size: int, limits: UploadLimits) -> None:
    if size > limits.max_bytes:
        raise UploadRefused(
            _("The file is %(size)s; an upload may be at most %(max)s.")
            % {"size": filesizeformat(size), "max": filesizeformat(limits.max_bytes)}
        )


def upload_errors_head(errors: list) -> tuple[list, int]:
    """The errors a page lists, and how many more there are."""
    return errors[:ERRORS_SHOWN], max(0, len(errors) - ERRORS_SHOWN)


def upload_read_xlsx(*, content: bytes, limits: UploadLimits, titles: list[str] | None = None) -> dict[str, Sheet]:
    """The sheets with these titles (any case, spaces around ignored; a missing one is left out),
    or the first sheet when no titles are given, keyed by the title asked for (or the sheet's own)."""
    upload_check_size(size=len(content), limits=limits)
    _check_package(content, limits)
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise UploadRefused(_("The file is not a readable XLSX workbook (%(error)s).") % {"error": error}) from None
    try:
        if titles is None:
            chosen = {book.worksheets[0].title: book.worksheets[0]} if book.worksheets else {}
        else:
            by_title = {sheet.title.strip().lower(): sheet for sheet in book.worksheets}
            chosen = {title: by_title[title.lower()] for title in titles if title.lower() in by_title}
        return {title: _read_sheet(title, sheet, limits) for title, sheet in chosen.items()}
    finally:
        book.close()


def _check_package(content: bytes, limits: UploadLimits) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            members = package.infolist()
            expanded = sum(member.file_size for member in members)
            if expanded > limits.max_expanded_bytes:
                raise UploadRefused(
                    _("The workbook unpacks to %(size)s; an upload may unpack to at most %(max)s.")
                    % {"size": filesizeformat(expanded), "max": filesizeformat(limits.max_expanded_bytes)}
                )
            for member in members:  # every part: a workbook's relationships may name any part as XML
                if _declares_doctype(package, member):
                    raise UploadRefused(
                        _(
                            "The workbook's XML has a document type declaration (DTD) in %(part)s; "
                            "a workbook never needs one. Save it again from Excel or LibreOffice."
                        )
                        % {"part": member.filename}
                    )
    except UploadRefused:
        raise
    except Exception as error:  # not a zip, a damaged or encrypted member, an unknown compression
        raise UploadRefused(_("The file is not a readable XLSX workbook (%(error)s).") % {"error": error}) from None


def _declares_doctype(package: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Whether the part has a DTD. It must come before the root element, but a comment or a
    processing instruction may stand first, so the part is scanned in chunks to its end."""
    overlap = max(len(mark) for mark in DOCTYPE_MARKS)
    tail = b""
    with package.open(member) as part:
        while chunk := part.read(1 << 16):
            window = tail + chunk
            if any(mark in window for mark in DOCTYPE_MARKS):
                return True
            tail = window[-overlap:]
    return False


def _read_sheet(title: str, sheet, limits: UploadLimits) -> Sheet:
    sheet.reset_dimensions()  # read the rows that are there, not the size the file claims
    last_row = limits.max_rows + 1
    rows: list[tuple[int, list]] = []
    header: list = []
    number = empty_run = 0
    try:
        max_columns = limits.max_columns
        for number, cells in enumerate(sheet.iter_rows(max_col=max_columns + 1, values_only=True), start=1):
            values = list(cells)
            if len(values) > max_columns and values[max_columns] not in (None, ""):
                raise _too_many_columns(title, number, max_columns)
            del values[max_columns:]
            while values and values[-1] in (None, ""):
                values.pop()
            if number > last_row and (values or not limits.empty_rows_end):
                raise upload_too_many_rows(title, number, limits)
            if not values:
                empty_run += 1
                if limits.empty_rows_end and empty_run >= limits.empty_rows_end:
                    break
                continue
            empty_run = 0
            _check_text(values, title, number, header)
            rows.append((number, values))
            if not header:
                header = values
    except UploadRefused:
        raise
    except Exception as error:  # the sheet's XML is parsed only now, row by row
        raise UploadRefused(
            _("The sheet cannot be read after row %(row)s (%(error)s).") % {"row": number, "error": error},
            sheet=title,
            row=number + 1,
        ) from None
    return Sheet(title, rows)


def upload_read_csv(*, content: bytes, limits: UploadLimits) -> Sheet:
    """A CSV file in UTF-8 (a byte order mark is allowed), comma- or semicolon-separated, as one sheet."""
    upload_check_size(size=len(content), limits=limits)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise UploadRefused(_("The CSV file must be saved as UTF-8."), row=line) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    last_row = limits.max_rows + 1
    rows: list[tuple[int, list]] = []
    header: list = []
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if number > last_row:
                raise upload_too_many_rows(None, number, limits)
            if len(cells) > limits.max_columns and any(cells[limits.max_columns :]):
                raise _too_many_columns(None, number, limits.max_columns)
            values = cells[: limits.max_columns]
            if not any(value.strip() for value in values):
                continue
            _check_text(values, None, number, header)
            rows.append((number, values))
            if not header:
                header = values
    except csv.Error as error:
        raise UploadRefused(
            _("The CSV file cannot be read here (%(error)s).") % {"error": error}, row=number + 1
        ) from None
    return Sheet("", rows)


def _check_text(values: list, sheet: str | None, row: int, header: list) -> None:
    for index, value in enumerate(values):
        if isinstance(value, str) and "\x00" in value:
            column = str(header[index]).strip() if index < len(header) and header[index] else None
            raise UploadRefused(
                str(ProhibitNullCharactersValidator.message),
                sheet=sheet,
                row=row,
                column=column or get_column_letter(index + 1),
            )


def upload_too_many_rows(sheet: str | None, row: int, limits: UploadLimits) -> UploadRefused:
    """The refusal of a sheet with a value beyond the row cap (readers outside this module too)."""
    return UploadRefused(
        _("More than %(max)s rows under the header; upload at most %(max)s at a time.") % {"max": limits.max_rows},
        sheet=sheet,
        row=row,
    )


def _too_many_columns(sheet: str | None, row: int, max_columns: int) -> UploadRefused:
    return UploadRefused(
        _("A value beyond column %(max)s; a table here has fewer columns.") % {"max": max_columns},
        sheet=sheet,
        row=row,
        column=get_column_letter(max_columns + 1),
    )
