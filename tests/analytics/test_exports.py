import csv
import io
import tempfile

import pyreadstat
from openpyxl import load_workbook

from surveys.analytics.dataset import round_data_load
from surveys.analytics.exports import (
    codebook_header,
    codebook_rows,
    codebook_xlsx,
    export_csv,
    export_sav,
    export_table,
    export_xlsx,
)
from surveys.models import Item, Section
from tests.factories import QuestionFactory


def _rows(table):
    return {row[0]: dict(zip(table.names, row, strict=True)) for row in table.rows}


def test_the_export_codes_answers_and_the_three_kinds_of_missing(answered_round):
    table = export_table(round_data_load(survey=answered_round))

    rows = _rows(table)
    tromso, bergen, bindal = rows["5501"], rows["4601"], rows["1811"]
    assert (tromso["Q1"], bergen["Q1"]) == (1, 0)
    assert (tromso["Q2_housing"], tromso["Q2_jobs"], tromso["Q2_money"]) == (1, 1, 0)
    assert (tromso["Q3_advice"], tromso["Q3_courses"]) == (4, -7)  # not relevant
    assert bergen["R1"] == "" and tromso["R1"] == "Flere boliger"
    assert bergen["C1"] == -8 and tromso["C1"] == 40  # not asked: housing not picked
    assert bindal["Q4"] == -8  # the section is hidden from a unit that does not settle refugees
    assert tromso["population"] == 80000 and tromso["settles_refugees"] == 1 and tromso["complete"] == 1


def test_every_unit_the_round_covered_has_a_row_with_a_responded_flag(answered_round):
    # given three responding units, one with only a draft (1813) and 368 without a response
    table = export_table(round_data_load(survey=answered_round))

    rows = _rows(table)

    assert len(rows) == 372 and list(rows)[:3] == ["0301", "030101", "030102"]  # in the order of their numbers
    assert {number for number, row in rows.items() if row["responded"] == 1} == {"1811", "4601", "5501"}
    draft, silent = rows["1813"], rows["1812"]  # a draft only; no response at all
    for row in (draft, silent):
        assert (row["responded"], row["complete"]) == (0, 0)
        assert (row["Q1"], row["Q2_housing"], row["Q3_advice"], row["Q4"], row["C1"]) == (-9, -9, -9, -9, -9)
        assert row["R1"] == ""
    assert silent["population"] == 3000 and silent["name"] == "Sømna"  # background variables are filled in


def test_csv_and_xlsx_read_back_equal(answered_round):
    table = export_table(round_data_load(survey=answered_round))

    from_csv = list(csv.reader(io.StringIO(export_csv(table).decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(export_xlsx(table)), read_only=True).worksheets[0]
    from_xlsx = [["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)]

    assert from_csv == from_xlsx
    assert from_csv[0][:3] == ["number", "name", "unit_kind"] and len(from_csv) == 1 + 372


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

    assert rows["R1"][7] == "${Q1} = 'yes'"
    assert rows["Q4"][7] == "${settles_refugees} = true"
    assert "-7 = Not relevant" in rows["Q3_advice"][5]
    assert len(rows) == len(table.variables) + 1


def test_the_codebook_lists_the_options_stable_codes_beside_positions_and_labels(answered_round):
    # given a single-choice question whose options are in another order than their codes
    section = Section.objects.get(questionnaire=answered_round.questionnaire, code="chief")
    question = QuestionFactory(code="S1", type="single_choice", options=["jobs", "housing"])
    Item.objects.create(questionnaire=answered_round.questionnaire, section=section, position=9, question=question)

    table = export_table(round_data_load(survey=answered_round))
    rows = {row[0]: row for row in codebook_rows(table)}

    header = codebook_header()
    values, codes = header.index("Values"), header.index("Answer codes")
    assert (rows["S1"][values], rows["S1"][codes]) == ("1 = Jobs; 2 = Housing", "1 = jobs; 2 = housing")
    assert rows["Q1"][codes] == "1 = yes; 0 = no"
    assert rows["Q2_money"][codes] == "1 = money"  # a multiple-choice option's 0/1 variable
    assert rows["Q4"][codes] == "1 = very_poor; 2 = poor; 3 = good; 4 = very_good"
    assert rows["C1"][codes] == "" and rows["number"][codes] == ""


def test_the_sav_file_has_measurement_levels_formats_and_labelled_background_codes(answered_round):
    # given a decimal question answered by Tromsø, beside the constructed round's questions
    decimal = QuestionFactory(code="D1", type="decimal")
    chief = Section.objects.get(questionnaire=answered_round.questionnaire_id, code="chief")
    Item.objects.create(questionnaire_id=answered_round.questionnaire_id, section=chief, position=9, question=decimal)
    table = export_table(round_data_load(survey=answered_round))

    with tempfile.NamedTemporaryFile(suffix=".sav") as handle:
        handle.write(export_sav(table, file_label="Runde 2026"))
        handle.flush()
        frame, meta = pyreadstat.read_sav(handle.name, user_missing=True)

    measure, formats, labels = meta.variable_measure, meta.original_variable_types, meta.variable_value_labels
    assert [measure[name] for name in ("unit_kind", "county", "region", "Q1", "Q2_jobs", "settles_refugees")] == [
        "nominal"
    ] * 6
    assert [measure[name] for name in ("centrality", "size_band", "immigrant_band", "Q3_advice", "Q4")] == [
        "ordinal"
    ] * 5
    assert [measure[name] for name in ("population", "immigrant_share", "C1", "D1")] == ["scale"] * 4
    # codes are whole numbers as wide as their widest code; only decimals are F8.2
    assert (formats["responded"], formats["unit_kind"], formats["size_band"]) == ("F1.0", "F1.0", "F1.0")
    assert (formats["Q1"], formats["Q3_advice"], formats["county"]) == ("F2.0", "F2.0", "F2.0")
    assert (formats["immigrant_share"], formats["D1"], formats["population"]) == ("F8.2", "F8.2", "F6.0")
    assert formats["number"].startswith("A") and formats["C1"] == "F2.0"  # 40
    # background variables as labelled numbers in their natural order
    assert labels["unit_kind"] == {1.0: "Municipality", 2.0: "Oslo district"}
    assert list(labels["size_band"].values()) == [
        "Under 2 000",
        "2 000–4 999",
        "5 000–9 999",
        "10 000–19 999",
        "20 000–49 999",
        "50 000 og over",
    ]
    assert labels["centrality"] == {
        1.0: "1 Mest sentrale",
        2.0: "2",
        3.0: "3",
        4.0: "4",
        5.0: "5",
        6.0: "6 Minst sentrale",
    }
    assert labels["county"][3.0] == "Oslo" and labels["county"][46.0] == "Vestland"
    assert list(labels["county"]) == sorted(labels["county"])
    regions = labels["region"]
    rows = {row["number"]: row for _index, row in frame.iterrows()}
    tromso, bergen, district = rows["5501"], rows["4601"], rows["030101"]
    assert regions[tromso["region"]] == "Nord" and labels["county"][tromso["county"]].startswith("Troms")
    assert labels["size_band"][tromso["size_band"]] == "50 000 og over" and tromso["centrality"] == 2.0
    assert bergen["unit_kind"] == 1.0 and district["unit_kind"] == 2.0
    assert district["size_band"] != district["size_band"]  # NaN: a district has no size band


def test_xlsx_numbers_are_numbers(answered_round):
    table = export_table(round_data_load(survey=answered_round))

    sheet = load_workbook(io.BytesIO(export_xlsx(table))).worksheets[0]

    header = [cell.value for cell in sheet[1]]
    tromso = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "5501")
    cells = dict(zip(header, tromso, strict=True))
    assert cells["number"].data_type == "s"  # a municipality number keeps its leading zero as text
    for name in ("unit_kind", "county", "region", "population", "immigrant_share", "Q1", "Q3_advice", "C1"):
        assert cells[name].data_type == "n", name
    assert cells["immigrant_share"].value == 12 and cells["population"].value == 80000
