"""Uploads of yearly profiles and contacts as CSV or XLSX.

`upload_plan_*` reads a file within the upload caps (operations.upload_limits), checks
every row with the upload's own rules and then with the model's (`full_clean`: lengths,
ranges, e-mail addresses), and says what would change, without writing; `upload_apply_*`
plans again and writes the plan in one transaction, or nothing if any row is wrong. The
admin shows the plan as a preview before the user applies it.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import validate_email
from django.db import DataError, IntegrityError, transaction
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from municipalities.models import Contact, Municipality, MunicipalityProfile
from operations.upload_limits import (
    UploadRefused,
    upload_errors_head,
    upload_limits_for_tables,
    upload_read_csv,
    upload_read_xlsx,
)

PROFILE_REQUIRED = ["municipality_number", "year"]
PROFILE_OPTIONAL = ["population", "centrality_class", "immigrant_share_pct", "settles_refugees", "partner_municipality"]
CONTACT_REQUIRED = ["municipality_number", "name", "role", "email"]
CONTACT_OPTIONAL = ["phone", "active", "language"]
# The upload's column of each model field, for the model's own errors.
PROFILE_COLUMNS = {"immigrant_share": "immigrant_share_pct", "is_partner": "partner_municipality"}
CONTACT_COLUMNS = {"is_active": "active"}

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
    def errors_shown(self) -> list[UploadError]:
        return upload_errors_head(self.errors)[0]

    @property
    def errors_more(self) -> int:
        return upload_errors_head(self.errors)[1]

    @property
    def has_changes(self) -> bool:
        return any(row.action != "unchanged" for row in self.rows)


def _read_table(name: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV (comma or semicolon) or XLSX file as (line, {header: text}), the header first."""
    limits = upload_limits_for_tables()
    if name.lower().endswith(".xlsx"):
        sheets = upload_read_xlsx(content=content, limits=limits)
        rows = [(line, [_cell_text(cell) for cell in cells]) for sheet in sheets.values() for line, cells in sheet.rows]
    elif name.lower().endswith(".csv"):
        rows = upload_read_csv(content=content, limits=limits).rows
    else:
        raise UploadRefused(_("Upload a .csv or .xlsx file."))
    if not rows:
        raise UploadRefused(_("The file is empty."))
    header_line, cells = rows[0]
    header = [str(cell).strip().lower() for cell in cells]
    for index, column in enumerate(header):
        if column and column in header[:index]:
            raise UploadRefused(_("this column appears twice in the header"), row=header_line, column=column)
    table = [(header_line, dict.fromkeys(header, ""))]
    for line, cells in rows[1:]:
        cells = list(cells) + [""] * (len(header) - len(cells))
        table.append((line, {column: cell.strip() for column, cell in zip(header, cells, strict=False) if column}))
    return table


def _refused(refused: UploadRefused) -> UploadError:
    return UploadError(refused.row or 1, refused.column, refused.message)


def _shown(value: str) -> str:
    """A cell's value in a message, cut short: a message repeats what was wrong, not the whole cell."""
    return Truncator(value).chars(60)


def _model_errors(line: int, instance, columns: dict[str, str]) -> list[UploadError]:
    """The model's own rules (lengths, ranges, addresses, choices) for a row about to be written.
    The unit is the registry's own and the plan has matched the row to what is stored, so the
    database is not asked again per row."""
    try:
        instance.full_clean(exclude=["municipality"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return [
            UploadError(line, None if name == NON_FIELD_ERRORS else columns.get(name, name), message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return []


def _plan_row(plan: UploadPlan, planned: PlannedRow, instance, values: dict, columns: dict[str, str]) -> None:
    """Plans one row: `instance` (stored, or new and unsaved) with the row's values set, which
    must keep the model's rules. A stored one is updated, or unchanged if the row repeats it."""
    if instance.pk is None:
        planned.changes = {k: (None, v) for k, v in values.items()}
    else:
        planned.changes = {k: (getattr(instance, k), v) for k, v in values.items() if getattr(instance, k) != v}
        planned.action = "update" if planned.changes else "unchanged"
    for key, (_old, new) in planned.changes.items():
        setattr(instance, key, new)
    planned.instance = instance
    row_errors = _model_errors(planned.line, instance, columns)
    plan.errors += row_errors
    if not row_errors:
        plan.rows.append(planned)


def _cell_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def _check_header(line: int, header: dict, required: list[str], optional: list[str]) -> list[UploadError]:
    errors = [
        UploadError(line, column, _("the header lacks this required column"))
        for column in required
        if column not in header
    ]
    errors += [
        UploadError(
            line,
            _shown(column) or None,
            _("unknown column; allowed: %(columns)s") % {"columns": ", ".join(required + optional)},
        )
        for column in header
        if column not in required + optional
    ]
    return errors


def _parse_bool(value: str) -> bool:
    if value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    raise ValueError(_("'%(value)s' is not yes or no") % {"value": _shown(value)})


def _units_by_number_on(day: datetime.date) -> dict[str, Municipality]:
    return {unit.number: unit for unit in Municipality.objects.valid_on(day).select_related("county")}


def upload_plan_profiles(*, name: str, content: bytes) -> UploadPlan:
    plan = UploadPlan()
    try:
        table = _read_table(name, content)
    except UploadRefused as refused:
        plan.errors.append(_refused(refused))
        return plan
    header_line, header = table[0]
    plan.errors += _check_header(header_line, header, PROFILE_REQUIRED, PROFILE_OPTIONAL)
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
            plan.errors.append(
                UploadError(line, "year", _("'%(value)s' is not a year") % {"value": _shown(row["year"])})
            )
            continue
        units = units_by_year.setdefault(year, _units_by_number_on(datetime.date(year, 1, 1)))
        unit = units.get(row["municipality_number"])
        if unit is None:
            plan.errors.append(
                UploadError(
                    line,
                    "municipality_number",
                    _("no municipality or district %(number)s was valid in %(year)s")
                    % {"number": _shown(row["municipality_number"]), "year": year},
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
        stored = existing.get(key)
        new = MunicipalityProfile(municipality=unit, year=year)
        _plan_row(plan, PlannedRow(line, unit, "create", year=year), stored or new, values, PROFILE_COLUMNS)
    return plan


def _profile_values(line: int, row: dict) -> tuple[dict, list[UploadError]]:
    """The profile fields a row sets. An empty cell leaves the stored value as it is."""
    values, errors = {}, []
    checks = {
        "population": ("population", lambda v: _whole(v, 0, 10_000_000)),
        "centrality_class": ("centrality_class", lambda v: _whole(v, 0, 6)),
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
        raise ValueError(_("'%(value)s' is not a whole number") % {"value": _shown(value)}) from None
    if not low <= number <= high:
        raise ValueError(_("%(value)s is outside %(low)s–%(high)s") % {"value": number, "low": low, "high": high})
    return number


def _percent(value: str) -> Decimal:
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        number = None
    # NaN and infinity are Decimals too, but no share (and NaN fails any comparison).
    if number is None or not number.is_finite():
        raise ValueError(_("'%(value)s' is not a number") % {"value": _shown(value)})
    if not Decimal(0) <= number <= Decimal(100):
        raise ValueError(_("%(value)s is not a percentage 0–100") % {"value": _shown(value)})
    return number.quantize(Decimal("0.01"))


def upload_apply_profiles(*, name: str, content: bytes) -> UploadPlan:
    with transaction.atomic():
        plan = upload_plan_profiles(name=name, content=content)
        _write(plan)
    return plan


def _write(plan: UploadPlan) -> None:
    """Writes every planned row, or none: a row the database still refuses (a contact added
    by someone else since the plan, say) is an error on that row, and nothing is written."""
    if plan.errors:
        return
    writing = None
    try:
        with transaction.atomic():
            for writing in plan.rows:
                if writing.action != "unchanged":
                    writing.instance.save()
    except (IntegrityError, DataError) as error:
        plan.errors.append(
            UploadError(
                writing.line,
                None,
                _("the database refused this row (%(error)s); nothing was changed")
                % {"error": _shown(str(error).splitlines()[0] if str(error) else type(error).__name__)},
            )
        )


def upload_plan_contacts(*, name: str, content: bytes) -> UploadPlan:
    plan = UploadPlan()
    try:
        table = _read_table(name, content)
    except UploadRefused as refused:
        plan.errors.append(_refused(refused))
        return plan
    header_line, header = table[0]
    plan.errors += _check_header(header_line, header, CONTACT_REQUIRED, CONTACT_OPTIONAL)
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
                    _("no current municipality or district %(number)s")
                    % {"number": _shown(row["municipality_number"])},
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
        stored = existing.get(key)
        _plan_row(plan, PlannedRow(line, unit, "create"), stored or Contact(municipality=unit), values, CONTACT_COLUMNS)
    return plan


def _contact_values(line: int, row: dict) -> tuple[dict, list[UploadError]]:
    errors = []
    values = {"name": row["name"], "email": row["email"], "role": row["role"]}
    if not values["name"]:
        errors.append(UploadError(line, "name", _("must not be empty")))
    try:
        validate_email(values["email"])
    except ValidationError:
        errors.append(
            UploadError(line, "email", _("'%(value)s' is not an e-mail address") % {"value": _shown(row["email"])})
        )
    if values["role"] not in Contact.Role.values:
        errors.append(
            UploadError(
                line,
                "role",
                _("'%(value)s' is not a role; use one of %(roles)s")
                % {"value": _shown(row["role"]), "roles": ", ".join(Contact.Role.values)},
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


def upload_apply_contacts(*, name: str, content: bytes) -> UploadPlan:
    with transaction.atomic():
        plan = upload_plan_contacts(name=name, content=content)
        _write(plan)
    return plan
