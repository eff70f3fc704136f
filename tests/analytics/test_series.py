import datetime

import pytest
from django.utils import timezone

from municipalities.models import Municipality, MunicipalityProfile
from surveys.analytics.series import current_unit_map, series_compare
from surveys.models import Survey
from tests.factories import ItemFactory, QuestionFactory, SectionFactory, SurveyFactory
from tests.scenarios import respond


def _unit(number: str, year: int) -> Municipality:
    return Municipality.objects.valid_on(datetime.date(year, 6, 1)).get(number=number)


@pytest.fixture
def two_rounds(db):
    """P1 (yes/no, series S1) asked in 2019 and 2026. Askim and Hobøl merged into Indre Østfold in 2020."""
    question = QuestionFactory(code="P1", type="yes_no", series="S1")
    rounds = {}
    for year in (2019, 2026):
        section = SectionFactory(questionnaire__year=year, position=1, code="chief", title_nb="Leder")
        ItemFactory(section=section, position=1, question=question)
        in_march = {"opens_at": timezone.make_aware(datetime.datetime(year, 3, 1, 9))} if year == 2019 else {}
        rounds[year] = SurveyFactory(questionnaire=section.questionnaire, status=Survey.Status.OPEN, **in_march)
    MunicipalityProfile.objects.filter(year=2019, municipality__number="0124").update(population=15000)  # Askim
    MunicipalityProfile.objects.filter(year=2019, municipality__number="0138").update(population=5000)  # Hobøl
    answers_2019 = {"0124": "yes", "0138": "no", "1902": "yes"}  # Askim, Hobøl, Tromsø; Bergen does not answer
    answers_2026 = {"3118": "no", "5501": "no", "4601": "yes"}  # Indre Østfold, Tromsø, Bergen
    for year, answers in ((2019, answers_2019), (2026, answers_2026)):
        for number, value in answers.items():
            respond(rounds[year], _unit(number, year), {"P1": value}, ["chief"])
    return rounds


def test_units_map_through_mergers_and_renumbering_to_their_current_unit(db):
    mapped = current_unit_map()

    indre_ostfold = Municipality.objects.current().get(number="3118")
    assert mapped[_unit("0124", 2019).pk] == indre_ostfold.pk  # Askim -> 3014 (2020) -> 3118 (2024)
    assert mapped[_unit("0138", 2019).pk] == indre_ostfold.pk
    assert mapped[_unit("1902", 2019).pk] == Municipality.objects.current().get(number="5501").pk


def test_series_compares_all_respondents_and_the_panel_across_a_merger(two_rounds):
    # when
    series = series_compare(series="S1")

    # then
    (variable,) = series.variables
    assert series.years == [2019, 2026]
    all_2019, all_2026 = variable.all
    assert (all_2019.n, [c.count for c in all_2019.categories]) == (3, [2, 1])
    assert (all_2026.n, [c.count for c in all_2026.categories]) == (3, [1, 2])
    # the panel: Indre Østfold (as Askim, the larger predecessor, in 2019) and Tromsø; Bergen missed 2019
    assert variable.panel_size == 2
    panel_2019, panel_2026 = variable.panel
    assert [c.percent for c in panel_2019.categories] == [100, 0]
    assert [c.percent for c in panel_2026.categories] == [0, 100]


def test_a_series_chart_has_a_line_for_all_and_the_panel_with_n_per_year(two_rounds):
    from surveys.analytics.reports import series_chart

    series = series_compare(series="S1")

    chart = series_chart(series, series.variables[0])

    assert chart.startswith("<svg") and chart.count("<polyline") == 2  # all respondents and the panel
    assert 'stroke-dasharray="5 3"' in chart  # the panel is dashed
    # the text alternative: the share answering yes per year, then N per year
    assert "Yes: 2019 67 %, 2026 33 %" in chart
    assert "Yes (panel): 2019 100 %, 2026 0 %" in chart
    assert "N: 2019 3, 2026 3; N panel: 2019 2, 2026 2" in chart


def test_the_graphic_report_and_the_series_page_show_time_series_charts(client, analyst, two_rounds):
    from django.urls import reverse

    from surveys.analytics.reports import report_context

    context = report_context(survey=two_rounds[2026])
    client.force_login(analyst)
    page = client.get(reverse("analysis-series", args=[two_rounds[2026].pk]), {"series": "S1"}).content.decode()

    ((series, charts),) = context["series"]
    assert series.series == "S1" and series.years == [2019, 2026]
    assert charts[0][1].startswith("<svg")
    assert "<polyline" in page and "N panel" in page
    assert report_context(survey=two_rounds[2019])["series"] == []  # one year is not a series


def test_a_line_chart_leaves_a_gap_for_a_missing_year():
    from surveys.analytics.charts import Line, line_chart

    chart = line_chart(
        title="Q4",
        x_labels=["2025", "2026"],
        lines=[Line("All", [2.5, None]), Line("Panel", [3.0, 3.5], dashed=True)],
        y_min=1,
        y_max=4,
        n_rows=[("N", [4, 0])],
    )

    assert "All: 2025 2.5, 2026 –" in chart  # a missing year leaves a gap
    assert chart.count("<polyline") == 1 and chart.count("<circle") == 3


def test_the_series_picker_shows_the_question_text_and_the_years_it_was_asked(answered_round):
    import datetime

    from surveys.analytics.selectors import analysis_series_choices
    from surveys.models import Item, Question, Questionnaire, Section
    from tests.factories import SurveyFactory

    # given Q1 asked in 2025 too
    earlier = Questionnaire.objects.create(title="Test 2025", year=2025)
    chief = Section.objects.create(questionnaire=earlier, position=1, code="chief", title_nb="Leder")
    Item.objects.create(questionnaire=earlier, section=chief, position=1, question=Question.objects.get(code="Q1"))
    SurveyFactory(
        year=2025,
        questionnaire=earlier,
        opens_at=answered_round.opens_at - datetime.timedelta(days=365),
        status=Survey.Status.OPEN,
    )

    choices = dict(analysis_series_choices(survey=answered_round))

    assert choices["Q1"] == "Q1: Har kommunen en plan? (2025, 2026)"
    assert choices["Q4"] == "Q4: Spørsmål Q4 (2026)"
