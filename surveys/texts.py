"""Texts in the platform's three languages: Bokmål (the default and the fallback), Nynorsk and English."""

from django.utils.translation import get_language

LANGUAGES = ("nb", "nn", "en")


def text_in_language(obj, field: str, language: str | None = None) -> str:
    """The text in the language asked for (or the active one), falling back to Bokmål."""
    language = (language or get_language() or "nb")[:2]
    if language not in LANGUAGES:
        language = "nb"
    return getattr(obj, f"{field}_{language}") or getattr(obj, f"{field}_nb")
