import datetime

import pytest
from django.utils import timezone

from municipalities.models import Municipality, MunicipalityProfile
from surveys.models import Item, MatrixItem, Question, Questionnaire, QuestionOption, Scale, ScalePoint, Section, Survey
from surveys.services.invitations import invitation_create
from surveys.services.rounds import survey_open


@pytest.fixture
def quality_scale(db) -> Scale:
    scale = Scale.objects.create(code="quality4", name="Very poor – very good")
    for value, code, label in [
        (1, "very_poor", "Svært dårlig"),
        (2, "poor", "Dårlig"),
        (3, "good", "God"),
        (4, "very_good", "Svært god"),
    ]:
        ScalePoint.objects.create(scale=scale, value=value, code=code, label_nb=label)
    return scale


def make_question(code: str, type: str, classification: str = "recurring", **fields) -> Question:
    options = fields.pop("options", [])
    rows = fields.pop("rows", [])
    question = Question.objects.create(
        code=code,
        series=fields.pop("series", code),
        classification=classification,
        type=type,
        text_nb=fields.pop("text_nb", f"Spørsmål {code}"),
        **fields,
    )
    for position, option in enumerate(options):
        QuestionOption.objects.create(question=question, code=option, position=position, label_nb=option.title())
    for position, row in enumerate(rows):
        MatrixItem.objects.create(question=question, code=row, position=position, label_nb=row.title())
    return question


@pytest.fixture
def small_questionnaire(quality_scale) -> Questionnaire:
    """Two sections: the chief executive's (Q1 yes/no, Q2 pick-two, Q3 matrix, R1 rotating text shown
    when Q1 = yes) and the introduction programme's, shown only to settlement municipalities."""
    questionnaire = Questionnaire.objects.create(title="Test", year=2025)
    chief = Section.objects.create(
        questionnaire=questionnaire, position=1, code="chief", role="chief_executive", title_nb="Leder"
    )
    intro = Section.objects.create(
        questionnaire=questionnaire,
        position=2,
        code="intro",
        role="introduction_programme",
        title_nb="Intro",
        condition="${settles_refugees} = true",
    )
    q1 = make_question("Q1", "yes_no")
    q2 = make_question("Q2", "multiple_choice", options=["housing", "jobs", "money"], max_choices=2)
    q3 = make_question("Q3", "matrix", scale=quality_scale, offers_not_relevant=True, rows=["advice", "courses"])
    r1 = make_question("R1", "short_text", classification="rotating", theme="Bolig")
    c1 = make_question("C1", "integer", classification="current_affairs", min_value=0, max_value=100)
    q4 = make_question("Q4", "scale", scale=quality_scale)
    for position, (question, condition) in enumerate(
        [(q1, ""), (q2, ""), (q3, ""), (r1, "${Q1} = 'yes'"), (c1, "selected(${Q2}, 'housing')")], start=1
    ):
        Item.objects.create(
            questionnaire=questionnaire, section=chief, position=position, question=question, condition=condition
        )
    Item.objects.create(
        questionnaire=questionnaire,
        section=intro,
        position=1,
        question=q4,
        condition="not (${Q3_advice} = 'not_relevant')",
    )
    return questionnaire


@pytest.fixture
def draft_round(small_questionnaire) -> Survey:
    now = timezone.now()
    return Survey.objects.create(
        year=2025,
        title="Runde 2025",
        questionnaire=small_questionnaire,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=40),
    )


@pytest.fixture
def celery_eager():
    """Tasks run in the test's own process when they are queued (unit tests only)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


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
    invitation, token = invitation_create(
        survey=open_round, municipality=bergen, role="chief_executive", name="Kari Leder", email="kari@bergen.example"
    )
    return invitation, token
