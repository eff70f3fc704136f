"""System checks of a deployment (`manage.py check --deploy`)."""

from django.conf import settings
from django.core import checks

from operations.secret_key import secret_key_problem


def secret_key_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    problem = secret_key_problem(settings.SECRET_KEY, base_dir=settings.BASE_DIR)
    if problem is None:
        return []
    return [
        checks.Error(
            problem,
            hint="Production refuses to start with it: set SECRET_KEY to a long random value "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), the same on every host.",
            id="operations.E001",
        )
    ]


def register() -> None:
    checks.register(secret_key_check, checks.Tags.security, deploy=True)
