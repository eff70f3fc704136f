"""Staff sign in through the organisation's identity provider in a real browser (Debian's
chromium), against the real test OpenID provider in its own process: a survey admin, an
analyst and a regional officer with the role from the group claim; someone removed from the
group refused at the next sign-in; signing out here and at the provider; every refusal with a
clear page (Bokmål, Nynorsk, English), a log line and nothing made; a newcomer waiting for a
role that a survey admin grants. Each page people see is checked with axe-core."""

import logging

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import OidcIdentity, StaffEvent
from municipalities.models import Region, StaffProfile
from tests.e2e.axe import assert_no_violations
from tests.oidc_provider.flow import PASSWORD
from tests.support import SignedInClient


@pytest.fixture
def provider(oidc, live_server):
    """The test provider with the live server registered as a client."""
    oidc.register_client(base_urls=["http://testserver", live_server.url])
    return oidc


@pytest.fixture
def registry(transactional_db):
    # The live server empties the database after each test; the registry comes back here.
    if not Region.objects.filter(scheme__is_active=True, code="nord").exists():
        call_command("import_registry", verbosity=0)


def _sign_in(page, live_server, username: str, *, at_provider: bool = True) -> None:
    """From the staff sign-in page through the provider's login form (unless the provider still
    has a session for this browser) and back."""
    page.goto(live_server.url + "/staff/login/")
    page.get_by_role("link", name="Logg inn med Testleverandøren").click()
    if at_provider:
        expect(page.locator("h1")).to_have_text("Test identity provider")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in at the provider").click()


def _units_found(page, live_server, number: str) -> int:
    page.goto(f"{live_server.url}/staff/registry/?q={number}")
    expect(page.locator("h1")).to_have_text("Kommuner og bydeler")
    return page.locator("tbody tr").count()


@pytest.mark.parametrize(
    "group, role, sees_bergen",
    [("survey-admin", "survey_admin", True), ("analyst", "analyst", True), ("officer:nord", "regional_officer", False)],
)
def test_staff_sign_in_through_the_provider_with_the_role_of_their_group(
    browser, registry, provider, live_server, group, role, sees_bergen
):
    provider.person(f"e2e-{role}", groups=[group], first_name="Kari", last_name="Nordmann")
    page = browser.new_context(locale="nb-NO").new_page()

    page.goto(live_server.url + "/staff/")
    expect(page.locator("h1")).to_have_text("Innlogging for ansatte")
    if role == "survey_admin":
        assert_no_violations(page, "sign-in page with the provider")
    _sign_in(page, live_server, f"e2e-{role}")

    # no code from an authenticator app: the provider's MFA counts
    expect(page.locator("h1")).to_have_text("Startside for ansatte")
    expect(page.get_by_role("link", name="Utboks (sendt e-post)")).to_have_count(1 if role == "survey_admin" else 0)
    assert _units_found(page, live_server, "5501") == 1  # Tromsø, in Nord
    assert _units_found(page, live_server, "4601") == (1 if sees_bergen else 0)  # Bergen, in Vest
    user = User.objects.get(username=f"e2e-{role}")
    assert user.staff_profile.role == role and user.oidc_identity.issuer == provider.issuer


def test_someone_removed_from_the_group_is_refused_at_the_next_sign_in(browser, provider, live_server, caplog):
    provider.person("e2e-removed", groups=["analyst"])
    page = browser.new_context(locale="nb-NO").new_page()
    _sign_in(page, live_server, "e2e-removed")
    expect(page.locator("h1")).to_have_text("Startside for ansatte")
    page.get_by_role("button", name="Logg ut").click()
    expect(page.locator(".alert")).to_contain_text("Du er logget ut.")
    provider.person("e2e-removed", groups=["all-staff"])

    with caplog.at_level(logging.WARNING, logger="accounts.oidc"):
        _sign_in(page, live_server, "e2e-removed")
        expect(page.locator("h1")).to_have_text("Innlogging avvist")

    expect(page.locator("#refusal-reason")).to_have_text("unknown_group")
    expect(page.locator("#refusal-explanation")).to_contain_text("Gruppene dine hos identitetsleverandøren")
    assert_no_violations(page, "refusal page")
    user = User.objects.get(username="e2e-removed")
    assert not user.is_staff and not StaffProfile.objects.filter(user=user).exists()
    assert [r.reason for r in caplog.records if r.name == "accounts.oidc"] == ["unknown_group"]
    page.goto(live_server.url + "/staff/")
    expect(page.locator("h1")).to_have_text("Innlogging for ansatte")


def test_signing_out_ends_the_session_here_and_at_the_provider(browser, provider, live_server):
    provider.person("e2e-sign-out", groups=["analyst"])
    page = browser.new_context(locale="nb-NO").new_page()
    _sign_in(page, live_server, "e2e-sign-out")
    expect(page.locator("h1")).to_have_text("Startside for ansatte")
    assert provider.sessions("e2e-sign-out") == 1

    page.get_by_role("button", name="Logg ut").click()

    # back on the platform's home page by way of the provider's end-session endpoint
    expect(page.locator(".alert")).to_contain_text("Du er logget ut.")
    assert page.url == live_server.url + "/"
    assert provider.sessions("e2e-sign-out") == 0
    page.goto(live_server.url + "/staff/")
    expect(page.locator("h1")).to_have_text("Innlogging for ansatte")
    _sign_in(page, live_server, "e2e-sign-out")  # the provider asks for the password again
    expect(page.locator("h1")).to_have_text("Startside for ansatte")


def test_where_the_provider_offers_no_end_session_signing_out_ends_the_session_here(browser, provider, live_server):
    provider.misbehave(None, no_end_session=True)
    provider.person("e2e-local-sign-out", groups=["analyst"])
    page = browser.new_context(locale="nb-NO").new_page()
    _sign_in(page, live_server, "e2e-local-sign-out")
    expect(page.locator("h1")).to_have_text("Startside for ansatte")

    page.get_by_role("button", name="Logg ut").click()

    expect(page.locator(".alert")).to_contain_text("Du er logget ut.")
    page.goto(live_server.url + "/staff/")
    expect(page.locator("h1")).to_have_text("Innlogging for ansatte")
    assert provider.sessions("e2e-local-sign-out") == 1
    _sign_in(page, live_server, "e2e-local-sign-out", at_provider=False)  # still signed in there
    expect(page.locator("h1")).to_have_text("Startside for ansatte")


REFUSALS = [
    # (misbehaviour, groups, reason, a phrase of the explanation in Bokmål)
    ("wrong_issuer", ["analyst"], "wrong_issuer", "en annen identitetsleverandør"),
    ("wrong_audience", ["analyst"], "wrong_audience", "ment for en annen tjeneste"),
    ("expired", ["analyst"], "expired", "for gammelt"),
    ("not_yet_valid", ["analyst"], "not_yet_valid", "ikke gyldig ennå"),
    ("bad_signature", ["analyst"], "bad_signature", "ikke signert"),
    ("replayed_nonce", ["analyst"], "nonce_replayed", "brukt til en innlogging før"),
    ("missing_claim", ["analyst"], "missing_claim", "oppga ikke alt"),
    ("no_mfa", ["analyst"], "no_second_factor", "ekstra faktor"),
    (None, ["everyone"], "unknown_group", "ingen tilgang"),
]


@pytest.mark.parametrize("misbehaviour, groups, reason, phrase", REFUSALS)
def test_each_refusal_has_a_clear_page_a_log_line_and_makes_nothing(
    browser, provider, live_server, caplog, misbehaviour, groups, reason, phrase
):
    provider.person("e2e-refused", groups=groups)
    if misbehaviour == "replayed_nonce":
        provider.person("e2e-earlier", groups=["analyst"])
        # an earlier sign-in gives the provider a nonce to replay
        earlier = browser.new_context(locale="nb-NO").new_page()
        _sign_in(earlier, live_server, "e2e-earlier")
        expect(earlier.locator("h1")).to_have_text("Startside for ansatte")
    provider.misbehave(misbehaviour, claim="preferred_username" if misbehaviour == "missing_claim" else None)
    made = (User.objects.count(), OidcIdentity.objects.count(), StaffProfile.objects.count())
    page = browser.new_context(locale="nb-NO").new_page()

    with caplog.at_level(logging.WARNING, logger="accounts.oidc"):
        _sign_in(page, live_server, "e2e-refused")
        expect(page.locator("h1")).to_have_text("Innlogging avvist")

    expect(page.locator("#refusal-reason")).to_have_text(reason)
    expect(page.locator("#refusal-explanation")).to_contain_text(phrase)
    assert [r.reason for r in caplog.records if r.name == "accounts.oidc"] == [reason]
    assert (User.objects.count(), OidcIdentity.objects.count(), StaffProfile.objects.count()) == made
    assert not User.objects.filter(username="e2e-refused").exists()
    assert StaffEvent.objects.filter(kind="oidc_refused", what__startswith=f"{reason}: ").count() == 1


@pytest.mark.parametrize(
    "language, heading, phrase",
    [
        ("nn", "Innlogging avvist", "Svaret frå identitetsleverandøren var for gammalt"),
        ("en", "Sign-in refused", "The identity provider's answer was too old"),
    ],
)
def test_the_refusal_page_speaks_nynorsk_and_english(browser, provider, live_server, language, heading, phrase):
    provider.person("e2e-language", groups=["analyst"])
    provider.misbehave("expired")
    context = browser.new_context(locale="nb-NO")
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()

    page.goto(live_server.url + "/staff/login/")
    page.locator("#sign-in-provider").click()
    page.get_by_label("Username").fill("e2e-language")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in at the provider").click()

    expect(page.locator("h1")).to_have_text(heading)
    expect(page.locator("#refusal-explanation")).to_contain_text(phrase)
    assert_no_violations(page, f"refusal page ({language})")


def test_a_newcomer_waits_until_a_survey_admin_grants_a_role(
    browser, registry, provider, live_server, settings, survey_admin
):
    settings.OIDC_GROUPS_CLAIM = ""
    provider.person("e2e-newcomer", groups=[], first_name="Nina", last_name="Ny")
    newcomer = browser.new_context(locale="nb-NO").new_page()

    _sign_in(newcomer, live_server, "e2e-newcomer")

    expect(newcomer.locator("h1")).to_have_text("Ingen rolle ennå")
    expect(newcomer.locator("main")).to_contain_text("En undersøkelsesadministrator må gi deg en rolle")
    assert_no_violations(newcomer, "no role yet")
    newcomer.goto(live_server.url + "/admin/")
    expect(newcomer.locator("h1")).to_have_text("Ingen rolle ennå")

    # the survey admin (signed in with password and app code) sees who is waiting and grants a role
    signed_in = SignedInClient()
    signed_in.force_login(survey_admin)
    admin_context = browser.new_context(locale="nb-NO")
    admin_context.add_cookies(
        [{"name": "sessionid", "value": signed_in.cookies["sessionid"].value, "url": live_server.url}]
    )
    admin = admin_context.new_page()
    admin.goto(live_server.url + "/staff/")
    admin.get_by_role("link", name="Personer som venter på en rolle: 1").click()
    expect(admin.locator("h1")).to_have_text("Personer som venter på en rolle")
    assert_no_violations(admin, "people waiting")
    row = admin.locator("#people-waiting tbody tr", has_text="Nina Ny")
    row.get_by_label("Rolle").select_option("regional_officer")
    row.get_by_role("button", name="Gi rollen til e2e-newcomer").click()
    expect(admin.locator("#error-summary")).to_contain_text("Velg en region for regionkontor")
    row = admin.locator("#people-waiting tbody tr", has_text="Nina Ny")
    row.get_by_label("Rolle").select_option("regional_officer")
    row.get_by_label("Region").select_option(label="Nord")
    row.get_by_role("button", name="Gi rollen til e2e-newcomer").click()
    expect(admin.locator(".alert-success")).to_contain_text("e2e-newcomer har en rolle nå.")
    expect(admin.locator("#people-waiting")).to_have_count(0)

    newcomer.goto(live_server.url + "/staff/")
    expect(newcomer.locator("h1")).to_have_text("Startside for ansatte")
    assert User.objects.get(username="e2e-newcomer").staff_profile.region.code == "nord"
