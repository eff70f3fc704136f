"""Staff sign in through the organisation's identity provider (OpenID Connect), against a real
OpenID provider in its own process (tests/oidc_provider/): the account and the role from the
group claim, the role following the groups, every refusal with its page, log line and audit
line and nothing made, people waiting for a role, signing out here and at the provider."""

import logging
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import OidcIdentity, StaffEvent
from municipalities.models import StaffProfile
from municipalities.services import staff_user_create
from tests.oidc_provider.flow import PersonAtProvider


def _made() -> tuple[int, int, int]:
    return User.objects.count(), OidcIdentity.objects.count(), StaffProfile.objects.count()


def _kinds(user) -> list[str]:
    return list(StaffEvent.objects.filter(user=user).order_by("pk").values_list("kind", flat=True))


def _refusal(response) -> str:
    """The reason code on a refusal page."""
    assert response.status_code in (403, 503), response.status_code
    page = response.content.decode()
    assert "Innlogging avvist" in page
    return page.split('<code id="refusal-reason">')[1].split("</code>")[0]


def test_the_sign_in_request_carries_state_nonce_and_a_pkce_challenge(oidc, settings):
    settings.OIDC_AUTH_REQUEST_EXTRA_PARAMS = {"acr_values": "substantial"}
    client = Client()

    response = client.get(reverse("staff-oidc-start") + "?next=/staff/registry/")

    url = urlsplit(response.url)
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    stored = client.session["oidc_states"][query["state"]]
    assert f"{url.scheme}://{url.netloc}{url.path}" == oidc.issuer + "/authorize/"
    assert query["response_type"] == "code" and query["client_id"] == "survey-platform"
    assert query["redirect_uri"] == "http://testserver/staff/login/provider/callback/"
    assert query["code_challenge_method"] == "S256" and len(stored["code_verifier"]) >= 43
    assert query["nonce"] == stored["nonce"] and len(query["state"]) >= 32
    assert query["acr_values"] == "substantial" and query["ui_locales"] == "nb"
    assert client.session["oidc_login_next"] == "/staff/registry/"


@pytest.mark.parametrize(
    "group, role, region",
    [
        ("survey-admin", "survey_admin", None),
        ("analyst", "analyst", None),
        ("officer:nord", "regional_officer", "nord"),
    ],
)
def test_a_first_sign_in_makes_the_account_with_the_role_of_the_group_claim(oidc, group, role, region):
    sub = oidc.person(
        "kari", groups=[group, "all-staff"], first_name="Kari", last_name="Nordmann", email="kari@dir.example"
    )
    client = Client()

    response = PersonAtProvider(oidc, "kari").sign_in(client, next_url="/staff/registry/")

    user = User.objects.select_related("staff_profile__region", "oidc_identity").get(username="kari")
    assert response.status_code == 302 and response.url == "/staff/registry/"
    assert (user.oidc_identity.issuer, user.oidc_identity.subject) == (oidc.issuer, sub)
    assert (user.staff_profile.role, getattr(user.staff_profile.region, "code", None)) == (role, region)
    assert user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert (user.first_name, user.last_name, user.email) == ("Kari", "Nordmann", "kari@dir.example")
    # the provider's MFA counts: no code from an authenticator app is asked (nor can an app be set up)
    assert client.get("/staff/").status_code == 200
    assert client.get("/admin/").status_code == (403 if role == "regional_officer" else 200)  # officers: no admin
    for page in ("staff-verify", "staff-enrol", "staff-recovery-codes"):
        assert client.post(reverse(page)).url == reverse("staff-home")
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert _kinds(user) == ["account_created", "role_changed", "oidc_login"]
    assert StaffEvent.objects.get(user=user, kind="oidc_login").what == "amr=pwd,otp,mfa"


def test_the_role_follows_the_groups_at_every_sign_in(oidc, region_nord):
    oidc.person("per", groups=["analyst"])
    person = PersonAtProvider(oidc, "per")
    person.sign_in(Client())
    oidc.person("per", groups=["officer:nord"])

    person.sign_in(Client())

    user = User.objects.get(username="per")
    assert (user.staff_profile.role, user.staff_profile.region) == ("regional_officer", region_nord)
    assert list(
        StaffEvent.objects.filter(user=user, kind="role_changed").order_by("pk").values_list("what", flat=True)
    ) == [
        "no role -> analyst (from the identity provider's groups)",
        "analyst -> regional_officer:nord (from the identity provider's groups)",
    ]
    assert OidcIdentity.objects.filter(user=user).count() == 1 and User.objects.filter(username="per").count() == 1


def test_someone_removed_from_the_group_loses_access_at_the_next_sign_in(oidc, caplog):
    oidc.person("per", groups=["analyst"])
    person = PersonAtProvider(oidc, "per")
    earlier = Client()
    person.sign_in(earlier)
    assert earlier.get("/staff/").status_code == 200
    oidc.person("per", groups=["all-staff"])

    with caplog.at_level(logging.WARNING, logger="accounts.oidc"):
        again = person.sign_in(Client())

    user = User.objects.get(username="per")
    assert _refusal(again) == "unknown_group"
    assert not user.is_staff and not StaffProfile.objects.filter(user=user).exists()
    assert _kinds(user)[-2:] == ["role_changed", "oidc_refused"]
    assert (
        StaffEvent.objects.filter(user=user, kind="role_changed")
        .order_by("pk")
        .last()
        .what.startswith("analyst -> no role")
    )
    assert [record.reason for record in caplog.records if record.name == "accounts.oidc"] == ["unknown_group"]
    # the session from before reaches no staff page either
    for path in ("/staff/", "/admin/", "/staff/registry/"):
        assert earlier.get(path).url == reverse("staff-oidc-waiting"), path


REFUSALS = [
    ("wrong_issuer", None, "wrong_issuer"),
    ("wrong_audience", None, "wrong_audience"),
    ("expired", None, "expired"),
    ("not_yet_valid", None, "not_yet_valid"),
    ("bad_signature", None, "bad_signature"),
    ("missing_claim", "preferred_username", "missing_claim"),
    ("missing_claim", "groups", "missing_claim"),
    ("no_mfa", None, "no_second_factor"),
]


@pytest.mark.parametrize("misbehaviour, claim, reason", REFUSALS)
def test_a_token_the_provider_gets_wrong_is_refused_and_nothing_is_made(oidc, caplog, misbehaviour, claim, reason):
    oidc.person("ola", groups=["analyst"])
    oidc.misbehave(misbehaviour, claim=claim)
    before = _made()
    client = Client()

    with caplog.at_level(logging.WARNING, logger="accounts.oidc"):
        response = PersonAtProvider(oidc, "ola").sign_in(client)

    assert _refusal(response) == reason
    assert _made() == before
    assert [record.reason for record in caplog.records if record.name == "accounts.oidc"] == [reason]
    event = StaffEvent.objects.get(kind="oidc_refused")
    assert event.what.startswith(f"{reason}: ") and event.user is None and event.ip_address == "127.0.0.1"
    assert client.get("/staff/").url.startswith(reverse("staff-login"))


def test_a_replayed_nonce_is_refused(oidc, caplog):
    oidc.person("ola", groups=["analyst"])
    oidc.person("eva", groups=["analyst"])
    PersonAtProvider(oidc, "ola").sign_in(Client())  # the provider remembers this sign-in's nonce
    oidc.misbehave("replayed_nonce")
    before = _made()

    response = PersonAtProvider(oidc, "eva").sign_in(Client())

    assert _refusal(response) == "nonce_replayed"
    assert _made() == before and not User.objects.filter(username="eva").exists()


@pytest.mark.parametrize(
    "groups, detail",
    [
        (["all-staff"], "no group gives a role"),
        (["officer:atlantis"], "no region 'atlantis'"),
        (["officer:nord", "officer:vest"], "several regions"),
    ],
)
def test_groups_that_give_no_usable_role_are_refused_and_nothing_is_made(oidc, groups, detail):
    oidc.person("ola", groups=groups)
    before = _made()

    response = PersonAtProvider(oidc, "ola").sign_in(Client())

    assert _refusal(response) == "unknown_group"
    assert _made() == before
    assert detail in StaffEvent.objects.get(kind="oidc_refused").what


def test_of_several_groups_the_widest_role_wins(oidc):
    oidc.person("ola", groups=["officer:vest", "analyst", "survey-admin", "officer:atlantis"])

    PersonAtProvider(oidc, "ola").sign_in(Client())

    assert User.objects.get(username="ola").staff_profile.role == "survey_admin"


def test_a_deactivated_account_is_refused_and_its_sessions_end(oidc):
    oidc.person("ola", groups=["analyst"])
    person = PersonAtProvider(oidc, "ola")
    earlier = Client()
    person.sign_in(earlier)
    User.objects.filter(username="ola").update(is_active=False)  # a superuser deactivates it in the admin

    response = person.sign_in(Client())

    assert _refusal(response) == "deactivated"
    assert earlier.get("/staff/").url.startswith(reverse("staff-login"))
    assert StaffEvent.objects.get(kind="oidc_refused").user == User.objects.get(username="ola")


def test_a_name_taken_by_a_password_account_is_refused_and_that_account_is_untouched(oidc):
    local = staff_user_create(username="ola", password="pw-local-123!", role=StaffProfile.Role.ANALYST)
    oidc.person("ola", groups=["survey-admin"])
    before = _made()

    response = PersonAtProvider(oidc, "ola").sign_in(Client())

    local.refresh_from_db()
    assert _refusal(response) == "username_taken"
    assert _made() == before and local.staff_profile.role == "analyst" and local.has_usable_password()


def test_a_used_or_foreign_callback_is_refused(oidc):
    oidc.person("ola", groups=["analyst"])
    client = Client()
    back = PersonAtProvider(oidc, "ola").authorize(client.get(reverse("staff-oidc-start")).url)
    callback = back.removeprefix("http://testserver")
    assert client.get(callback).status_code == 302

    replayed = client.get(callback)
    elsewhere = Client().get(callback)  # a browser that did not start this sign-in

    assert _refusal(replayed) == "state" and _refusal(elsewhere) == "state"


def test_the_providers_own_refusal_is_shown(oidc, settings):
    settings.OIDC_RP_SCOPES = "openid no-such-scope"
    oidc.person("ola", groups=["analyst"])
    client = Client()

    back = PersonAtProvider(oidc, "ola").authorize(client.get(reverse("staff-oidc-start")).url)
    response = client.get(back.removeprefix("http://testserver"))

    assert _refusal(response) == "provider_error"
    assert "invalid_scope" in StaffEvent.objects.get(kind="oidc_refused").what


def test_a_code_the_token_endpoint_will_not_exchange_is_refused(oidc):
    oidc.person("ola", groups=["analyst"])
    client = Client()
    start = client.get(reverse("staff-oidc-start"))
    session = client.session
    state = parse_qs(urlsplit(start.url).query)["state"][0]
    session["oidc_states"][state]["code_verifier"] = "x" * 64  # not the verifier of the challenge sent
    session.save()
    back = PersonAtProvider(oidc, "ola").authorize(start.url)

    response = client.get(back.removeprefix("http://testserver"))

    assert _refusal(response) == "token_refused" and not User.objects.filter(username="ola").exists()


def test_a_provider_that_does_not_answer_gets_a_page_not_an_error(oidc, settings):
    from tests.support import free_port

    settings.OIDC_DISCOVERY_URL = f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"

    response = Client().get(reverse("staff-oidc-start"))

    assert response.status_code == 503 and _refusal(response) == "provider_unavailable"


def test_the_second_factor_can_be_required_as_acr_values(oidc, settings):
    settings.OIDC_REQUIRE_AMR = []
    settings.OIDC_REQUIRE_ACR = ["substantial", "high"]
    oidc.person("ola", groups=["analyst"], acr="substantial", amr=["Minid-PIN"])
    oidc.person("eva", groups=["analyst"], acr="low", amr=["pwd"])

    allowed = PersonAtProvider(oidc, "ola").sign_in(Client())
    refused = PersonAtProvider(oidc, "eva").sign_in(Client())

    assert allowed.status_code == 302 and allowed.url == "/staff/"
    assert _refusal(refused) == "no_second_factor"
    assert StaffEvent.objects.get(kind="oidc_login").what == "amr=Minid-PIN acr=substantial"


def test_without_a_group_claim_a_newcomer_waits_until_a_survey_admin_grants_a_role(
    oidc, settings, client, survey_admin, analyst, region_nord
):
    settings.OIDC_GROUPS_CLAIM = ""
    oidc.person("nina", groups=[], first_name="Nina", last_name="Ny")
    newcomer = Client()

    response = PersonAtProvider(oidc, "nina").sign_in(newcomer)

    nina = User.objects.get(username="nina")
    assert response.url == reverse("staff-oidc-waiting")
    assert "survey admin" in newcomer.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert not nina.is_staff and not StaffProfile.objects.filter(user=nina).exists()
    for path in ("/staff/", "/admin/", "/staff/registry/", reverse("staff-people-waiting")):
        assert newcomer.get(path).url == reverse("staff-oidc-waiting"), path

    client.force_login(analyst)
    assert client.get(reverse("staff-people-waiting")).status_code == 403
    client.force_login(survey_admin)
    assert "Personer som venter på en rolle: 1" in client.get("/staff/").content.decode()
    listing = client.get(reverse("staff-people-waiting")).content.decode()
    assert "Nina Ny" in listing and "nina" in listing
    prefix = f"person-{nina.pk}"
    wrong = client.post(
        reverse("staff-people-waiting"), {"person": nina.pk, "action": "grant", f"{prefix}-role": "regional_officer"}
    )
    granted = client.post(
        reverse("staff-people-waiting"),
        {
            "person": nina.pk,
            "action": "grant",
            f"{prefix}-role": "regional_officer",
            f"{prefix}-region": region_nord.pk,
        },
    )

    nina.refresh_from_db()
    assert wrong.status_code == 200 and "is-invalid" in wrong.content.decode()
    assert granted.status_code == 302 and nina.is_staff and nina.staff_profile.region == region_nord
    assert StaffEvent.objects.get(user=nina, kind="role_changed").what == (
        "no role -> regional_officer:nord (granted by admin-user)"
    )
    assert newcomer.get("/staff/").status_code == 200  # the same session, with its role now
    assert 'id="people-waiting"' not in client.get(reverse("staff-people-waiting")).content.decode()


def test_a_survey_admin_can_turn_away_someone_waiting(oidc, settings, client, survey_admin):
    settings.OIDC_GROUPS_CLAIM = ""
    oidc.person("nina", groups=[])
    person = PersonAtProvider(oidc, "nina")
    person.sign_in(Client())
    nina = User.objects.get(username="nina")
    client.force_login(survey_admin)

    client.post(reverse("staff-people-waiting"), {"person": nina.pk, "action": "deny"})

    nina.refresh_from_db()
    assert not nina.is_active and _kinds(nina)[-1] == "account_deactivated"
    assert _refusal(person.sign_in(Client())) == "deactivated"


def test_roles_from_groups_cannot_be_granted_by_hand(oidc, client, survey_admin):
    from django.core.exceptions import ValidationError

    from accounts.services import staff_role_grant

    oidc.person("nina", groups=["analyst"])
    PersonAtProvider(oidc, "nina").sign_in(Client())
    nina = User.objects.get(username="nina")

    with pytest.raises(ValidationError) as refused:
        staff_role_grant(user=nina, role="survey_admin", region=None, granted_by=survey_admin, request=None)

    assert refused.value.code == "groups" and User.objects.get(username="nina").staff_profile.role == "analyst"


def test_signing_out_ends_the_session_here_and_at_the_provider(oidc):
    oidc.person("siri-rp-logout", groups=["analyst"])
    person = PersonAtProvider(oidc, "siri-rp-logout")
    client = Client()
    person.sign_in(client)
    assert oidc.sessions("siri-rp-logout") == 1

    response = client.post(reverse("staff-logout"))

    # a page that sends the browser on (a redirect of the form's POST to another origin would
    # break the Content-Security-Policy's form-action)
    url = response.content.decode().split('id="provider-sign-out" href="')[1].split('"')[0].replace("&amp;", "&")
    query = parse_qs(urlsplit(url).query)
    assert response.status_code == 200 and '<meta http-equiv="refresh" content="0;url=' in response.content.decode()
    assert url.startswith(oidc.issuer + "/logout/?")
    assert query["post_logout_redirect_uri"] == ["http://testserver/"] and query["client_id"] == ["survey-platform"]
    assert query["id_token_hint"][0].count(".") == 2
    assert client.get("/staff/").url.startswith(reverse("staff-login"))
    at_provider = person.session.get(url, allow_redirects=False)
    assert at_provider.status_code == 302 and at_provider.headers["Location"] == "http://testserver/"
    assert oidc.sessions("siri-rp-logout") == 0
    assert _kinds(User.objects.get(username="siri-rp-logout"))[-1] == "logout"


def test_without_an_end_session_endpoint_signing_out_ends_the_session_here_only(oidc):
    oidc.misbehave(None, no_end_session=True)
    oidc.person("siri-local-logout", groups=["analyst"])
    client = Client()
    PersonAtProvider(oidc, "siri-local-logout").sign_in(client)

    response = client.post(reverse("staff-logout"))

    assert response.url == "/" and client.get("/staff/").url.startswith(reverse("staff-login"))
    assert oidc.sessions("siri-local-logout") == 1


def test_the_idle_timeout_ends_a_session_from_the_provider(oidc, settings):
    settings.STAFF_IDLE_MINUTES = 30
    oidc.person("ola", groups=["analyst"])
    client = Client()
    PersonAtProvider(oidc, "ola").sign_in(client)
    session = client.session
    session["staff_last_seen"] = int(time.time()) - 31 * 60
    session.save()

    response = client.get("/staff/")

    assert response.url.startswith(reverse("staff-login"))
    assert _kinds(User.objects.get(username="ola"))[-2:] == ["idle_logout", "logout"]


def test_password_sign_in_can_be_left_to_the_break_glass_superuser(settings, survey_admin, django_user_model):
    settings.STAFF_PASSWORD_SIGN_IN = "superusers"
    django_user_model.objects.create_superuser("root", password="pw-root-123!")

    refused = Client().post(reverse("staff-login"), {"username": "admin-user", "password": "pw-admin-123!"})
    allowed = Client().post(reverse("staff-login"), {"username": "root", "password": "pw-root-123!"})

    assert refused.status_code == 200 and "kun for superbrukeren" in refused.content.decode()
    assert allowed.status_code == 302 and allowed.url.startswith(reverse("staff-verify"))


def test_a_password_session_of_anyone_else_ends_when_passwords_are_for_the_superuser_only(
    client, survey_admin, settings
):
    client.force_login(survey_admin)
    assert client.get("/staff/").status_code == 200
    settings.STAFF_PASSWORD_SIGN_IN = "superusers"

    assert client.get("/staff/").url.startswith(reverse("staff-login"))
    assert client.get("/staff/").url.startswith(reverse("staff-login"))


def test_without_a_provider_the_sign_in_is_the_password_and_the_provider_pages_are_not_there(client):
    page = Client().get(reverse("staff-login")).content.decode()

    assert 'id="sign-in-provider"' not in page and 'name="password"' in page
    assert Client().get(reverse("staff-oidc-start")).status_code == 404
    assert Client().get(reverse("staff-oidc-callback") + "?code=x&state=y").status_code == 404


def test_with_a_provider_the_sign_in_page_offers_it_first(oidc):
    page = Client().get(reverse("staff-login") + "?next=/staff/registry/").content.decode()

    assert 'id="sign-in-provider" href="/staff/login/provider/?next=/staff/registry/"' in page
    assert "Logg inn med Testleverandøren" in page


def test_the_admin_shows_who_signs_in_through_the_provider(oidc, client, django_user_model):
    oidc.person("ola", groups=["analyst"])
    PersonAtProvider(oidc, "ola").sign_in(Client())
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-root-123!"))

    page = client.get("/admin/auth/user/").content.decode()

    rows = [row for row in page.split("<tr") if 'class="field-username"' in row]
    column = {row.split(">ola<")[0] != row: row for row in rows}
    assert len(rows) == 2
    assert 'field-signs_in_through">identitetsleverandøren<' in column[True]
    assert 'field-signs_in_through">passord<' in column[False]


def test_accounts_from_the_provider_have_the_access_of_local_accounts_of_their_role(
    oidc, oidc_clients, survey_admin, analyst, officer_nord, bergen, tromso
):
    from tests.support import SignedInClient

    local = {}
    for user in (survey_admin, analyst, officer_nord):
        local[user.staff_profile.role] = SignedInClient()
        local[user.staff_profile.role].force_login(user)
    paths = [
        "/staff/",
        "/admin/",
        "/admin/auth/user/",
        "/admin/municipalities/contact/",
        reverse("staff-people-waiting"),
        reverse("outbox"),
        reverse("municipality-list"),
        reverse("municipality-detail", args=[tromso.pk]),
        reverse("municipality-detail", args=[bergen.pk]),
    ]

    through_provider = {(role, path): oidc_clients[role].get(path).status_code for role in local for path in paths}
    with_password = {(role, path): local[role].get(path).status_code for role in local for path in paths}

    assert through_provider == with_password
    assert through_provider[("regional_officer", paths[-1])] == 404  # Bergen is in Vest
    assert through_provider[("analyst", reverse("staff-people-waiting"))] == 403
    assert through_provider[("survey_admin", reverse("staff-people-waiting"))] == 200
    assert all(client.user.oidc_identity.issuer == oidc.issuer for client in oidc_clients.values())


def test_someone_signed_in_without_a_role_reaches_no_staff_page(oidc_client_without_role):
    from accounts.middleware import OIDC_PAGES
    from tests.support import staff_paths

    # the authenticator app's pages too: only signing in and out, and this sign-in's own pages
    open_pages = {reverse(name) for name in ("staff-login", "staff-logout") + OIDC_PAGES} | {"/admin/login/"}
    paths = [path for path in staff_paths() if path not in open_pages]
    assert len(paths) > 40

    for path in paths:
        for method in (oidc_client_without_role.get, oidc_client_without_role.post):
            response = method(path)
            assert response.status_code == 302, f"{method.__name__.upper()} {path} answered {response.status_code}"
            assert response.url == reverse("staff-oidc-waiting"), path
    assert oidc_client_without_role.get(reverse("staff-oidc-waiting")).status_code == 200
