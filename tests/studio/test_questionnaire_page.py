"""The studio's questionnaire page: order by drag and drop or buttons through one service, questions
added from the bank and removed, read-only when frozen, for survey admins (analysts read)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from studio.selectors import bank_search
from studio.services import item_add, item_place, item_remove, section_place
from surveys.models import FrozenError, Item, Question, Section
from surveys.services.rounds import survey_open
from tests.factories import QuestionFactory


def codes(questionnaire) -> list[str]:
    return list(
        Item.objects.filter(questionnaire=questionnaire)
        .order_by("section__position", "position")
        .values_list("question__code", flat=True)
    )


def test_an_item_moves_to_a_place_and_the_positions_stay_one_to_n(small_questionnaire):
    # given: chief holds Q1 Q2 Q3 R1 C1
    q3 = Item.objects.get(question__code="Q3")

    # when
    item_place(item=q3, section=q3.section, index=0)

    # then
    assert codes(small_questionnaire) == ["Q3", "Q1", "Q2", "R1", "C1", "Q4"]
    positions = Item.objects.filter(section=q3.section).order_by("position").values_list("position", flat=True)
    assert list(positions) == [1, 2, 3, 4, 5]


def test_a_move_that_puts_a_condition_before_its_question_is_refused_and_undone(small_questionnaire):
    # R1 is shown when Q1 = 'yes': moving R1 above Q1 would make it depend on a later question.
    r1 = Item.objects.get(question__code="R1")

    with pytest.raises(ValidationError, match="comes later"):
        item_place(item=r1, section=r1.section, index=0)

    assert codes(small_questionnaire) == ["Q1", "Q2", "Q3", "R1", "C1", "Q4"]


def test_an_item_moves_into_another_section(small_questionnaire):
    q2 = Item.objects.get(question__code="Q2")
    c1 = Item.objects.get(question__code="C1")
    c1.condition = ""
    c1.save()
    intro = Section.objects.get(code="intro")

    item_place(item=Item.objects.get(question__code="C1"), section=intro, index=1)

    assert codes(small_questionnaire) == ["Q1", "Q2", "Q3", "R1", "Q4", "C1"]
    assert Item.objects.get(question__code="C1").section == intro
    assert q2.section.items.count() == 4


def test_sections_move_and_a_frozen_questionnaire_refuses_every_change(draft_round, small_questionnaire):
    chief = Section.objects.get(code="chief")
    # The intro section's Q4 depends on Q3 of the chief's section: it may not come first.
    with pytest.raises(ValidationError, match="comes later"):
        section_place(section=Section.objects.get(code="intro"), index=0)
    survey_open(survey=draft_round)

    with pytest.raises(FrozenError):
        section_place(section=chief, index=1)
    with pytest.raises(FrozenError):
        item_place(item=Item.objects.get(question__code="Q2"), section=chief, index=0)
    with pytest.raises(FrozenError):
        item_add(section=chief, question=QuestionFactory(code="NEW1", type="yes_no"))
    with pytest.raises(FrozenError):
        item_remove(item=Item.objects.get(question__code="C1"))


def test_a_question_used_by_a_condition_cannot_be_removed_and_says_where(small_questionnaire):
    with pytest.raises(ValidationError) as refused:
        item_remove(item=Item.objects.select_related("question").get(question__code="Q1"))
    assert "R1" in refused.value.messages[0]

    item_remove(item=Item.objects.select_related("question").get(question__code="R1"))
    assert "R1" not in codes(small_questionnaire)
    assert Question.objects.filter(code="R1").exists()  # it stays in the bank


def test_the_bank_finds_by_theme_and_classification_and_names_the_years_asked(draft_round, small_questionnaire):
    # given: R2 of the series R1 ("Bolig"), not in the questionnaire; R1 was asked in the 2025 round
    survey_open(survey=draft_round)
    QuestionFactory(code="R2", type="short_text", classification="rotating", theme="Bolig", series="R1")
    QuestionFactory(code="C9", type="integer", classification="current_affairs", theme="Bolig")

    hits = bank_search(questionnaire=small_questionnaire, text="bolig", classification="rotating")

    assert [(hit.question.code, hit.years) for hit in hits] == [("R2", [2025])]


def test_a_survey_admin_moves_by_button_and_adds_from_the_bank_analysts_only_read(
    client, survey_admin, analyst, small_questionnaire
):
    page = reverse("studio-questionnaire", args=[small_questionnaire.pk])
    move = reverse("studio-move", args=[small_questionnaire.pk])
    q2 = Item.objects.get(question__code="Q2")
    extra = QuestionFactory(code="R7", type="yes_no", classification="rotating")

    client.force_login(analyst)
    assert client.get(page).status_code == 200
    assert "Move Q2 up" not in client.get(page).content.decode()
    assert client.post(move, {"kind": "item", "id": q2.pk, "direction": "up"}).status_code == 403

    client.force_login(survey_admin)
    body = client.get(page).content.decode()
    assert "Flytt Q2 opp" in body or "Move Q2 up" in body
    fragment = client.post(move, {"kind": "item", "id": q2.pk, "direction": "up"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and 'id="questionnaire-body"' in fragment.content.decode()
    assert codes(small_questionnaire)[:2] == ["Q2", "Q1"]

    add = reverse("studio-item-add", args=[small_questionnaire.pk])
    chief = Section.objects.get(code="chief")
    assert client.post(add, {"question": extra.pk, "section": chief.pk}).status_code == 302
    assert codes(small_questionnaire)[5] == "R7"


def test_a_test_run_in_nynorsk_fires_conditions_as_answered_and_saves_nothing(
    client, survey_admin, draft_round, small_questionnaire
):
    # given: Tromsø, which settles no refugees in the profile, so the intro section is hidden
    from municipalities.models import Municipality
    from surveys.models import Answer, Response

    tromso = Municipality.objects.current().get(number="5501")
    client.force_login(survey_admin)
    url = reverse("studio-tryout", args=[small_questionnaire.pk])
    query = f"?municipality={tromso.pk}&role=chief_executive&language=nn"

    # when: no answers yet, then Q1 answered yes
    first = client.get(url + query).content.decode()
    answered = client.post(url + query, {"Q1": "yes", "Q3__advice": "not_relevant"}).content.decode()

    # then: R1 (shown when Q1 = 'yes') is hidden at first and shown once Q1 is yes, in Nynorsk
    assert 'id="item-R1"' in first and "R1" in first.split('id="tryout-hidden"')[1].split("</p>")[0]
    assert "R1" not in answered.split('id="tryout-hidden"')[1].split("</p>")[0]
    assert "Ikkje relevant" in first and "Ikke relevant" not in first
    assert "tryout-intro" not in first
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_the_up_button_counts_places_as_shown_even_when_positions_have_gaps(client, survey_admin, small_questionnaire):
    # given: positions 10, 20, 30, 40, 50, as another path may leave them
    for item in Item.objects.filter(section__code="chief").order_by("-position"):
        Item.objects.filter(pk=item.pk).update(position=item.position * 10)
    client.force_login(survey_admin)
    q2 = Item.objects.get(question__code="Q2")

    client.post(reverse("studio-move", args=[small_questionnaire.pk]), {"kind": "item", "id": q2.pk, "direction": "up"})

    assert codes(small_questionnaire)[:3] == ["Q2", "Q1", "Q3"]


def test_a_new_question_is_made_in_the_bank_and_placed_last_in_its_section(client, survey_admin, small_questionnaire):
    chief = small_questionnaire.sections.get(code="chief")
    client.force_login(survey_admin)
    url = reverse("studio-question-new", args=[small_questionnaire.pk])
    assert (
        "Make the question" in client.get(url).content.decode() or "Lag spørsmålet" in client.get(url).content.decode()
    )

    response = client.post(
        url,
        {
            "code": "R27",
            "type": "yes_no",
            "classification": "rotating",
            "theme": "Bolig",
            "text_nb": "Har kommunen boliger nok?",
            "section": chief.pk,
        },
    )

    question = Question.objects.get(code="R27")
    assert response.status_code == 302 and response["Location"].endswith(f"?questionnaire={small_questionnaire.pk}")
    assert (question.series, question.classification) == ("R27", "rotating")
    assert list(chief.items.order_by("position").values_list("question__code", flat=True))[-1] == "R27"


def test_a_new_question_with_a_taken_code_is_refused_and_nothing_is_made(client, survey_admin, small_questionnaire):
    chief = small_questionnaire.sections.get(code="chief")
    client.force_login(survey_admin)
    before = (Question.objects.count(), Item.objects.count())

    response = client.post(
        reverse("studio-question-new", args=[small_questionnaire.pk]),
        {"code": "Q1", "type": "yes_no", "classification": "recurring", "text_nb": "Igjen?", "section": chief.pk},
    )

    assert response.status_code == 200 and "Q1" in response.content.decode()
    assert (Question.objects.count(), Item.objects.count()) == before
