"""The small questionnaire (built with tests/factories.py), its draft and open round, Bergen (a
settlement municipality in 2025) and its chief executive's link."""

import pytest

from surveys.models import Questionnaire, Survey
from surveys.services.rounds import survey_open
from tests.factories import SurveyFactory
from tests.scenarios import bergen_settling_in_2025, chief_link_create, small_questionnaire_create


@pytest.fixture
def small_questionnaire(quality_scale) -> Questionnaire:
    return small_questionnaire_create(quality_scale)


@pytest.fixture
def draft_round(small_questionnaire) -> Survey:
    return SurveyFactory(questionnaire=small_questionnaire, year=2025, title="Runde 2025")


@pytest.fixture
def open_round(draft_round):
    return survey_open(survey=draft_round)


@pytest.fixture
def bergen(db):
    return bergen_settling_in_2025()


@pytest.fixture
def chief(open_round, bergen):
    return chief_link_create(open_round)
