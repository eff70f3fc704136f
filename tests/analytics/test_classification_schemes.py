"""Background variables are analysed on the classification scheme in force in the profile's year."""

from municipalities.models import Municipality, MunicipalityProfile
from surveys.analytics.dataset import round_data_load
from surveys.analytics.statistics import Dimension, representativeness
from surveys.models import ClassificationScheme, Survey
from tests.factories import SurveyFactory
from tests.scenarios import respond

CENTRAL_2008 = {"5501": 3, "4601": 3, "1811": 0, "1813": 1}  # SSB 2008: 3 central ... 0 least central


def test_a_2015_round_is_shown_on_the_four_level_2008_standard(questionnaire, profiles_2026):
    # given 2015 profiles with the 2008 standard's codes (0-3): two central, one less central, the rest least
    survey = SurveyFactory(year=2015, questionnaire=questionnaire, status=Survey.Status.OPEN)
    current = {unit.number: unit for unit in Municipality.objects.current()}
    MunicipalityProfile.objects.bulk_create(
        MunicipalityProfile(municipality=unit, year=2015, centrality_class=CENTRAL_2008.get(number, 0))
        for number, unit in current.items()
    )
    for number in ("5501", "4601", "1811"):
        respond(survey, current[number], {"Q1": "yes"}, ["chief"])

    # when
    blocks = {block.dimension: block for block in representativeness(round_data_load(survey=survey))}

    # then the 2015-style table: the four named levels, most central first (none was "noe sentrale")
    rows = [(row.label, row.units, row.respondents) for row in blocks[Dimension.CENTRALITY].rows]
    assert rows == [
        ("Sentrale kommuner", 2, 2),
        ("Mindre sentrale kommuner", 1, 0),
        ("Minst sentrale kommuner", 354, 1),
        ("Oslo's districts", 15, 0),
    ]


def test_todays_round_is_shown_on_the_six_level_2020_standard(answered_round):
    blocks = {block.dimension: block for block in representativeness(round_data_load(survey=answered_round))}

    labels = [row.label for row in blocks[Dimension.CENTRALITY].rows]

    assert labels == ["1 Mest sentrale", "2", "6 Minst sentrale", "Oslo's districts"]


def test_an_admins_scheme_takes_over_from_its_year(answered_round):
    # given an admin's new centrality scheme in force from 2026 with two classes
    scheme = ClassificationScheme.objects.create(variable="centrality", name="To nivåer", in_force_from=2026)
    scheme.bands.create(position=1, label="Sentrale", lower=1, upper=3)
    scheme.bands.create(position=2, label="Usentrale", lower=3, upper=7)

    blocks = {block.dimension: block for block in representativeness(round_data_load(survey=answered_round))}

    rows = {row.label: (row.units, row.respondents) for row in blocks[Dimension.CENTRALITY].rows}
    assert rows == {"Sentrale": (2, 2), "Usentrale": (355, 1), "Oslo's districts": (15, 0)}
