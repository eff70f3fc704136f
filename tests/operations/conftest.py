import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from municipalities.models import Municipality
from surveys.models import Survey
from surveys.services.invitations import invitation_create
from tests.support import demo_round_open

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def open_round(db) -> Survey:
    return demo_round_open()


@pytest.fixture
def chief_token(open_round) -> str:
    bergen = Municipality.objects.current().get(number="4601")
    _invitation, token = invitation_create(
        survey=open_round, municipality=bergen, role="chief_executive", name="Kari Leder", email="kari@bergen.example"
    )
    return token


def database_url() -> str:
    """The pytest database, as a URL for processes started by a test."""
    database = connection.settings_dict
    return (
        f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


# Not handed on to a production process; DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser
# tests' conftest for Playwright, and check --deploy rightly refuses it.
NOT_INHERITED = {
    "DEBUG",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "EMAIL_HOST",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def production_env(**overrides) -> dict[str, str]:
    """The environment of a production process on the test database and Redis."""
    env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    return {
        **env,
        "PLATFORM_ENV": "production",
        "SECRET_KEY": "a-production-secret-for-tests-only-" + "k7Qx2mZp9Lw4Rt8Vb1Nc6Hj3Fd5Gs0Ay",
        "ALLOWED_HOSTS": "survey.example.no,127.0.0.1,localhost",
        "DATABASE_URL": database_url(),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "VAR_DIR": str(ROOT / "var" / "production-test"),
        **overrides,
    }


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
