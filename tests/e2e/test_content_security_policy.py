"""In a real browser, the Content-Security-Policy blocks nothing the platform itself
uses, and no page asks another origin for anything: a respondent's section with
autosave, an analysis page with SVG charts and the response-rate monitor."""

from urllib.parse import urlsplit

from playwright.sync_api import expect

from municipalities.models import Municipality
from surveys.models import Response, Section
from surveys.services.responses import Actor, section_submit
from tests.support import SignedInClient

# Collected before any page script runs; CDP-injected scripts are not subject to the page's CSP.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


class Watch:
    """Every request a browser context makes, and every CSP report on the console."""

    def __init__(self, context, origin: str):
        self.origin = origin
        self.foreign: list[str] = []
        self.console: list[str] = []
        context.add_init_script(RECORD_VIOLATIONS)
        context.on("request", self._request)

    def _request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme != "data" and f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.foreign.append(request.url)

    def page(self, context):
        page = context.new_page()
        page.on("console", lambda message: self.console.append(message.text))
        return page

    def assert_clean(self, page) -> None:
        assert page.evaluate("window.__cspViolations") == []
        assert not [text for text in self.console if "Content Security Policy" in text]
        assert self.foreign == []


def test_no_csp_violation_and_no_other_origin(browser, chief_link, open_round, live_server, survey_admin):
    # given a respondent in a real browser
    respondent = browser.new_context(locale="nb-NO")
    watch = Watch(respondent, live_server.url)
    page = watch.page(respondent)

    # when they open a section and an answer autosaves (fetch, under connect-src 'self')
    page.goto(chief_link + "s/settlement/")
    page.locator("#item-Q04").get_by_label("Ja").check()
    expect(page.locator("#section-form")).to_have_attribute("data-busy", "0", timeout=10_000)
    expect(page.locator("#save-status")).to_contain_text("Lagret", timeout=10_000)

    # then nothing was blocked and nothing left the origin
    watch.assert_clean(page)

    # given the section submitted, so that the analysis has something to draw
    bergen = Municipality.objects.current().get(number="4601")
    section_submit(
        response=Response.objects.get(survey=open_round, municipality=bergen),
        section=Section.objects.get(questionnaire=open_round.questionnaire, code="settlement"),
        actor=Actor(name="Kari Leder"),
    )
    # and a survey admin's session in another browser
    staff_client = SignedInClient()  # password and second factor
    staff_client.force_login(survey_admin)
    staff = browser.new_context(locale="nb-NO")
    staff.add_cookies([{"name": "sessionid", "value": staff_client.cookies["sessionid"].value, "url": live_server.url}])
    staff_watch = Watch(staff, live_server.url)
    staff_page = staff_watch.page(staff)

    # when they open the frequencies (SVG bar charts) and the monitor (SVG line chart)
    staff_page.goto(f"{live_server.url}/staff/analysis/{open_round.pk}/frequencies/")
    expect(staff_page.locator("svg text").first).to_be_visible()
    staff_watch.assert_clean(staff_page)
    staff_page.goto(f"{live_server.url}/staff/reminders/{open_round.pk}/monitor/")
    expect(staff_page.locator("svg polyline").first).to_be_attached()

    # then nothing was blocked and nothing left the origin
    staff_watch.assert_clean(staff_page)
    # and the charts' font is a presentation attribute the policy allows
    assert staff_page.locator("svg text").first.get_attribute("font-family") == "sans-serif"
