"""Constructed rounds whose statistics are known by hand."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from municipalities.models import Municipality, MunicipalityProfile
from surveys.models import (
    Answer,
    Item,
    MatrixItem,
    Question,
    Questionnaire,
    QuestionOption,
    Response,
    Scale,
    ScalePoint,
    Section,
    SectionProgress,
    Survey,
)

SMALL = "1811"  # Bindal, a small municipality
MIDDLE = "1812"  # Sømna: made 3,000 people and left without an answer (an empty cell)
HALF_DONE = "1813"  # Brønnøy: a response with nothing submitted


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


def make_question(code: str, type: str, **fields) -> Question:
    options = fields.pop("options", [])
    rows = fields.pop("rows", [])
    question = Question.objects.create(
        code=code,
        series=fields.pop("series", code),
        classification=fields.pop("classification", "recurring"),
        type=type,
        text_nb=fields.pop("text_nb", f"Spørsmål {code}"),
        **fields,
    )
    for position, option in enumerate(options):
        QuestionOption.objects.create(question=question, code=option, position=position, label_nb=option.title())
    for position, row in enumerate(rows):
        MatrixItem.objects.create(question=question, code=row, position=position, label_nb=row.title())
    return question


def make_round(year: int, questionnaire: Questionnaire, *, opens: datetime.datetime | None = None) -> Survey:
    opens = opens or timezone.now() - datetime.timedelta(days=1)
    return Survey.objects.create(
        year=year,
        title=f"Runde {year}",
        questionnaire=questionnaire,
        opens_at=opens,
        closes_at=opens + datetime.timedelta(days=40),
        status=Survey.Status.OPEN,
    )


def respond(survey: Survey, unit: Municipality, answers: dict[str, object], submitted: list[str]) -> Response:
    """A response written directly, as a finished respondent would leave it."""
    response = Response.objects.create(survey=survey, municipality=unit)
    questions = {q.code: q for q in Question.objects.filter(code__in=answers)}
    Answer.objects.bulk_create(
        Answer(response=response, question=questions[code], value=value) for code, value in answers.items()
    )
    now = timezone.now()
    for section in Section.objects.filter(questionnaire=survey.questionnaire_id):
        done = section.code in submitted
        SectionProgress.objects.create(
            response=response,
            section=section,
            status="submitted" if done else "in_progress",
            submitted_at=now if done else None,
        )
    return response


@pytest.fixture
def questionnaire(quality_scale) -> Questionnaire:
    """The chief executive's section (Q1 yes/no, Q2 pick two, Q3 matrix with not relevant, R1 text shown
    when Q1 = yes, C1 number shown when housing is picked) and the introduction programme's, shown only to
    settlement municipalities (Q4 scale)."""
    questionnaire = Questionnaire.objects.create(title="Test", year=2026)
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
    q1 = make_question("Q1", "yes_no", text_nb="Har kommunen en plan?")
    q2 = make_question("Q2", "multiple_choice", options=["housing", "jobs", "money"], max_choices=2)
    q3 = make_question("Q3", "matrix", scale=quality_scale, offers_not_relevant=True, rows=["advice", "courses"])
    r1 = make_question("R1", "short_text", classification="rotating")
    c1 = make_question("C1", "integer", min_value=0, max_value=100)
    q4 = make_question("Q4", "scale", scale=quality_scale, offers_not_relevant=True)
    for position, (question, condition) in enumerate(
        [(q1, ""), (q2, ""), (q3, ""), (r1, "${Q1} = 'yes'"), (c1, "selected(${Q2}, 'housing')")], start=1
    ):
        Item.objects.create(
            questionnaire=questionnaire, section=chief, position=position, question=question, condition=condition
        )
    Item.objects.create(questionnaire=questionnaire, section=intro, position=1, question=q4)
    return questionnaire


@pytest.fixture
def profiles_2026(db) -> None:
    """Every unit small, remote, few immigrants, not settling; Tromsø and Bergen large and settling."""
    MunicipalityProfile.objects.filter(year=2026).update(
        population=1000, centrality_class=6, immigrant_share=Decimal("3.00"), settles_refugees=False, is_partner=False
    )
    MunicipalityProfile.objects.filter(
        year=2026, municipality__number="5501", municipality__valid_to__isnull=True
    ).update(
        population=80000, centrality_class=2, immigrant_share=Decimal("12.00"), settles_refugees=True, is_partner=True
    )
    MunicipalityProfile.objects.filter(
        year=2026, municipality__number="4601", municipality__valid_to__isnull=True
    ).update(population=290000, centrality_class=1, immigrant_share=Decimal("16.00"), settles_refugees=True)
    MunicipalityProfile.objects.filter(
        year=2026, municipality__number=MIDDLE, municipality__valid_to__isnull=True
    ).update(population=3000)


@pytest.fixture
def answered_round(questionnaire, profiles_2026) -> Survey:
    survey = make_round(2026, questionnaire)
    current = {
        unit.number: unit
        for unit in Municipality.objects.current().filter(number__in=["5501", "4601", SMALL, HALF_DONE])
    }
    respond(
        survey,
        current["5501"],
        {
            "Q1": "yes",
            "Q2": ["housing", "jobs"],
            "Q3": {"advice": "very_good", "courses": "not_relevant"},
            "R1": "Flere boliger",
            "C1": 40,
            "Q4": "good",
        },
        ["chief", "intro"],
    )
    respond(
        survey,
        current["4601"],
        # R1 was answered while Q1 was yes, then Q1 changed: the stale text is hidden and does not count.
        {
            "Q1": "no",
            "Q2": ["jobs"],
            "Q3": {"advice": "poor", "courses": "good"},
            "R1": "Gammelt svar",
            "Q4": "very_poor",
        },
        ["chief", "intro"],
    )
    respond(
        survey,
        current[SMALL],
        # Q4 is in a section Bindal does not see (it does not settle refugees).
        {"Q1": "yes", "Q2": ["money"], "Q3": {"advice": "very_poor", "courses": "very_good"}, "Q4": "good"},
        ["chief"],
    )
    respond(survey, current[HALF_DONE], {"Q1": "yes", "Q2": ["housing"]}, [])
    return survey


@pytest.fixture(autouse=True)
def in_english():
    """Labels are asserted in the English source; the Norwegian catalogues may not have them yet."""
    from django.utils import translation

    with translation.override("en"):
        yield
