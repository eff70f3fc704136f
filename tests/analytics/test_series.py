import datetime

import pytest
from django.utils import timezone

from municipalities.models import Municipality, MunicipalityProfile
from surveys.analytics.series import current_unit_map, series_compare
from surveys.models import Item, Questionnaire, Section

from .conftest import make_question, make_round, respond


def _unit(number: str, year: int) -> Municipality:
    return Municipality.objects.valid_on(datetime.date(year, 6, 1)).get(number=number)


@pytest.fixture
def two_rounds(db):
    """P1 (yes/no, series S1) asked in 2019 and 2026. Askim and Hobøl merged into Indre Østfold in 2020."""
    question = make_question("P1", "yes_no", series="S1")
    rounds = {}
    for year in (2019, 2026):
        questionnaire = Questionnaire.objects.create(title="Test", year=year)
        section = Section.objects.create(
            questionnaire=questionnaire, position=1, code="chief", role="chief_executive", title_nb="Leder"
        )
        Item.objects.create(questionnaire=questionnaire, section=section, position=1, question=question)
        opens = timezone.make_aware(datetime.datetime(year, 3, 1, 9)) if year == 2019 else None
        rounds[year] = make_round(year, questionnaire, opens=opens)
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
