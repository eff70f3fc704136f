"""Two earlier years for the demo, brought in the way the directorate's files come in: an SPSS
file per year (made here, with value labels and a missing code) read, mapped by the platform's
suggestions, and imported. So a newcomer's time series start before the platform's first round."""

import datetime
import random
import tempfile
from pathlib import Path

from municipalities.models import Municipality
from surveys.models import Question, Survey
from surveys.past_rounds.matching import mapping_suggest
from surveys.past_rounds.reading import past_round_file_read
from surveys.past_rounds.services import past_round_import

YES_NO = {1: "Ja", 2: "Nei", 8: "Vet ikke", 9: "Ikke besvart"}
DEMO_SERIES = ("Q02", "Q04", "Q05", "Q06", "Q08")


def demo_past_rounds_ensure(*, years: list[int]) -> list[Survey]:
    """Imports a generated file for each year that has no round yet (the demo bank must exist)."""
    imported = []
    for year in years:
        if Survey.objects.filter(year=year).exists():
            continue
        day = datetime.date(year, 12, 1)
        with tempfile.TemporaryDirectory() as directory:
            path = _demo_file_write(Path(directory) / f"kommuneundersokelsen_{year}.sav", year=year, day=day)
            data_file = past_round_file_read(name=path.name, content=path.read_bytes())
        mapping = mapping_suggest(data_file=data_file, year=year, reference_day=day)
        imported.append(past_round_import(data_file=data_file, mapping=mapping, imported_by=None))
    return imported


def _demo_file_write(path: Path, *, year: int, day: datetime.date) -> Path:
    import pandas
    import pyreadstat

    rng = random.Random(year)
    matrix = Question.objects.get(code="Q08")
    rows = [row.code for row in matrix.matrix_items.all()]
    points = {point.value: point.label_nb for point in matrix.scale.points.all()}
    records = []
    for unit in Municipality.objects.valid_on(day).order_by("number"):
        answered = rng.random() < 0.7
        record = {"knr": float(int(unit.number))}
        record["Q02"] = float(rng.randint(0, 80)) if answered and unit.kind == "municipality" else None
        for code in ("Q04", "Q05", "Q06"):
            record[code] = float(rng.choice([1, 1, 2, 8, 9])) if answered else None
        for row in rows:
            record[f"Q08_{row}"] = float(rng.choice([*points, *points, 9])) if answered else None
        records.append(record)
    frame = pandas.DataFrame.from_records(records)
    labels = {code: YES_NO for code in ("Q04", "Q05", "Q06")}
    labels |= {f"Q08_{row}": {**points, 9: "Ikke besvart"} for row in rows}
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels={"knr": "Kommunenummer"} | {name: name for name in frame.columns if name != "knr"},
        variable_value_labels=labels,
        missing_ranges={name: [9] for name in labels},
    )
    return path
