import pytest

from surveys.analytics.dataset import Districts, round_data_load
from surveys.analytics.statistics import (
    Dimension,
    breakdown,
    frequencies,
    net_score_tables,
    percent,
    representativeness,
    response_statistics,
)


def _by_code(results):
    return {result.question.code: result for result in results}


def test_percent_rounds_half_up_to_whole_numbers():
    assert percent(1, 8) == 13  # 12.5
    assert percent(1, 3) == 33 and percent(2, 3) == 67
    assert percent(0, 0) is None


def test_response_statistics_count_units_responding_and_complete(answered_round):
    # given three units with a submitted section and one with a draft only
    data = round_data_load(survey=answered_round, districts=Districts.INCLUDE)

    # when
    rates = response_statistics(data)

    # then
    assert (rates.overall.units, rates.overall.responded, rates.overall.complete) == (372, 3, 3)
    assert rates.overall.percent == 1
    nord = next(row for row in rates.by_region if row.label == "Nord")
    assert nord.responded == 2  # Tromsø and Bindal
    kinds = {row.label: row.units for row in rates.by_kind}
    assert kinds == {"municipality": 357, "city district": 15}


def test_representativeness_table_compares_all_units_with_respondents(answered_round):
    data = round_data_load(survey=answered_round, districts=Districts.INCLUDE)

    blocks = {block.dimension: block for block in representativeness(data)}

    size = {
        row.label: (row.units, row.units_percent, row.respondents, row.respondents_percent)
        for row in blocks[Dimension.SIZE].rows
    }
    # districts have no size band, even when included in their groups
    assert size == {
        "Under 2 000": (354, 95, 1, 33),
        "2 000–4 999": (1, 0, 0, 0),
        "50 000 og over": (2, 1, 2, 67),
        "Oslo's districts": (15, 4, 0, 0),
    }
    share = {row.label: (row.units, row.respondents) for row in blocks[Dimension.IMMIGRANT_SHARE].rows}
    assert share == {"Under 5 %": (370, 1), "10–15 %": (1, 1), "Over 15 %": (1, 1)}
    settles = {
        row.label: (row.units, row.units_percent, row.respondents, row.respondents_percent)
        for row in blocks[Dimension.SETTLES].rows
    }
    assert settles == {"Yes": (2, 1, 2, 67), "No": (370, 99, 1, 33)}
    centrality = [row.label for row in blocks[Dimension.CENTRALITY].rows]
    assert centrality == ["1 Mest sentrale", "2", "6 Minst sentrale"]


def test_oslo_districts_are_a_group_of_their_own_when_reported_apart(answered_round):
    data = round_data_load(survey=answered_round, districts=Districts.APART)

    size = {row.label: row.units for row in representativeness(data)[0].rows}

    assert size["Oslo's districts"] == 15 and size["Under 2 000"] == 354
    assert len(round_data_load(survey=answered_round, districts=Districts.EXCLUDE).units) == 357


def test_frequencies_count_only_units_the_question_was_shown_to(answered_round):
    data = round_data_load(survey=answered_round)

    results = _by_code(frequencies(data))

    q1 = results["Q1"].distributions[0]
    assert q1.n == 3 and [(c.code, c.count, c.percent) for c in q1.categories] == [("yes", 2, 67), ("no", 1, 33)]
    q2 = results["Q2"].distributions[0]  # share of respondents: adds up to more than 100
    assert q2.n == 3 and [(c.count, c.percent) for c in q2.categories] == [(1, 33), (2, 67), (1, 33)]
    advice, courses = results["Q3"].distributions
    assert advice.n == 3 and [c.count for c in advice.categories] == [1, 1, 0, 1]
    assert courses.n == 2 and courses.not_relevant == 1 and [c.percent for c in courses.categories] == [0, 0, 50, 50]
    assert courses.mean == 3.5
    # R1 only where Q1 = yes: Bergen's stale text is not asked, not an answer
    assert results["R1"].shown == 2 and results["R1"].not_asked == 1
    assert [t.text for t in results["R1"].texts] == ["Flere boliger"]
    assert results["C1"].shown == 1 and results["C1"].numbers.n == 1 and results["C1"].numbers.mean == 40
    # Q4's section is hidden from Bindal, which does not settle refugees
    q4 = results["Q4"]
    assert q4.shown == 2 and q4.not_asked == 1 and q4.n == 2
    assert [c.count for c in q4.distributions[0].categories] == [1, 0, 1, 0]


def test_net_score_weighs_outer_points_two_and_leaves_out_not_relevant(answered_round):
    data = round_data_load(survey=answered_round)

    q3, q4 = net_score_tables(data)

    assert [(r.rank, r.variable.name, r.all.n, r.all.positive, r.all.negative, r.all.points) for r in q3.rows] == [
        (1, "Q3_courses", 2, 3, 0, 3),  # good +1, very good +2, not relevant left out
        (2, "Q3_advice", 3, 2, 3, -1),  # very good +2; poor -1, very poor -2
    ]
    assert [(r.rank, r.variable.name, r.all.points) for r in q4.rows] == [(1, "Q4", -1)]  # good +1, very poor -2
    assert [round(r.all.per_unit, 3) for r in q3.rows] == [1.5, -0.333]
    assert q3.rows[0].all.not_relevant == 1


def test_breakdown_keeps_a_group_without_answers_as_an_empty_cell(answered_round):
    data = round_data_load(survey=answered_round, districts=Districts.INCLUDE)

    (table,) = breakdown(data, question_code="Q1", by=Dimension.SIZE)

    rows = {row.group: row for row in table.rows}
    assert list(rows) == ["Under 2 000", "2 000–4 999", "50 000 og over", "Oslo's districts"]
    assert rows["2 000–4 999"].units == 1 and rows["2 000–4 999"].n == 0
    assert [c.percent for c in rows["2 000–4 999"].categories] == [None, None]
    assert [c.count for c in rows["50 000 og over"].categories] == [1, 1]
    assert table.total.n == 3


def test_breakdown_of_a_matrix_gives_a_table_per_item(answered_round):
    data = round_data_load(survey=answered_round)

    tables = breakdown(data, question_code="Q3", by=Dimension.SETTLES)

    assert [t.variable.name for t in tables] == ["Q3_advice", "Q3_courses"]
    settling = {row.group: row.n for row in tables[1].rows}
    assert settling == {"Yes": 1, "No": 1, "Oslo's districts": 0}


@pytest.mark.parametrize("by", [d.value for d in Dimension])
def test_every_dimension_breaks_down(answered_round, by):
    data = round_data_load(survey=answered_round)

    tables = breakdown(data, question_code="Q4", by=by)

    assert sum(row.n for row in tables[0].rows) == 2


def test_partner_municipalities_are_compared_with_the_other_settlement_municipalities(answered_round):
    # given Tromsø (settling, partner), Bergen (settling, not partner) and Bindal (not settling) answering
    data = round_data_load(survey=answered_round, districts=Districts.INCLUDE)

    # when
    (table,) = breakdown(data, question_code="Q1", by=Dimension.PARTNER_SETTLING)
    rows = {row.variable.name: (row.partner, row.others) for table in net_score_tables(data) for row in table.rows}

    # then
    groups = {row.group: (row.units, row.n, [c.count for c in row.categories]) for row in table.rows}
    assert groups == {
        "Partner municipality": (1, 1, [1, 0]),  # Tromsø: yes
        "Other settlement municipality": (1, 1, [0, 1]),  # Bergen: no
        "Does not settle refugees": (370, 1, [1, 0]),  # Bindal: yes; the rest did not answer
    }
    partner, others = rows["Q4"]
    assert (partner.n, partner.points, others.n, others.points) == (1, 1, 1, -2)  # good +1; very poor -2
    partner, others = rows["Q3_advice"]
    assert (partner.points, others.points) == (2, -1)  # Bindal, not settling, is in neither


def test_response_rates_per_county(answered_round):
    # given Bindal (Nordland), Tromsø (Troms) and Bergen (Vestland) responding; Brønnøy (Nordland) with a draft only
    data = round_data_load(survey=answered_round, districts=Districts.INCLUDE)

    # when
    by_county = {row.label: row for row in response_statistics(data).by_county}

    # then
    rows = {label: (row.units, row.responded, row.complete, row.percent) for label, row in by_county.items()}
    assert rows["Nordland - Nordlánnda"] == (41, 1, 1, 2)  # 1 of 41: 2.4 %
    assert rows["Troms - Romsa - Tromssa"] == (21, 1, 1, 5)  # 1 of 21: 4.8 %
    assert rows["Vestland"] == (43, 1, 1, 2)
    assert rows["Oslo"] == (16, 0, 0, 0)  # Oslo and its 15 districts, included
    assert len(rows) == 15 and sum(row.units for row in by_county.values()) == 372
    assert list(rows) == sorted(rows)
