"""Question numbers (issue 16, completeness): a question's number is its place among the round's
questions, counted in section order then item order; a note gets none. Every page that shows
questions shows the same number: the section page, the review, the receipt and the staff's chase page."""

import io

from django.urls import reverse
from pypdf import PdfReader

from surveys.numbering import question_numbers
from surveys.services.questionnaires import questionnaire_items_in_order, questionnaire_load
from tests.factories import ItemFactory, QuestionFactory, QuestionnaireFactory, SectionFactory


def test_numbers_count_questions_in_section_then_item_order_and_skip_notes(db):
    questionnaire = QuestionnaireFactory(year=2025)
    # created out of order: the positions decide, not the creation
    second = SectionFactory(questionnaire=questionnaire, position=2, code="second")
    first = SectionFactory(questionnaire=questionnaire, position=1, code="first")
    a, note, b = QuestionFactory(code="A"), QuestionFactory(code="N", type="note"), QuestionFactory(code="B")
    c, d = QuestionFactory(code="C"), QuestionFactory(code="D")
    ItemFactory(section=second, position=2, question=d)
    ItemFactory(section=second, position=1, question=c)
    ItemFactory(section=first, position=3, question=b)
    ItemFactory(section=first, position=2, question=note)
    ItemFactory(section=first, position=1, question=a)

    numbers = question_numbers(questionnaire_items_in_order(questionnaire_load(questionnaire.pk)))

    assert numbers == {a.pk: 1, b.pk: 2, c.pk: 3, d.pk: 4}


def test_the_section_page_review_receipt_and_chase_page_show_the_same_numbers(client, chief, survey_admin, bergen):
    """Q1-Q3, R1 and C1 are the chief's section's questions 1 to 5 (R1 and C1 hidden by their
    conditions still keep their numbers), Q4 of the introduction section is 6."""
    _invitation, token = chief
    client.cookies["django_language"] = "nb"
    section = client.get(reverse("respondent-section", args=[token, "chief"])).content.decode()
    assert "1. Spørsmål Q1" in section and "3. Spørsmål Q3" in section and "5. Spørsmål C1" in section
    intro = client.get(reverse("respondent-section", args=[token, "intro"])).content.decode()
    assert "6. Spørsmål Q4" in intro

    client.post(reverse("respondent-autosave", args=[token, "chief"]), {"question": "Q1", "version": 0, "Q1": "no"})
    review = client.get(reverse("respondent-review", args=[token])).content.decode()
    assert "1. Spørsmål Q1" in review and "3. Spørsmål Q3" in review and "6. Spørsmål Q4" in review
    assert "4. Spørsmål R1" not in review  # hidden: Q1 is no

    client.post(reverse("respondent-submit", args=[token]), {"section": "chief", "confirm": "1"})
    pdf = client.get(reverse("respondent-receipt", args=[token]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "2. Spørsmål Q2" in text and "6. Spørsmål Q4" in text

    client.force_login(survey_admin)
    survey_pk = _invitation.survey_id
    staff = client.get(reverse("reminders-chase-detail", args=[survey_pk, bergen.pk])).content.decode()
    assert "2. Spørsmål Q2" in staff and "6. Spørsmål Q4" in staff
