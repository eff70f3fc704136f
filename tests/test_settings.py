"""Production settings refuse unsafe values; the embedded default needs no server."""

import os
import subprocess
import sys

import pytest

from tests.support import ROOT

GOOD_KEY = "k7Qx2mZp9Lw4Rt8Vb1Nc6Hj3Fd5Gs0Ay-settings-test-" + "q8Wn3Ye6Tu1Io4Pa"


DEFAULT_PRINT = (
    "settings.DEBUG, settings.CELERY_BROKER_URL, settings.EMAIL_BACKEND, settings.DATABASES['default']['ENGINE']"
)


def _load_settings(*, show: str = DEFAULT_PRINT, **env) -> subprocess.CompletedProcess:
    """Loads the settings in a fresh process with `env` and prints `show`."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "PLATFORM_ENV", "DATABASE_URL", "REDIS_URL"}
        and not k.startswith(("OIDC_", "STAFF_PASSWORD"))
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
    result = _load_settings(PLATFORM_ENV="production", DEBUG="true", SECRET_KEY=GOOD_KEY)

    assert result.returncode != 0
    assert "DEBUG is on" in result.stderr


def test_production_refuses_the_default_secret_key():
    result = _load_settings(PLATFORM_ENV="production")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_secret_key_and_debug_off():
    result = _load_settings(PLATFORM_ENV="production", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="survey.example.no")

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


OIDC = {"OIDC_ISSUER": "https://login.example.no/tenant/v2.0", "OIDC_CLIENT_ID": "client", "OIDC_CLIENT_SECRET": "s"}


def _oidc_settings(**env) -> subprocess.CompletedProcess:
    show = "settings.OIDC_ISSUER or '-', settings.AUTHENTICATION_BACKENDS[-1], settings.OIDC_GROUP_ROLES"
    return _load_settings(show=show, **env)


def test_the_embedded_default_signs_staff_in_without_an_identity_provider():
    result = _oidc_settings()

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["-", "municipalities.access.RoleBackend"]


def test_an_identity_provider_is_used_when_its_issuer_is_set():
    result = _oidc_settings(
        **OIDC, OIDC_GROUP_ROLES="g-1=survey_admin,reg-*=regional_officer:*,g-2=regional_officer:nord"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == [OIDC["OIDC_ISSUER"], "accounts.oidc.backend.OidcBackend"]
    assert "('reg-*', 'regional_officer:*'), ('g-2', 'regional_officer:nord')" in result.stdout


def test_oidc_settings_that_cannot_work_stop_the_start():
    cases = [
        ({"OIDC_ISSUER": OIDC["OIDC_ISSUER"]}, "OIDC_CLIENT_ID"),
        ({**OIDC, "OIDC_REQUIRE_AMR": ""}, "OIDC_REQUIRE_AMR or OIDC_REQUIRE_ACR"),
        ({**OIDC, "OIDC_GROUP_ROLES": "admins=superuser"}, "OIDC_GROUP_ROLES"),
        ({**OIDC, "OIDC_GROUP_ROLES": "officers=regional_officer:*"}, "OIDC_GROUP_ROLES"),
        ({"STAFF_PASSWORD_SIGN_IN": "nobody"}, "STAFF_PASSWORD_SIGN_IN"),
        (
            {
                **OIDC,
                "OIDC_ISSUER": "http://login.example.no",
                "PLATFORM_ENV": "production",
                "SECRET_KEY": GOOD_KEY,
                "ALLOWED_HOSTS": "survey.example.no",
            },
            "https",
        ),
    ]
    for env, message in cases:
        result = _oidc_settings(**env)

        assert result.returncode != 0 and message in result.stderr, (env, result.stderr[-300:])


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("x", "has 1 characters"),
        ("x" * 50, "distinct characters"),
        ("change-me-to-a-long-random-value-the-same-on-every-host", "written in this repository"),
        ("development-only-secret-key-do-not-use-in-production", "written in this repository"),
    ],
)
def test_production_refuses_a_short_weak_or_published_secret_key(key, reason):
    result = _load_settings(PLATFORM_ENV="production", SECRET_KEY=key, ALLOWED_HOSTS="survey.example.no")

    assert result.returncode != 0
    assert "Refusing to start" in result.stderr and reason in result.stderr


def test_the_deploy_check_says_why_the_example_key_will_not_do():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "PLATFORM_ENV"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        VAR_DIR=str(ROOT / "var" / "settings-test"),
        DATABASE_URL="sqlite://:memory:",
        SECRET_KEY="change-me-to-a-long-random-value-the-same-on-every-host",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert result.returncode != 0
    assert "operations.E001" in result.stderr and "written in this repository" in result.stderr


def test_the_upload_caps_have_defaults_and_come_from_the_environment():
    caps = "settings.UPLOAD_MAX_BYTES, settings.UPLOAD_MAX_EXPANDED_BYTES, settings.UPLOAD_MAX_ROWS, settings.UPLOAD_MAX_XLSFORM_ROWS"

    default = _load_settings(show=caps)
    chosen = _load_settings(
        show=caps,
        UPLOAD_MAX_BYTES="1000",
        UPLOAD_MAX_EXPANDED_BYTES="2000",
        UPLOAD_MAX_ROWS="3",
        UPLOAD_MAX_XLSFORM_ROWS="4",
    )

    assert default.stdout.split() == ["2097152", "10485760", "5000", "1000"], default.stderr
    assert chosen.stdout.split() == ["1000", "2000", "3", "4"], chosen.stderr
