"""The autosave script keeps a typed answer through a short outage: a save the server could
not make (503 "unavailable", as while PostgreSQL restarts: tests/faults/test_postgres_restart.py)
or that never arrived is sent again after a pause, and the page says so honestly meanwhile."""

import json

import pytest
from playwright.sync_api import expect

from surveys.models import Answer

pytestmark = pytest.mark.faults


def test_a_save_refused_during_an_outage_is_sent_again_and_saved(browser, chief_link):
    page = browser.new_context(locale="nb-NO").new_page()
    page.goto(chief_link + "s/directorate/")
    # given the server is away for the first two attempts: a 503 from the platform, then no answer at all
    outage = {"left": 2}

    def during_outage(route):
        if outage["left"] == 0:
            return route.continue_()
        outage["left"] -= 1
        if outage["left"] == 1:
            return route.fulfill(
                status=503, content_type="application/json", body=json.dumps({"status": "unavailable", "message": "x"})
            )
        return route.abort("connectionrefused")

    page.route("**/autosave/", during_outage)

    # when the respondent types an answer
    page.locator("#item-Q10 textarea").fill("Mer tid til veiledning")
    page.locator("#item-Q10 textarea").blur()

    # then the page says it is not saved yet and tries again, and warns before it is left
    expect(page.locator("#save-status")).to_contain_text("Ikke lagret ennå", timeout=5_000)
    expect(page.locator("#section-form")).not_to_have_attribute("data-busy", "0")
    # and once the server answers, the typed text is saved
    expect(page.locator("#save-status")).to_contain_text("Lagret", timeout=15_000)
    expect(page.locator("#section-form")).to_have_attribute("data-busy", "0")
    assert outage["left"] == 0
    assert Answer.objects.get(question__code="Q10").value == "Mer tid til veiledning"
