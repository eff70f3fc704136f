"""A survey admin opens the response-rate monitor in a real browser with last year's round
beside this one: both curves drawn, both years' reminders in the legend, the figures per day
open in a table, and no accessibility violation."""

from django.core.management import call_command
from playwright.sync_api import expect

from municipalities.models import Contact, Municipality
from reminders.models import Dispatch
from tests.e2e.axe import assert_no_violations
from tests.scenarios import at, field_round_open, last_year_round_closed, submitted_on
from tests.support import SignedInClient


def test_the_monitor_shows_this_round_beside_last_year(browser, live_server, survey_admin):
    # given this year's round, where Bergen responded on day 3
    if not Municipality.objects.exists():
        call_command("import_registry", verbosity=0)
    bergen = Municipality.objects.current().get(number="4601")
    this_year = field_round_open()
    submitted_on(this_year, bergen, at(3))
    # and last year's, where Bergen was invited on opening day, reminded on day 7 and responded on day 9
    chief = Contact.objects.create(
        municipality=bergen, name="Kari Leder", role=Contact.Role.CHIEF_EXECUTIVE, email="kari@bergen.example"
    )
    last_year_round_closed(
        sends=[("Invitasjon", chief, 0, Dispatch.Status.SENT), ("Første påminnelse", chief, 7, Dispatch.Status.SENT)],
        submissions=[(bergen, 9)],
    )
    # and a survey admin, signed in with both factors
    signed_in = SignedInClient()
    signed_in.force_login(survey_admin)
    context = browser.new_context(locale="nb-NO")
    context.add_cookies([{"name": "sessionid", "value": signed_in.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()

    # when they open the monitor and the figures per day
    page.goto(f"{live_server.url}/staff/reminders/{this_year.pk}/monitor/")
    page.get_by_text("Tall per dag").click()

    # then both curves are drawn, last year's reminders are listed, and the table has both years
    expect(page.locator("figure svg[role=img] polyline")).to_have_count(2)
    expect(page.locator("figcaption")).to_contain_text("b: 9.3.2026 – Første påminnelse")
    table = page.locator("#figures-per-day")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr").nth(9)).to_contain_text("11.3.2026")
    assert_no_violations(page, "response-rate monitor with last year")
