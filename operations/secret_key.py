"""Whether a SECRET_KEY is fit for production.

The key signs sessions, CSRF tokens, password-reset links and the respondents' link tickets
(surveys.link_tickets): whoever knows it can make a ticket for any link. So production refuses
to start with a short key, one of few distinct characters, or one that stands in this
repository (the development default, the example in deploy/survey.env.example or the docs),
and `manage.py check --deploy` says why (operations.apps registers the check).

No Django models here: config/settings.py calls this before the apps are loaded.
"""

import re
from pathlib import Path

DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"
MIN_LENGTH = 50
MIN_DISTINCT = 5
# Files whose `SECRET_KEY=...` lines are examples that anyone can read.
EXAMPLE_FILES = ("deploy/*", "docs/*.md", "README.md")
_ASSIGNMENT = re.compile(r"SECRET_KEY\s*=\s*['\"]?([^'\"\s#]+)")


def secret_keys_in_repository(base_dir: Path) -> set[str]:
    """The keys written in the repository's examples and the settings' development default."""
    found = set()
    for pattern in EXAMPLE_FILES:
        for path in base_dir.glob(pattern):
            if path.is_file():
                found.update(_ASSIGNMENT.findall(path.read_text(encoding="utf-8", errors="replace")))
    found.add(DEVELOPMENT_SECRET_KEY)
    return found


def secret_key_problem(key: str, *, base_dir: Path) -> str | None:
    """Why a key must not sign production's sessions and tickets, or None when it may."""
    if not key:
        return "SECRET_KEY is not set."
    if key in secret_keys_in_repository(base_dir):
        return "SECRET_KEY is a value written in this repository (an example or the development default)."
    if len(key) < MIN_LENGTH:
        return f"SECRET_KEY has {len(key)} characters; it needs at least {MIN_LENGTH}."
    if len(set(key)) < MIN_DISTINCT:
        return f"SECRET_KEY has {len(set(key))} distinct characters; it needs at least {MIN_DISTINCT}."
    return None
