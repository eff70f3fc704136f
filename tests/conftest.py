"""Fixtures every test folder shares. The shipped registry is imported once per test session
into the test database; every test runs in a transaction on top of it.

Where things live (tests/test_layout_of_tests.py keeps it so):

- Fixtures: in conftest.py files. This one holds what several folders use (the registry's
  regions and units, staff users per role, the signed-in `client`, the OpenID provider, the
  quality scale, eager Celery, the collected static files); each folder's conftest.py holds its
  own (tests/surveys: the small questionnaire and its rounds and links; tests/analytics: the
  round answered by hand; tests/reminders: the field round, contacts, SMTP server and worker;
  tests/privacy: the round with people; tests/operations and tests/faults: a demo round and its
  link, private servers; tests/e2e: the browser and the live server's round). A fixture reaches
  a test by its name: never import a fixture or anything else from a conftest.py.
- Helpers: in plain support modules, imported by tests and conftests alike; never in a test
  module (a test_*.py is not imported by another file).
    tests/support.py    ROOT, free_port, port_answers, wait_until, process_group_stop,
                        shared_database_url, SignedInClient, rows_mentioning, staff_paths,
                        demo_round_open, Mailbox (aiosmtpd handler), Worker (celery worker),
                        and the formula checks of exports (assert_payloads_are_text, ...)
    tests/servers.py    servers and processes a test starts: RedisServer (+ redis_back),
                        SmtpServer, PostgresCluster, production_env, worker_env, manage,
                        procfile, Process, HttpClient, static_collect
    tests/scenarios.py  built-up situations: chief_link_create, next_window, the reminder
                        tests' field period (OPENS, CLOSES, at, start_answering, submit,
                        rule_named), round_with_people_create (KARI, OLA, PER, SIRI, answer),
                        the analysis tests' answered round (respond, SMALL, ...)
    tests/factories.py  factory-boy factories: Scale/QualityScale, Question (options=, rows=),
                        Questionnaire, Section, Item, Survey (a round)
    tests/workbooks.py  XLSX files written by hand for the upload tests
    tests/e2e/axe.py    assert_no_violations: axe-core in the browser page
- Adding one: a model row a test needs -> a factory call (add a factory for a new model to
  tests/factories.py); a situation several tests build -> a function in tests/scenarios.py,
  and a fixture in the folder's conftest.py that calls it if tests want it by name; a tool
  (waiting, a server, a client) -> tests/support.py or tests/servers.py. Search these before
  writing a helper: each is written once.
"""

import contextlib

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from municipalities.models import Municipality, Region, StaffProfile
from municipalities.services import staff_user_create
from surveys.models import Scale
from tests.factories import QualityScaleFactory
from tests.servers import static_collect
from tests.support import SignedInClient


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


@pytest.fixture
def client() -> Client:
    return SignedInClient()


@pytest.fixture
def celery_eager():
    """Tasks run in the test's own process when they are queued (unit tests only)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def eager_celery(celery_eager):
    """celery_eager under the name the reminder tests know it by."""


@pytest.fixture
def quality_scale(db) -> Scale:
    """quality4: very poor (1), poor, good, very good (4)."""
    return QualityScaleFactory()


@pytest.fixture(scope="session")
def collected_static():
    """The static files collected as a production deployment does (tests/servers.py)."""
    return static_collect()
