"""Where the raw message sits in a forwarded-mail webhook request.

Mail forwarders post the message in one of three ways, all accepted at ``/hooks/email/<id>/?secret=…``:

- the raw RFC 822 bytes as the body (``message/rfc822``, ``text/plain``, ``application/octet-stream`` or any
  other type): Cloudflare e-mail workers, Postfix piping to curl, our own IMAP poller;
- a form field holding the raw message, in ``multipart/form-data`` or ``application/x-www-form-urlencoded``:
  ``email`` (SendGrid Inbound Parse, "raw" mode), ``body-mime`` (Mailgun), ``mime`` or ``message``.
"""

import urllib.parse
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32

from mehvar.channels.base import HookRequest, ParseError

FORM_FIELDS = ("email", "body-mime", "mime", "message")


def webhook_raw(request: HookRequest) -> bytes:
    """The raw message a webhook request carries. Raises ParseError for a form without one."""
    content_type = request.content_type.split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        # Latin-1 maps each byte to one character and back, so the raw message's bytes survive untouched.
        form = request.body.decode("latin-1")
        fields = urllib.parse.parse_qs(form, keep_blank_values=True, encoding="latin-1")
        for name in FORM_FIELDS:
            values = fields.get(name)
            if values and values[0].strip():
                return values[0].encode("latin-1")
        raise ParseError(_missing_field())
    if content_type == "multipart/form-data":
        return _form_field(request)
    return request.body


def _missing_field() -> str:
    return "the form has no raw message field (expected one of: " + ", ".join(FORM_FIELDS) + ")"


def _form_field(request: HookRequest) -> bytes:
    header = next((value for key, value in request.headers.items() if key.lower() == "content-type"), "")
    if "boundary=" not in header.lower():
        raise ParseError("multipart/form-data without a boundary: the Content-Type header was not kept")
    envelope = b"Content-Type: " + header.encode("latin-1", errors="replace") + b"\r\n\r\n"
    form = BytesParser(policy=compat32).parsebytes(envelope + request.body)
    parts = form.get_payload()
    by_name: dict[str, Message] = {}
    for part in parts if isinstance(parts, list) else []:
        if isinstance(part, Message):
            name = part.get_param("name", header="content-disposition")
            if isinstance(name, str):
                by_name.setdefault(name, part)
    for name in FORM_FIELDS:
        part = by_name.get(name)
        if part is None:
            continue
        inner = part.get_payload()
        if isinstance(inner, list):  # a field sent as message/rfc822: the parser already opened it
            return inner[0].as_bytes() if inner and isinstance(inner[0], Message) else b""
        data = part.get_payload(decode=True)
        if isinstance(data, bytes) and data.strip():
            return data
    raise ParseError(_missing_field())
