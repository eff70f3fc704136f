"""The studio's writes for exclusive options and "don't know" (surveys.services.questionnaires)."""

import pytest
from django.core.exceptions import ValidationError

from surveys.models import FrozenError, Question
from surveys.services.questionnaires import option_exclusive_set, question_dont_know_set
from tests.factories import QuestionFactory


def test_an_option_is_marked_exclusive_only_on_a_multiple_choice(db):
    multiple = QuestionFactory(code="M1", type="multiple_choice", options=["a", "none"])
    single = QuestionFactory(code="S1", type="single_choice", options=["a", "b"])

    option_exclusive_set(option=multiple.options.get(code="none"), exclusive=True)

    assert multiple.exclusive_codes() == frozenset({"none"})
    with pytest.raises(ValidationError) as refused:
        option_exclusive_set(option=single.options.get(code="b"), exclusive=True)
    assert "is_exclusive" in refused.value.message_dict
    assert not single.options.filter(is_exclusive=True).exists()


def test_dont_know_is_offered_on_choices_and_scales_and_is_exclusive_on_a_multiple_choice(db):
    multiple = QuestionFactory(code="M1", type="multiple_choice", options=["a", "b"])
    number = QuestionFactory(code="N1", type="integer")

    question_dont_know_set(question=multiple, offered=True)

    assert Question.objects.get(code="M1").offers_dont_know
    assert multiple.exclusive_codes() == frozenset({"dont_know"})
    with pytest.raises(ValidationError) as refused:
        question_dont_know_set(question=number, offered=True)
    assert "offers_dont_know" in refused.value.message_dict


def test_a_frozen_question_keeps_its_answer_kinds(open_round):
    question = Question.objects.get(code="Q2")
    assert question.is_frozen

    with pytest.raises(FrozenError):
        question_dont_know_set(question=question, offered=True)
    with pytest.raises(FrozenError):
        option_exclusive_set(option=question.options.get(code="money"), exclusive=True)
    assert not Question.objects.get(code="Q2").offers_dont_know
