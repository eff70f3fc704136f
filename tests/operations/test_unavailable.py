"""A database that does not answer gives a friendly 503, never a 500 with a traceback
(operations/unavailable.py). The real restart is tests/faults/test_postgres_restart.py."""

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse


@pytest.fixture
def database_gone(monkeypatch):
    def fail(**kwargs):
        raise OperationalError("connection failed: server closed the connection unexpectedly")

    monkeypatch.setattr("surveys.respondent.views.link_open", fail)
    monkeypatch.setattr("surveys.respondent.flow.link_open", fail)


@pytest.fixture
def browser() -> Client:
    return Client(raise_request_exception=False)


def test_a_page_says_in_norwegian_that_the_service_is_unavailable(browser, chief_token, database_gone):
    response = browser.get(reverse("respondent-section", args=[chief_token, "settlement"]))

    assert response.status_code == 503 and response["Retry-After"] == "10"
    page = response.content.decode()
    assert "Tjenesten er midlertidig utilgjengelig" in page and "Svarene du allerede har lagret, er trygge" in page
    assert "Traceback" not in page and "closed the connection" not in page


def test_the_autosave_answers_json_its_script_tries_again_on(browser, chief_token, database_gone):
    response = browser.post(
        reverse("respondent-autosave", args=[chief_token, "settlement"]),
        {"question": "Q04", "version": 0, "Q04": "yes"},
    )

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "message": "Ikke lagret ennå: tjenesten er midlertidig utilgjengelig. Svaret ditt står fortsatt på siden.",
    }


def test_any_other_error_is_still_a_500(browser, chief_token, monkeypatch):
    monkeypatch.setattr("surveys.respondent.views.link_open", lambda **kwargs: 1 / 0)

    assert browser.get(reverse("respondent-landing", args=[chief_token])).status_code == 500
