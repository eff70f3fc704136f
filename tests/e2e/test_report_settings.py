"""In a real browser: an analyst chooses an open answer as a quote in the report on the question's
open-answer page, and a survey admin ticks a breakdown by population size on the report settings
page. Both pages are free of accessibility violations before and after."""

from playwright.sync_api import expect

from municipalities.models import Municipality, StaffProfile
from municipalities.services import staff_user_create
from surveys.models import Question
from surveys.models.analytics import ReportQuestionSetting, ReportQuote
from tests.e2e.axe import assert_no_violations
from tests.scenarios import respond
from tests.support import SignedInClient


def _signed_in_page(browser, live_server, user):
    signed_in = SignedInClient()
    signed_in.force_login(user)
    context = browser.new_context(locale="nb-NO")
    context.add_cookies([{"name": "sessionid", "value": signed_in.cookies["sessionid"].value, "url": live_server.url}])
    return context.new_page()


def test_an_analyst_marks_a_quote_and_an_admin_ticks_a_breakdown(browser, live_server, open_round):
    # given Bergen's submitted answer to the open question R25_2, an analyst and a survey admin
    bergen = Municipality.objects.current().get(number="4601")
    respond(open_round, bergen, {"R25_2": "Språkpraksis i Bergen"}, ["settlement"])
    analyst = staff_user_create(username="analyst-e2e", password="pw-analyst-123!", role=StaffProfile.Role.ANALYST)
    admin = staff_user_create(username="admin-e2e", password="pw-admin-123!", role=StaffProfile.Role.SURVEY_ADMIN)

    # when the analyst uses Bergen's answer as a quote
    page = _signed_in_page(browser, live_server, analyst)
    page.goto(f"{live_server.url}/staff/analysis/{open_round.pk}/open-answers/R25_2/")
    assert_no_violations(page, "open answers with quote buttons")
    answer = page.locator("li[id^=answer-]", has_text="Språkpraksis i Bergen")
    answer.get_by_role("button", name="Bruk som sitat i rapporten").click()

    # then the answer is marked as the report's first quote, and the report quotes it without the name
    expect(page.locator("li[id^=answer-]", has_text="Språkpraksis i Bergen")).to_contain_text("Sitat 1 i rapporten")
    assert list(ReportQuote.objects.values_list("answer__value", "position")) == [("Språkpraksis i Bergen", 0)]
    assert_no_violations(page, "open answers with a quote chosen")
    page.goto(f"{live_server.url}/staff/analysis/{open_round.pk}/report/")
    expect(page.locator("ul.quotes")).to_have_text("«Språkpraksis i […]»")

    # when the survey admin ticks Q04 by population size on the report settings page and saves
    page = _signed_in_page(browser, live_server, admin)
    page.goto(f"{live_server.url}/staff/analysis/{open_round.pk}/")
    page.get_by_role("link", name="Rapportinnstillinger").click()
    assert_no_violations(page, "report settings")
    expect(page.locator("#breakdown-Q04-region")).to_be_checked()  # the default
    page.get_by_label("Q04 etter innbyggertall").check()
    page.get_by_role("button", name="Lagre rapportinnstillingene").click()

    # then the setting is saved and shown ticked
    expect(page.locator(".alert-success, [role=status]").first).to_contain_text("Rapportinnstillingene er lagret")
    expect(page.locator("#breakdown-Q04-size")).to_be_checked()
    setting = ReportQuestionSetting.objects.get(question=Question.objects.get(code="Q04"))
    assert setting.breakdowns == ["region", "size"] and setting.updated_by == admin
    assert_no_violations(page, "report settings saved")
