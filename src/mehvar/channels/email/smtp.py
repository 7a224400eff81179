"""Handing a message to the mailbox's SMTP server, and what its answers mean for the outbox.

Permanent (``TransportError(permanent=True)``, the outbox stops and shows why): a 5xx answer to the
recipient, the sender or the content, rejected credentials (535), and a server lacking what the settings
ask for (STARTTLS, AUTH, SMTPUTF8). Transient (retried with backoff): 4xx answers (451 greylisting, 452
mailbox full, 421 busy), refused or dropped connections, timeouts, DNS and TLS failures.

The connection is closed with QUIT after the server accepted the message; a failing QUIT does not make an
accepted message count as failed (that would send it twice).
"""

import base64
import contextlib
import smtplib
import ssl
from email.message import EmailMessage

from mehvar.channels.base import TransportError
from mehvar.channels.email.compose import ascii_address
from mehvar.channels.email.schemas import EmailConfig


def _connect(config: EmailConfig) -> smtplib.SMTP:
    if config.smtp_security == "tls":
        return smtplib.SMTP_SSL(
            config.smtp_host,
            config.smtp_port,
            timeout=config.smtp_timeout,
            context=ssl.create_default_context(),
        )
    client = smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=config.smtp_timeout)
    if config.smtp_security == "starttls":
        try:
            client.ehlo()
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        except BaseException:
            client.close()
            raise
    return client


def _code_error(what: str, code: int, text: bytes | str) -> TransportError:
    detail = text.decode("utf-8", errors="replace") if isinstance(text, bytes) else str(text)
    return TransportError(f"{what}: {code} {' '.join(detail.split())}"[:1000], permanent=500 <= code < 600)


def smtp_error(error: Exception) -> TransportError:
    """What an smtplib or socket error means for the outbox (see the module docstring)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        recipient, (code, text) = next(iter(error.recipients.items()))
        return _code_error(f"the server refused the recipient {recipient}", code, text)
    if isinstance(error, smtplib.SMTPAuthenticationError):
        what = "the SMTP server refused the user name or password"
        return _code_error(what, error.smtp_code, error.smtp_error)
    if isinstance(error, smtplib.SMTPSenderRefused):
        return _code_error(f"the server refused the sender {error.sender}", error.smtp_code, error.smtp_error)
    if isinstance(error, smtplib.SMTPDataError):
        return _code_error("the server refused the message", error.smtp_code, error.smtp_error)
    if isinstance(error, smtplib.SMTPConnectError):
        return TransportError(f"the SMTP server did not accept the connection: {error}"[:1000])
    if isinstance(error, smtplib.SMTPResponseException):
        return _code_error("the SMTP server answered", error.smtp_code, error.smtp_error)
    if isinstance(error, smtplib.SMTPNotSupportedError):
        reason = f"the SMTP server does not support what the settings need: {error}"
        return TransportError(reason, permanent=True)
    if isinstance(error, ssl.SSLError):
        return TransportError(f"TLS with the SMTP server failed: {error}"[:1000])
    if isinstance(error, smtplib.SMTPException | OSError):
        return TransportError(f"could not talk to the SMTP server: {error or type(error).__name__}"[:1000])
    raise error


def smtp_send(*, config: EmailConfig, message: EmailMessage, to: str) -> None:
    """Send ``message`` from the channel's address to ``to``. Raises TransportError."""
    try:
        client = _connect(config)
    except (smtplib.SMTPException, OSError) as error:
        raise smtp_error(error) from error
    try:
        if config.smtp_user:
            _login(client, config.smtp_user, config.smtp_password)
        client.send_message(
            message,
            from_addr=ascii_address(config.address),
            to_addrs=[ascii_address(to.strip())],
        )
    except (smtplib.SMTPException, OSError) as error:
        _close(client)
        raise smtp_error(error) from error
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        _close(client)


def _login(client: smtplib.SMTP, user: str, password: str) -> None:
    """smtplib's login encodes credentials as ASCII; a Persian password goes as UTF-8 in AUTH PLAIN."""
    if user.isascii() and password.isascii():
        client.login(user, password)
        return
    client.ehlo_or_helo_if_needed()
    if not client.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server.")
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, text = client.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, text)


def _close(client: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        client.close()
