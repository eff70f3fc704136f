"""A survey admin imports an XLSForm written elsewhere in a real browser: from the questionnaire's
page to the import page, the upload, and the result page listing row by row what was left out;
both pages free of accessibility violations, the result in Bokmål."""

from pathlib import Path

from django.urls import reverse
from playwright.sync_api import expect

from municipalities.models import StaffProfile
from municipalities.services import staff_user_create
from surveys.models import Questionnaire
from tests.e2e.axe import assert_no_violations
from tests.support import SignedInClient

FORM = Path(__file__).resolve().parents[1] / "surveys" / "xlsforms" / "no-samtykke-og-takk.xlsx"


def test_a_survey_admin_imports_a_form_and_reads_what_was_changed(browser, live_server, transactional_db):
    # given an empty draft and a survey admin signed in with both factors
    questionnaire = Questionnaire.objects.create(title="Fra Excel", year=2045)
    admin = staff_user_create(username="admin-xls", password="pw-admin-123!", role=StaffProfile.Role.SURVEY_ADMIN)
    signed_in = SignedInClient()
    signed_in.force_login(admin)
    context = browser.new_context(locale="nb-NO")
    context.add_cookies([{"name": "sessionid", "value": signed_in.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()

    # when they follow the import link from the questionnaire's page and upload the form
    page.goto(live_server.url + reverse("admin:surveys_questionnaire_change", args=[questionnaire.pk]))
    page.get_by_role("link", name="Importer til dette tomme utkastet").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fra Excel")
    assert_no_violations(page, "XLSForm import page")
    page.locator("input[type=file]").set_input_files(str(FORM))
    page.get_by_role("button", name="Importer").click()

    # then the result page counts the sections and lists each renamed choice with its row
    expect(page.locator("#content")).to_contain_text("Importerte 3 deler")
    expect(page.locator("#content")).to_contain_text("choices, rad 7, kolonne name (nes)")
    assert_no_violations(page, "XLSForm import result")
    assert list(questionnaire.sections.values_list("code", flat=True)) == ["part_1", "bosetting", "part_2"]
