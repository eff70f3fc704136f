"""What an XLSForm import tells the admin: notes on rows it changed or left out, and the errors
that stop it. Every note names the sheet and row, and the column where one cell is the cause."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass
class RowNote:
    sheet: str
    row: int
    name: str
    reason: str
    column: str = ""

    def __post_init__(self):
        self.reason = str(self.reason)

    def __str__(self) -> str:
        if not self.row:  # about the whole workbook or sheet
            return self.reason if self.sheet == "-" else f"{self.sheet}: {self.reason}"
        values = {"sheet": self.sheet, "row": self.row, "name": self.name, "reason": self.reason}
        if self.column:
            return _("%(sheet)s, row %(row)s, column %(column)s (%(name)s): %(reason)s") % {
                **values,
                "column": self.column,
            }
        return _("%(sheet)s, row %(row)s (%(name)s): %(reason)s") % values


@dataclass
class ImportReport:
    created_questions: list[str] = field(default_factory=list)
    reused_questions: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    skipped: list[RowNote] = field(default_factory=list)
    notes: list[RowNote] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)

    noted: set = field(default_factory=set, repr=False, compare=False)

    def note(self, note: RowNote) -> None:
        """A note once: a language or a column noted on every row it appears in would bury the rest."""
        key = (note.sheet, note.row, note.name, note.reason, note.column)
        if key not in self.noted:
            self.noted.add(key)
            self.notes.append(note)


class XLSFormImportError(Exception):
    def __init__(self, errors: list[RowNote]):
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors
