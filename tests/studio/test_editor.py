"""The question editor and the condition builder: values by label (ja/nei too) written as codes,
a clause built from the fields, the check while typing in Norwegian with the error's position."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from studio.conditions import condition_with_codes
from studio.services import item_condition_set
from surveys.models import Item, Question
from surveys.services.rounds import survey_open


def test_yes_no_and_option_labels_are_written_as_codes(small_questionnaire):
    c1 = Item.objects.get(question__code="C1")

    assert condition_with_codes("${Q1} = 'ja'", item=c1) == "${Q1} = 'yes'"
    assert condition_with_codes("selected(${Q2}, 'Housing') or ${Q1} = 'Nei'", item=c1) == (
        "selected(${Q2}, 'housing') or ${Q1} = 'no'"
    )
    assert condition_with_codes("${Q1}  =  'yes'", item=c1) == "${Q1}  =  'yes'"  # codes already: kept as typed


def test_a_condition_saves_with_codes_and_one_on_a_later_question_is_refused(small_questionnaire):
    r1 = Item.objects.select_related("section", "questionnaire", "question").get(question__code="R1")

    item_condition_set(item=r1, condition="${Q1} = 'ja'")
    assert Item.objects.get(pk=r1.pk).condition == "${Q1} = 'yes'"

    with pytest.raises(ValidationError, match="posisjon 0|position 0"):
        item_condition_set(item=r1, condition="${C1} > 3")


def test_the_builder_writes_a_clause_and_the_check_answers_in_norwegian(client, survey_admin, small_questionnaire):
    c1 = Item.objects.get(question__code="C1")
    client.force_login(survey_admin)
    url = reverse("studio-item-condition", args=[c1.pk])
    assert client.get(url).status_code == 200

    built = client.post(
        url,
        {"condition": "", "variable": "Q1", "operator": "=", "value": "yes", "joiner": "and", "action": "add"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "${Q1} = &#x27;yes&#x27;" in built or "${Q1} = 'yes'" in built

    extended = client.post(
        url,
        {
            "condition": "${Q1} = 'yes'",
            "variable": "settles_refugees",
            "operator": "=",
            "value": "true",
            "joiner": "or",
            "action": "add",
        },
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "${Q1} = &#x27;yes&#x27; or ${settles_refugees} = true" in extended

    check = client.get(reverse("studio-condition-check", args=[c1.pk]), {"condition": "${R1} = 'x' and ${C1} = 2"})
    assert "ved posisjon 16 kommer senere" in check.content.decode()

    saved = client.post(url, {"condition": "${Q1} = 'ja'", "action": "save"})
    assert saved.status_code == 302 and Item.objects.get(pk=c1.pk).condition == "${Q1} = 'yes'"


def test_the_question_editor_saves_texts_and_options_with_norwegian_codes(client, survey_admin, small_questionnaire):
    q2 = Question.objects.get(code="Q2")
    client.force_login(survey_admin)
    url = reverse("studio-question", args=[q2.pk])
    assert "Nynorsk" in client.get(url).content.decode()

    response = client.post(
        url,
        {
            "classification": "recurring",
            "type": "multiple_choice",
            "text_nb": "Hva er viktigst?",
            "text_nn": "Kva er viktigast?",
            "text_en": "What matters most?",
            "max_choices": "2",
            "options-TOTAL_FORMS": "2",
            "options-INITIAL_FORMS": "0",
            "options-0-code": "bolig",
            "options-0-label_nb": "Bolig",
            "options-0-label_nn": "Bustad",
            "options-1-code": "ingen_av_disse",
            "options-1-label_nb": "Ingen av disse",
        },
    )

    assert response.status_code == 302
    q2.refresh_from_db()
    assert (q2.text_nn, q2.max_choices) == ("Kva er viktigast?", 2)
    assert list(q2.options.values_list("code", "label_nn")) == [("bolig", "Bustad"), ("ingen_av_disse", "")]


def test_a_frozen_questions_new_wording_is_a_new_version(client, survey_admin, draft_round):
    survey_open(survey=draft_round)
    q1 = Question.objects.get(code="Q1")
    client.force_login(survey_admin)

    client.post(
        reverse("studio-question", args=[q1.pk]),
        {"classification": "recurring", "type": "yes_no", "text_nb": "Ny ordlyd?", "text_nn": "", "text_en": ""},
    )

    q1.refresh_from_db()
    assert q1.text_nb == "Spørsmål Q1"
    assert Question.objects.get(previous_version=q1).text_nb == "Ny ordlyd?"


def test_the_editor_marks_an_exclusive_option_and_offers_dont_know(client, survey_admin, small_questionnaire):
    q2 = Question.objects.get(code="Q2")
    client.force_login(survey_admin)
    url = reverse("studio-question", args=[q2.pk])
    page = client.get(url).content.decode()
    assert "Chosen only alone" in page or "Velges bare alene" in page

    response = client.post(
        url,
        {
            "classification": "recurring",
            "type": "multiple_choice",
            "text_nb": "Hva er viktigst?",
            "offers_dont_know": "on",
            "options-TOTAL_FORMS": "2",
            "options-INITIAL_FORMS": "0",
            "options-0-code": "bolig",
            "options-0-label_nb": "Bolig",
            "options-1-code": "ingen",
            "options-1-label_nb": "Ingen av disse",
            "options-1-is_exclusive": "on",
        },
    )

    assert response.status_code == 302
    q2.refresh_from_db()
    assert q2.offers_dont_know
    assert list(q2.options.values_list("code", "is_exclusive")) == [("bolig", False), ("ingen", True)]
    assert set(q2.exclusive_codes()) == {"ingen", "dont_know"}


def test_an_exclusive_option_on_a_single_choice_is_refused_and_nothing_changes(small_questionnaire):
    from studio.services import question_edit
    from tests.factories import QuestionFactory

    single = QuestionFactory(code="S9", type="single_choice", options=["a", "b"])
    with pytest.raises(ValidationError):
        question_edit(
            question=single,
            changes={},
            options=[
                {"code": "a", "label_nb": "A", "label_nn": "", "label_en": "", "is_exclusive": True},
                {"code": "b", "label_nb": "B", "label_nn": "", "label_en": "", "is_exclusive": False},
            ],
        )
    assert list(single.options.values_list("code", "is_exclusive")) == [("a", False), ("b", False)]
