"""The autosave says what really happened (issue 16): an answer the server refuses as not valid
shows the reason by the question and never the offline text; an answer that cannot reach the
server is kept, counted as not saved yet and sent when the server is back; a number typed with a
decimal comma is saved as that number and shown the Norwegian way."""

import pytest
from playwright.sync_api import expect

from surveys.models import Answer
from tests.e2e.axe import assert_no_violations

OFFLINE_TEXT = "Ikke lagret ennå"


def _saved(page):
    expect(page.locator("#section-form")).to_have_attribute("data-busy", "0", timeout=10_000)
    expect(page.locator("#save-status")).to_contain_text("Lagret", timeout=10_000)


def test_a_refused_answer_shows_the_reason_and_not_the_offline_text(browser, chief_link):
    page = browser.new_context(locale="nb-NO").new_page()
    page.goto(chief_link + "s/settlement/")
    barriers = page.locator("#item-Q07")
    for label in ["Mangel på egnede boliger", "Få arbeidsplasser", "Kapasitet i tjenestene"]:
        barriers.get_by_label(label).check()
        _saved(page)

    barriers.get_by_label("Kommunens økonomi").check()

    status = page.locator("#save-status")
    expect(status).to_contain_text("Ikke lagret: svaret er ikke gyldig")
    expect(status).to_contain_text("Velg høyst 3")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).not_to_contain_text(OFFLINE_TEXT)
    expect(status).not_to_contain_text("tilkobling")
    message = barriers.locator("#autosave-message-Q07")
    expect(message).to_contain_text("Velg høyst 3")
    expect(barriers.get_by_label("Kommunens økonomi")).to_have_attribute("aria-describedby", "autosave-message-Q07")
    assert_no_violations(page, "section with a refused answer")
    assert Answer.objects.get(question__code="Q07").value == ["housing", "jobs", "capacity"]


def test_offline_answers_are_counted_kept_and_saved_when_the_server_is_back(browser, chief_link):
    page = browser.new_context(locale="nb-NO").new_page()
    page.goto(chief_link + "s/settlement/")
    # given the server cannot be reached
    page.route("**/autosave/", lambda route: route.abort("internetdisconnected"))

    # when the respondent answers two questions
    page.locator("#item-Q04").get_by_label("Ja").check()
    page.locator("#item-Q05").get_by_label("Nei").check()

    # then the page counts both as not saved yet and promises nothing else
    status = page.locator("#save-status")
    expect(status).to_contain_text(OFFLINE_TEXT + ": 2 venter", timeout=10_000)
    expect(status).not_to_contain_text("ikke gyldig")
    assert_no_violations(page, "section while offline")
    assert not Answer.objects.filter(question__code__in=["Q04", "Q05"]).exists()

    # and when the server is back, both are saved without the respondent doing anything
    page.unroute("**/autosave/")
    expect(status).to_contain_text("Lagret", timeout=20_000)
    expect(page.locator("#section-form")).to_have_attribute("data-busy", "0")
    stored = dict(Answer.objects.filter(question__code__in=["Q04", "Q05"]).values_list("question__code", "value"))
    assert stored == {"Q04": "yes", "Q05": "no"}


@pytest.mark.parametrize("typed", ["65,5", "65.5"])
def test_a_decimal_comma_is_saved_as_the_number_and_shown_norwegian(browser, chief_link, typed):
    page = browser.new_context(locale="nb-NO").new_page()
    page.goto(chief_link + "s/intro/")
    page.locator("#item-I02").get_by_label("Ja").check()
    field = page.locator("#item-I03 input")
    expect(field).to_be_visible(timeout=10_000)
    expect(field).to_have_attribute("inputmode", "decimal")

    # a value outside the limits is refused with the limits as a range
    field.fill("150")
    field.blur()
    expect(page.locator("#autosave-message-I03")).to_contain_text("mellom 0 og 100")

    field.fill(typed)
    field.blur()
    _saved(page)
    assert Answer.objects.get(question__code="I03").value == 65.5

    page.reload()
    expect(page.locator("#item-I03 input")).to_have_value("65,5")
    assert_no_violations(page, "section with a decimal")
    page.goto(chief_link + "review/")
    expect(page.locator("main")).to_contain_text("65,5")
