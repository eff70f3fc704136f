"""Constructed rounds whose statistics are known by hand (tests/scenarios.py builds them)."""

import pytest

from surveys.models import Questionnaire, Survey
from tests.scenarios import analysis_questionnaire_create, answered_round_create, profiles_2026_set


@pytest.fixture
def questionnaire(quality_scale) -> Questionnaire:
    return analysis_questionnaire_create(quality_scale)


@pytest.fixture
def profiles_2026(db) -> None:
    profiles_2026_set()


@pytest.fixture
def answered_round(questionnaire, profiles_2026) -> Survey:
    return answered_round_create(questionnaire)


@pytest.fixture(autouse=True)
def in_english():
    """Labels are asserted in the English source; the Norwegian catalogues may not have them yet."""
    from django.utils import translation

    with translation.override("en"):
        yield
