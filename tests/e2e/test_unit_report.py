"""The report for each municipality in a real browser: Bergen's chief executive opens the link after
the round closed and downloads the unit's report from the landing page; Vest's regional officer
downloads it from the chase board. Both pages pass axe."""

from playwright.sync_api import expect

from municipalities.models import Region, StaffProfile
from municipalities.services import staff_user_create
from tests.e2e.axe import assert_no_violations
from tests.scenarios import bergen_report_built
from tests.support import SignedInClient


def test_the_chief_and_the_regional_officer_download_bergens_report(browser, live_server, open_round):
    # given Bergen answered and submitted a section, the round closed and the reports were built
    token, report = bergen_report_built(open_round)
    assert report.status == "done", report.failure_message
    pdf = bytes(report.pdf)
    context = browser.new_context(locale="nb-NO", accept_downloads=True)
    page = context.new_page()

    # when the chief opens the link (in the grace period after closing)
    page.goto(f"{live_server.url}/r/{token}/")

    # then the landing page offers the unit's report, and it downloads
    section = page.locator("#unit-report")
    expect(section.get_by_role("heading", name="Rapporten for Bergen")).to_be_visible()
    assert_no_violations(page, "landing page with the unit's report")
    with page.expect_download() as chief_download:
        section.get_by_role("link", name=f"Last ned rapporten (PDF, {report.page_count} side").click()
    assert chief_download.value.suggested_filename == f"report-{open_round.year}-4601.pdf"
    assert open(chief_download.value.path(), "rb").read() == pdf

    # and the regional officer of Vest finds it on the chase board of the closed round
    officer = staff_user_create(
        username="vest-kontoret",
        password="pw-vest-123!x",
        role=StaffProfile.Role.REGIONAL_OFFICER,
        region=Region.objects.get(scheme__is_active=True, code="vest"),
    )
    signed_in = SignedInClient()
    signed_in.force_login(officer)
    context.add_cookies([{"name": "sessionid", "value": signed_in.cookies["sessionid"].value, "url": live_server.url}])
    page.goto(f"{live_server.url}/staff/reminders/{open_round.pk}/chase/")
    reports = page.locator("#unit-reports")
    expect(reports.get_by_role("heading", name="Rapport for hver kommune")).to_be_visible()
    expect(reports.get_by_role("row")).to_have_count(2)  # the header and Bergen
    assert_no_violations(page, "chase board with the reports for each municipality")
    with page.expect_download() as officer_download:
        reports.get_by_role("link", name="Bergen").click()
    assert open(officer_download.value.path(), "rb").read() == pdf
    context.close()
