"""Uploads of yearly profiles and contacts as CSV or XLSX.

`upload_plan_*` reads a file, checks every row and says what would change,
without writing; `upload_apply_*` plans again and writes the plan in one
transaction, or nothing if any row is wrong. The admin shows the plan as a
preview before the user applies it.
"""

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from municipalities.models import Contact, Municipality, MunicipalityProfile

PROFILE_REQUIRED = ["municipality_number", "year"]
PROFILE_OPTIONAL = ["population", "centrality_class", "immigrant_share_pct", "settles_refugees", "partner_municipality"]
CONTACT_REQUIRED = ["municipality_number", "name", "role", "email"]
CONTACT_OPTIONAL = ["phone", "active", "language"]

TRUE_WORDS = {"1", "true", "yes", "ja", "j", "y", "x"}
FALSE_WORDS = {"0", "false", "no", "nei", "n"}


@dataclass
class UploadError:
    line: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = _("line %(line)s") % {"line": self.line}
        if self.column:
            where += ", " + _("column '%(column)s'") % {"column": self.column}
        return f"{where}: {self.reason}"


@dataclass
class PlannedRow:
    line: int
    municipality: Municipality
    action: str  # "create", "update" or "unchanged"
    changes: dict[str, tuple] = field(default_factory=dict)
    instance: object = None
    year: int | None = None


@dataclass
class UploadPlan:
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[UploadError] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def has_changes(self) -> bool:
        return any(row.action != "unchanged" for row in self.rows)


class UploadFileError(Exception):
    pass


def _read_table(name: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV (comma or semicolon) or XLSX file as (line, {header: text})."""
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as error:  # openpyxl raises many kinds for a broken file
            raise UploadFileError(
                _("The file is not a readable XLSX workbook (%(error)s).") % {"error": error}
            ) from None
        values = [
            ["" if cell is None else _cell_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)
        ]
    elif name.lower().endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UploadFileError(_("The CSV file must be saved as UTF-8.")) from None
        first_line = text.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        values = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    else:
        raise UploadFileError(_("Upload a .csv or .xlsx file."))
    if not values:
        raise UploadFileError(_("The file is empty."))
    header = [str(cell).strip().lower() for cell in values[0]]
    rows = []
    for number, cells in enumerate(values[1:], start=2):
        if not any(str(cell).strip() for cell in cells):
            continue
        cells = list(cells) + [""] * (len(header) - len(cells))
        rows.append((number, {name: str(cell).strip() for name, cell in zip(header, cells, strict=False) if name}))
    return [(0, dict.fromkeys(header, ""))] + rows


def _cell_text(cell) -> str:
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def _check_header(header: dict, required: list[str], optional: list[str]) -> list[UploadError]:
    errors = [
        UploadError(1, column, _("the header lacks this required column"))
        for column in required
        if column not in header
    ]
    errors += [
        UploadError(1, column, _("unknown column; allowed: %(columns)s") % {"columns": ", ".join(required + optional)})
        for column in header
        if column not in required + optional
    ]
    return errors


def _parse_bool(value: str) -> bool:
    if value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    raise ValueError(_("'%(value)s' is not yes or no") % {"value": value})


def _units_by_number_on(day: datetime.date) -> dict[str, Municipality]:
    return {unit.number: unit for unit in Municipality.objects.valid_on(day).select_related("county")}


def upload_plan_profiles(*, name: str, content: bytes) -> UploadPlan:
    plan = UploadPlan()
    try:
        table = _read_table(name, content)
    except UploadFileError as error:
        plan.errors.append(UploadError(1, None, str(error)))
        return plan
    header = table[0][1]
    plan.errors += _check_header(header, PROFILE_REQUIRED, PROFILE_OPTIONAL)
    if plan.errors:
        return plan

    units_by_year: dict[int, dict[str, Municipality]] = {}
    parsed = []
    for line, row in table[1:]:
        try:
            year = int(row["year"])
            if not 1990 <= year <= 2100:
                raise ValueError
        except ValueError:
            plan.errors.append(UploadError(line, "year", _("'%(value)s' is not a year") % {"value": row["year"]}))
            continue
        units = units_by_year.setdefault(year, _units_by_number_on(datetime.date(year, 1, 1)))
        unit = units.get(row["municipality_number"])
        if unit is None:
            plan.errors.append(
                UploadError(
                    line,
                    "municipality_number",
                    _("no municipality or district %(number)s was valid in %(year)s")
                    % {"number": row["municipality_number"], "year": year},
                )
            )
            continue
        values, row_errors = _profile_values(line, row)
        plan.errors += row_errors
        parsed.append((line, unit, year, values))

    existing = {
        (p.municipality_id, p.year): p
        for p in MunicipalityProfile.objects.filter(municipality__in=[unit for _, unit, _, _ in parsed])
    }
    seen: dict[tuple, int] = {}
    for line, unit, year, values in parsed:
        key = (unit.pk, year)
        if key in seen:
            plan.errors.append(
                UploadError(
                    line, "municipality_number", _("same municipality and year as line %(line)s") % {"line": seen[key]}
                )
            )
            continue
        seen[key] = line
        profile = existing.get(key)
        if profile is None:
            plan.rows.append(PlannedRow(line, unit, "create", {k: (None, v) for k, v in values.items()}, year=year))
            continue
        changes = {k: (getattr(profile, k), v) for k, v in values.items() if getattr(profile, k) != v}
        plan.rows.append(PlannedRow(line, unit, "update" if changes else "unchanged", changes, profile, year))
    return plan


def _profile_values(line: int, row: dict) -> tuple[dict, list[UploadError]]:
    """The profile fields a row sets. An empty cell leaves the stored value as it is."""
    values, errors = {}, []
    checks = {
        "population": ("population", lambda v: _whole(v, 0, 10_000_000)),
        "centrality_class": ("centrality_class", lambda v: _whole(v, 1, 6)),
        "immigrant_share_pct": ("immigrant_share", _percent),
        "settles_refugees": ("settles_refugees", _parse_bool),
        "partner_municipality": ("is_partner", _parse_bool),
    }
    for column, (field_name, parse) in checks.items():
        value = row.get(column, "")
        if value == "":
            continue
        try:
            values[field_name] = parse(value)
        except ValueError as error:
            errors.append(UploadError(line, column, str(error)))
    return values, errors


def _whole(value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ValueError(_("'%(value)s' is not a whole number") % {"value": value}) from None
    if not low <= number <= high:
        raise ValueError(_("%(value)s is outside %(low)s–%(high)s") % {"value": number, "low": low, "high": high})
    return number


def _percent(value: str) -> Decimal:
    try:
        number = Decimal(value.replace(",", ".")).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValueError(_("'%(value)s' is not a number") % {"value": value}) from None
    if not Decimal(0) <= number <= Decimal(100):
        raise ValueError(_("%(value)s is not a percentage 0–100") % {"value": value})
    return number


@transaction.atomic
def upload_apply_profiles(*, name: str, content: bytes) -> UploadPlan:
    plan = upload_plan_profiles(name=name, content=content)
    if plan.errors:
        return plan
    for row in plan.rows:
        if row.action == "create":
            values = {k: new for k, (_old, new) in row.changes.items()}
            MunicipalityProfile.objects.create(municipality=row.municipality, year=row.year, **values)
        elif row.action == "update":
            for key, (_old, new) in row.changes.items():
                setattr(row.instance, key, new)
            row.instance.full_clean()
            row.instance.save()
    return plan


def upload_plan_contacts(*, name: str, content: bytes) -> UploadPlan:
    plan = UploadPlan()
    try:
        table = _read_table(name, content)
    except UploadFileError as error:
        plan.errors.append(UploadError(1, None, str(error)))
        return plan
    header = table[0][1]
    plan.errors += _check_header(header, CONTACT_REQUIRED, CONTACT_OPTIONAL)
    if plan.errors:
        return plan

    units = _units_by_number_on(datetime.date.today())
    existing = {
        (c.municipality_id, c.email.lower()): c for c in Contact.objects.filter(municipality__in=units.values())
    }
    seen: dict[tuple, int] = {}
    for line, row in table[1:]:
        unit = units.get(row["municipality_number"])
        if unit is None:
            plan.errors.append(
                UploadError(
                    line,
                    "municipality_number",
                    _("no current municipality or district %(number)s") % {"number": row["municipality_number"]},
                )
            )
            continue
        values, row_errors = _contact_values(line, row)
        plan.errors += row_errors
        if row_errors:
            continue
        key = (unit.pk, values["email"].lower())
        if key in seen:
            plan.errors.append(UploadError(line, "email", _("same person as line %(line)s") % {"line": seen[key]}))
            continue
        seen[key] = line
        contact = existing.get(key)
        if contact is None:
            plan.rows.append(PlannedRow(line, unit, "create", {k: (None, v) for k, v in values.items()}))
            continue
        changes = {k: (getattr(contact, k), v) for k, v in values.items() if getattr(contact, k) != v}
        plan.rows.append(PlannedRow(line, unit, "update" if changes else "unchanged", changes, contact))
    return plan


def _contact_values(line: int, row: dict) -> tuple[dict, list[UploadError]]:
    errors = []
    values = {"name": row["name"], "email": row["email"], "role": row["role"]}
    if not values["name"]:
        errors.append(UploadError(line, "name", _("must not be empty")))
    try:
        validate_email(values["email"])
    except ValidationError:
        errors.append(UploadError(line, "email", _("'%(value)s' is not an e-mail address") % {"value": row["email"]}))
    if values["role"] not in Contact.Role.values:
        errors.append(
            UploadError(
                line,
                "role",
                _("'%(value)s' is not a role; use one of %(roles)s")
                % {"value": row["role"], "roles": ", ".join(Contact.Role.values)},
            )
        )
    if row.get("phone"):
        values["phone"] = row["phone"]
    if row.get("active"):
        try:
            values["is_active"] = _parse_bool(row["active"])
        except ValueError as error:
            errors.append(UploadError(line, "active", str(error)))
    if row.get("language"):
        if row["language"] not in Contact.Language.values:
            errors.append(UploadError(line, "language", _("use nb or nn")))
        else:
            values["language"] = row["language"]
    return values, errors


@transaction.atomic
def upload_apply_contacts(*, name: str, content: bytes) -> UploadPlan:
    plan = upload_plan_contacts(name=name, content=content)
    if plan.errors:
        return plan
    for row in plan.rows:
        if row.action == "create":
            values = {k: new for k, (_old, new) in row.changes.items()}
            Contact.objects.create(municipality=row.municipality, **values)
        elif row.action == "update":
            for key, (_old, new) in row.changes.items():
                setattr(row.instance, key, new)
            row.instance.save()
    return plan
