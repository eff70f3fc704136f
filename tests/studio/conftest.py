"""The studio's fixtures: the surveys tests' small questionnaire of two sections, its draft round
and Bergen, built by the same scenarios (tests/scenarios.py)."""

import pytest

from municipalities.models import Municipality
from surveys.models import Questionnaire, Survey
from tests.factories import SurveyFactory
from tests.scenarios import bergen_settling_in_2025, small_questionnaire_create


@pytest.fixture
def small_questionnaire(quality_scale) -> Questionnaire:
    return small_questionnaire_create(quality_scale)


@pytest.fixture
def draft_round(small_questionnaire) -> Survey:
    return SurveyFactory(questionnaire=small_questionnaire, year=2025, title="Runde 2025")


@pytest.fixture
def bergen(db) -> Municipality:
    return bergen_settling_in_2025()
