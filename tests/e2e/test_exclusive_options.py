"""In the browser: ticking an exclusive option ("Ingen av disse") unticks the question's other
options, ticking another unticks it, a polite live region says what was unticked, and the autosave
stores what is left (static/js/exclusive-options.js; the server's rule: tests/surveys/test_exclusive_answers.py)."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from municipalities.models import Municipality
from surveys.demo_questionnaire import demo_questionnaire_create
from surveys.models import Answer, Question, Survey
from surveys.services.invitations import invitation_create
from surveys.services.rounds import survey_open
from tests.e2e.axe import assert_no_violations


@pytest.fixture
def link_with_exclusive_options(live_server, settings):
    if not Municipality.objects.exists():
        call_command("import_registry", verbosity=0)
    settings.SITE_URL = live_server.url
    questionnaire = demo_questionnaire_create(year=2026)
    capacity = Question.objects.get(code="Q03")  # service areas, several may be ticked, or "Ingen av disse" alone
    assert capacity.exclusive_codes() == {"none"}
    capacity.offers_dont_know = True
    capacity.save()
    now = timezone.now()
    survey = survey_open(
        survey=Survey.objects.create(
            year=2026,
            title="Kommuneundersøkelsen 2026",
            questionnaire=questionnaire,
            opens_at=now - datetime.timedelta(days=1),
            closes_at=now + datetime.timedelta(days=30),
        )
    )
    bergen = Municipality.objects.current().get(number="4601")
    _invitation, token = invitation_create(
        survey=survey, municipality=bergen, role="chief_executive", name="Kari Leder", email="kari@bergen.example"
    )
    return f"{live_server.url}/r/{token}/s/settlement/"


def test_an_exclusive_option_unticks_the_others_and_the_autosave_keeps_what_is_left(
    browser, link_with_exclusive_options
):
    page = browser.new_context(locale="nb-NO").new_page()
    page.goto(link_with_exclusive_options)
    item = page.locator("#item-Q03")
    form = page.locator("#section-form")
    announcer = page.locator('#section-form [aria-live="polite"].visually-hidden')

    # given two service areas ticked and saved
    item.get_by_label("Bolig").check()
    item.get_by_label("Skole").check()
    expect(form).to_have_attribute("data-busy", "0")

    # when "Ingen av disse" is ticked: the others are unticked, the page says so politely, and it is saved alone
    item.get_by_label("Ingen av disse").check()
    expect(item.get_by_label("Bolig")).not_to_be_checked()
    expect(item.get_by_label("Skole")).not_to_be_checked()
    expect(announcer).to_have_text("Kryss fjernet: Bolig, Skole")
    expect(page.locator("#save-status")).to_contain_text("Lagret")
    expect(form).to_have_attribute("data-busy", "0")
    assert Answer.objects.get(question__code="Q03").value == ["none"]

    # then ticking an area unticks "Ingen av disse"; "Vet ikke" is exclusive too
    item.get_by_label("Bolig").check()
    expect(item.get_by_label("Ingen av disse")).not_to_be_checked()
    expect(announcer).to_have_text("Kryss fjernet: Ingen av disse")
    item.get_by_label("Vet ikke").check()
    expect(item.get_by_label("Bolig")).not_to_be_checked()
    expect(announcer).to_have_text("Kryss fjernet: Bolig")
    expect(form).to_have_attribute("data-busy", "0")
    assert Answer.objects.get(question__code="Q03").value == ["dont_know"]
    assert_no_violations(page, "a section with exclusive options")
