"""Completeness that helps (issue 16): a matrix counts as answered when all its rows are."""

from django.urls import reverse


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
