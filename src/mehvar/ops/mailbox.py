"""Read the e-mails Django's file backend wrote (the embedded default) for the operators' mail page.

The backend writes one file per connection, named ``<YYYYmmdd-HHMMSS>-<n>.log``, holding one or more messages,
each followed by a line of 79 dashes.
"""

import datetime as dt
import email
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import cast

from django.conf import settings

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
SEPARATOR = b"\n" + b"-" * 79 + b"\n"
_NAME = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]*\.log$")


@dataclass(frozen=True)
class StoredMail:
    subject: str
    sender: str
    to: str
    date: dt.datetime | None
    body: str


def uses_file_backend() -> bool:
    return settings.EMAIL_BACKEND == FILE_BACKEND and bool(getattr(settings, "EMAIL_FILE_PATH", None))


def mail_directory() -> Path:
    return Path(settings.EMAIL_FILE_PATH).resolve()


def is_mail_file_name(name: str) -> bool:
    """Only plain names the backend could have written: no separators, no dots in front, nothing else."""
    return bool(_NAME.fullmatch(name))


def mail_file_names() -> list[str]:
    """The mail files, newest first (their names start with the time they were written)."""
    directory = mail_directory()
    if not directory.is_dir():
        return []
    names = [p.name for p in directory.iterdir() if is_mail_file_name(p.name) and p.is_file()]
    return sorted(names, reverse=True)


def _text_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        return str(part.get_content())
    except (LookupError, ValueError):
        return part.get_payload(decode=True).decode("utf-8", "replace")  # type: ignore[union-attr]


def _parse(raw: bytes) -> StoredMail:
    message = cast(EmailMessage, email.message_from_bytes(raw, policy=email.policy.default))
    try:
        date = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        date = None
    return StoredMail(
        subject=str(message["Subject"] or ""),
        sender=str(message["From"] or ""),
        to=", ".join(str(v) for v in (message.get_all("To") or [])),
        date=date if date is None or date.tzinfo else date.replace(tzinfo=dt.UTC),
        body=_text_body(message),
    )


def mail_file_read(name: str) -> list[StoredMail]:
    """The messages in one mail file; FileNotFoundError for a name that is not a mail file here."""
    if not is_mail_file_name(name):
        raise FileNotFoundError(name)
    directory = mail_directory()
    path = (directory / name).resolve()
    if path.parent != directory or not path.is_file():
        raise FileNotFoundError(name)
    chunks = path.read_bytes().split(SEPARATOR)
    return [_parse(chunk.lstrip(b"\n")) for chunk in chunks if chunk.strip()]
