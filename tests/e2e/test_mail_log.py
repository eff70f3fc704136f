"""A regional officer opens the mail log in a real browser and downloads it as Excel: the page is free
of accessibility violations, and the file holds their region's messages, names as text."""

from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from municipalities.models import Contact, Municipality, Region, StaffProfile
from municipalities.services import staff_user_create
from reminders.models import Dispatch, Rule
from reminders.services import dispatch_send, rule_fan_out, schedule_create_default
from tests.e2e.axe import assert_no_violations
from tests.support import FORMULA_PAYLOADS, SignedInClient, xlsx_sheets_with_formulas, xlsx_typed_cells


def test_a_regional_officer_downloads_the_mail_log_from_its_page(browser, open_round, live_server):
    # given the invitation sent to a contact in Nord, named like a formula, and to one in Vest
    for number, name, email in [("5501", FORMULA_PAYLOADS[0], "leder@tromso.example"), ("4601", "Kari", "k@b.example")]:
        unit = Municipality.objects.current().get(number=number)
        Contact.objects.create(municipality=unit, name=name, role=Contact.Role.CHIEF_EXECUTIVE, email=email)
    rule_fan_out(
        rule=schedule_create_default(survey=open_round).rules.get(kind=Rule.Kind.INVITATION), now=timezone.now()
    )
    for dispatch in Dispatch.objects.all():
        dispatch_send(dispatch_id=dispatch.pk)
    # and a regional officer of Nord, signed in with both factors
    nord = Region.objects.get(scheme__is_active=True, code="nord")
    officer = staff_user_create(
        username="officer-nord", password="pw-nord-123!", role=StaffProfile.Role.REGIONAL_OFFICER, region=nord
    )
    signed_in = SignedInClient()
    signed_in.force_login(officer)
    context = browser.new_context(locale="nb-NO", accept_downloads=True)
    context.add_cookies([{"name": "sessionid", "value": signed_in.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()

    # when they open the mail log and download it as Excel
    page.goto(f"{live_server.url}/staff/reminders/{open_round.pk}/mail/")
    expect(page.locator("h1")).to_contain_text("Sendt e-post")
    assert_no_violations(page, "mail log")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Last ned Excel").click()
    download = download_info.value

    # then the file has Tromsø's message only, the name as a text cell
    content = Path(download.path()).read_bytes()
    assert download.suggested_filename == f"e-postlogg-{open_round.year}.xlsx"
    assert xlsx_sheets_with_formulas(content) == []
    (rows,) = xlsx_typed_cells(content).values()
    assert [(row[0], row[1][0], row[2][0]) for row in rows[1:]] == [
        ((FORMULA_PAYLOADS[0], "s"), "leder@tromso.example", "5501")
    ]
