"""The small questionnaire (built with tests/factories.py), its draft and open round, Bergen (a
settlement municipality in 2025) and its chief executive's link."""

import pytest

from municipalities.models import Municipality, MunicipalityProfile
from surveys.models import Questionnaire, Survey
from surveys.services.rounds import survey_open
from tests.factories import (
    ItemFactory,
    QuestionFactory,
    QuestionnaireFactory,
    SectionFactory,
    SurveyFactory,
)
from tests.scenarios import chief_link_create


@pytest.fixture
def small_questionnaire(quality_scale) -> Questionnaire:
    """Two sections: the chief executive's (Q1 yes/no, Q2 pick-two, Q3 matrix, R1 rotating text shown
    when Q1 = yes) and the introduction programme's, shown only to settlement municipalities."""
    questionnaire = QuestionnaireFactory(year=2025)
    chief = SectionFactory(questionnaire=questionnaire, position=1, code="chief", title_nb="Leder")
    intro = SectionFactory(
        questionnaire=questionnaire,
        position=2,
        code="intro",
        role="introduction_programme",
        title_nb="Intro",
        condition="${settles_refugees} = true",
    )
    q1 = QuestionFactory(code="Q1", type="yes_no")
    q2 = QuestionFactory(code="Q2", type="multiple_choice", options=["housing", "jobs", "money"], max_choices=2)
    q3 = QuestionFactory(
        code="Q3", type="matrix", scale=quality_scale, offers_not_relevant=True, rows=["advice", "courses"]
    )
    r1 = QuestionFactory(code="R1", type="short_text", classification="rotating", theme="Bolig")
    c1 = QuestionFactory(code="C1", type="integer", classification="current_affairs", min_value=0, max_value=100)
    q4 = QuestionFactory(code="Q4", type="scale", scale=quality_scale)
    for position, (question, condition) in enumerate(
        [(q1, ""), (q2, ""), (q3, ""), (r1, "${Q1} = 'yes'"), (c1, "selected(${Q2}, 'housing')")], start=1
    ):
        ItemFactory(section=chief, position=position, question=question, condition=condition)
    ItemFactory(section=intro, position=1, question=q4, condition="not (${Q3_advice} = 'not_relevant')")
    return questionnaire


@pytest.fixture
def draft_round(small_questionnaire) -> Survey:
    return SurveyFactory(questionnaire=small_questionnaire, year=2025, title="Runde 2025")


@pytest.fixture
def open_round(draft_round):
    return survey_open(survey=draft_round)


@pytest.fixture
def bergen(db):
    unit = Municipality.objects.current().get(number="4601")
    MunicipalityProfile.objects.update_or_create(municipality=unit, year=2025, defaults={"settles_refugees": True})
    return unit


@pytest.fixture
def chief(open_round, bergen):
    return chief_link_create(open_round)
