"""An ``Outbound`` as an e-mail: text with an HTML alternative, attachments, thread headers, our Message-ID.

The Message-ID is derived from the outbox's idempotency key, so a message sent again after a crash (the
worker died after the server took it but before the outbox recorded it) carries the same Message-ID, and
mail clients and the recipient's server show it once. It is also the provider id the outbox records, which
is what bounces and read receipts refer to (``bounces``).

Headers are written with the standard library's SMTP policy: a Persian subject or sender name becomes
RFC 2047 encoded words, attachment names RFC 2231 parameters, bodies base64 or quoted-printable, and lines
end in CRLF.
"""

import hashlib
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from mehvar.channels.base import Outbound, TransportError
from mehvar.channels.email.schemas import EmailConfig

MAX_REFERENCES = 20
# 7-bit clean bodies (base64 or quoted-printable, whichever is shorter): no server has to speak 8BITMIME.
MAIL_POLICY = policy.SMTP.clone(cte_type="7bit")


def ascii_domain(domain: str) -> str:
    """An internationalised domain as it travels in headers and the envelope (IDNA)."""
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def ascii_address(address: str) -> str:
    local, _, domain = address.rpartition("@")
    return f"{local}@{ascii_domain(domain)}"


def outbound_message_id(*, workspace_id: int, idempotency_key: str, domain: str) -> str:
    """Our Message-ID (without angle brackets) for the outbox row with this key: the same key, the same id."""
    digest = hashlib.sha256(f"{workspace_id}:{idempotency_key}".encode()).hexdigest()[:32]
    return f"{digest}.mehvar@{ascii_domain(domain)}"


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _thread_ids(references: tuple[str, ...]) -> list[str]:
    usable = [
        ref.strip("<> ")
        for ref in references
        if ref and ref.isascii() and "@" in ref and not any(char in ref for char in "<> \t\r\n")
    ]
    return usable[-MAX_REFERENCES:]


def _content_type(value: str) -> tuple[str, str]:
    maintype, _, subtype = (value or "").lower().partition("/")
    if not maintype.isascii() or not maintype or not subtype or maintype in ("multipart", "message"):
        return "application", "octet-stream"
    return maintype, subtype.split(";")[0].strip() or "octet-stream"


def email_compose(*, config: EmailConfig, outbound: Outbound, message_id: str) -> EmailMessage:
    """The message to send. Raises TransportError(permanent=True) when it cannot be written."""
    try:
        validate_email(outbound.to)
    except ValidationError:
        raise TransportError(f"{outbound.to!r} is not an e-mail address", permanent=True) from None
    message = EmailMessage(policy=MAIL_POLICY)
    try:
        local, _, domain = config.address.rpartition("@")
        message["From"] = Address(
            display_name=_one_line(config.display_name), username=local, domain=ascii_domain(domain)
        )
        message["To"] = ascii_address(outbound.to.strip())
        if outbound.subject:
            message["Subject"] = _one_line(outbound.subject)
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = f"<{message_id}>"
        thread = _thread_ids(outbound.references)
        if thread:
            message["In-Reply-To"] = f"<{thread[-1]}>"
            message["References"] = " ".join(f"<{ref}>" for ref in thread)
        message.set_content(outbound.text or "", charset="utf-8")
        if outbound.html:
            message.add_alternative(outbound.html, subtype="html", charset="utf-8")
        for attachment in outbound.attachments:
            maintype, subtype = _content_type(attachment.content_type)
            message.add_attachment(
                attachment.content,
                maintype=maintype,
                subtype=subtype,
                filename=_one_line(attachment.filename) or "attachment",
            )
    except (ValueError, TypeError, LookupError, UnicodeError) as error:
        raise TransportError(f"the e-mail could not be written: {error}", permanent=True) from None
    return message
