"""A staff member signs in for the first time in a real browser: password, setting up the
authenticator app (the code computed from the key the page shows, as the app would),
recovery codes, and the staff start page; each step free of accessibility violations."""

from django_otp.oath import totp
from playwright.sync_api import expect

from municipalities.models import StaffProfile
from municipalities.services import staff_user_create
from tests.e2e.axe import assert_no_violations


def _app_code(secret: str) -> str:
    import base64

    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key):06d}"


def test_a_first_sign_in_sets_up_the_second_factor(browser, live_server, registry_reloaded, transactional_db):
    staff_user_create(username="ny-analytiker", password="pw-analyst-123!", role=StaffProfile.Role.ANALYST)
    page = browser.new_context(locale="nb-NO").new_page()

    page.goto(live_server.url + "/staff/")
    expect(page.locator("h1")).to_contain_text("Innlogging for ansatte")
    assert_no_violations(page, "sign-in")
    page.get_by_label("Brukernavn").fill("ny-analytiker")
    page.get_by_label("Passord").fill("pw-analyst-123!")
    page.get_by_role("button", name="Neste").click()

    expect(page.locator("h1")).to_contain_text("Sett opp autentiseringsappen")
    assert_no_violations(page, "set-up")
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Kode").fill(_app_code(secret))
    page.get_by_role("button", name="Bekreft").click()

    expect(page.locator("#recovery-codes li")).to_have_count(10)
    assert_no_violations(page, "recovery codes")
    page.get_by_role("link", name="Fortsett").click()
    expect(page.locator("h1")).to_contain_text("Startside for ansatte")
