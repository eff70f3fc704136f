"""The privacy page passes axe-core (WCAG 2.1 A/AA) in a real browser, in all three languages."""

import pytest

from tests.e2e.axe import assert_no_violations


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_privacy_page_has_no_accessibility_violations(browser, live_server, db, language):
    context = browser.new_context(locale="nb-NO")
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()

    page.goto(live_server.url + "/personvern/")

    assert page.locator("html").get_attribute("lang") == language
    assert_no_violations(page, f"privacy ({language})")
    context.close()
