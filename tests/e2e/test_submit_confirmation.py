"""Completeness that helps (issue 16): submitting a section with unanswered questions names them
by number and asks first (plain forms: the step needs no script); confirmed, the section is submitted."""

import re

from playwright.sync_api import expect

from surveys.models import SectionProgress
from tests.e2e.axe import assert_no_violations


def test_a_section_with_unanswered_questions_asks_for_confirmation_then_submits(browser, chief_link):
    context = browser.new_context(locale="nb-NO")
    page = context.new_page()
    page.goto(chief_link + "review/")
    first = page.locator("section").filter(has=page.locator("form[action$='/submit/']")).first
    title = first.locator("h2").inner_text()
    first.locator("form[action$='/submit/'] button").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sende inn med ubesvarte spørsmål?")
    expect(page.get_by_role("heading", level=2, name=title)).to_be_visible()
    expect(page.locator("main")).to_contain_text(re.compile(r"Spørsmål \d+(, \d+)* og \d+ er ikke besvart\."))
    assert not SectionProgress.objects.filter(status=SectionProgress.Status.SUBMITTED).exists()
    assert_no_violations(page, "submit confirmation")

    page.get_by_role("button", name="Send inn likevel").click()

    expect(page.locator(".alert-success").first).to_contain_text("Takk")
    assert SectionProgress.objects.filter(status=SectionProgress.Status.SUBMITTED).count() == 1
    context.close()
