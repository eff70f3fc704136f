"""The in-process cache of frozen questionnaires can never serve a stale copy."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from surveys.models import Item, Question, Questionnaire
from surveys.services import questionnaires
from surveys.services.questionnaires import questionnaire_load_for_answering
from surveys.services.rounds import survey_open


@pytest.fixture(autouse=True)
def empty_questionnaire_cache():
    questionnaires._FROZEN_QUESTIONNAIRES.clear()
    yield
    questionnaires._FROZEN_QUESTIONNAIRES.clear()


def _queries(questionnaire: Questionnaire) -> tuple[Questionnaire, int]:
    with CaptureQueriesContext(connection) as queries:
        loaded = questionnaire_load_for_answering(questionnaire)
    return loaded, len(queries.captured_queries)


def test_an_opened_questionnaire_is_read_once_per_process(draft_round):
    survey_open(survey=draft_round)
    questionnaire = Questionnaire.objects.get(pk=draft_round.questionnaire_id)

    first, first_queries = _queries(questionnaire)
    second, second_queries = _queries(questionnaire)

    assert first_queries > 0 and second_queries == 0 and second is first
    key = next(iter(questionnaires._FROZEN_QUESTIONNAIRES))
    assert key == (
        connection.alias,
        connection.settings_dict["NAME"],
        questionnaire.pk,
        questionnaire.frozen_at.isoformat(),
    )


def test_a_draft_is_read_afresh_every_time(small_questionnaire):
    _loaded, first = _queries(small_questionnaire)
    Item.objects.filter(question__code="R1").update(condition="")
    loaded, second = _queries(small_questionnaire)

    assert first > 0 and second == first
    assert (
        next(i for i in questionnaires.questionnaire_items_in_order(loaded) if i.question.code == "R1").condition == ""
    )
    assert questionnaires._FROZEN_QUESTIONNAIRES == {}


def test_a_questionnaire_whose_scales_are_not_frozen_is_not_kept(small_questionnaire):
    # given: questionnaire and questions frozen by some path that left the scale open
    now = timezone.now()
    Questionnaire.objects.filter(pk=small_questionnaire.pk).update(frozen_at=now)
    Question.objects.filter(items__questionnaire=small_questionnaire).update(frozen_at=now)
    questionnaire = Questionnaire.objects.get(pk=small_questionnaire.pk)

    _queries(questionnaire)
    _loaded, again = _queries(questionnaire)

    assert again > 0 and questionnaires._FROZEN_QUESTIONNAIRES == {}


def test_a_caller_with_another_freeze_time_does_not_fill_the_cache(draft_round):
    survey_open(survey=draft_round)
    stale = Questionnaire.objects.get(pk=draft_round.questionnaire_id)
    stale.frozen_at = stale.frozen_at - datetime.timedelta(days=1)

    loaded, _count = _queries(stale)

    assert loaded.frozen_at != stale.frozen_at and questionnaires._FROZEN_QUESTIONNAIRES == {}
