"""The embedded default's outbox: e-mails that Django's file backend wrote."""

from dataclasses import dataclass
from email import message_from_string, policy
from pathlib import Path

from django.conf import settings


@dataclass
class OutboxMessage:
    file_name: str
    subject: str
    to: str
    sent: str
    body: str


def outbox_enabled() -> bool:
    return settings.EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend"


def outbox_messages(*, limit: int = 200) -> list[OutboxMessage]:
    """The newest messages first. Django writes several messages to one file,
    separated by a line of 79 dashes."""
    folder = Path(settings.EMAIL_FILE_PATH)
    if not folder.is_dir():
        return []
    messages = []
    for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True):
        for chunk in path.read_text(encoding="utf-8", errors="replace").split("-" * 79):
            if not chunk.strip():
                continue
            message = message_from_string(chunk.strip(), policy=policy.default)
            body = message.get_body(preferencelist=("plain", "html"))
            messages.append(
                OutboxMessage(
                    file_name=path.name,
                    subject=str(message.get("Subject", "")),
                    to=str(message.get("To", "")),
                    sent=str(message.get("Date", "")),
                    body=body.get_content() if body else "",
                )
            )
            if len(messages) >= limit:
                return messages
    return messages
