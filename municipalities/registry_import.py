"""Loads the registry shipped in municipalities/data into the database.

Two phases: `registry_read` parses and checks every file and builds the whole
desired registry in memory, stopping at the first malformed value with its
file, line and column; `registry_apply` then writes only the differences in
one transaction. So a bad file writes nothing, and a second run writes nothing
and says so.
"""

import csv
import datetime
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from municipalities.models import (
    County,
    Municipality,
    MunicipalityChange,
    MunicipalityProfile,
    Region,
    RegionScheme,
)

DATA_DIR = Path(__file__).resolve().parent / "data"

DEFAULT_SCHEME_CODE = "imdi-2015"
DEFAULT_SCHEME_NAME = "IMDi-regioner (2015)"
DEFAULT_SCHEME_DESCRIPTION = (
    "The directorate's six regional offices as the 2015 report lists them. The offices were "
    "wound down in 2020; the grouping is kept for breakdowns and comparisons with old reports."
)
# Region label in the data -> (code, display name).
IMDI_REGIONS = {
    "IMDi Nord": ("nord", "Nord"),
    "IMDi Midt-Norge": ("midt-norge", "Midt-Norge"),
    "IMDi Vest": ("vest", "Vest"),
    "IMDi Sør": ("sor", "Sør"),
    "IMDi Øst": ("ost", "Øst"),
    "IMDi Indre Øst": ("indre-ost", "Indre Øst"),
}


def region_placeholder_email(code: str) -> str:
    """A placeholder office address (example.no is not a real office); edited in the admin."""
    return f"regionkontor-{code}@example.no"


# The three registry lists: file, first and last day of validity, profile years
# with the column that holds each year's population.
REGISTRY_LISTS = [
    ("municipalities_2019.csv", datetime.date(2019, 1, 1), datetime.date(2019, 12, 31), {2019: "population"}),
    ("municipalities_2020.csv", datetime.date(2020, 1, 1), datetime.date(2023, 12, 31), {2020: "population"}),
    (
        "municipalities_2024.csv",
        datetime.date(2024, 1, 1),
        None,
        {2024: "population", 2025: "population_2025", 2026: "population_2026"},
    ),
]
DISTRICT_PROFILE_COLUMNS = {2024: "population", 2025: "population_2025", 2026: "population_2026"}

MUNICIPALITY_NUMBER = re.compile(r"^\d{4}$")
DISTRICT_NUMBER = re.compile(r"^\d{6}$")
COUNTY_NUMBER = re.compile(r"^\d{2}$")
ONE_DAY = datetime.timedelta(days=1)


class RegistryImportError(Exception):
    """A malformed value: says which file, line and column, and why."""

    def __init__(self, file: str, line: int, column: str | None, reason: str):
        self.file, self.line, self.column, self.reason = file, line, column, reason
        where = f"{file}, line {line}" + (f", column '{column}'" if column else "")
        super().__init__(f"{where}: {reason}")


@dataclass
class CountyRow:
    number: str
    name: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    region_label: str | None  # None where the county is split between regions

    @property
    def key(self) -> tuple:
        return (self.number, self.valid_from)


@dataclass
class UnitRow:
    number: str
    name: str
    kind: str
    county_key: tuple
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    parent_key: tuple | None = None
    region_label: str | None = None  # only where the county cannot decide the region

    @property
    def key(self) -> tuple:
        return (self.number, self.valid_from)


@dataclass
class Registry:
    counties: dict[tuple, CountyRow] = field(default_factory=dict)
    units: dict[tuple, UnitRow] = field(default_factory=dict)
    # (predecessor key, successor key) -> (valid_from, change type)
    changes: dict[tuple, tuple] = field(default_factory=dict)
    # (unit key, year) -> {field: value}, only the fields the files give.
    profiles: dict[tuple, dict] = field(default_factory=dict)


class _Reader:
    """Reads one CSV file and turns cells into typed values with errors that point at them."""

    def __init__(self, data_dir: Path, name: str, required: list[str]):
        self.name = name
        path = data_dir / name
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise RegistryImportError(name, 0, None, "the file is missing") from None
        except UnicodeDecodeError as error:
            raise RegistryImportError(name, 0, None, f"not UTF-8 ({error.reason})") from None
        self.reader = csv.DictReader(text.splitlines())
        missing = [column for column in required if column not in (self.reader.fieldnames or [])]
        if missing:
            raise RegistryImportError(name, 1, missing[0], "the header lacks this column")

    def __iter__(self):
        for row in self.reader:
            if None in row or any(value is None for value in row.values()):
                raise RegistryImportError(self.name, self.reader.line_num, None, "wrong number of fields")
            yield self.reader.line_num, row

    def error(self, line: int, column: str | None, reason: str) -> RegistryImportError:
        return RegistryImportError(self.name, line, column, reason)

    def text(self, line: int, row: dict, column: str) -> str:
        value = row[column].strip()
        if not value:
            raise self.error(line, column, "must not be empty")
        return value

    def matching(self, line: int, row: dict, column: str, pattern: re.Pattern, what: str) -> str:
        value = row[column].strip()
        if not pattern.match(value):
            raise self.error(line, column, f"{value!r} is not {what}")
        return value

    def integer(self, line: int, row: dict, column: str, low: int, high: int, optional: bool = False) -> int | None:
        value = row[column].strip()
        if not value and optional:
            return None
        try:
            number = int(value)
        except ValueError:
            raise self.error(line, column, f"{value!r} is not a whole number") from None
        if not low <= number <= high:
            raise self.error(line, column, f"{number} is outside {low}–{high}")
        return number

    def percent(self, line: int, row: dict, column: str) -> Decimal | None:
        value = row[column].strip()
        if not value:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise self.error(line, column, f"{value!r} is not a number") from None
        if not Decimal(0) <= number <= Decimal(100):
            raise self.error(line, column, f"{value} is not a percentage 0–100")
        return number

    def date(self, line: int, row: dict, column: str) -> datetime.date | None:
        value = row[column].strip()
        if not value:
            return None
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise self.error(line, column, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _county_on(registry: Registry, number: str, day: datetime.date) -> CountyRow | None:
    for county in registry.counties.values():
        if (
            county.number == number
            and (county.valid_from is None or county.valid_from <= day)
            and (county.valid_to is None or day <= county.valid_to)
        ):
            return county
    return None


def _unit_on(registry: Registry, number: str, day: datetime.date) -> UnitRow | None:
    for unit in registry.units.values():
        if (
            unit.number == number
            and (unit.valid_from is None or unit.valid_from <= day)
            and (unit.valid_to is None or day <= unit.valid_to)
        ):
            return unit
    return None


def registry_read(*, data_dir: Path = DATA_DIR) -> Registry:
    """Parses and checks all files; raises RegistryImportError on the first bad value."""
    registry = Registry()
    _read_counties(registry, data_dir)
    change_rows = _read_changes(data_dir)
    _read_units(registry, data_dir, change_rows)
    _link_changes(registry, change_rows)
    _read_districts(registry, data_dir)
    return registry


def _read_counties(registry: Registry, data_dir: Path) -> None:
    reader = _Reader(
        data_dir,
        "imdi_regions.csv",
        ["county_set", "county_number", "county_name", "valid_from", "valid_to", "imdi_region"],
    )
    for line, row in reader:
        label = reader.text(line, row, "imdi_region")
        if "(split)" in label:
            region_label = None
        elif label in IMDI_REGIONS:
            region_label = label
        else:
            raise reader.error(line, "imdi_region", f"unknown region {label!r}")
        county = CountyRow(
            number=reader.matching(line, row, "county_number", COUNTY_NUMBER, "a two-digit county number"),
            name=reader.text(line, row, "county_name"),
            valid_from=reader.date(line, row, "valid_from"),
            valid_to=reader.date(line, row, "valid_to"),
            region_label=region_label,
        )
        if county.key in registry.counties:
            raise reader.error(line, "county_number", f"county {county.number} is listed twice for the same period")
        registry.counties[county.key] = county


@dataclass
class _ChangeRow:
    line: int
    old_number: str
    new_number: str
    old_name: str
    old_county: str
    valid_from: datetime.date
    change_type: str


def _read_changes(data_dir: Path) -> list[_ChangeRow]:
    reader = _Reader(
        data_dir,
        "municipality_changes.csv",
        ["old_number", "old_name", "new_number", "valid_from", "change_type", "old_county_number"],
    )
    rows = []
    for line, row in reader:
        change_type = reader.text(line, row, "change_type")
        if change_type not in MunicipalityChange.ChangeType.values:
            raise reader.error(line, "change_type", f"unknown change type {change_type!r}")
        valid_from = reader.date(line, row, "valid_from")
        if valid_from is None:
            raise reader.error(line, "valid_from", "must not be empty")
        rows.append(
            _ChangeRow(
                line=line,
                old_number=reader.matching(line, row, "old_number", MUNICIPALITY_NUMBER, "a four-digit number"),
                new_number=reader.matching(line, row, "new_number", MUNICIPALITY_NUMBER, "a four-digit number"),
                old_name=reader.text(line, row, "old_name"),
                old_county=reader.matching(line, row, "old_county_number", COUNTY_NUMBER, "a two-digit county number"),
                valid_from=valid_from,
                change_type=change_type,
            )
        )
    return rows


def _read_units(registry: Registry, data_dir: Path, change_rows: list[_ChangeRow]) -> None:
    first_list_start = REGISTRY_LISTS[0][1]
    ended_at = {(row.old_number, row.valid_from) for row in change_rows}
    started_at: dict[str, list[datetime.date]] = {}
    for row in change_rows:
        started_at.setdefault(row.new_number, []).append(row.valid_from)

    def earlier_start(number: str, before: datetime.date) -> datetime.date | None:
        dates = [day for day in started_at.get(number, []) if day <= before]
        return max(dates) if dates else None

    # Units that ended before the first list: known only from the change table.
    for row in sorted(change_rows, key=lambda r: r.valid_from):
        if row.valid_from > first_list_start:
            continue
        valid_to = row.valid_from - ONE_DAY
        valid_from = earlier_start(row.old_number, valid_to)
        key = (row.old_number, valid_from)
        if key in registry.units:
            continue
        county = _county_on(registry, row.old_county, valid_to)
        if county is None:
            raise RegistryImportError(
                "municipality_changes.csv", row.line, "old_county_number", f"no county {row.old_county} on {valid_to}"
            )
        registry.units[key] = UnitRow(
            number=row.old_number,
            name=row.old_name,
            kind=Municipality.Kind.MUNICIPALITY,
            county_key=county.key,
            valid_from=valid_from,
            valid_to=valid_to,
        )

    continuing: dict[str, UnitRow] = {}
    for file_name, start, end, profile_columns in REGISTRY_LISTS:
        columns = ["number", "name", "county_number", "centrality_class", "immigrant_share_pct", "imdi_region"]
        reader = _Reader(data_dir, file_name, columns + list(profile_columns.values()))
        seen: dict[str, UnitRow] = {}
        for line, row in reader:
            number = reader.matching(line, row, "number", MUNICIPALITY_NUMBER, "a four-digit municipality number")
            if number in seen:
                raise reader.error(line, "number", f"municipality {number} is listed twice")
            county_number = reader.matching(line, row, "county_number", COUNTY_NUMBER, "a two-digit county number")
            county = _county_on(registry, county_number, start)
            if county is None:
                raise reader.error(line, "county_number", f"no county {county_number} on {start}")
            region_label = None
            if county.region_label is None:
                region_label = reader.text(line, row, "imdi_region")
                if region_label not in IMDI_REGIONS:
                    raise reader.error(line, "imdi_region", f"unknown region {region_label!r}")
            unit = continuing.get(number)
            if unit is None or (number, start) in ended_at:
                # Units of the first list may have started earlier (known from the change table).
                valid_from = earlier_start(number, start) if start == first_list_start else start
                unit = UnitRow(
                    number=number,
                    name="",
                    kind=Municipality.Kind.MUNICIPALITY,
                    county_key=county.key,
                    valid_from=valid_from,
                    valid_to=end,
                )
                if unit.key in registry.units:
                    raise reader.error(line, "number", f"municipality {number} overlaps an earlier unit")
                registry.units[unit.key] = unit
            # The latest list decides name and county of a unit that continues.
            unit.name = reader.text(line, row, "name")
            unit.county_key = county.key
            unit.valid_to = end
            unit.region_label = region_label
            seen[number] = unit

            centrality = reader.integer(line, row, "centrality_class", 1, 6, optional=True)
            share = reader.percent(line, row, "immigrant_share_pct")
            for year, column in profile_columns.items():
                values = {"population": reader.integer(line, row, column, 0, 10_000_000)}
                if centrality is not None:
                    values["centrality_class"] = centrality
                if share is not None and column == "population":
                    values["immigrant_share"] = share
                registry.profiles[(unit.key, year)] = values
        continuing = seen


def _link_changes(registry: Registry, change_rows: list[_ChangeRow]) -> None:
    for row in change_rows:
        predecessor = _unit_on(registry, row.old_number, row.valid_from - ONE_DAY)
        successor = _unit_on(registry, row.new_number, row.valid_from)
        if predecessor is None:
            raise RegistryImportError(
                "municipality_changes.csv", row.line, "old_number", f"no unit {row.old_number} before {row.valid_from}"
            )
        if successor is None:
            raise RegistryImportError(
                "municipality_changes.csv", row.line, "new_number", f"no unit {row.new_number} on {row.valid_from}"
            )
        registry.changes[(predecessor.key, successor.key)] = (row.valid_from, row.change_type)


def _read_districts(registry: Registry, data_dir: Path) -> None:
    reader = _Reader(
        data_dir, "oslo_districts.csv", ["number", "name", "municipality_number", *DISTRICT_PROFILE_COLUMNS.values()]
    )
    today_start = REGISTRY_LISTS[-1][1]
    for line, row in reader:
        number = reader.matching(line, row, "number", DISTRICT_NUMBER, "a six-digit district number")
        parent_number = reader.matching(line, row, "municipality_number", MUNICIPALITY_NUMBER, "a four-digit number")
        parent = _unit_on(registry, parent_number, today_start)
        if parent is None:
            raise reader.error(line, "municipality_number", f"no municipality {parent_number}")
        if not number.startswith(parent_number):
            raise reader.error(line, "number", f"{number} does not belong to municipality {parent_number}")
        unit = UnitRow(
            number=number,
            name=reader.text(line, row, "name"),
            kind=Municipality.Kind.DISTRICT,
            county_key=parent.county_key,
            valid_from=None,
            valid_to=None,
            parent_key=parent.key,
        )
        if unit.key in registry.units:
            raise reader.error(line, "number", f"district {number} is listed twice")
        registry.units[unit.key] = unit
        for year, column in DISTRICT_PROFILE_COLUMNS.items():
            registry.profiles[(unit.key, year)] = {"population": reader.integer(line, row, column, 0, 10_000_000)}


@dataclass
class ImportReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)

    @property
    def changed_anything(self) -> bool:
        return bool(sum(self.created.values()) or sum(self.updated.values()))

    def lines(self) -> list[str]:
        names = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        return [
            f"{name}: {self.created[name]} created, {self.updated[name]} updated, {self.unchanged[name]} unchanged"
            for name in names
        ]


def _sync(model, existing: dict, key, values: dict, report: ImportReport, label: str, to_update: list):
    """Creates or updates one row from its desired values; returns the row."""
    row = existing.get(key)
    if row is None:
        row = model(**values)
        report.created[label] += 1
        return row, True
    if any(getattr(row, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(row, name, value)
        to_update.append(row)
        report.updated[label] += 1
    else:
        report.unchanged[label] += 1
    return row, False


@transaction.atomic
def registry_apply(*, registry: Registry) -> ImportReport:
    """Writes the differences between `registry` and the database."""
    report = ImportReport()

    # Counties.
    counties = {(c.number, c.valid_from): c for c in County.objects.all()}
    new, changed = [], []
    for key, row in registry.counties.items():
        county, is_new = _sync(
            County,
            counties,
            key,
            {"number": row.number, "name": row.name, "valid_from": row.valid_from, "valid_to": row.valid_to},
            report,
            "counties",
            changed,
        )
        if is_new:
            new.append(county)
    County.objects.bulk_create(new)
    County.objects.bulk_update(changed, ["name", "valid_to"])
    counties = {(c.number, c.valid_from): c for c in County.objects.all()}

    # Municipalities and districts: parents first, so districts can point at them.
    units = {(m.number, m.valid_from): m for m in Municipality.objects.all()}
    for wave in (Municipality.Kind.MUNICIPALITY, Municipality.Kind.DISTRICT):
        new, changed = [], []
        for key, row in registry.units.items():
            if row.kind != wave:
                continue
            unit, is_new = _sync(
                Municipality,
                units,
                key,
                {
                    "number": row.number,
                    "name": row.name,
                    "kind": row.kind,
                    "county": counties[row.county_key],
                    "parent": units[row.parent_key] if row.parent_key else None,
                    "valid_from": row.valid_from,
                    "valid_to": row.valid_to,
                },
                report,
                "municipalities and districts",
                changed,
            )
            if is_new:
                new.append(unit)
        Municipality.objects.bulk_create(new)
        Municipality.objects.bulk_update(changed, ["name", "kind", "county", "parent", "valid_to"])
        units = {(m.number, m.valid_from): m for m in Municipality.objects.all()}

    # Reform links.
    links = {(c.predecessor_id, c.successor_id): c for c in MunicipalityChange.objects.all()}
    new, changed = [], []
    for (old_key, new_key), (valid_from, change_type) in registry.changes.items():
        predecessor, successor = units[old_key], units[new_key]
        link, is_new = _sync(
            MunicipalityChange,
            links,
            (predecessor.pk, successor.pk),
            {"predecessor": predecessor, "successor": successor, "valid_from": valid_from, "change_type": change_type},
            report,
            "reform links",
            changed,
        )
        if is_new:
            new.append(link)
    MunicipalityChange.objects.bulk_create(new)
    MunicipalityChange.objects.bulk_update(changed, ["valid_from", "change_type"])

    # Profiles: only the fields the files give, so uploaded values survive a re-import.
    profiles = {(p.municipality_id, p.year): p for p in MunicipalityProfile.objects.all()}
    new, changed = [], []
    for (unit_key, year), values in registry.profiles.items():
        unit = units[unit_key]
        profile, is_new = _sync(
            MunicipalityProfile,
            profiles,
            (unit.pk, year),
            {"municipality": unit, "year": year, **values},
            report,
            "yearly profiles",
            changed,
        )
        if is_new:
            new.append(profile)
    MunicipalityProfile.objects.bulk_create(new)
    MunicipalityProfile.objects.bulk_update(changed, ["population", "centrality_class", "immigrant_share"])

    _apply_default_regions(registry, counties, units, report)
    return report


def _apply_default_regions(registry: Registry, counties: dict, units: dict, report: ImportReport) -> None:
    """Ships the six historical regions with placeholder office addresses. Memberships
    are only ever added for counties and units that no region of the scheme holds yet,
    and an address is only filled in where there is none, so an admin's own changes to
    the scheme survive a re-import."""
    scheme, created = RegionScheme.objects.get_or_create(
        code=DEFAULT_SCHEME_CODE,
        defaults={
            "name": DEFAULT_SCHEME_NAME,
            "description": DEFAULT_SCHEME_DESCRIPTION,
            "is_active": not RegionScheme.objects.filter(is_active=True).exists(),
        },
    )
    (report.created if created else report.unchanged)["region schemes"] += 1
    regions = {}
    for label, (code, name) in IMDI_REGIONS.items():
        region, created = Region.objects.get_or_create(
            scheme=scheme, code=code, defaults={"name": name, "office_email": region_placeholder_email(code)}
        )
        if not created and not region.office_email:
            # Regions imported before they had an address get the placeholder once; an address
            # an admin has set is never overwritten.
            region.office_email = region_placeholder_email(code)
            region.save(update_fields=["office_email", "updated_at"])
            report.updated["regions"] += 1
        else:
            (report.created if created else report.unchanged)["regions"] += 1
        regions[label] = region

    county_links = Region.counties.through
    placed_counties = set(county_links.objects.filter(region__scheme=scheme).values_list("county_id", flat=True))
    new_links = [
        county_links(region=regions[row.region_label], county=counties[key])
        for key, row in registry.counties.items()
        if row.region_label and counties[key].pk not in placed_counties
    ]
    county_links.objects.bulk_create(new_links)

    unit_links = Region.municipalities.through
    placed_units = set(unit_links.objects.filter(region__scheme=scheme).values_list("municipality_id", flat=True))
    new_unit_links = [
        unit_links(region=regions[row.region_label], municipality=units[key])
        for key, row in registry.units.items()
        if row.region_label and units[key].pk not in placed_units
    ]
    unit_links.objects.bulk_create(new_unit_links)
    report.created["region memberships"] += len(new_links) + len(new_unit_links)
    report.unchanged["region memberships"] += len(placed_counties) + len(placed_units)
