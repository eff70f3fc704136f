"""The security headers on every kind of page, and Django's deployment check with
production settings."""

import pytest
from django.urls import reverse

from municipalities.models import Municipality
from surveys.models import Response, Section
from surveys.services.responses import Actor, section_submit
from tests.servers import manage, production_env

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy(response) -> dict[str, str]:
    directives = [part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")]
    return {name: value for name, value in directives}


def assert_hardened(response) -> None:
    assert policy(response) == CSP
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.fixture
def staff_client(client, survey_admin):
    client.force_login(survey_admin)
    return client


def test_public_and_respondent_pages_carry_the_headers(client, chief_token):
    # given a respondent link, when every kind of public page is opened, then each is hardened
    pages = {
        "home": reverse("home"),
        "landing": reverse("respondent-landing", args=[chief_token]),
        "section": reverse("respondent-section", args=[chief_token, "settlement"]),
        "review": reverse("respondent-review", args=[chief_token]),
        "lost link": reverse("respondent-lost-link"),
        "staff sign-in": reverse("staff-login"),
        "health": reverse("health"),
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert_hardened(response)


def test_an_autosave_reply_a_receipt_pdf_and_an_error_page_carry_the_headers(client, chief_token, open_round):
    # given an answer saved through autosave (JSON)
    autosave = client.post(
        reverse("respondent-autosave", args=[chief_token, "settlement"]),
        {"question": "Q04", "version": 0, "Q04": "yes"},
    )
    assert autosave.status_code == 200 and autosave.json()["status"] == "saved"
    assert_hardened(autosave)
    # and a submitted section's receipt (PDF)
    response = Response.objects.get(survey=open_round, municipality=Municipality.objects.current().get(number="4601"))
    section_submit(
        response=response,
        section=Section.objects.get(questionnaire=open_round.questionnaire, code="settlement"),
        actor=Actor(name="Kari Leder"),
    )
    receipt = client.get(reverse("respondent-receipt", args=[chief_token]))
    assert receipt["Content-Type"] == "application/pdf"
    assert_hardened(receipt)
    # and pages that do not exist
    for url in ["/no-such-page/", reverse("respondent-landing", args=["x" * 43])]:
        missing = client.get(url)
        assert missing.status_code == 404
        assert_hardened(missing)


def test_staff_pages_carry_the_headers(staff_client, open_round):
    pages = [
        reverse("staff-home"),
        reverse("analysis-overview", args=[open_round.pk]),
        reverse("reminders-chase", args=[open_round.pk]),
        reverse("reminders-monitor", args=[open_round.pk]),
        reverse("outbox"),
        reverse("admin:index"),
    ]
    for url in pages:
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert_hardened(response)


def test_the_deployment_check_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deployment_check_fails_without_the_https_redirect():
    # the check is real: a production setting turned off is caught
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(SECURE_SSL_REDIRECT="false"))

    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout
