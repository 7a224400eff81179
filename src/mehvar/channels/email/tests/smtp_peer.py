"""A real SMTP server for the e-mail tests: aiosmtpd on a free local port, keeping what it receives.

``refuse`` maps a recipient to the reply its RCPT gets (``"550 5.1.1 no such user"``, ``"451 4.7.1 try
later"``); ``users`` turns AUTH on; a TLS context gives STARTTLS, or implicit TLS with ``implicit_tls``.
"""

import dataclasses
import email
import email.policy
import socket
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


@dataclasses.dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.content, policy=email.policy.default)  # type: ignore[return-value]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpPeer:
    def __init__(self, *, users: dict[str, str] | None = None, tls: Any = None, implicit_tls: bool = False):
        self.received: list[Received] = []
        self.refuse: dict[str, str] = {}
        self.users = users
        self.host = "127.0.0.1"
        self.port = free_port()
        options: dict[str, Any] = {}
        if users is not None:
            options.update(auth_required=True, auth_require_tls=False, authenticator=self._authenticate)
        if tls is not None and implicit_tls:
            options["ssl_context"] = tls
        elif tls is not None:
            options["tls_context"] = tls
        self.controller = Controller(self, hostname=self.host, port=self.port, **options)

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        login = auth_data.login.decode()
        password = auth_data.password.decode()
        ok = (self.users or {}).get(login) == password
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [str(item.message["Message-ID"]) for item in self.received]

    def start(self) -> "SmtpPeer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
