"""Exclusive options ("None of these") and "don't know": refused together with another answer by
the autosave and by the whole form's post, on the fast path and on its plain twin."""

import pytest
from django.urls import reverse

from surveys.models import Answer, QuestionOption


@pytest.fixture
def small_questionnaire(small_questionnaire):
    """Q2 (pick at most two of housing, jobs, money) gets the exclusive option "none" and "don't know"."""
    question = small_questionnaire.items.get(question__code="Q2").question
    question.offers_dont_know = True
    question.save()
    QuestionOption.objects.create(
        question=question, code="none", position=9, label_nb="Ingen av disse", is_exclusive=True
    )
    return small_questionnaire


@pytest.fixture(params=[True, False], ids=["fastpath", "plain"])
def path(request, settings):
    settings.SURVEYS_FASTPATH = request.param
    return request.param


def autosave(client, token, **fields):
    return client.post(reverse("respondent-autosave", args=[token, "chief"]), {"version": 0, **fields})


def test_an_exclusive_option_with_another_is_refused_by_the_autosave(client, chief, path):
    _invitation, token = chief

    refused = autosave(client, token, question="Q2", Q2=["housing", "none"])

    assert refused.status_code == 422
    assert refused.json()["errors"] == ["«Ingen av disse» kan ikke velges sammen med andre svar."]
    assert not Answer.objects.exists()
    alone = autosave(client, token, question="Q2", Q2=["none"])
    assert alone.status_code == 200, alone.content
    assert Answer.objects.get(question__code="Q2").value == ["none"]


def test_an_exclusive_option_with_another_is_refused_by_the_whole_form(client, chief, path):
    _invitation, token = chief

    page = client.post(reverse("respondent-section", args=[token, "chief"]), {"v__Q2": 0, "Q2": ["none", "jobs"]})

    assert page.status_code == 400
    assert "«Ingen av disse» kan ikke velges sammen med andre svar." in page.content.decode()
    assert not Answer.objects.exists()
    saved = client.post(reverse("respondent-section", args=[token, "chief"]), {"v__Q2": 0, "Q2": ["jobs", "money"]})
    assert saved.status_code == 302
    assert Answer.objects.get(question__code="Q2").value == ["jobs", "money"]


def test_the_page_marks_the_exclusive_box_for_the_script(client, chief, path):
    _invitation, token = chief

    page = client.get(reverse("respondent-section", args=[token, "chief"])).content.decode()

    boxes = [tag for tag in page.split("<input")[1:] if 'name="Q2"' in tag.split(">")[0]]
    marked = [tag.split(">")[0] for tag in boxes if "data-exclusive" in tag.split(">")[0]]
    assert len(boxes) == 5 and len(marked) == 2
    assert 'value="none"' in marked[0] and 'value="dont_know"' in marked[1] and "Vet ikke" in page
    assert "js/exclusive-options.js" in page


def test_dont_know_with_another_option_is_refused_and_alone_is_saved(client, chief, path):
    _invitation, token = chief

    refused = autosave(client, token, question="Q2", Q2=["dont_know", "jobs"])
    alone = autosave(client, token, question="Q2", Q2=["dont_know"])

    assert refused.status_code == 422
    assert refused.json()["errors"] == ["«Vet ikke» kan ikke velges sammen med andre svar."]
    assert alone.status_code == 200 and Answer.objects.get(question__code="Q2").value == ["dont_know"]
