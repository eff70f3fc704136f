""" "Don't know" kept apart from the values, as "not relevant" is: counted apart in frequencies and
net scores (not in N, percentages or means), exported with its own missing code (-6)."""

import tempfile

import pyreadstat
import pytest
from django.template.loader import render_to_string

from municipalities.models import Municipality
from surveys.analytics.dataset import round_data_load
from surveys.analytics.exports import codebook_rows, export_sav, export_table
from surveys.analytics.statistics import frequencies, net_score_tables
from surveys.models import Item, Question, Questionnaire, Section, Survey
from tests.factories import QuestionFactory, SurveyFactory
from tests.scenarios import respond


@pytest.fixture
def dont_know_round(quality_scale, profiles_2026):
    questionnaire = Questionnaire.objects.create(title="Test", year=2026)
    section = Section.objects.create(
        questionnaire=questionnaire, position=1, code="chief", role="chief_executive", title_nb="Leder"
    )
    questions = [
        QuestionFactory(code="S1", type="scale", scale=quality_scale, offers_not_relevant=True, offers_dont_know=True),
        QuestionFactory(code="C2", type="single_choice", options=["a", "b"], offers_dont_know=True),
        QuestionFactory(code="M3", type="multiple_choice", options=["x", "y"], offers_dont_know=True),
        QuestionFactory(code="T4", type="matrix", scale=quality_scale, rows=["r"], offers_dont_know=True),
    ]
    for position, question in enumerate(questions, start=1):
        Item.objects.create(questionnaire=questionnaire, section=section, position=position, question=question)
    survey = SurveyFactory(year=2026, questionnaire=questionnaire, status=Survey.Status.OPEN)
    units = {unit.number: unit for unit in Municipality.objects.current().filter(number__in=["5501", "4601", "1811"])}
    answers = {
        "5501": {"S1": "very_good", "C2": "a", "M3": ["x", "y"], "T4": {"r": "good"}},
        "4601": {"S1": "dont_know", "C2": "dont_know", "M3": ["dont_know"], "T4": {"r": "dont_know"}},
        "1811": {"S1": "not_relevant", "C2": "b", "M3": ["y"], "T4": {"r": "very_poor"}},
    }
    for number, values in answers.items():
        respond(survey, units[number], values, ["chief"])
    return survey


def test_dont_know_is_counted_apart_in_frequencies(dont_know_round):
    results = {result.question.code: result for result in frequencies(round_data_load(survey=dont_know_round))}

    scale = results["S1"].distributions[0]
    assert (scale.n, scale.not_relevant, scale.dont_know, scale.mean) == (1, 1, 1, 4.0)
    assert [c.percent for c in scale.categories] == [0, 0, 0, 100]
    choice = results["C2"].distributions[0]
    assert (choice.n, choice.dont_know) == (2, 1) and [c.percent for c in choice.categories] == [50, 50]
    multiple = results["M3"].distributions[0]
    assert (multiple.n, multiple.dont_know) == (2, 1) and [c.count for c in multiple.categories] == [1, 2]
    matrix = results["T4"].distributions[0]
    assert (matrix.n, matrix.dont_know, matrix.mean) == (2, 1, 2.0)
    shown = render_to_string("analytics/_frequency.html", {"result": results["C2"], "chart": None, "coding": None})
    assert "Don't know: 1 (not in N or the percentages)" in shown
    table = render_to_string("analytics/_frequency.html", {"result": results["S1"], "chart": None, "coding": None})
    assert '<th scope="col" class="text-end">Don\'t know</th>' in table.replace("&#x27;", "'")
    scores = {
        row.variable.name: (row.all.n, row.all.dont_know)
        for table in net_score_tables(round_data_load(survey=dont_know_round))
        for row in table.rows
    }
    assert scores == {"S1": (1, 1), "T4_r": (2, 1)}


def test_dont_know_is_exported_with_its_own_missing_code(dont_know_round):
    table = export_table(round_data_load(survey=dont_know_round))
    rows = {row[0]: dict(zip(table.names, row, strict=True)) for row in table.rows}

    bergen, tromso = rows["4601"], rows["5501"]
    assert (bergen["S1"], bergen["C2"], bergen["M3_x"], bergen["M3_y"], bergen["T4_r"]) == (-6, -6, -6, -6, -6)
    assert (tromso["S1"], tromso["C2"], tromso["M3_x"], tromso["T4_r"]) == (4, 1, 1, 3)
    assert rows["1811"]["S1"] == -7
    codebook = {row[0]: row for row in codebook_rows(table)}
    assert "-6 = Don't know" in codebook["C2"][5] and "-6 = Don't know" in codebook["M3_x"][5]

    with tempfile.NamedTemporaryFile(suffix=".sav") as handle:
        handle.write(export_sav(table))
        handle.flush()
        frame, meta = pyreadstat.read_sav(handle.name, user_missing=True)
        plain, _meta = pyreadstat.read_sav(handle.name)

    assert meta.variable_value_labels["C2"][-6.0] == "Don't know"
    assert {r["lo"] for r in meta.missing_ranges["C2"]} == {-6.0, -8.0, -9.0}
    # four codes on a scale with "not relevant" too: SPSS's range of missing values
    assert [(r["lo"], r["hi"]) for r in meta.missing_ranges["S1"]] == [(-9.0, -6.0)]
    assert frame[frame["number"] == "4601"].iloc[0]["S1"] == -6.0
    assert plain[plain["number"] == "4601"].iloc[0].isna()["S1"]
    assert plain[plain["number"] == "5501"].iloc[0]["S1"] == 4.0


def test_dont_know_is_offered_only_on_choices_and_scales(db):
    from django.core.exceptions import ValidationError

    question = Question(
        code="N1", series="N1", classification="recurring", type="integer", text_nb="Tall", offers_dont_know=True
    )
    with pytest.raises(ValidationError) as refused:
        question.full_clean()
    assert "offers_dont_know" in refused.value.message_dict
