"""Completeness that helps (issue 16): a matrix counts as answered when all its rows are."""

from django.urls import reverse

from surveys.models import SectionProgress


def test_a_matrix_counts_as_answered_only_with_every_row(client, chief):
    """(issue 16, completeness) One of the two rows of the matrix Q3 answered: not answered yet,
    and the review says how far it is; both rows: answered."""
    _invitation, token = chief
    client.cookies["django_language"] = "nb"
    autosave = reverse("respondent-autosave", args=[token, "chief"])
    client.post(autosave, {"question": "Q3", "version": 0, "Q3__advice": "good"})

    def pages():
        landing = client.get(reverse("respondent-landing", args=[token])).content.decode()
        return landing, client.get(reverse("respondent-review", args=[token])).content.decode()

    landing, review = pages()
    assert "0 av 3 spørsmål er besvart" in landing
    assert "1 av 2 rader besvart" in review

    client.post(autosave, {"question": "Q3", "version": 1, "Q3__advice": "good", "Q3__courses": "poor"})
    landing, review = pages()
    assert "1 av 3 spørsmål er besvart" in landing
    assert "rader besvart" not in review


def test_a_submit_with_unanswered_questions_lists_them_by_number_and_asks_first(client, chief):
    """(issue 16, completeness) Q1 answered, Q2 and Q3 not (R1 and C1 hidden by their conditions):
    the submit asks first, naming questions 2 and 3; confirmed, it submits."""
    _invitation, token = chief
    client.cookies["django_language"] = "nb"
    client.post(reverse("respondent-autosave", args=[token, "chief"]), {"question": "Q1", "version": 0, "Q1": "no"})
    review = client.get(reverse("respondent-review", args=[token])).content.decode()
    assert "Spørsmål 2 og 3 er ikke besvart." in review and "0 spørsmål" not in review

    asked = client.post(reverse("respondent-submit", args=[token]), {"section": "chief"})
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Spørsmål 2 og 3 er ikke besvart." in page and 'name="confirm" value="1"' in page
    assert not SectionProgress.objects.filter(status=SectionProgress.Status.SUBMITTED).exists()

    confirmed = client.post(reverse("respondent-submit", args=[token]), {"section": "chief", "confirm": "1"})
    assert confirmed.status_code == 302
    assert SectionProgress.objects.get(section__code="chief").status == SectionProgress.Status.SUBMITTED


def test_a_submit_with_every_question_answered_needs_no_confirmation(client, chief):
    _invitation, token = chief
    client.cookies["django_language"] = "nn"
    autosave = reverse("respondent-autosave", args=[token, "chief"])
    client.post(autosave, {"question": "Q1", "version": 0, "Q1": "no"})
    client.post(autosave, {"question": "Q2", "version": 0, "Q2": "jobs"})
    client.post(autosave, {"question": "Q3", "version": 0, "Q3__advice": "good", "Q3__courses": "poor"})
    review = client.get(reverse("respondent-review", args=[token])).content.decode()
    assert "Alle spørsmåla er svarte på." in review

    submitted = client.post(reverse("respondent-submit", args=[token]), {"section": "chief"})

    assert submitted.status_code == 302
    assert SectionProgress.objects.get(section__code="chief").status == SectionProgress.Status.SUBMITTED
