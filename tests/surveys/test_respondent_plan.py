"""The respondent pages' plan of a frozen questionnaire decides visibility exactly as the
questionnaire service does, and a rebuilt cache is never needed for unknown codes."""

import random

import pytest
from django.core.cache import cache

from municipalities.models import Municipality
from surveys.demo_questionnaire import demo_questionnaire_create
from surveys.models import Question, Survey
from surveys.respondent.plan import plan_get, plan_visibility, rules_and_item_get
from surveys.services.questionnaires import (
    NOT_RELEVANT,
    profile_values,
    questionnaire_load,
    questionnaire_visibility,
)
from surveys.services.rounds import survey_open


@pytest.fixture
def frozen_demo(db):
    survey = Survey.objects.create(
        year=2032,
        title="Runde 2032",
        questionnaire=demo_questionnaire_create(year=2032),
        opens_at="2032-01-01T00:00Z",
        closes_at="2032-03-01T00:00Z",
    )
    survey_open(survey=survey)
    return Survey.objects.select_related("questionnaire").get(pk=survey.pk).questionnaire


def random_answers(questionnaire, rnd: random.Random) -> dict[str, object]:
    answers = {}
    for section in questionnaire.sections.all():
        for item in section.items.all():
            question = item.question
            if question.type == Question.Type.NOTE or rnd.random() < 0.3:
                continue
            if question.type == Question.Type.YES_NO:
                answers[question.code] = rnd.choice(["yes", "no"])
            elif question.type in (Question.Type.SINGLE_CHOICE, Question.Type.MULTIPLE_CHOICE):
                codes = [option.code for option in question.options.all()]
                chosen = rnd.sample(codes, rnd.randint(1, min(3, len(codes))))
                answers[question.code] = chosen if question.type == Question.Type.MULTIPLE_CHOICE else chosen[0]
            elif question.type in (Question.Type.SCALE, Question.Type.MATRIX):
                points = [point.code for point in question.scale.points.all()] + [NOT_RELEVANT]
                if question.type == Question.Type.SCALE:
                    answers[question.code] = rnd.choice(points)
                else:
                    answers[question.code] = {row.code: rnd.choice(points) for row in question.matrix_items.all()}
            elif question.type in (Question.Type.INTEGER, Question.Type.DECIMAL):
                answers[question.code] = rnd.choice([0, 3, 50])
            else:
                answers[question.code] = rnd.choice(["", "tekst"])
    return answers


def test_the_plan_shows_the_same_sections_and_items_as_the_questionnaire_service(frozen_demo):
    loaded = questionnaire_load(frozen_demo.pk)
    plan = plan_get(frozen_demo)
    rnd = random.Random(4)
    units = list(Municipality.objects.current().order_by("number")[:40])
    for unit in units:
        profile = profile_values(municipality=unit, year=2026)
        answers = random_answers(loaded, rnd)

        expected = questionnaire_visibility(questionnaire=loaded, profile=profile, answers=answers)
        actual = plan_visibility(plan, profile=profile, values=answers)

        assert [s.section.pk for s in actual.sections] == [s.pk for s in expected.sections]
        assert {k: [i.pk for i in v] for k, v in actual.items.items()} == {
            k: [i.pk for i in v] for k, v in expected.items.items()
        }


def test_unknown_codes_do_not_rebuild_the_cached_plan(frozen_demo, django_assert_num_queries):
    plan_get(frozen_demo)  # built and cached
    assert rules_and_item_get(frozen_demo, "settlement", "Q02")[1].question.code == "Q02"

    with django_assert_num_queries(0):
        assert rules_and_item_get(frozen_demo, "settlement", "NOPE") == (
            rules_and_item_get(frozen_demo, "settlement", "Q02")[0],
            None,
        )
        assert rules_and_item_get(frozen_demo, "nope", "Q02") == (None, None)
        assert rules_and_item_get(frozen_demo, "no pe", "Q02") == (None, None)
    cache.clear()
    assert rules_and_item_get(frozen_demo, "settlement", "Q02")[0].section.code == "settlement"  # rebuilt
