"""The round's data as CSV, XLSX and SPSS (.sav), one row per unit the round covered, and its codebook.

Rows: every unit of the round (valid when it opened, or with a response), responding or not, so the
file can be weighted and compared with the registry; `responded` says whether at least one section
was submitted. A unit that did not respond has "not answered" (-9) in every coded variable, even where
a condition would have hidden a question: conditions on answers cannot be evaluated without answers.

Coding (the same in every format):
- background: `unit_kind` 1 municipality, 2 Oslo district; county, region, centrality, size band and
  immigrant-share band as labelled numbers in their natural order (the county's number, the regions'
  order, the class's code in the centrality standard of the round's year, the band's position); a
  district has no size band (system-missing).
- yes/no: 1 yes, 0 no; single choice: the option's position, from 1; scale and matrix items: the
  scale value; multiple choice: one 0/1 variable per option (`<code>_<option>`); numbers as given;
  texts and comments as text.
- SPSS: measurement levels (codes nominal; scale points and classes ordinal; numbers scale) and formats
  by type (whole numbers F<width>.0, numbers with decimals F8.2).
- missing values of coded and number variables: -6 "don't know" (where the question offers it; on a
  multiple choice in every option's variable), -7 "not relevant", -8 "not asked" (a condition hid the
  question), -9 "not answered" (shown but not answered or not submitted). Texts are empty when missing.
  In the .sav they are user-missing: listed when at most three, else as the range -9 to -6.
- CSV: comma-separated, UTF-8 with a byte-order mark so Excel detects the encoding, dot as the decimal mark.
- Texts are data, never formulas (operations/spreadsheets.py): in the XLSX every text is a text cell;
  in the CSV a text starting with "=", "+", "-", "@", a tab or a carriage return has a single quote
  before it. The SPSS file keeps texts as they were typed: SPSS has no formulas.
"""

import os
import tempfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from municipalities.models import Municipality
from operations.spreadsheets import csv_bytes, xlsx_bytes
from surveys.analytics.dataset import Districts, RoundData, Unit
from surveys.analytics.statistics import (
    NET_SCORE_NOTE,
    NUMBER_TYPES,
    SCALE_TYPES,
    TEXT_TYPES,
    NetScoreTable,
    net_score_tables,
    question_variables,
)
from surveys.models import DONT_KNOW, NOT_RELEVANT, Item, Question

DONT_KNOW_CODE = -6
NOT_RELEVANT_CODE = -7
NOT_ASKED_CODE = -8
NOT_ANSWERED_CODE = -9


def missing_labels() -> dict[int, str]:
    return {
        DONT_KNOW_CODE: _("Don't know"),
        NOT_RELEVANT_CODE: _("Not relevant"),
        NOT_ASKED_CODE: _("Not asked (hidden by a condition)"),
        NOT_ANSWERED_CODE: _("Not answered"),
    }


class Measure:
    """SPSS's measurement levels."""

    NOMINAL = "nominal"
    ORDINAL = "ordinal"
    SCALE = "scale"


@dataclass
class ExportVariable:
    name: str
    label: str
    numeric: bool
    value_labels: dict[int, str] = field(default_factory=dict)
    missing: list[int] = field(default_factory=list)
    answer_codes: dict[int, str] = field(default_factory=dict)  # value -> the option's or point's stable code
    question: str = ""  # the question code, empty for background variables
    section: str = ""
    condition: str = ""
    type: str = ""
    measure: str = Measure.NOMINAL
    decimals: bool = False  # a number with decimals (F8.2 in SPSS); every other number is a whole number

    def spss_format(self, values: list[object]) -> str:
        """F8.2 for numbers with decimals; whole numbers as wide as their widest value or code (F1.0 for
        a 0/1 variable, F2.0 where the missing codes -7 to -9 are declared); texts as wide as the longest."""
        if not self.numeric:
            width = max((len(str(value).encode("utf-8")) for value in values if value is not None), default=1)
            return f"A{max(width, 1)}"
        if self.decimals:
            return "F8.2"
        numbers = [int(value) for value in values if isinstance(value, int | float) and value == value]  # not NaN
        width = max((len(str(number)) for number in [*numbers, *self.value_labels]), default=1)
        return f"F{width}.0"


@dataclass
class ExportTable:
    variables: list[ExportVariable]
    rows: list[list[object]]
    net_scores: list[NetScoreTable] = field(default_factory=list)
    districts_apart: bool = False

    @property
    def names(self) -> list[str]:
        return [variable.name for variable in self.variables]


def _yes_no_code(value: bool | None) -> int | None:
    return None if value is None else int(value)


UNIT_KIND_CODES = {Municipality.Kind.MUNICIPALITY: 1, Municipality.Kind.DISTRICT: 2}


@dataclass
class Background:
    """The background variables' codes: county, region and the classes of the round's schemes, each
    numbered in its natural order (county number, the regions' order, the classes' positions)."""

    counties: dict[str, str]  # county number -> name
    regions: list[str]
    size_bands: list[str]
    immigrant_bands: list[str]
    centrality: dict[int, str]  # the class's code in the standard of the round's year -> its name

    @classmethod
    def of(cls, data: RoundData) -> "Background":
        return cls(
            counties=dict(sorted({unit.county_number: unit.county for unit in data.units}.items())),
            regions=[region.name for region in data.regions],
            size_bands=[band.label for band in data.bands.get("population", [])],
            immigrant_bands=[band.label for band in data.bands.get("immigrant_share", [])],
            centrality={
                int(band.lower): band.label for band in data.bands.get("centrality", []) if band.lower is not None
            },
        )

    def variables(self) -> list[ExportVariable]:
        yes_no = {1: _("Yes"), 0: _("No")}
        ordinal, scale = Measure.ORDINAL, Measure.SCALE  # every other variable is nominal
        return [
            ExportVariable("number", _("Municipality number"), False),
            ExportVariable("name", _("Name"), False),
            ExportVariable(
                "unit_kind",
                _("Kind of unit (1 municipality, 2 Oslo district)"),
                True,
                {1: _("Municipality"), 2: _("Oslo district")},
            ),
            ExportVariable("county", _("County"), True, {int(number): name for number, name in self.counties.items()}),
            ExportVariable("region", _("Region"), True, dict(enumerate(self.regions, start=1))),
            ExportVariable("population", _("Population"), True, measure=scale),
            ExportVariable("centrality", _("Centrality class"), True, dict(self.centrality), measure=ordinal),
            ExportVariable("immigrant_share", _("Immigrant share (%)"), True, measure=scale, decimals=True),
            ExportVariable("settles_refugees", _("Settles refugees"), True, dict(yes_no)),
            ExportVariable("partner", _("Partner municipality"), True, dict(yes_no)),
            ExportVariable(
                "size_band",
                _("Population band (none for Oslo's districts)"),
                True,
                dict(enumerate(self.size_bands, start=1)),
                measure=ordinal,
            ),
            ExportVariable(
                "immigrant_band",
                _("Immigrant-share band"),
                True,
                dict(enumerate(self.immigrant_bands, start=1)),
                measure=ordinal,
            ),
            ExportVariable("responded", _("Responded (at least one section submitted)"), True, dict(yes_no)),
            ExportVariable("complete", _("All sections the unit sees submitted"), True, dict(yes_no)),
        ]

    def values(self, unit: Unit) -> list[object]:
        share = unit.immigrant_share
        return [
            unit.number,
            unit.name,
            UNIT_KIND_CODES[unit.kind],
            int(unit.county_number) if unit.county_number.isdigit() else None,
            _position(self.regions, unit.region),
            unit.population,
            unit.centrality_class,
            None if share is None else (int(share) if share == int(share) else float(share)),
            _yes_no_code(unit.settles_refugees),
            _yes_no_code(unit.is_partner),
            _position(self.size_bands, unit.size_band),
            _position(self.immigrant_bands, unit.immigrant_band),
            int(unit.responded),
            int(unit.complete),
        ]


def _position(labels: list[str], label: str | None) -> int | None:
    """The code of a class: its place in the natural order, from 1; None (system-missing) without one."""
    return labels.index(label) + 1 if label in labels else None


def _question_variables(item: Item) -> list[tuple[ExportVariable, object]]:
    """The export variables of one item, each with what picks its value from an answer."""
    question = item.question
    common = {
        "question": question.code,
        "section": item.section.code,
        "condition": " and ".join(text for text in (item.section.condition, item.condition) if text.strip()),
        "type": question.get_type_display(),
    }
    text = question.text()
    missing = missing_labels()
    # The missing codes of a coded variable: "don't know" and "not relevant" where offered.
    asked_missing = [NOT_ASKED_CODE, NOT_ANSWERED_CODE]
    choice_missing = ([DONT_KNOW_CODE] if question.offers_dont_know else []) + asked_missing
    result: list[tuple[ExportVariable, object]] = []
    if question.type == Question.Type.YES_NO:
        labels = {1: _("Yes"), 0: _("No")}
        variable = ExportVariable(question.code, text, True, labels, [-8, -9], {1: "yes", 0: "no"}, **common)
        result.append((variable, None))
    elif question.type == Question.Type.SINGLE_CHOICE:
        options = list(enumerate(question.options.all(), start=1))
        labels = {position: option.label() for position, option in options}
        codes = {position: option.code for position, option in options}
        result.append((ExportVariable(question.code, text, True, labels, choice_missing, codes, **common), None))
    elif question.type == Question.Type.MULTIPLE_CHOICE:
        for option in question.options.all():
            variable = ExportVariable(
                f"{question.code}_{option.code}",
                f"{text}: {option.label()}",
                True,
                {1: _("Chosen"), 0: _("Not chosen")},
                list(choice_missing),
                {1: option.code},
                **common,
            )
            result.append((variable, option.code))
    elif question.type in SCALE_TYPES:
        points = list(question.scale.points.all())
        labels = {point.value: point.label() for point in points}
        point_codes = {point.value: point.code for point in points}
        codes = sorted(([NOT_RELEVANT_CODE] if question.offers_not_relevant else []) + choice_missing, reverse=True)
        for variable_def in question_variables(question):
            label = text if variable_def.item_code is None else f"{text}: {variable_def.label}"
            variable = ExportVariable(
                variable_def.name,
                label,
                True,
                dict(labels),
                codes,
                dict(point_codes),
                **common,
                measure=Measure.ORDINAL,
            )
            result.append((variable, variable_def.item_code))
    elif question.type in NUMBER_TYPES:
        decimals = question.type == Question.Type.DECIMAL
        number = ExportVariable(question.code, text, True, {}, [-8, -9], **common, measure=Measure.SCALE)
        number.decimals = decimals
        result.append((number, None))
    elif question.type in TEXT_TYPES:
        result.append((ExportVariable(question.code, text, False, **common), None))
    for variable, _key in result:
        if variable.missing:
            variable.value_labels.update({code: missing[code] for code in variable.missing})
    if question.has_comment:
        result.append(
            (ExportVariable(f"{question.code}_comment", f"{text} ({_('comment')})", False, **common), "comment")
        )
    return result


def _coded(item: Item, variable: ExportVariable, key: object, unit: Unit) -> object:
    question = item.question
    if not unit.responded:  # nothing submitted: every coded variable is "not answered"
        return NOT_ANSWERED_CODE if variable.numeric else ""
    if key == "comment":
        return unit.comments.get(question.code, "")
    shown = question.code in unit.shown
    value = unit.answers.get(question.code)
    if not variable.numeric:
        return str(value) if shown and value is not None else ""
    if not shown:
        return NOT_ASKED_CODE
    if value is None:
        return NOT_ANSWERED_CODE
    if question.type == Question.Type.YES_NO:
        return {"yes": 1, "no": 0}.get(value, NOT_ANSWERED_CODE)
    if value == DONT_KNOW or value == [DONT_KNOW]:
        return DONT_KNOW_CODE
    if question.type == Question.Type.SINGLE_CHOICE:
        positions = {option.code: position for position, option in enumerate(question.options.all(), start=1)}
        return positions.get(value, NOT_ANSWERED_CODE)
    if question.type == Question.Type.MULTIPLE_CHOICE:
        return int(key in value) if isinstance(value, list) else NOT_ANSWERED_CODE
    if question.type in SCALE_TYPES:
        if key is not None:
            value = value.get(key) if isinstance(value, dict) else None
        if value == NOT_RELEVANT:
            return NOT_RELEVANT_CODE
        if value == DONT_KNOW:
            return DONT_KNOW_CODE
        points = {point.code: point.value for point in question.scale.points.all()}
        return points.get(value, NOT_ANSWERED_CODE)
    if question.type in NUMBER_TYPES:
        number = float(value)
        return int(number) if number.is_integer() else number
    return value


def export_table(data: RoundData) -> ExportTable:
    """The data set: background variables, then every question's variables in questionnaire order."""
    background = Background.of(data)
    variables = background.variables()
    columns = [(item, variable, key) for item in data.items for variable, key in _question_variables(item)]
    variables += [variable for _item, variable, _key in columns]
    rows = []
    for unit in data.units:
        rows.append(background.values(unit) + [_coded(item, variable, key, unit) for item, variable, key in columns])
    return ExportTable(variables, rows, net_score_tables(data), data.districts == Districts.APART)


def export_csv(table: ExportTable) -> bytes:
    return csv_bytes([table.names, *table.rows])


def _codebook_rows(table: ExportTable) -> list[list[object]]:
    rows = []
    for variable in table.variables:
        values = "; ".join(
            f"{code} = {label}" for code, label in variable.value_labels.items() if code not in variable.missing
        )
        answer_codes = "; ".join(f"{value} = {code}" for value, code in variable.answer_codes.items())
        missing = "; ".join(f"{code} = {variable.value_labels.get(code, '')}" for code in variable.missing)
        rows.append(
            [
                variable.name,
                variable.label,
                variable.type,
                values,
                answer_codes,
                missing,
                variable.section,
                variable.condition,
            ]
        )
    return rows


def codebook_header() -> list[str]:
    return [
        _("Variable"),
        _("Label"),
        _("Question type"),
        _("Values"),
        _("Answer codes"),
        _("Missing values"),
        _("Section"),
        _("Asked when"),
    ]


def net_score_rows(table: ExportTable) -> list[list[object]]:
    """The net-score tables as the pages show them (surveys.analytics.statistics.net_score_tables),
    one row per item, with the definition under them."""
    header = [
        _("Question"),
        _("Item"),
        _("Rank"),
        _("Municipalities: points") if table.districts_apart else _("All: points"),
        "N",
        _("Partner municipalities: points"),
        "N",
        _("Other settlement municipalities: points"),
        "N",
    ]
    if table.districts_apart:
        header += [_("Oslo's districts: points"), "N"]
    header.append(_("Points per unit (−2 to +2)"))
    rows: list[list[object]] = [header]
    for net in table.net_scores:
        for row in net.rows:
            cells = [net.question.code, row.variable.label, row.rank, row.all.points, row.all.n]
            cells += [row.partner.points, row.partner.n, row.others.points, row.others.n]
            if table.districts_apart and row.districts is not None:
                cells += [row.districts.points, row.districts.n]
            cells.append(None if row.all.per_unit is None else round(row.all.per_unit, 2))
            rows.append(cells)
    rows += [[], [str(NET_SCORE_NOTE)]]
    return rows


def export_xlsx(table: ExportTable) -> bytes:
    """The data on the first sheet, the codebook on the second, the net scores on the third."""
    return xlsx_bytes(
        {
            _("Data"): [table.names, *table.rows],
            _("Codebook"): [codebook_header(), *_codebook_rows(table)],
            _("Net score"): net_score_rows(table),
        }
    )


def codebook_xlsx(table: ExportTable) -> bytes:
    return xlsx_bytes({_("Codebook"): [codebook_header(), *_codebook_rows(table)]})


def codebook_rows(table: ExportTable) -> list[list[object]]:
    return _codebook_rows(table)


def _sav_missing(codes: list[int]) -> list:
    """SPSS declares at most three discrete missing values, or a range and one more: four codes
    (-6 to -9, all below every valid value) become their range."""
    if len(codes) <= 3:
        return [float(code) for code in codes]
    return [{"lo": float(min(codes)), "hi": float(max(codes))}]


def export_sav(table: ExportTable, *, file_label: str = "") -> bytes:
    """SPSS with variable labels, value labels, the three missing-value codes declared as user-missing,
    measurement levels (codes nominal, scale points and classes ordinal, numbers scale) and formats by
    type (`ExportVariable.spss_format`)."""
    import pandas as pd  # imported late: only exports need them
    import pyreadstat

    columns = {}
    for index, variable in enumerate(table.variables):
        values = [row[index] for row in table.rows]
        if variable.numeric:
            columns[variable.name] = pd.Series(
                [float("nan") if v is None else float(v) for v in values], dtype="float64"
            )
        else:
            columns[variable.name] = pd.Series(["" if v is None else str(v) for v in values], dtype="object")
    frame = pd.DataFrame(columns)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "export.sav")
        pyreadstat.write_sav(
            frame,
            path,
            file_label=file_label[:64],
            column_labels={variable.name: variable.label[:256] for variable in table.variables},
            variable_value_labels={
                variable.name: {float(code): label[:120] for code, label in variable.value_labels.items()}
                for variable in table.variables
                if variable.numeric and variable.value_labels
            },
            missing_ranges={
                variable.name: _sav_missing(variable.missing) for variable in table.variables if variable.missing
            },
            variable_measure={variable.name: variable.measure for variable in table.variables},
            variable_format={
                variable.name: variable.spss_format(list(frame[variable.name])) for variable in table.variables
            },
        )
        with open(path, "rb") as handle:
            return handle.read()
