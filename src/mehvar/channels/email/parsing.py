"""A raw RFC 822 message, as received, to the common ``InboundMessage`` (or delivery reports, or nothing).

- ``external_id`` is the Message-ID without angle brackets; a message without one gets a stable id hashed
  from its sender, date, subject and body, so the same message delivered twice (webhook and IMAP, or a
  replay) is still stored once.
- ``identities`` is the From address; ``sender_name`` its display name, RFC 2047 decoded.
- ``references`` are the References ids then the In-Reply-To id: the inbox finds the conversation by them.
- ``sent_at`` is the Date header in UTC (none when missing, unreadable or in the future).
- the text is the text/plain part, else the HTML read as text (``mime``); charsets per ``decoding``.

Dropped without a message (documented in docs/channels/email.md): auto-replies and reports (``bounces``),
and mail from the channel's own address (our own reply coming back must not become a customer message).
Anything unreadable raises ``ParseError`` with the reason; no other exception leaves ``email_parse``.
"""

import datetime as dt
import email.utils
import hashlib
import logging
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from mehvar.channels.base import InboundMessage, Parsed, ParseError
from mehvar.channels.email import bounces
from mehvar.channels.email.decoding import (
    header_decode,
    header_raw,
    headers_raw,
    message_id_of,
    message_ids_in,
)
from mehvar.channels.email.mime import body_extract, structure_check

logger = logging.getLogger(__name__)
MAX_REFERENCES = 100
FUTURE_SLACK = dt.timedelta(hours=1)


def email_parse(raw: bytes, *, own_address: str = "") -> Parsed:
    """Parse one message (see the module docstring). Raises ParseError only."""
    try:
        return _parse(raw, own_address=own_address.strip().lower())
    except ParseError:
        raise
    except RecursionError:
        raise ParseError("malformed MIME: parts are nested too deeply") from None
    except Exception as error:  # the parser and the mail in the wild disagree in endless ways
        logger.warning("unreadable e-mail", exc_info=True)
        raise ParseError(f"the message could not be read ({type(error).__name__}: {error})"[:500]) from None


def _strip_envelope(raw: bytes) -> bytes:
    """Drop leading blank lines and an mbox "From " line that some forwarders put before the headers."""
    raw = raw.lstrip(b"\r\n")
    if raw.startswith(b"From "):
        raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
    return raw


def _parse(raw: bytes, *, own_address: str) -> Parsed:
    raw = _strip_envelope(raw)
    if not raw.strip():
        raise ParseError("the message is empty")
    message = BytesParser(policy=compat32).parsebytes(raw)
    if not list(message.keys()):
        raise ParseError("not an e-mail message: it does not start with headers")
    sender_name, address = _sender(message)
    structure_check(message)
    reports = bounces.delivery_reports(message)
    if reports or bounces.sender_is_daemon(address) or bounces.auto_reply_reason(message):
        return Parsed(reports=reports)
    if own_address and address.lower() == own_address:
        return Parsed()
    body = body_extract(message)
    subject = header_decode(header_raw(message, "Subject"))
    inbound = InboundMessage(
        external_id=_message_id(message, raw, address, subject),
        identities=(("email", address),),
        sender_name=sender_name,
        subject=subject,
        text=body.text,
        html=body.html,
        references=_references(message),
        sent_at=_date(message),
        attachments=tuple(body.attachments),
        data=_recipients(message),
    )
    return Parsed(messages=(inbound,))


def _sender(message: Message) -> tuple[str, str]:
    raw_from = header_raw(message, "From")
    if raw_from is None:
        raise ParseError("the message has no From header")
    pairs = email.utils.getaddresses([raw_from.replace("\r", " ").replace("\n", " ")])
    for name, address in pairs:
        address = header_decode(address)
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            raise ParseError(f"the From address {address[:100]!r} is not an e-mail address") from None
        return header_decode(name).strip("\"' "), address
    raise ParseError("the From header has no address")


def _message_id(message: Message, raw: bytes, address: str, subject: str) -> str:
    found = message_id_of(header_raw(message, "Message-ID"))
    if found:
        return found[:250]
    _, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    digest = hashlib.sha256()
    for part in (address.lower(), header_raw(message, "Date") or "", subject):
        digest.update(part.encode("utf-8", errors="surrogateescape") + b"\0")
    digest.update(body)
    return f"mehvar-{digest.hexdigest()[:40]}@no-message-id.invalid"


def _references(message: Message) -> tuple[str, ...]:
    ids: list[str] = []
    for name in ("References", "In-Reply-To"):
        for value in headers_raw(message, name):
            for found in message_ids_in(value):
                if found not in ids and len(found) <= 250:
                    ids.append(found)
    return tuple(ids[-MAX_REFERENCES:])


def _date(message: Message) -> dt.datetime | None:
    raw = header_raw(message, "Date")
    if not raw:
        return None
    try:
        value = email.utils.parsedate_to_datetime(header_decode(raw))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if value.tzinfo is None:  # "-0000": the sender does not know its zone; read as UTC
        value = value.replace(tzinfo=dt.UTC)
    value = value.astimezone(dt.UTC)
    return None if value > timezone.now() + FUTURE_SLACK else value


def _recipients(message: Message) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name in ("To", "Cc", "Reply-To"):
        values = [value.replace("\r", " ").replace("\n", " ") for value in headers_raw(message, name)]
        addresses = [header_decode(address) for _, address in email.utils.getaddresses(values) if address]
        if addresses:
            data[name.lower().replace("-", "_")] = addresses[:50]
    return data
