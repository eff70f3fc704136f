"""Municipalities and Oslo's districts as two populations, as the published reports count them:
in every table, the net score, the exports and the report."""

import pytest
from django.template.loader import render_to_string

from municipalities.models import Municipality
from surveys.analytics.dataset import Districts, round_data_load
from surveys.analytics.exports import export_table
from surveys.analytics.reports import report_context
from surveys.analytics.statistics import (
    Dimension,
    breakdown,
    frequencies,
    net_score_tables,
    representativeness,
    response_statistics,
)
from tests.scenarios import respond


@pytest.fixture
def district_answered(answered_round):
    """The constructed round, and one of Oslo's districts answering no to Q1."""
    district = Municipality.objects.current().filter(kind=Municipality.Kind.DISTRICT).order_by("number").first()
    respond(
        answered_round,
        district,
        {"Q1": "no", "Q2": ["jobs"], "Q3": {"advice": "very_good", "courses": "very_good"}},
        ["chief"],
    )
    return answered_round, district


def test_response_rates_and_representativeness_count_two_populations(district_answered):
    survey, _district = district_answered
    data = round_data_load(survey=survey)

    rates = response_statistics(data)
    size = {row.label: row for row in representativeness(data)[0].rows}

    assert [(row.label, row.units, row.responded) for row in rates.populations] == [
        ("Municipalities", 357, 3),
        ("Oslo's districts", 15, 1),
    ]
    # a municipal band's percent is of the municipalities (354 of 357), the districts' of the districts
    assert (size["Under 2 000"].units, size["Under 2 000"].units_percent) == (354, 99)
    assert (size["Under 2 000"].respondents, size["Under 2 000"].respondents_percent) == (1, 33)
    assert (size["Oslo's districts"].units, size["Oslo's districts"].units_percent) == (15, 100)


def test_frequencies_and_breakdowns_keep_the_districts_apart(district_answered):
    survey, _district = district_answered
    data = round_data_load(survey=survey)

    q1 = next(result for result in frequencies(data) if result.question.code == "Q1")
    (table,) = breakdown(data, question_code="Q1", by=Dimension.SIZE)

    assert q1.n == 3 and [c.count for c in q1.distributions[0].categories] == [2, 1]  # municipalities
    assert q1.districts.n == 1 and [c.count for c in q1.districts.distributions[0].categories] == [0, 1]
    rows = {row.group: row.n for row in table.rows}
    assert rows["Oslo's districts"] == 1 and (table.total.group, table.total.n) == ("All municipalities", 3)


def test_the_district_has_its_own_net_score_column(district_answered):
    survey, _district = district_answered

    q3 = net_score_tables(round_data_load(survey=survey))[0]

    scores = {row.variable.item_code: (row.all.points, row.all.n, row.districts.points) for row in q3.rows}
    assert scores == {"courses": (3, 2, 2), "advice": (-1, 3, 2)}


@pytest.mark.parametrize("districts", [Districts.APART, Districts.INCLUDE])
def test_exports_carry_the_unit_kind_and_no_size_band_for_districts(district_answered, districts):
    survey, district = district_answered

    table = export_table(round_data_load(survey=survey, districts=districts))

    rows = {row[0]: dict(zip(table.names, row, strict=True)) for row in table.rows}
    assert rows[district.number]["unit_kind"] == 2 and rows["5501"]["unit_kind"] == 1
    assert rows[district.number]["size_band"] in ("", None) and rows["5501"]["size_band"] not in ("", None)
    kinds = [row["unit_kind"] for row in rows.values()]
    assert (kinds.count(1), kinds.count(2)) == (357, 15)


def test_municipalities_only_and_districts_only(district_answered):
    survey, district = district_answered

    municipalities = round_data_load(survey=survey, districts=Districts.EXCLUDE)
    districts = round_data_load(survey=survey, districts=Districts.ONLY)

    assert len(municipalities.units) == 357 and len(districts.units) == 15
    assert [unit.number for unit in districts.respondents()] == [district.number]
    q1 = next(result for result in frequencies(districts) if result.question.code == "Q1")
    assert q1.n == 1 and q1.districts is None


def test_the_report_shows_the_districts_beside_the_municipalities(district_answered):
    survey, _district = district_answered

    context = report_context(survey=survey)
    html = render_to_string("analytics/_report_body.html", context)

    assert "3 of 357 municipalities responded" in html and "1 of 15 of Oslo's districts (7 %)" in html
    q1 = next(
        entry for chapter in context["chapters"] for entry in chapter.entries if entry.result.question.code == "Q1"
    )
    assert q1.head == ["Answer", "Count", "%", "Oslo's districts %"]
    assert {row.label: row.cells for row in q1.rows} == {"Yes": [2, 67, 0], "No": [1, 33, 100], "N": [3, "", 1]}
