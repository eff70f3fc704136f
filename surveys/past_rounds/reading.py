"""Reading a past round's data file: SPSS .sav (pyreadstat: variables, labels, value labels and
user-missing codes), Excel .xlsx and .csv (openpyxl and the csv module, through the upload caps
of operations/upload_limits.py). Every reader gives the same `DataFile`: one column a variable,
one row a unit, values as the file holds them (numbers as int or float, text as str, blanks None)."""

import hashlib
import math
import os
import tempfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from operations.upload_limits import (
    UploadLimits,
    UploadRefused,
    upload_check_size,
    upload_limits_for_past_rounds,
    upload_read_csv,
    upload_read_xlsx,
)

FORMATS = (".sav", ".xlsx", ".csv")


@dataclass
class Column:
    name: str
    label: str = ""
    value_labels: dict[object, str] = field(default_factory=dict)  # code as stored -> its label
    missing_codes: set = field(default_factory=set)  # SPSS user-missing values


@dataclass
class DataFile:
    name: str
    sha256: str
    columns: list[Column]
    rows: list[list]  # one list of values a unit, in column order

    def column_index(self, name: str) -> int:
        for index, column in enumerate(self.columns):
            if column.name == name:
                return index
        raise KeyError(name)

    def values(self, index: int) -> list:
        return [row[index] for row in self.rows]


def value_plain(value: object) -> object:
    """A cell as the mapping sees it: blanks and NaN are None, whole floats int, text stripped."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() else value
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool):
        return int(value)
    return value


def value_key(value: object) -> str:
    """How a value is written in a mapping's JSON (its keys are text): 1.0 and 1 are both "1"."""
    value = value_plain(value)
    return "" if value is None else str(value)


def past_round_file_read(*, name: str, content: bytes, limits: UploadLimits | None = None) -> DataFile:
    """The file's columns and rows, or `UploadRefused` saying why it cannot be read."""
    limits = limits or upload_limits_for_past_rounds()
    extension = os.path.splitext(name)[1].lower()
    if extension not in FORMATS:
        raise UploadRefused(_("Upload an SPSS (.sav), Excel (.xlsx) or CSV (.csv) file."))
    if not content:
        raise UploadRefused(_("The file is empty."))
    upload_check_size(size=len(content), limits=limits)
    checksum = hashlib.sha256(content).hexdigest()
    if extension == ".sav":
        columns, rows = _read_sav(content, limits)
    else:
        sheet = (
            upload_read_csv(content=content, limits=limits)
            if extension == ".csv"
            else next(iter(upload_read_xlsx(content=content, limits=limits).values()), None)
        )
        if sheet is None or not sheet.rows:
            raise UploadRefused(_("The file is empty."))
        header = [value_plain(cell) for cell in sheet.rows[0][1]]
        columns, rows = _table(header, [values for _number, values in sheet.rows[1:]])
    if not rows:
        raise UploadRefused(_("The file has no rows under its header: there is nothing to import."))
    return DataFile(name=os.path.basename(name), sha256=checksum, columns=columns, rows=rows)


def _table(header: list, body: list[list]) -> tuple[list[Column], list[list]]:
    if any(name is None for name in header):
        raise UploadRefused(_("Every column needs a name in the first row."), row=1)
    names = [str(name) for name in header]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise UploadRefused(_("Two columns have the same name: %(names)s.") % {"names": ", ".join(duplicates)}, row=1)
    width = len(names)
    rows = [[value_plain(value) for value in (values + [None] * width)[:width]] for values in body]
    return [Column(name=name) for name in names], rows


def _read_sav(content: bytes, limits: UploadLimits) -> tuple[list[Column], list[list]]:
    import pyreadstat

    # pyreadstat reads from a path; the file lives only as long as the read.
    with tempfile.NamedTemporaryFile(suffix=".sav") as handle:
        handle.write(content)
        handle.flush()
        try:
            meta_only = pyreadstat.read_sav(handle.name, metadataonly=True)[1]
            if meta_only.number_rows is not None and meta_only.number_rows > limits.max_rows:
                raise UploadRefused(
                    _("More than %(max)s rows under the header; upload at most %(max)s at a time.")
                    % {"max": limits.max_rows}
                )
            if meta_only.number_columns > limits.max_columns:
                raise UploadRefused(
                    _("The file has %(count)s variables; a past round may have at most %(max)s.")
                    % {"count": meta_only.number_columns, "max": limits.max_columns}
                )
            frame, meta = pyreadstat.read_sav(handle.name, user_missing=True)
        except UploadRefused:
            raise
        except Exception as error:  # pyreadstat raises its own kinds for a damaged or foreign file
            raise UploadRefused(
                _("The file is not a readable SPSS .sav file (%(error)s).") % {"error": error}
            ) from None
    columns = []
    for name, label in zip(meta.column_names, meta.column_labels, strict=True):
        missing = set()
        for span in meta.missing_ranges.get(name, []):
            low, high = value_plain(span["lo"]), value_plain(span["hi"])
            missing.add(low)
            if isinstance(low, int) and isinstance(high, int):
                missing.update(range(low, high + 1))
        labels = {value_plain(code): str(text) for code, text in meta.variable_value_labels.get(name, {}).items()}
        columns.append(Column(name=name, label=label or "", value_labels=labels, missing_codes=missing))
    rows = [[value_plain(value) for value in row] for row in frame.itertuples(index=False, name=None)]
    return columns, rows
