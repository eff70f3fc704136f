"""Bad files: each refused with a message that says what is wrong, and nothing written."""

import copy
import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts.models import StaffEvent
from operations.upload_limits import UploadRefused
from surveys.models import Answer, Question, Questionnaire, Survey
from surveys.past_rounds.matching import mapping_suggest
from surveys.past_rounds.reading import DataFile, past_round_file_read
from surveys.past_rounds.services import PastRoundRefused, past_round_import
from tests.past_rounds.files import DAY_2015

pytestmark = pytest.mark.django_db


def refused(data_file: DataFile, mapping: dict) -> list[str]:
    """The problems the import refuses with; asserts it wrote nothing."""
    questions, questionnaires = Question.objects.count(), Questionnaire.objects.count()
    with pytest.raises(PastRoundRefused) as raised:
        past_round_import(data_file=data_file, mapping=mapping, imported_by=None)
    assert not Survey.objects.filter(year=mapping["year"]).exists()
    assert Question.objects.count() == questions and Questionnaire.objects.count() == questionnaires
    assert not Answer.objects.exists() and not StaffEvent.objects.exists()
    return raised.value.plan.problems


def edited(data_file: DataFile, column: str, row: int, value) -> DataFile:
    changed = copy.deepcopy(data_file)
    changed.rows[row][changed.column_index(column)] = value
    return changed


def suggested(data_file: DataFile, year: int = 2015) -> dict:
    return mapping_suggest(data_file=data_file, year=year, reference_day=DAY_2015 if year == 2015 else None)


def test_an_unknown_unit_number(demo_bank, sav_2015):
    data_file = edited(sav_2015, "knr", 5, 9999)
    problems = refused(data_file, suggested(data_file))
    assert any(
        "Rows that match no unit valid on 2015-12-03 (1): row 7: 9999 is no unit number of the registry (the row names “Aremark”)"
        in problem
        for problem in problems
    )


def test_a_number_of_another_year_says_when_the_registry_has_it(demo_bank, sav_2015):
    data_file = edited(sav_2015, "knr", 0, 3101)  # Halden's number from 2024
    problems = refused(data_file, suggested(data_file))
    assert any("3101 Halden is in the registry only for 2024-01-01–…" in problem for problem in problems)


def test_a_unit_twice(demo_bank, sav_2015):
    data_file = copy.deepcopy(sav_2015)
    data_file.rows.append(list(data_file.rows[0]))
    problems = refused(data_file, suggested(data_file))
    assert any("A unit is in the file more than once: 0101 Halden on rows 2, 445" in p for p in problems)


def test_a_value_that_matches_no_code(demo_bank, sav_2015):
    data_file = edited(sav_2015, "q4", 3, 7)
    problems = refused(data_file, suggested(data_file))
    assert problems == ["q4: values that match no code of Q04 (1): '7' ×1."]


def test_a_column_mapped_to_a_question_of_another_type(demo_bank, sav_2015):
    mapping = suggested(sav_2015)
    mapping["columns"]["q4"] = {"action": "map", "question": "Q02"}
    mapping["columns"]["q2"] = {"action": "map", "question": "Q10"}
    problems = refused(sav_2015, mapping)
    assert "q4 holds coded answers, but Q02 is a question of another type (whole number)." in problems
    assert "q2 holds numbers, but Q10 is a question of another type (long text)." in problems


def test_a_matrix_column_without_its_row(demo_bank, sav_2015):
    mapping = suggested(sav_2015)
    mapping["columns"]["Q08_planning"].pop("item")
    problems = refused(sav_2015, mapping)
    assert any(
        problem.startswith("Q08_planning is mapped to the matrix Q08: say which of its rows") for problem in problems
    )


@pytest.mark.parametrize("year", [2010, 2031])
def test_a_year_the_registry_cannot_place(demo_bank, sav_2015, year):
    mapping = mapping_suggest(data_file=sav_2015, year=year)
    problems = refused(sav_2015, mapping)
    assert any(f"The registry cannot place the year {year}" in problem for problem in problems)


def test_a_file_of_another_year_is_told_which_year_its_numbers_fit(demo_bank, sav_2015):
    problems = refused(sav_2015, suggested(sav_2015, year=2021))
    assert any("fit the registry of 2016 better than that of 2021" in problem for problem in problems)


def test_a_year_that_has_a_round_already(demo_bank, sav_2015):
    past_round_import(data_file=sav_2015, mapping=suggested(sav_2015), imported_by=None)
    with pytest.raises(PastRoundRefused, match="There is already a round for 2015"):
        past_round_import(data_file=sav_2015, mapping=suggested(sav_2015), imported_by=None)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("round.sav", b"$FL2@(#) not really SPSS" + bytes(range(256)) * 4, "not a readable SPSS .sav file"),
        ("round.xlsx", b"PK\x03\x04 broken zip", "not a readable XLSX workbook"),
        ("round.sav", b"", "The file is empty."),
        ("round.csv", b"knr,q4\n", "no rows under its header"),
        ("round.pdf", b"%PDF-1.4", "Upload an SPSS (.sav), Excel (.xlsx) or CSV (.csv) file."),
    ],
)
def test_a_corrupt_empty_or_foreign_file(db, name, content, message):
    with pytest.raises(UploadRefused, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        past_round_file_read(name=name, content=content)


def test_a_truncated_sav(files_2015):
    content = files_2015[0].read_bytes()
    with pytest.raises(UploadRefused, match="not a readable SPSS .sav file"):
        past_round_file_read(name="round.sav", content=content[: len(content) // 2])


@override_settings(UPLOAD_MAX_PAST_ROUND_BYTES=10_000)
def test_an_upload_over_the_cap(files_2015):
    with pytest.raises(UploadRefused, match="an upload may be at most"):
        past_round_file_read(name="round.sav", content=files_2015[0].read_bytes())


def test_the_command_says_why_and_writes_nothing(demo_bank, xlsx_2015, tmp_path, capsys):
    # given: the round as CSV, with a unit number no unit had in 2015
    rows = [[column.name for column in xlsx_2015.columns]] + [
        ["" if value is None else value for value in row] for row in xlsx_2015.rows
    ]
    rows[3][0] = "9998"
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    path = tmp_path / "round.csv"
    path.write_text(text.getvalue(), encoding="utf-8")

    # when
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_past_round", str(path), "--year", "2015", "--reference-day", "2015-12-03")

    # then
    assert "Problem: Rows that match no unit valid on 2015-12-03 (1): row 4: 9998" in capsys.readouterr().out
    assert not Survey.objects.exists()
