"""The net score as the survey's reports define it, on a matrix whose points are computed by hand."""

import pytest

from municipalities.models import Municipality, MunicipalityProfile
from surveys.analytics.dataset import Districts, round_data_load
from surveys.analytics.statistics import net_score_tables
from surveys.models import Item, Questionnaire, Section, Survey
from tests.factories import QuestionFactory, SurveyFactory
from tests.scenarios import respond

# Categories 1 and 4 weigh 2 points, 2 and 3 weigh 1; 1 and 2 are negative.
ANSWERS = {
    "5501": {"a": "very_good", "b": "poor", "c": "good"},  # Tromsø, partner: +2, -1, +1
    "1812": {"a": "good", "b": "very_poor", "c": "not_relevant"},  # Sømna, partner: +1, -2, left out
    "4601": {"a": "very_good", "b": "good", "c": "very_poor"},  # Bergen, settles, not partner: +2, +1, -2
    "1811": {"a": "poor", "b": "very_good", "c": "good"},  # Bindal, does not settle: -1, +2, +1
}
DISTRICT_ANSWER = {"a": "very_poor", "b": "very_good", "c": "very_good"}  # a partner district: -2, +2, +2


@pytest.fixture
def matrix_round(quality_scale, profiles_2026):
    questionnaire = Questionnaire.objects.create(title="Netto", year=2026)
    section = Section.objects.create(questionnaire=questionnaire, position=1, code="s", title_nb="S")
    question = QuestionFactory(
        code="M1", type="matrix", scale=quality_scale, offers_not_relevant=True, rows=["a", "b", "c"]
    )
    Item.objects.create(questionnaire=questionnaire, section=section, position=1, question=question)
    survey = SurveyFactory(year=2026, questionnaire=questionnaire, status=Survey.Status.OPEN)
    current = Municipality.objects.current()
    district = current.filter(kind=Municipality.Kind.DISTRICT).order_by("number").first()
    partners = [*current.filter(number__in=["5501", "1812"]), district]
    MunicipalityProfile.objects.filter(year=2026, municipality__in=partners).update(
        settles_refugees=True, is_partner=True
    )
    for number, answer in ANSWERS.items():
        respond(survey, current.get(number=number), {"M1": answer}, ["s"])
    respond(survey, district, {"M1": DISTRICT_ANSWER}, ["s"])
    return survey


def _rows(table):
    return {
        row.variable.item_code: (row.rank, row.all.points, row.all.n, row.partner.points, row.partner.n)
        for row in table.rows
    }


def test_net_score_is_points_per_item_ranked_within_the_question(matrix_round):
    data = round_data_load(survey=matrix_round, districts=Districts.APART)

    (table,) = net_score_tables(data)

    # municipalities: a = 2+1+2-1 = 4; b = -1-2+1+2 = 0; c = 1-2+1 = 0 (Sømna's "not relevant" left out)
    assert [row.variable.item_code for row in table.rows] == ["a", "b", "c"]
    assert _rows(table) == {
        "a": (1, 4, 4, 3, 2),  # partners Tromsø and Sømna: 2+1
        "b": (2, 0, 4, -3, 2),  # -1-2
        "c": (2, 0, 3, 1, 1),  # equal points share a rank; Sømna's "not relevant" is not in N
    }
    others = {row.variable.item_code: (row.others.points, row.others.n) for row in table.rows}
    assert others == {"a": (2, 1), "b": (1, 1), "c": (-2, 1)}  # Bergen
    assert table.rows[2].all.not_relevant == 1
    assert table.rows[0].all.per_unit == 1.0  # 4 points over 4 units: the normalised column
    # Oslo's district is a population of its own, never a partner municipality
    districts = {row.variable.item_code: (row.districts.points, row.districts.n) for row in table.rows}
    assert districts == {"a": (-2, 1), "b": (2, 1), "c": (2, 1)}


def test_a_partner_district_counts_among_partners_only_when_districts_are_included(matrix_round):
    data = round_data_load(survey=matrix_round, districts=Districts.INCLUDE)

    (table,) = net_score_tables(data)

    rows = _rows(table)
    assert rows["a"] == (1, 2, 5, 1, 3) and rows["b"] == (1, 2, 5, -1, 3) and rows["c"] == (1, 2, 4, 3, 2)
    assert all(row.districts is None for row in table.rows)


def test_net_score_of_the_districts_alone(matrix_round):
    data = round_data_load(survey=matrix_round, districts=Districts.ONLY)

    (table,) = net_score_tables(data)

    assert _rows(table) == {"b": (1, 2, 1, 2, 1), "c": (1, 2, 1, 2, 1), "a": (3, -2, 1, -2, 1)}
