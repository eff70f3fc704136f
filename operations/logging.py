"""Log output: one JSON object per line, with invitation tokens redacted.

The filter is attached to the handlers (config/settings.py, LOGGING), so every
record that reaches an output passes it, whichever logger it came from:
django.request ("Not Found: /r/<token>/..."), django.server, Celery, our own.
"""

import datetime
import json
import logging
import re

# A respondent link is /r/<43 characters of URL-safe base64>/; "lost-link" is the one
# page under /r/ that is not a token. Anything else in that place is redacted, malformed
# tokens too (a mistyped link is still most of a secret).
_PATH_TOKEN = re.compile(r"/r/(?!lost-link/)[^/?#\s\"']+")
# A bare token outside a path (an exception message, a repr of arguments). This may also
# hide an innocent 43-character identifier; a log line losing one is the cheaper mistake.
_BARE_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")
REDACTED = "<token>"

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def redact(text: str) -> str:
    """The text with every invitation token replaced by <token>."""
    return _BARE_TOKEN.sub(REDACTED, _PATH_TOKEN.sub("/r/" + REDACTED, text))


def _extra_fields(record: logging.LogRecord) -> dict:
    return {key: value for key, value in vars(record).items() if key not in _RECORD_ATTRIBUTES}


class TokenRedactionFilter(logging.Filter):
    """Redacts tokens from a record's message, its exception text and its string extras.

    The message is rendered here (args merged) so that a token passed as an argument
    is caught too; the exception is formatted here so that the handler prints the
    redacted text instead of formatting it again."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in _extra_fields(record).items():
            if isinstance(value, str):
                setattr(record, key, redact(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the record's extra
    fields that are plain values (the request and task fields), and the exception."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in _extra_fields(record).items():
            # Objects such as django.request's `request` are left out: their repr is no field.
            if value is None or isinstance(value, str | int | float | bool):
                line.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """For a person at a terminal (LOG_FORMAT=text): the message, then the extra fields."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        text = super().formatMessage(record)
        fields = {
            key: value
            for key, value in _extra_fields(record).items()
            if isinstance(value, str | int | float | bool) and key != "event"
        }
        if fields:
            text += " " + " ".join(f"{key}={value}" for key, value in fields.items())
        return text
