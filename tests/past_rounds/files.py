"""Makes the test files of a 2015-like round, never edited by hand: an SPSS .sav with variable
labels, value labels and user-missing codes, and the same round as an .xlsx with the answers as
text, as a commercial survey tool exports them. One row for each of the 428 municipalities and 15
districts the registry holds on 3 December 2015; about three in four answered, the rest are rows
of blanks. Values are drawn from a seeded generator, so every run makes the same files.

    round_2015_write(directory) -> (sav path, xlsx path)      # needs the registry in the database
    wide_sav_write(path, rows=443, columns=300)                # the benchmark's file
"""

import datetime
import random
from pathlib import Path

from openpyxl import Workbook

from municipalities.models import Municipality
from surveys.demo_questionnaire import DIRECTORATE_AREAS, QUESTIONS, SCALES, SERVICE_AREAS

DAY_2015 = datetime.date(2015, 12, 3)
YES_NO_LABELS = {1: "Ja", 2: "Nei", 8: "Vet ikke", 9: "Ikke besvart"}
DUMMY_LABELS = {0: "Ikke valgt", 1: "Valgt"}
USEFUL_LABELS = {value: label for value, (_code, label, _nn, _en) in enumerate(SCALES["useful4"][1], start=1)}
USEFUL_LABELS |= {5: "Ikke relevant", 9: "Ikke besvart"}
SATISFIED_LABELS = {
    1: "Svært misfornøyd",
    2: "Misfornøyd",
    3: "Verken eller",
    4: "Fornøyd",
    5: "Svært fornøyd",
    8: "Vet ikke",
}
SATISFIED_TEXT = "Hvor fornøyd er kommunen med samarbeidet med direktoratet?"
ADVICE = ["Mer veiledning om bolig.", "Flere kurs for ansatte.", "Raskere svar på e-post.", "Bedre statistikk."]
NAME_ONLY_NUMBER = "1201"  # Bergen: its number left out of the .xlsx, so it is matched by name


def units_2015() -> list[Municipality]:
    return list(Municipality.objects.valid_on(DAY_2015).order_by("number"))


def _answers(units: list[Municipality]) -> list[dict]:
    """One dict of coded answers per unit (None: system missing), or None for a non-respondent."""
    rng = random.Random(2015)
    rows = []
    for unit in units:
        if rng.random() > 0.75:
            rows.append(None)
            continue
        row = {
            "q2": rng.choice([None, rng.randint(0, 120)]) if unit.kind == "municipality" else None,
            "q4": rng.choice([1, 1, 2, 8, 9, None]),
            "q5": rng.choice([1, 2, 2, 8, None]),
            "q6": rng.choice([1, 1, 1, 2, 9]),
            "q10": rng.choice([None, None, *ADVICE]),
            "q99": rng.choice([1, 2, 3, 4, 4, 5, 8, None]),
        }
        answered_q3 = rng.random() < 0.9
        for code, *_labels in SERVICE_AREAS:
            row[f"Q03_{code}"] = (1 if rng.random() < 0.3 else 0) if answered_q3 else None
        for code, *_labels in DIRECTORATE_AREAS:
            row[f"Q08_{code}"] = rng.choice([1, 2, 3, 3, 4, 4, 5, 9, None])
        rows.append(row)
    return rows


def _columns() -> list[tuple[str, str, dict | None, list | None]]:
    """(name, label, value labels, user-missing codes) in file order."""
    columns = [
        ("knr", "Kommunenummer", None, None),
        ("kommune", "Kommune", None, None),
        ("respid", "", None, None),
        ("q2", QUESTIONS["Q02"][3], {-1: "Ikke besvart"}, [-1]),
    ]
    for code, label, *_rest in SERVICE_AREAS:
        columns.append((f"Q03_{code}", f"Økt kapasitet: {label}", DUMMY_LABELS, None))
    for name, question in (("q4", "Q04"), ("q5", "Q05"), ("q6", "Q06")):
        columns.append((name, QUESTIONS[question][3], YES_NO_LABELS, [9]))
    for code, label, *_rest in DIRECTORATE_AREAS:
        columns.append((f"Q08_{code}", f"Nytte av direktoratet: {label}", USEFUL_LABELS, [9]))
    columns.append(("q10", QUESTIONS["Q10"][3], None, None))
    columns.append(("q99", SATISFIED_TEXT, SATISFIED_LABELS, None))
    return columns


def round_2015_write(directory: Path) -> tuple[Path, Path]:
    import pandas
    import pyreadstat

    units = units_2015()
    answers = _answers(units)
    columns = _columns()
    records = []
    for position, (unit, row) in enumerate(zip(units, answers, strict=True), start=1):
        record = {"knr": int(unit.number), "kommune": unit.name, "respid": 1000 + position}
        for name, *_rest in columns[3:]:
            record[name] = (row or {}).get(name)
        records.append(record)
    frame = pandas.DataFrame.from_records(records, columns=[name for name, *_rest in columns])
    for name, *_rest in columns:
        if name not in ("kommune", "q10"):
            frame[name] = frame[name].astype("float64")
    frame["q10"] = frame["q10"].fillna("")
    sav = Path(directory) / "kommuneundersokelsen_2015.sav"
    pyreadstat.write_sav(
        frame,
        str(sav),
        column_labels={name: label for name, label, *_rest in columns},
        variable_value_labels={name: labels for name, _label, labels, _missing in columns if labels},
        missing_ranges={name: missing for name, _label, _labels, missing in columns if missing},
        variable_format={"knr": "F6.0", "respid": "F5.0"},
    )
    xlsx = Path(directory) / "kommuneundersokelsen_2015.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.title = "Svar"
    sheet.append([name for name, *_rest in columns])
    for record, unit in zip(records, units, strict=True):
        cells = []
        for name, _label, labels, missing in columns:
            value = record[name]
            if name == "knr":
                value = "" if unit.number == NAME_ONLY_NUMBER else unit.number
            elif value is None or (isinstance(value, float) and value != value) or value in (missing or []):
                value = None
            elif name.startswith("Q03_"):
                option = next(label for code, label, *_r in SERVICE_AREAS if f"Q03_{code}" == name)
                value = option if value == 1 else None  # a survey tool writes the ticked option's label
            elif labels and int(value) in labels:
                value = labels[int(value)]
            elif value == "":
                value = None
            cells.append(value)
        sheet.append(cells)
    book.save(xlsx)
    return sav, xlsx


def wide_sav_write(path: Path, *, units: list[str], columns: int = 300) -> Path:
    """A round of `columns` coded variables (1–5 with labels, 9 missing) for the given unit numbers."""
    import pandas
    import pyreadstat

    rng = random.Random(300)
    names = [f"v{index:03d}" for index in range(1, columns + 1)]
    data = {"knr": [float(int(number)) for number in units]}
    for name in names:
        data[name] = [float(rng.choice([1, 2, 3, 4, 5, 9])) if rng.random() < 0.95 else None for _unit in units]
    frame = pandas.DataFrame(data)
    labels = {1: "Svært dårlig", 2: "Dårlig", 3: "Verken eller", 4: "God", 5: "Svært god", 9: "Ikke besvart"}
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels={"knr": "Kommunenummer"} | {name: f"Spørsmål {name} om kommunens arbeid" for name in names},
        variable_value_labels=dict.fromkeys(names, labels),
        missing_ranges=dict.fromkeys(names, [9]),
    )
    return path
