"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server."""

import datetime
import os
import shutil

import pytest
from django.core.management import call_command
from django.utils import timezone

from municipalities.models import Municipality, MunicipalityProfile
from surveys.demo_questionnaire import demo_questionnaire_create
from surveys.models import Survey
from surveys.services.invitations import invitation_create
from surveys.services.rounds import survey_open

# Playwright's sync API runs an event loop in this thread; the ORM calls in the tests are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_round(live_server, settings):
    # The live server empties the database after each test; the registry comes back here.
    if not Municipality.objects.exists():
        call_command("import_registry", verbosity=0)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = live_server.url
    now = timezone.now()
    survey = Survey.objects.create(
        year=2026,
        title="Kommuneundersøkelsen 2026",
        questionnaire=demo_questionnaire_create(year=2026),
        opens_at=now - datetime.timedelta(days=2),
        closes_at=now + datetime.timedelta(days=30),
    )
    bergen = Municipality.objects.current().get(number="4601")
    MunicipalityProfile.objects.filter(municipality=bergen, year=2026).update(settles_refugees=True)
    return survey_open(survey=survey)


@pytest.fixture
def chief_link(open_round, live_server):
    bergen = Municipality.objects.current().get(number="4601")
    _invitation, token = invitation_create(
        survey=open_round, municipality=bergen, role="chief_executive", name="Kari Leder", email="kari@bergen.example"
    )
    return f"{live_server.url}/r/{token}/"
