"""The body of a received message: its text, its HTML and its attachments, from any MIME structure.

Every inline text/plain part is the text and every inline text/html part the HTML (in a
multipart/alternative both are the same words, so the agent gets the plain text and the HTML is kept for
display); anything else, or any part with a file name or ``Content-Disposition: attachment``, is an
attachment. A forwarded message (message/rfc822) is one attachment, ``<subject>.eml``, not more body.
Malformed structures the parser cannot split (a multipart without its boundary) raise ``ParseError``.
"""

import dataclasses
import mimetypes
from email import errors as email_errors
from email.message import Message

from mehvar.channels.base import InboundAttachment, ParseError
from mehvar.channels.email.decoding import header_decode, header_raw, text_decode
from mehvar.channels.email.html_text import html_to_text

MAX_DEPTH = 20
MAX_PARTS = 500


@dataclasses.dataclass
class Body:
    text: str = ""
    html: str = ""
    attachments: list[InboundAttachment] = dataclasses.field(default_factory=list)
    texts: list[str] = dataclasses.field(default_factory=list)
    htmls: list[str] = dataclasses.field(default_factory=list)
    parts: int = 0


def structure_check(message: Message) -> None:
    """Refuse what cannot be split into parts: the raw message stays on the event with this reason."""
    for part in _all_parts(message):
        for defect in part.defects:
            if isinstance(defect, email_errors.NoBoundaryInMultipartDefect):
                kind = part.get_content_type()
                raise ParseError(f"malformed MIME: a {kind} part has no boundary parameter")
            if isinstance(defect, email_errors.StartBoundaryNotFoundDefect):
                boundary = part.get_boundary() or ""
                raise ParseError(f'malformed MIME: the boundary "{boundary[:70]}" never starts a part')


def _all_parts(message: Message, depth: int = 0) -> list[Message]:
    if depth > MAX_DEPTH:
        raise ParseError(f"malformed MIME: parts are nested more than {MAX_DEPTH} deep")
    found = [message]
    if message.is_multipart():  # a list of parts; get_payload() of a leaf may decode (and fail)
        for child in message.get_payload():
            if isinstance(child, Message):
                found.extend(_all_parts(child, depth + 1))
    if len(found) > MAX_PARTS:
        raise ParseError(f"malformed MIME: more than {MAX_PARTS} parts")
    return found


def body_extract(message: Message) -> Body:
    body = Body()
    _walk(message, body, 0)
    body.text = "\n\n".join(text for text in body.texts if text.strip()).strip()
    body.html = "\n".join(body.htmls).strip()
    if not body.text and body.html:
        body.text = html_to_text(body.html)
    return body


def _walk(part: Message, body: Body, depth: int) -> None:
    body.parts += 1
    if depth > MAX_DEPTH or body.parts > MAX_PARTS:
        raise ParseError("malformed MIME: too many or too deeply nested parts")
    content_type = part.get_content_type()
    if part.is_multipart():
        payload = part.get_payload()
        if part.get_content_maintype() == "message":
            body.attachments.append(_embedded(part, payload))
            return
        for child in payload:
            if isinstance(child, Message):
                _walk(child, body, depth + 1)
        return
    disposition = (part.get_content_disposition() or "").lower()
    filename = _filename(part)
    try:
        data = part.get_payload(decode=True)
    except (ValueError, LookupError):
        data = b""
    data = data if isinstance(data, bytes) else b""
    if content_type in ("text/plain", "text/html") and disposition != "attachment" and not filename:
        text = text_decode(data, part.get_content_charset()).replace("\r\n", "\n").replace("\r", "\n")
        (body.texts if content_type == "text/plain" else body.htmls).append(text)
        return
    if not data and not filename:
        return
    body.attachments.append(
        InboundAttachment(
            filename=filename or _default_name(content_type),
            content_type=content_type,
            content=data,
        )
    )


def _filename(part: Message) -> str:
    try:
        raw = part.get_filename()
    except (ValueError, LookupError, TypeError):
        raw = None
    name = header_decode(raw) if raw else ""
    return name.replace("/", "_").replace("\\", "_").replace("\x00", "").strip()[:200]


def _default_name(content_type: str) -> str:
    extension = mimetypes.guess_extension(content_type) or ".bin"
    return f"attachment{extension}"


def _embedded(part: Message, payload: list) -> InboundAttachment:
    inner = payload[0] if payload and isinstance(payload[0], Message) else None
    try:
        content = inner.as_bytes() if inner is not None else b""
    except (ValueError, LookupError, TypeError, UnicodeError):
        content = b""
    subject = header_decode(header_raw(inner, "Subject")) if inner is not None else ""
    name = _filename(part) or f"{(subject or 'message')[:80]}.eml".replace("/", "_")
    return InboundAttachment(filename=name, content_type=part.get_content_type(), content=content)
