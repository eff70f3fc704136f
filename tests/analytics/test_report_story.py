"""The report with a story: a regional report beside the whole country, last year's figures, the
largest changes, anonymised quotes and the region's units."""

import datetime

import pytest
from django.template.loader import render_to_string

from municipalities.models import Municipality, Region
from surveys.analytics.dataset import round_data_load
from surveys.analytics.reports import report_context
from surveys.models import Item, Question, Questionnaire, Section, Survey
from tests.factories import SurveyFactory
from tests.scenarios import respond


def _entry(context, code):
    return next(
        entry for chapter in context["chapters"] for entry in chapter.entries if entry.result.question.code == code
    )


def _rows(entry):
    return {row.label: row.cells for row in entry.rows}


@pytest.fixture
def nord(answered_round) -> Region:
    return Region.objects.get(scheme__is_active=True, code="nord")


def test_a_regional_report_puts_the_whole_country_beside_the_region(answered_round, nord):
    # given Tromsø and Bindal (Nord) answering yes to Q1, Bergen (Vest) no
    context = report_context(survey=answered_round, region=nord)

    q1 = _entry(context, "Q1")

    assert q1.head == ["Answer", "Count", "%", "Whole country %"]
    assert _rows(q1) == {"Yes": [2, 100, 67], "No": [0, 0, 33], "N": [2, "", 3]}
    # a matrix item gets the whole country's row under the region's
    q3 = _entry(context, "Q3")
    assert [(row.label, row.comparison, row.cells) for row in q3.rows[:2]] == [
        ("Advice", False, [50, 0, 0, 50, 2]),  # Bindal very poor, Tromsø very good
        ("Whole country", True, [33, 33, 0, 33, 3]),  # and Bergen poor
    ]
    units = context["region_units"]
    assert len(units) == len(round_data_load(survey=answered_round, region=nord).units)
    assert {unit.region for unit in units} == {"Nord"} and "Tromsø" in {unit.name for unit in units}
    html = render_to_string("analytics/_report_body.html", context)
    assert "Whole country %" in html and "The units of Nord" in html


def test_the_national_report_compares_with_last_year_and_names_the_largest_changes(answered_round):
    # given last year's round of the same questionnaire, where Tromsø and Bergen answered no to Q1
    earlier = Questionnaire.objects.create(title="Test 2025", year=2025)
    chief = Section.objects.create(questionnaire=earlier, position=1, code="chief", title_nb="Leder")
    Item.objects.create(questionnaire=earlier, section=chief, position=1, question=Question.objects.get(code="Q1"))
    opens = answered_round.opens_at - datetime.timedelta(days=365)
    last_year = SurveyFactory(year=2025, questionnaire=earlier, opens_at=opens, status=Survey.Status.OPEN)
    for number in ("5501", "4601"):
        respond(last_year, Municipality.objects.current().get(number=number), {"Q1": "no"}, ["chief"])

    context = report_context(survey=answered_round)

    q1 = _entry(context, "Q1")
    assert q1.head == ["Answer", "Count", "%", "Oslo's districts %", "2025 %"]  # no district answered
    assert _rows(q1) == {"Yes": [2, 67, None, 0], "No": [1, 33, None, 100], "N": [3, "", 0, 2]}
    changes = [(change.question.code, change.label, change.before, change.now) for change in context["changes"]]
    assert changes[0] == ("Q1", "Yes", 0, 67)
    assert context["previous_rates"].populations[0].responded == 2
    # the national report breaks a choice question down by region (the default)
    assert [part.dimension for part in q1.breakdowns] == ["region"]
    regions = {row.group: row.n for row in q1.breakdowns[0].tables[0].rows}
    assert regions["Nord"] == 2 and regions["Vest"] == 1
    # and the time series are the national report's; a regional report points to them
    assert [series.question.code for series, _charts in context["series"]] == ["Q1"]
    nord = Region.objects.get(scheme__is_active=True, code="nord")
    regional = report_context(survey=answered_round, region=nord)
    assert regional["series"] == []
    assert "those of Nord are on the analysis page" in render_to_string("analytics/_report_body.html", regional)
