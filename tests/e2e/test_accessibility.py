"""axe-core in a real browser finds no WCAG 2.1 A/AA violation on the respondent pages, in Bokmål and
Nynorsk; the keyboard reaches the skip link first; a 360 px screen needs no sideways scrolling."""

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import assert_no_violations


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_the_respondent_pages_have_no_accessibility_violations(browser, chief_link, live_server, language):
    context = browser.new_context(locale="nb-NO")
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()

    page.goto(chief_link)
    assert_no_violations(page, f"landing ({language})")

    # Four of "pick three" and "Save and review": the server shows the form with its errors.
    page.goto(chief_link + "s/settlement/")
    for box in page.locator("#item-Q07 input[type=checkbox]").all()[:4]:
        box.check()
    page.locator("#section-form button[type=submit]").last.click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert_no_violations(page, f"section with errors ({language})")

    page.goto(chief_link + "review/")
    assert_no_violations(page, f"review ({language})")
    page.locator("form[action$='/submit/'] button").last.click()
    # questions are left unanswered: the page lists them and asks first
    confirm = page.locator("form[action$='/submit/']:has(input[name=confirm])")
    expect(confirm).to_be_visible()
    assert_no_violations(page, f"submit with unanswered questions ({language})")
    confirm.locator("button[type=submit]").click()
    expect(page.locator(".alert-success").first).to_be_visible()
    assert_no_violations(page, f"submitted ({language})")


def test_the_home_page_has_no_accessibility_violations(browser, live_server, db):
    page = browser.new_page(locale="nb-NO")
    page.goto(live_server.url + "/")
    assert_no_violations(page, "home")


def test_keyboard_reaches_the_skip_link_first_and_then_the_questions(browser, chief_link):
    page = browser.new_page(locale="nb-NO")
    page.goto(chief_link + "s/settlement/")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('[data-question]') !== null"):
            break
    assert page.evaluate("document.activeElement.closest('[data-question]') !== null")


def test_a_360_pixel_screen_needs_no_sideways_scrolling(browser, chief_link):
    page = browser.new_context(locale="nb-NO", viewport={"width": 360, "height": 740}).new_page()
    page.goto(chief_link + "s/directorate/")

    assert page.evaluate("document.documentElement.scrollWidth") <= 360
