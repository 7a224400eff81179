"""Sending a channel's replies through the platform's own mail settings (``transport: platform``).

Django's configured backend (``EMAIL_URL``: a file under var/ in the demo, read on the operators' mail page;
an SMTP relay in production) sends the message we composed, unchanged: the same Message-ID, threading headers
and attachments as over the mailbox's own SMTP server. Django's backends take their own message class, so the
composed message travels inside one; SMTP errors from a relay mean what they mean in ``smtp``.
"""

import smtplib
from email.message import EmailMessage

from django.core import mail

from mehvar.channels.base import TransportError
from mehvar.channels.email.compose import ascii_address
from mehvar.channels.email.smtp import smtp_error


class _Composed:
    """What Django's backends call ``message()`` for: bytes in the line ending they ask for."""

    def __init__(self, message: EmailMessage) -> None:
        self.message = message

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        return self.message.as_bytes(unixfrom, policy=self.message.policy.clone(linesep=linesep))

    def get_charset(self) -> None:
        return None


class PlatformMessage(mail.EmailMessage):
    """A Django message whose MIME is the one we composed (kept as ``composed``)."""

    def __init__(self, composed: EmailMessage, *, sender: str, to: str) -> None:
        super().__init__(from_email=ascii_address(sender), to=[ascii_address(to.strip())])
        self.composed = composed

    def message(self) -> _Composed:  # type: ignore[override]
        return _Composed(self.composed)


def platform_send(*, message: EmailMessage, sender: str, to: str) -> None:
    """Send through Django's configured backend. Raises TransportError."""
    try:
        sent = mail.get_connection(fail_silently=False).send_messages(
            [PlatformMessage(message, sender=sender, to=to)]
        )
    except (smtplib.SMTPException, OSError) as error:
        raise smtp_error(error) from error
    if sent != 1:
        raise TransportError("the platform's mail backend sent nothing")
