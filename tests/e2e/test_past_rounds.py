"""A survey admin brings in the 2015 round from its .sav in a real browser: upload, the suggested
mapping confirmed, the dry run read, the import; then removes it again after being asked. Every
page is free of accessibility violations."""

from django.core.management import call_command
from playwright.sync_api import expect

from municipalities.models import Municipality, StaffProfile
from municipalities.services import staff_user_create
from surveys.demo_questionnaire import demo_questionnaire_create
from surveys.models import PastRoundImport, Survey
from tests.e2e.axe import assert_no_violations
from tests.past_rounds.files import round_2015_write
from tests.support import SignedInClient


def test_a_survey_admin_imports_the_2015_round_and_removes_it(browser, live_server, tmp_path):
    # given: the registry, the demo's bank, the 2015 file, and a survey admin in the browser
    if not Municipality.objects.exists():
        call_command("import_registry", verbosity=0)
    demo_questionnaire_create(year=2099, earlier=True)
    sav, _xlsx = round_2015_write(tmp_path)
    admin = staff_user_create(username="admin-e2e", password="pw-admin-123!", role=StaffProfile.Role.SURVEY_ADMIN)
    signed_in = SignedInClient()
    signed_in.force_login(admin)
    context = browser.new_context(locale="nb-NO")
    context.add_cookies([{"name": "sessionid", "value": signed_in.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()

    # when: they upload the file for 2015 with the registry day of 3 December
    page.goto(f"{live_server.url}/staff/design/past-rounds/")
    assert_no_violations(page, "past rounds")
    page.locator("input[name=file]").set_input_files(str(sav))
    page.locator("input[name=year]").fill("2015")
    page.locator("input[name=reference_day]").fill("2015-12-03")
    page.locator("button.btn-primary").click()

    # then: the mapping page shows the platform's suggestions; they confirm them
    expect(page.locator("select[name^=action_]").first).to_be_visible()
    assert page.locator("tr", has_text="q4").locator("input[name^=question_]").input_value() == "Q04"
    assert_no_violations(page, "mapping")
    page.locator("button.btn-primary").click()

    # and the dry run reports every unit matched, then they import
    expect(page.locator("pre")).to_contain_text("443")
    assert_no_violations(page, "dry run")
    page.locator("button.btn-primary").click()
    expect(page.locator("table")).to_contain_text("kommuneundersokelsen_2015.sav")
    provenance = PastRoundImport.objects.get(survey__year=2015)
    assert provenance.imported_by == admin and provenance.sha256[:12] in page.content()

    # and removal asks first, then removes the round as a whole
    page.locator(f"a[href$='/rounds/{provenance.survey_id}/remove/']").click()
    assert_no_violations(page, "remove")
    assert Survey.objects.filter(year=2015).exists()
    page.locator("button.btn-danger").click()
    expect(page.locator("h1")).to_be_visible()
    assert not Survey.objects.filter(year=2015).exists()
