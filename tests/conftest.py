"""Shared fixtures. The shipped registry is imported once per test session
into the test database; every test runs in a transaction on top of it."""

import contextlib

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from municipalities.models import Municipality, Region, StaffProfile
from municipalities.services import staff_user_create


def pytest_collection_modifyitems(items):
    """Browser tests run last: their live server empties the database after each test."""
    items.sort(key=lambda item: "/e2e/" in str(item.path))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("import_registry", verbosity=0)


@pytest.fixture
def region_nord(db) -> Region:
    return Region.objects.get(scheme__is_active=True, code="nord")


@pytest.fixture
def region_vest(db) -> Region:
    return Region.objects.get(scheme__is_active=True, code="vest")


@pytest.fixture
def tromso(db) -> Municipality:
    return Municipality.objects.current().get(number="5501")


@pytest.fixture
def bergen(db) -> Municipality:
    return Municipality.objects.current().get(number="4601")


@pytest.fixture
def survey_admin(db):
    return staff_user_create(username="admin-user", password="pw-admin-123!", role=StaffProfile.Role.SURVEY_ADMIN)


@pytest.fixture
def analyst(db):
    return staff_user_create(username="analyst-user", password="pw-analyst-123!", role=StaffProfile.Role.ANALYST)


@pytest.fixture
def officer_nord(region_nord):
    return staff_user_create(
        username="officer-nord", password="pw-nord-123!", role=StaffProfile.Role.REGIONAL_OFFICER, region=region_nord
    )


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """The test OpenID provider (tests/oidc_provider/), one process for the whole session."""
    from tests.oidc_provider.process import OidcProvider

    provider = OidcProvider(tmp_path_factory.mktemp("oidc-provider")).start()
    provider.register_client(base_urls=["http://testserver"])
    yield provider
    provider.stop()


@pytest.fixture
def oidc(db, settings, oidc_provider):
    """The platform signing staff in through the test provider, which behaves; roles come from
    the `groups` claim (survey-admin, analyst, officer:<region code>) and MFA from `amr`."""
    from accounts.oidc.backend import BACKEND
    from tests.oidc_provider.process import CLIENT_ID

    oidc_provider.misbehave(None)
    settings.OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_DISCOVERY_URL = oidc_provider.issuer + "/.well-known/openid-configuration"
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = oidc_provider.client_secret
    settings.OIDC_PROVIDER_NAME = "Testleverandøren"
    settings.OIDC_GROUPS_CLAIM = "groups"
    settings.OIDC_GROUP_ROLES = [
        ("survey-admin", "survey_admin"),
        ("analyst", "analyst"),
        ("officer:*", "regional_officer:*"),
    ]
    settings.OIDC_REQUIRE_AMR = ["mfa"]
    settings.OIDC_REQUIRE_ACR = []
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, BACKEND]
    return oidc_provider


OIDC_ROLE_GROUPS = {
    StaffProfile.Role.SURVEY_ADMIN: "survey-admin",
    StaffProfile.Role.ANALYST: "analyst",
    StaffProfile.Role.REGIONAL_OFFICER: "officer:nord",
}


@pytest.fixture
def oidc_clients(oidc, region_nord) -> dict[str, Client]:
    """A test client per staff role, each signed in through the provider the whole way (the
    account made at that first sign-in, its role from the provider's groups); the regional
    officer's region is Nord. `client.user` is the account."""
    from django.contrib.auth.models import User

    from tests.oidc_provider.flow import PersonAtProvider

    clients = {}
    for role, group in OIDC_ROLE_GROUPS.items():
        username = f"oidc-{role.replace('_', '-')}"
        oidc.person(username, groups=[group])
        client = Client()
        response = PersonAtProvider(oidc, username).sign_in(client)
        assert response.status_code == 302 and response.url == "/staff/", response.content[:300]
        client.user = User.objects.get(username=username)
        clients[role] = client
    return clients


@pytest.fixture
def oidc_client_without_role(oidc, settings) -> Client:
    """A test client signed in through the provider by someone with no role: what a newcomer
    has while a survey admin has not yet granted one (no group claim at their sign-in)."""
    from django.contrib.auth.models import User

    from tests.oidc_provider.flow import PersonAtProvider

    claim, settings.OIDC_GROUPS_CLAIM = settings.OIDC_GROUPS_CLAIM, ""
    oidc.person("oidc-no-role", groups=[])
    client = Client()
    response = PersonAtProvider(oidc, "oidc-no-role").sign_in(client)
    assert response.status_code == 302 and response.url == "/staff/login/no-role/", response.content[:300]
    settings.OIDC_GROUPS_CLAIM = claim
    client.user = User.objects.get(username="oidc-no-role")
    return client


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate limits and cached pages live in the cache (Redis in tests), frozen questionnaires'
    entries and the link tickets a process has checked also in its memory: start every test
    with all of them empty."""
    from django.core.cache import cache

    from surveys.fastpath.memory import memory_forget

    cache.clear()
    memory_forget()


@pytest.fixture
def registry_reloaded(django_db_blocker):
    """A transactional test (live server, threads) empties the database at its end;
    this puts the registry back for the tests after it. Request it before
    `transactional_db` or `live_server` so that it tears down after them."""
    yield
    with django_db_blocker.unblock():
        call_command("import_registry", verbosity=0)


@pytest.fixture(autouse=True)
def english_messages():
    """Service-level messages are asserted in their English source text; pages that
    go through the locale middleware still answer in Bokmål (or the chosen language)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def rolled_back(db):
    """Undoes what one Hypothesis example wrote: `with rolled_back(): ...` runs it in a savepoint
    that is rolled back, so that every example of a test starts from the same database."""

    @contextlib.contextmanager
    def example():
        savepoint = transaction.savepoint()
        try:
            yield
        finally:
            transaction.savepoint_rollback(savepoint)

    return example


class SignedInClient(Client):
    """The test client whose force_login signs a staff member in the whole way: password and
    second factor (an authenticator app set up for them). Staff pages refuse anything less;
    tests/accounts proves that with the plain client."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        if user.is_staff or user.is_superuser:
            from django_otp import DEVICE_ID_SESSION_KEY
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device, _created = TOTPDevice.objects.get_or_create(
                user=user, name="authenticator", defaults={"confirmed": True}
            )
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()


@pytest.fixture
def client() -> Client:
    return SignedInClient()
