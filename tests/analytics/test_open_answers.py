"""Coding open answers into categories: the services, the counts and the staff pages."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from municipalities.models import Municipality
from surveys.analytics.dataset import round_data_load
from surveys.analytics.open_answers import question_coding, round_codings
from surveys.analytics.reports import report_context
from surveys.analytics.services import (
    CATEGORY_OF_OTHER_QUESTION,
    LABEL_TAKEN,
    NOT_CODABLE,
    open_answer_category_create,
    open_answer_category_move,
    open_answer_tags_set,
)
from surveys.models import Answer, Question
from surveys.models.analytics import OpenAnswerCategory, OpenAnswerTag
from tests.scenarios import SMALL, respond


def _answer(survey, number: str, code: str) -> Answer:
    return Answer.objects.select_related("question").get(
        response__survey=survey, response__municipality__number=number, question__code=code
    )


@pytest.fixture
def coded_round(answered_round):
    """R1 ("shown when Q1 = yes"): Tromsø's text and Bindal's count; Bergen's stale text (Q1 changed to no)
    is hidden and must not count even when tagged. Tromsø: housing and money; Bindal: housing; Bergen: other."""
    bindal = answered_round.responses.get(municipality__number=SMALL)
    Answer.objects.create(response=bindal, question=Question.objects.get(code="R1"), value="Mer penger til bolig")
    r1 = Question.objects.get(code="R1")
    housing = open_answer_category_create(question=r1, label_nb="Bolig", label_en="Housing")
    money = open_answer_category_create(question=r1, label_nb="Økonomi", label_en="Money")
    other = open_answer_category_create(question=r1, label_nb="Annet", label_en="Other")
    open_answer_tags_set(answer=_answer(answered_round, "5501", "R1"), categories=[housing, money])
    open_answer_tags_set(answer=_answer(answered_round, SMALL, "R1"), categories=[housing])
    open_answer_tags_set(answer=_answer(answered_round, "4601", "R1"), categories=[other])
    return answered_round


def test_counts_per_category_count_only_answers_that_count(coded_round):
    # given Tromsø (housing, money) and Bindal (housing) coded, and Bergen's hidden answer tagged "other"
    data = round_data_load(survey=coded_round)

    # when
    coding = round_codings(data)["R1"]

    # then
    counts = {count.category.label_nb: (count.count, count.percent) for count in coding.categories}
    assert counts == {"Bolig": (2, 100), "Økonomi": (1, 50), "Annet": (0, 0)}
    assert (coding.n, coding.coded) == (2, 2)
    assert [count.category.label_nb for count in coding.categories] == ["Bolig", "Økonomi", "Annet"]


def test_the_answers_of_a_category_are_listed_with_their_units(coded_round):
    data = round_data_load(survey=coded_round, question_codes={"R1"})

    coding = question_coding(data, question_code="R1")

    housing = OpenAnswerCategory.objects.get(label_nb="Bolig")
    tagged = [(a.unit.number, a.text) for a in coding.answers if housing.pk in a.category_ids]
    assert tagged == [("1811", "Mer penger til bolig"), ("5501", "Flere boliger")]
    assert "Gammelt svar" not in [answer.text for answer in coding.answers]


def test_an_answer_gets_exactly_the_categories_given_each_once(coded_round):
    answer = _answer(coded_round, "5501", "R1")
    housing, money, other = OpenAnswerCategory.objects.order_by("position")

    open_answer_tags_set(answer=answer, categories=[money, other])
    open_answer_tags_set(answer=answer, categories=[money, other])

    assert sorted(OpenAnswerTag.objects.filter(answer=answer).values_list("category__label_nb", flat=True)) == [
        "Annet",
        "Økonomi",
    ]
    open_answer_tags_set(answer=answer, categories=[])
    assert not OpenAnswerTag.objects.filter(answer=answer).exists()
    OpenAnswerTag.objects.create(answer=answer, category=housing)
    with pytest.raises(IntegrityError), transaction.atomic():
        OpenAnswerTag.objects.create(answer=answer, category=housing)


def test_coding_refuses_other_questions_categories_closed_questions_and_a_taken_label(coded_round):
    q4_answer = _answer(coded_round, "5501", "Q4")
    housing = OpenAnswerCategory.objects.get(label_nb="Bolig")

    with pytest.raises(ValidationError) as closed:
        open_answer_category_create(question=Question.objects.get(code="Q1"), label_nb="Plan")
    with pytest.raises(ValidationError) as other:
        open_answer_tags_set(answer=_answer(coded_round, "5501", "R1"), categories=[housing, _category_of("Q2")])
    with pytest.raises(ValidationError) as taken:
        open_answer_category_create(question=housing.question, label_nb="Bolig")
    with pytest.raises(ValidationError):
        open_answer_tags_set(answer=q4_answer, categories=[housing])

    assert closed.value.messages == [str(NOT_CODABLE)]
    assert other.value.messages == [str(CATEGORY_OF_OTHER_QUESTION)]
    assert taken.value.message_dict == {"label_nb": [str(LABEL_TAKEN)]}


def _category_of(code: str) -> OpenAnswerCategory:
    Question.objects.filter(code=code).update(has_comment=True)
    return open_answer_category_create(question=Question.objects.get(code=code), label_nb=f"Kategori {code}")


def test_comments_of_a_question_with_a_comment_box_are_coded(answered_round):
    # given Q2 with a comment box, Tromsø's and Bergen's comments, Tromsø's coded
    category = _category_of("Q2")
    Answer.objects.filter(response__survey=answered_round, question__code="Q2").exclude(
        response__municipality__number=SMALL
    ).update(comment="Vi trenger flere boliger")
    open_answer_tags_set(answer=_answer(answered_round, "5501", "Q2"), categories=[category])

    # when
    coding = round_codings(round_data_load(survey=answered_round))["Q2"]

    # then: Bindal commented nothing; the half-done response does not count
    assert coding.codes_comments and (coding.n, coding.coded) == (2, 1)
    assert [(count.count, count.percent) for count in coding.categories] == [(1, 50)]


def test_moving_a_category_changes_its_position(coded_round):
    money = OpenAnswerCategory.objects.get(label_nb="Økonomi")

    open_answer_category_move(category=money, offset=-1)
    open_answer_category_move(category=OpenAnswerCategory.objects.get(label_nb="Annet"), offset=1)  # already last

    assert list(OpenAnswerCategory.objects.order_by("position").values_list("label_nb", flat=True)) == [
        "Økonomi",
        "Bolig",
        "Annet",
    ]


def test_the_graphic_report_shows_counts_by_category_for_coded_questions(coded_round):
    context = report_context(survey=coded_round)

    entries = {result.question.code: coding for result, _chart, coding in context["frequencies"]}
    assert entries["Q1"] is None
    assert [(c.category.label_nb, c.count) for c in entries["R1"].categories] == [
        ("Bolig", 2),
        ("Økonomi", 1),
        ("Annet", 0),
    ]
    chart = entries["R1"].chart()
    assert chart.startswith("<svg") and "Housing: 100 %" in chart  # the text alternative, in English here


def test_analysts_add_categories_and_tag_answers_on_the_page(client, analyst, answered_round):
    client.force_login(analyst)
    page = reverse("analysis-open-answer", args=[answered_round.pk, "R1"])

    client.post(reverse("analysis-open-answer-category-add", args=[answered_round.pk, "R1"]), {"label_nb": "Bolig"})
    category = OpenAnswerCategory.objects.get()
    answer = _answer(answered_round, "5501", "R1")
    response = client.post(
        reverse("analysis-open-answer-tag", args=[answered_round.pk, "R1", answer.pk]), {"category": [category.pk]}
    )

    assert response.status_code == 302 and response["Location"].endswith(f"#answer-{answer.pk}")
    assert list(OpenAnswerTag.objects.values_list("answer_id", "category_id")) == [(answer.pk, category.pk)]
    html = client.get(page, {"category": category.pk}).content.decode()
    assert "Flere boliger" in html and "<svg" in html


def test_a_regional_officer_reads_their_region_only_and_cannot_code(client, officer_nord, coded_round):
    client.force_login(officer_nord)
    category = OpenAnswerCategory.objects.get(label_nb="Bolig")

    html = client.get(reverse("analysis-open-answer", args=[coded_round.pk, "R1"])).content.decode()
    add = client.post(reverse("analysis-open-answer-category-add", args=[coded_round.pk, "R1"]), {"label_nb": "X"})
    tag = client.post(
        reverse("analysis-open-answer-tag", args=[coded_round.pk, "R1", _answer(coded_round, "5501", "R1").pk]),
        {"category": [category.pk]},
    )

    assert "Flere boliger" in html and "Mer penger til bolig" in html  # Tromsø and Bindal are in Nord
    assert 'type="checkbox"' not in html
    assert add.status_code == 403 and tag.status_code == 403
    assert not OpenAnswerCategory.objects.filter(label_nb="X").exists()


def test_a_question_without_open_answers_has_no_coding_page(client, analyst, answered_round):
    client.force_login(analyst)

    assert client.get(reverse("analysis-open-answer", args=[answered_round.pk, "Q1"])).status_code == 404
    assert client.get(reverse("analysis-open-answers", args=[answered_round.pk])).status_code == 200


def test_the_coding_page_queries_do_not_grow_with_the_answers(
    client, analyst, coded_round, django_assert_max_num_queries
):
    client.force_login(analyst)
    url = reverse("analysis-open-answer", args=[coded_round.pk, "R1"])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)

    categories = list(OpenAnswerCategory.objects.all())
    units = Municipality.objects.current().exclude(responses__survey=coded_round).order_by("number")[:30]
    for index, unit in enumerate(units):
        respond(coded_round, unit, {"Q1": "yes", "Q2": ["jobs"], "R1": f"Svar {index}"}, ["chief"])
        open_answer_tags_set(answer=_answer(coded_round, unit.number, "R1"), categories=categories[: index % 3 + 1])

    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(url).content.decode()
    assert "Svar 29" in html


def test_the_demo_codes_its_advice_by_keyword_some_answers_twice(answered_round):
    from surveys.demo import demo_open_answers_code
    from surveys.models import Item, Section
    from tests.factories import QuestionFactory

    chief = Section.objects.get(questionnaire=answered_round.questionnaire, code="chief")
    question = QuestionFactory(code="Q10", type="long_text")
    Item.objects.create(questionnaire=answered_round.questionnaire, section=chief, position=9, question=question)
    for number, text in [
        ("5501", "Bedre kontakt med regionkontoret om bolig."),
        (SMALL, "Mer forutsigbar finansiering."),
    ]:
        response = answered_round.responses.get(municipality__number=number)
        Answer.objects.create(response=response, question=question, value=text)

    tagged = demo_open_answers_code(survey=answered_round)
    demo_open_answers_code(survey=answered_round)  # a second run changes nothing

    counts = {
        c.category.label_nb: c.count for c in round_codings(round_data_load(survey=answered_round))["Q10"].categories
    }
    assert tagged == 2 and OpenAnswerTag.objects.count() == 3
    # and, as an analyst would, it chose two of the coded answers as the report's quotes, once
    from surveys.models.analytics import ReportQuote

    quotes = ReportQuote.objects.filter(survey=answered_round, question=question).order_by("position")
    assert [quote.answer.value for quote in quotes] == [
        "Bedre kontakt med regionkontoret om bolig.",
        "Mer forutsigbar finansiering.",
    ]
    assert counts == {
        "Finansiering": 1,
        "Kvalifisering": 0,
        "Erfaringsdeling": 0,
        "Bolig": 1,
        "Kontakt med direktoratet": 1,
    }
