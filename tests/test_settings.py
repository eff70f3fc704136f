"""Production settings refuse unsafe values; the embedded default needs no server."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load_settings(
    show: str = "settings.DEBUG, settings.CELERY_BROKER_URL, settings.EMAIL_BACKEND, "
    "settings.DATABASES['default']['ENGINE']",
    **env,
) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "PLATFORM_ENV", "DATABASE_URL", "REDIS_URL"}
    }
    code = f"import django; django.setup(); from django.conf import settings; print({show})"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "VAR_DIR": str(ROOT / "var" / "settings-test"),
            **env,
        },
        capture_output=True,
        text=True,
    )


def test_production_refuses_debug():
    result = _load_settings(PLATFORM_ENV="production", DEBUG="true", SECRET_KEY="x" * 50)

    assert result.returncode != 0
    assert "DEBUG is on" in result.stderr


def test_production_refuses_the_default_secret_key():
    result = _load_settings(PLATFORM_ENV="production")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_secret_key_and_debug_off():
    result = _load_settings(PLATFORM_ENV="production", SECRET_KEY="x" * 50, ALLOWED_HOSTS="survey.example.no")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("False")


def test_the_embedded_default_uses_sqlite_a_file_broker_and_a_file_outbox():
    result = _load_settings()

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "filesystem://",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.db.backends.sqlite3",
    ]


def test_the_upload_caps_have_defaults_and_come_from_the_environment():
    caps = "settings.UPLOAD_MAX_BYTES, settings.UPLOAD_MAX_EXPANDED_BYTES, settings.UPLOAD_MAX_ROWS, settings.UPLOAD_MAX_XLSFORM_ROWS"

    default = _load_settings(caps)
    chosen = _load_settings(
        caps,
        UPLOAD_MAX_BYTES="1000",
        UPLOAD_MAX_EXPANDED_BYTES="2000",
        UPLOAD_MAX_ROWS="3",
        UPLOAD_MAX_XLSFORM_ROWS="4",
    )

    assert default.stdout.split() == ["2097152", "10485760", "5000", "1000"], default.stderr
    assert chosen.stdout.split() == ["1000", "2000", "3", "4"], chosen.stderr
