"""The one interface every channel implements, and the common shapes that cross it.

A channel is a package ``mehvar.channels.<kind>`` with ``adapter.py`` (a ``ChannelAdapter`` subclass) and
``schemas.py`` (its typed config, a pydantic model). Nothing outside a channel's package branches on its
kind: the inbound pipeline, the outbox and the UI only talk to this interface, through ``registry``.

Inbound: the hook view (``mehvar.channels.hooks``) asks ``verify`` whether a request is authentic, stores it
as an ``InboundEvent`` and answers at once; a task later calls ``parse`` and hands the ``InboundMessage``s to
``mehvar.conversations.inbound``, and the ``DeliveryReport``s to ``mehvar.channels.outbox``.

Outbound: the outbox calls ``send`` with an ``Outbound``; the adapter returns the provider's id or raises
``TransportError`` (``permanent=True``: do not retry, say why; otherwise retried with backoff). Adapters
pass ``Outbound.idempotency_key`` to the provider where its API takes one (a client message id).
"""

import dataclasses
import datetime as dt
from typing import Any, ClassVar

import pydantic

from mehvar.channels.models import Channel, InboundEvent


class TransportError(Exception):
    """Sending failed. ``permanent``: retrying cannot help (bad address, rejected content, credentials).
    ``retry_after``: seconds the provider asked us to wait (a rate limit); the retry waits at least that."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class ParseError(Exception):
    """An inbound payload the adapter cannot read; stored with this message, never a 500."""


@dataclasses.dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    content: bytes


@dataclasses.dataclass(frozen=True)
class InboundMessage:
    """One message from a customer, in the shape every channel parses to.

    ``identities`` are (kind, raw value) pairs for ``customers.matching.customer_resolve`` (e.g.
    ``("email", "Ali@Example.com")``, ``("telegram", "12345")``). ``thread_key`` names the provider's thread
    (a Telegram chat, a web chat session); ``references`` are earlier messages' external ids this one answers
    (e-mail In-Reply-To/References), used to find the conversation.
    """

    external_id: str
    identities: tuple[tuple[str, str], ...]
    text: str
    sender_name: str = ""
    html: str = ""
    subject: str = ""
    thread_key: str = ""
    references: tuple[str, ...] = ()
    sent_at: dt.datetime | None = None
    attachments: tuple[InboundAttachment, ...] = ()
    data: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class DeliveryReport:
    """The provider says what became of a message we sent (by its id or by our idempotency key)."""

    status: str  # OutboxMessage.Delivery value: delivered, read, undelivered
    provider_id: str = ""
    idempotency_key: str = ""
    at: dt.datetime | None = None
    reason: str = ""


@dataclasses.dataclass(frozen=True)
class Parsed:
    messages: tuple[InboundMessage, ...] = ()
    reports: tuple[DeliveryReport, ...] = ()


@dataclasses.dataclass(frozen=True)
class OutboundAttachment:
    filename: str
    content_type: str
    content: bytes


@dataclasses.dataclass(frozen=True)
class Outbound:
    """One message to send. ``references``: the external ids of the thread (e-mail threading)."""

    to: str
    text: str
    idempotency_key: str
    html: str = ""
    subject: str = ""
    thread_key: str = ""
    references: tuple[str, ...] = ()
    attachments: tuple[OutboundAttachment, ...] = ()
    data: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class HookRequest:
    """What the hook view received, as the adapter sees it in ``verify`` and ``parse``."""

    body: bytes
    content_type: str
    headers: dict[str, str]
    query: dict[str, str]

    @classmethod
    def of(cls, event: InboundEvent) -> "HookRequest":
        return cls(
            body=bytes(event.body),
            content_type=event.content_type,
            headers=dict(event.headers),
            query=dict(event.query),
        )


class ChannelAdapter:
    """Base class of every channel: subclasses set ``kind`` and ``config_schema``, override what they do."""

    kind: ClassVar[str]
    config_schema: ClassVar[type[pydantic.BaseModel]]
    inbound_webhook: ClassVar[bool] = True  # has a /hooks/<kind>/<id>/ endpoint
    can_send: ClassVar[bool] = True
    headers_kept: ClassVar[tuple[str, ...]] = ()  # request headers verify and parse see
    secret_headers: ClassVar[tuple[str, ...]] = ()  # of those, the ones never stored (they carry the secret)
    address_kind: ClassVar[str] = ""  # the customer identity kind that addresses them here ("email", "phone")
    # A message with a thread key joins only its thread's conversation, never the customer's other open one
    # (each web chat visitor is a thread of their own: typing someone's e-mail must not join their chat).
    private_threads: ClassVar[bool] = False

    def config(self, channel: Channel) -> pydantic.BaseModel:
        """The channel's settings, validated (raises pydantic.ValidationError)."""
        return self.config_schema.model_validate(channel.config)

    def verify(self, channel: Channel, request: HookRequest) -> bool:
        """Is this webhook request from the provider? The default compares a ``secret`` query parameter."""
        import hmac

        return hmac.compare_digest(request.query.get("secret", ""), channel.secret)

    def hook_reply(self, channel: Channel, event: InboundEvent) -> tuple[int, bytes, str]:
        """The HTTP answer to an accepted webhook: status, body, content type."""
        return 200, b'{"ok": true}', "application/json"

    def parse(self, channel: Channel, request: HookRequest) -> Parsed:
        """The messages and delivery reports in one stored request. Raises ParseError when unreadable."""
        raise NotImplementedError

    def send(self, channel: Channel, outbound: Outbound) -> str:
        """Send one message; return the provider's id for it. Raises TransportError."""
        raise TransportError(f"{self.kind} cannot send messages", permanent=True)
