import csv
import io
import tempfile

import pyreadstat
from openpyxl import load_workbook

from surveys.analytics.dataset import round_data_load
from surveys.analytics.exports import codebook_xlsx, export_csv, export_sav, export_table, export_xlsx


def _rows(table):
    return {row[0]: dict(zip(table.names, row, strict=True)) for row in table.rows}


def test_the_export_codes_answers_and_the_three_kinds_of_missing(answered_round):
    table = export_table(round_data_load(survey=answered_round))

    rows = _rows(table)
    assert sorted(rows) == ["1811", "4601", "5501"]  # one row per responding unit
    tromso, bergen, bindal = rows["5501"], rows["4601"], rows["1811"]
    assert (tromso["Q1"], bergen["Q1"]) == (1, 0)
    assert (tromso["Q2_housing"], tromso["Q2_jobs"], tromso["Q2_money"]) == (1, 1, 0)
    assert (tromso["Q3_advice"], tromso["Q3_courses"]) == (4, -7)  # not relevant
    assert bergen["R1"] == "" and tromso["R1"] == "Flere boliger"
    assert bergen["C1"] == -8 and tromso["C1"] == 40  # not asked: housing not picked
    assert bindal["Q4"] == -8  # the section is hidden from a unit that does not settle refugees
    assert tromso["population"] == 80000 and tromso["settles_refugees"] == 1 and tromso["complete"] == 1


def test_csv_and_xlsx_read_back_equal(answered_round):
    table = export_table(round_data_load(survey=answered_round))

    from_csv = list(csv.reader(io.StringIO(export_csv(table).decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(export_xlsx(table)), read_only=True).worksheets[0]
    from_xlsx = [["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)]

    assert from_csv == from_xlsx
    assert from_csv[0][:3] == ["number", "name", "kind"] and len(from_csv) == 4


def test_the_sav_file_has_variable_labels_value_labels_and_missing_codes(answered_round):
    table = export_table(round_data_load(survey=answered_round))

    with tempfile.NamedTemporaryFile(suffix=".sav") as handle:
        handle.write(export_sav(table, file_label="Runde 2026"))
        handle.flush()
        frame, meta = pyreadstat.read_sav(handle.name, user_missing=True)
        plain, _meta = pyreadstat.read_sav(handle.name)

    assert meta.column_names_to_labels["Q1"] == "Har kommunen en plan?"
    assert meta.column_names_to_labels["Q3_courses"] == "Spørsmål Q3: Courses"
    assert meta.variable_value_labels["Q3_courses"][4.0] == "Svært god"
    assert meta.variable_value_labels["Q3_courses"][-7.0] == "Not relevant"
    assert meta.variable_value_labels["C1"][-8.0] == "Not asked (hidden by a condition)"
    assert {r["lo"] for r in meta.missing_ranges["Q3_courses"]} == {-7.0, -8.0, -9.0}
    tromso = frame[frame["number"] == "5501"].iloc[0]
    assert tromso["Q3_courses"] == -7.0 and tromso["Q1"] == 1.0
    # read without user_missing, the codes become system missing as SPSS treats them
    assert plain[plain["number"] == "5501"].iloc[0].isna()["Q3_courses"]


def test_the_codebook_lists_every_variable_with_its_condition(answered_round):
    table = export_table(round_data_load(survey=answered_round))

    sheet = load_workbook(io.BytesIO(codebook_xlsx(table)), read_only=True).worksheets[0]
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True)}

    assert rows["R1"][6] == "${Q1} = 'yes'"
    assert rows["Q4"][6] == "${settles_refugees} = true"
    assert "-7 = Not relevant" in rows["Q3_advice"][4]
    assert len(rows) == len(table.variables) + 1
