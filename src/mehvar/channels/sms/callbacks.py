"""Reading the gateway's callbacks: received messages and delivery reports.

Gateways post a form or JSON (one object, or a list of them), with names that vary: ``from``/``sender``/
``mobile`` for the customer, ``messageid``/``id`` for the gateway's id, ``date`` as Unix seconds, ISO 8601 or
a Jalali date-time. An item with a sender and a text is a received message; an item with a message id (or
our client id) and a status is a delivery report. Anything else is a ``ParseError`` naming what is missing,
so the stored event is marked failed with that reason instead of being lost.

A received message without the gateway's id gets a stable one from its content (sender, line, date, text),
so a replayed callback still finds the message already stored.
"""

import dataclasses
import datetime as dt
import email.parser
import email.policy
import hashlib
import json
import urllib.parse
from typing import Any

from mehvar.channels.base import DeliveryReport, HookRequest, InboundMessage, ParseError
from mehvar.channels.sms.segments import sms_size
from mehvar.core.jalali import JalaliDateError, parse_datetime
from mehvar.core.text import to_ascii_digits

ITEMS_MAX = 1000
FROM = ("from", "sender", "mobile", "msisdn", "source")
TO = ("to", "receptor", "line", "linenumber", "line_number", "destination")
TEXT = ("message", "text", "body", "messagetext", "message_text", "content")
ID = ("messageid", "message_id", "msgid", "id")
CLIENT_ID = ("localid", "local_id", "clientid", "client_id", "checkid")
DATE = ("date", "datetime", "time", "receiveddatetime", "received_at", "sent_at", "timestamp")
STATUS = ("status", "state", "deliverystatus", "delivery_status")
REASON = ("statustext", "status_text", "reason", "description")


@dataclasses.dataclass(frozen=True)
class Statuses:
    """The gateway's delivery status values (lower-cased) that mean delivered and not delivered."""

    delivered: frozenset[str]
    undelivered: frozenset[str]


def _decode(request: HookRequest) -> list[dict[str, Any]]:
    body = request.body.strip()
    if not body:
        if request.query:
            return [dict(request.query)]  # gateways that put everything in the query string
        raise ParseError("the callback is empty")
    text = body.decode("utf-8", errors="replace")
    if "json" in request.content_type or body[:1] in (b"{", b"["):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as error:
            raise ParseError(f"the body is not valid JSON: {error}") from None
    elif request.content_type.startswith("multipart/form-data"):
        data = _multipart(body)
    elif "form" in request.content_type or "=" in text:
        data = dict(urllib.parse.parse_qsl(text, keep_blank_values=True))
    else:
        raise ParseError(f"cannot read a body of type {request.content_type or 'unknown'}")
    items = data if isinstance(data, list) else [data]
    if not items:
        raise ParseError("the callback holds no items")
    if len(items) > ITEMS_MAX:
        raise ParseError(f"the callback holds {len(items)} items, more than {ITEMS_MAX}")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ParseError(f"item {index}: expected an object, got {type(item).__name__}")
    return [{str(key).strip().lower(): value for key, value in item.items()} for item in items]


def _multipart(body: bytes) -> dict[str, str]:
    """The fields of a multipart form; the boundary is read from the body (the stored type has none)."""
    first_line = body.lstrip(b"\r\n").split(b"\r\n", 1)[0]
    if not first_line.startswith(b"--") or len(first_line) < 3:
        raise ParseError("the multipart body has no boundary")
    boundary = first_line[2:].decode("latin-1").replace('"', "")
    head = f'Content-Type: multipart/form-data; boundary="{boundary}"\r\nMIME-Version: 1.0\r\n\r\n'.encode()
    parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not parsed.is_multipart():
        raise ParseError("the multipart body has no parts")
    fields: dict[str, str] = {}
    for part in parsed.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str) and not part.get_filename():
            payload = part.get_payload(decode=True) or b""
            fields[name] = payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    return fields


def _first(item: dict[str, Any], names: tuple[str, ...]) -> str:
    for name in names:
        value = item.get(name)
        if value is not None and not isinstance(value, dict | list) and str(value).strip() != "":
            return str(value).strip()
    return ""


def _date(raw: str) -> dt.datetime | None:
    """Unix seconds (or milliseconds), ISO 8601 or Jalali; None for what none of them reads."""
    value = to_ascii_digits(raw).strip()
    if not value:
        return None
    if value.isdigit():
        seconds = int(value)
        if seconds > 10**11:
            seconds //= 1000
        try:
            return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        return parse_datetime(value)
    except (JalaliDateError, ValueError):
        return None


def _message(item: dict[str, Any]) -> InboundMessage:
    sender = _first(item, FROM)
    text = _first(item, TEXT)
    line = _first(item, TO)
    raw_date = _first(item, DATE)
    external_id = _first(item, ID)
    if not external_id:
        digest = hashlib.sha256("\x1f".join((sender, line, raw_date, text)).encode()).hexdigest()
        external_id = "content:" + digest[:40]
    size = sms_size(text)
    sent_at = _date(raw_date)
    data: dict[str, Any] = {"sms": {"line": line, "encoding": size.encoding, "parts": size.parts}}
    if raw_date and sent_at is None:
        data["sms"]["unreadable_date"] = raw_date[:60]
    return InboundMessage(
        external_id=external_id[:250],
        identities=(("phone", sender),),
        text=text,
        sent_at=sent_at,
        data=data,
    )


def _report(statuses: Statuses, item: dict[str, Any]) -> DeliveryReport | None:
    status = _first(item, STATUS).lower()
    if status in statuses.delivered:
        mapped = "delivered"
    elif status in statuses.undelivered:
        mapped = "undelivered"
    else:
        return None  # queued, sent to the operator…: nothing to record yet
    return DeliveryReport(
        status=mapped,
        provider_id=_first(item, ID)[:200],
        idempotency_key=_first(item, CLIENT_ID)[:100],
        at=_date(_first(item, DATE)),
        reason=_first(item, REASON)[:300] if mapped == "undelivered" else "",
    )


def callbacks_parse(
    request: HookRequest, statuses: Statuses
) -> tuple[list[InboundMessage], list[DeliveryReport]]:
    """The received messages and delivery reports in one callback (ParseError when it holds neither)."""
    messages: list[InboundMessage] = []
    reports: list[DeliveryReport] = []
    for index, item in enumerate(_decode(request)):
        if _first(item, FROM) and _first(item, TEXT):
            messages.append(_message(item))
        elif _first(item, STATUS) and (_first(item, ID) or _first(item, CLIENT_ID)):
            report = _report(statuses, item)
            if report is not None:
                reports.append(report)
        else:
            raise ParseError(
                f"item {index}: neither a received message (from, message) "
                "nor a delivery report (messageid, status)"
            )
    return messages, reports
