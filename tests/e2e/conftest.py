"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server."""

import os
import shutil

import pytest
from django.core.management import call_command

from municipalities.models import Municipality
from tests.scenarios import chief_link_create
from tests.support import demo_round_open

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
    return demo_round_open()


@pytest.fixture
def chief_link(open_round, live_server):
    _invitation, token = chief_link_create(open_round)
    return f"{live_server.url}/r/{token}/"


@pytest.fixture
def wide_matrix_round(live_server, settings):
    """An open round whose matrix Q08 has 16 rows."""
    if not Municipality.objects.exists():
        call_command("import_registry", verbosity=0)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = live_server.url
    return demo_round_open(matrix_rows=16)
