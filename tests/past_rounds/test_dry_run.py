"""The dry run of a 2015-like round: suggestions, the report, and nothing written."""

import datetime
import json

import pytest
from django.core.management import CommandError, call_command

from surveys.models import Answer, Question, Survey
from surveys.past_rounds.dry_run import past_round_plan
from surveys.past_rounds.matching import BLANK, CHOSEN, DONT_KNOW, MISSING, NOT_RELEVANT_KIND, mapping_suggest
from tests.past_rounds.files import DAY_2015, NAME_ONLY_NUMBER

pytestmark = pytest.mark.django_db


def test_the_platform_suggests_questions_by_code_and_label_and_a_new_one_for_the_rest(demo_bank, sav_2015):
    # when
    mapping = mapping_suggest(data_file=sav_2015, year=2015, reference_day=DAY_2015)

    # then
    columns = mapping["columns"]
    assert mapping["unit_column"] == "knr" and mapping["name_column"] == "kommune"
    assert columns["q4"]["question"] == "Q04" and mapping["suggested_because"]["q4"].startswith("label")
    assert columns["Q03_child_welfare"] == {
        "action": "map",
        "question": "Q03",
        "option": "child_welfare",
        "values": {"0": "@not_chosen", "1": CHOSEN, "": "@not_chosen"},
    }
    assert columns["Q08_intro_programme"]["item"] == "intro_programme"
    assert columns["q4"]["values"] == {"1": "yes", "2": "no", "8": DONT_KNOW, "9": MISSING, "": BLANK}
    assert columns["Q08_planning"]["values"]["5"] == NOT_RELEVANT_KIND
    assert columns["respid"] == {"action": "ignore"}
    new = columns["q99"]
    assert new["action"] == "new" and new["new"]["type"] == "single_choice"
    assert [label for _code, label, _raw in new["new"]["options"]] == [
        "Svært misfornøyd",
        "Misfornøyd",
        "Verken eller",
        "Fornøyd",
        "Svært fornøyd",
    ]
    assert new["values"]["8"] == DONT_KNOW


def test_the_dry_run_reports_everything_and_writes_nothing(demo_bank, sav_2015, django_assert_max_num_queries):
    # given
    mapping = mapping_suggest(data_file=sav_2015, year=2015, reference_day=DAY_2015)
    questions_before = Question.objects.count()

    # when
    with django_assert_max_num_queries(12):
        plan = past_round_plan(data_file=sav_2015, mapping=mapping)

    # then
    assert plan.ok, plan.problems
    assert plan.units_total == 443 and len(plan.matched) == 443
    assert [column.column.name for column in plan.by_action("new")] == ["q99"]
    assert [column.column.name for column in plan.by_action("ignore")] == ["respid"]
    q4 = next(column for column in plan.columns if column.column.name == "q4")
    assert sum(q4.frequencies.values()) == 443
    assert q4.frequencies[DONT_KNOW] > 0 and q4.frequencies["yes"] > q4.frequencies["no"]
    assert len(plan.lacking_profile) == 443  # the registry ships no 2015 profiles
    report = "\n".join(plan.report_lines())
    assert "Units matched: 443 of 443 rows" in report
    assert "q4 → Q04: no " in report and "Ready to import." in report
    assert Survey.objects.filter(year=2015).count() == 0
    assert Answer.objects.count() == 0 and Question.objects.count() == questions_before


def test_a_unit_without_its_number_is_matched_by_name_and_the_guess_is_shown(demo_bank, xlsx_2015):
    # when
    plan = past_round_plan(
        data_file=xlsx_2015, mapping=mapping_suggest(data_file=xlsx_2015, year=2015, reference_day=DAY_2015)
    )

    # then
    guesses = plan.guesses
    assert [(match.unit.number, match.how) for match in guesses] == [(NAME_ONLY_NUMBER, "name")]
    assert "guess, row" in "\n".join(plan.report_lines()) and "Bergen" in guesses[0].note


def test_a_name_two_units_share_is_not_guessed(demo_bank, xlsx_2015):
    # given: a row with only the name "Våler" (Østfold and Hedmark both had one in 2015)
    number, name = xlsx_2015.column_index("knr"), xlsx_2015.column_index("kommune")
    row = next(row for row in xlsx_2015.rows if row[name] == "Våler")
    row[number] = None
    mapping = mapping_suggest(data_file=xlsx_2015, year=2015, reference_day=DAY_2015)

    # when
    plan = past_round_plan(data_file=xlsx_2015, mapping=mapping)

    # then
    assert not plan.ok
    assert any("fits several units" in problem and "0137 Våler" in problem for problem in plan.problems)


def test_the_command_prints_the_dry_run_and_saves_the_mapping(demo_bank, files_2015, tmp_path, capsys):
    # given
    saved = tmp_path / "mapping.json"

    # when
    call_command("import_past_round", str(files_2015[0]), "--year", "2015", "--save-mapping", str(saved))

    # then
    output = capsys.readouterr().out
    assert "Units matched: 443 of 443 rows" in output and "Dry run only: nothing was written." in output
    assert json.loads(saved.read_text())["columns"]["q4"]["question"] == "Q04"
    assert Survey.objects.filter(year=2015).count() == 0


def test_the_command_commits_only_a_mapping_a_person_confirmed(demo_bank, files_2015):
    with pytest.raises(CommandError, match="--commit needs a --mapping"):
        call_command("import_past_round", str(files_2015[0]), "--year", "2015", "--commit")
    assert not Survey.objects.filter(year=2015).exists()


def test_last_years_mapping_carries_over_to_a_file_of_the_same_shape(demo_bank, sav_2015, xlsx_2015):
    # given: the .sav's mapping, edited by the admin (q99 is recurring with a theme)
    first = mapping_suggest(data_file=sav_2015, year=2015, reference_day=DAY_2015)
    first["columns"]["q99"]["new"]["theme"] = "Direktoratet"

    # when: the .xlsx (no labels, text answers) starts from it
    second = mapping_suggest(data_file=xlsx_2015, year=2015, reference_day=DAY_2015, previous=first)

    # then
    assert second["columns"]["q4"]["question"] == "Q04"
    assert second["columns"]["q4"]["values"]["Ja"] == "yes"
    assert second["columns"]["q4"]["values"]["Vet ikke"] == DONT_KNOW
    assert second["columns"]["q99"]["new"]["theme"] == "Direktoratet"
    assert second["columns"]["q99"]["values"]["Svært fornøyd"] == "svaert_fornoyd"
    assert second["suggested_because"]["q4"] == "previous mapping"
    assert past_round_plan(data_file=xlsx_2015, mapping=second).ok


def test_the_default_registry_day_is_the_first_of_december(demo_bank, sav_2015):
    mapping = mapping_suggest(data_file=sav_2015, year=2015)
    assert mapping["reference_day"] == datetime.date(2015, 12, 1).isoformat()
