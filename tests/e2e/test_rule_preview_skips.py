"""An analyst opens a rule's preview from the round's schedule in a real browser: the municipality
its officer called within the rule's days is listed as skipped, with who called and when, and
the page is free of serious accessibility violations."""

from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from municipalities.models import Contact, Municipality, Region, StaffProfile
from municipalities.services import staff_user_create
from reminders.models import ChaseEntry
from reminders.services import chase_entry_create, schedule_create_default
from tests.e2e.axe import assert_no_violations
from tests.support import SignedInClient


def test_the_preview_shows_the_municipality_skipped_after_a_call(browser, open_round, live_server):
    # given a reminder that skips municipalities contacted the last 7 days, and a call to Tromsø
    schedule_create_default(survey=open_round).rules.filter(name="Første påminnelse").update(skip_after_contact_days=7)
    tromso = Municipality.objects.current().get(number="5501")
    Contact.objects.create(
        municipality=tromso, name="Leder", role=Contact.Role.CHIEF_EXECUTIVE, email="leder@tromso.example"
    )
    nord = Region.objects.get(scheme__is_active=True, code="nord")
    officer = staff_user_create(
        username="officer-nord", password="pw-nord-123!", role=StaffProfile.Role.REGIONAL_OFFICER, region=nord
    )
    officer.first_name, officer.last_name = "Nora", "Nordli"
    officer.save()
    call = chase_entry_create(
        survey=open_round,
        municipality=tromso,
        user=officer,
        channel=ChaseEntry.Channel.PHONE,
        outcome=ChaseEntry.Outcome.WILL_ANSWER,
    )
    analyst = staff_user_create(username="analyst", password="pw-analyst-123!", role=StaffProfile.Role.ANALYST)
    signed_in = SignedInClient()
    signed_in.force_login(analyst)
    context = browser.new_context(locale="nb-NO")
    context.add_cookies([{"name": "sessionid", "value": signed_in.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()

    # when they open the schedule and the rule's preview
    page.goto(f"{live_server.url}/staff/reminders/{open_round.pk}/")
    expect(page.get_by_role("row", name="Første påminnelse")).to_contain_text("ikke etter kontakt de siste 7 dagene")
    page.get_by_role("link", name="Mottakere og tekst for Første påminnelse").click()

    # then Tromsø is listed as skipped, with who called and when
    with translation.override("nb"):
        day = formats.date_format(timezone.localdate(call.created_at))
    expect(page.locator("#skipped-units")).to_have_text(f"Tromsø: ringt {day} av Nora Nordli")
    expect(page.locator("main")).not_to_contain_text("leder@tromso.example")
    assert_no_violations(page, "rule preview")
