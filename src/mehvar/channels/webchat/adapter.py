"""The web chat channel: the embeddable widget's messages in, agents' replies shown to the visitor.

Inbound: the chat endpoints (``webchat.views``) check the visitor token, store the raw JSON body as an
``InboundEvent`` with the verified visitor id in its ``X-Visitor`` header, and process it at once.
``parse`` turns it into one ``InboundMessage``: external id ``<visitor>:<client id>`` (a retried POST is
the same message), thread key = the visitor id (one visitor, one thread), identities = the e-mail and/or
phone the visitor left, then ``("web_visitor", visitor id)``: the contact comes first so that a visitor who
leaves a known e-mail joins that customer (``customer_resolve`` takes the first identity's customer).

Outbound: an agent's reply is already stored as a ``Message``; ``send`` only has to make it visible, which
the outbox does by marking the row sent. The poll endpoint shows outbound messages whose outbox row is sent.
"""

import json
from typing import ClassVar

import pydantic

from mehvar.channels.base import (
    ChannelAdapter,
    HookRequest,
    InboundMessage,
    Outbound,
    Parsed,
    ParseError,
    TransportError,
)
from mehvar.channels.models import Channel
from mehvar.channels.webchat.schemas import MessageIn, WebchatConfig
from mehvar.channels.webchat.visitors import VISITOR_PREFIX

VISITOR_HEADER = "X-Visitor"


def message_identities(visitor: str, payload: MessageIn) -> tuple[tuple[str, str], ...]:
    contact = [("email", payload.email)] if payload.email else []
    contact += [("phone", payload.phone)] if payload.phone else []
    return (*contact, ("web_visitor", visitor))


class WebchatAdapter(ChannelAdapter):
    kind = "webchat"
    # The visitor is reached through the conversation's thread (their visitor id), not the customer's newest
    # web_visitor identity: one customer may chat from several browsers.
    address_kind = ""
    config_schema = WebchatConfig
    inbound_webhook: ClassVar[bool] = False  # the widget posts to /chat/<public id>/messages/
    headers_kept: ClassVar[tuple[str, ...]] = (VISITOR_HEADER,)
    private_threads: ClassVar[bool] = True  # a visitor's messages join only their own conversations

    def parse(self, channel: Channel, request: HookRequest) -> Parsed:
        visitor = request.headers.get(VISITOR_HEADER, "")
        if not visitor.startswith(VISITOR_PREFIX):
            raise ParseError("the visitor id is missing")
        try:
            payload = MessageIn.model_validate(json.loads(request.body.decode("utf-8")))
        except (ValueError, pydantic.ValidationError) as error:
            raise ParseError(f"not a web chat message: {error}") from error
        message = InboundMessage(
            external_id=f"{visitor}:{payload.client_id}",
            identities=message_identities(visitor, payload),
            text=payload.text,
            sender_name=payload.name,
            thread_key=visitor,
            data={"page": payload.page} if payload.page else {},
        )
        return Parsed(messages=(message,))

    def send(self, channel: Channel, outbound: Outbound) -> str:
        """Nothing travels: the reply is stored; once its outbox row is sent the visitor's poll shows it."""
        message_id = outbound.data.get("message_id")
        from mehvar.conversations.models import Direction, Message

        stored = isinstance(message_id, int) and (
            Message.objects.filter(
                pk=message_id,
                workspace_id=channel.workspace_id,
                channel=channel,
                direction=Direction.OUTBOUND,
            ).exists()
        )
        if not stored:
            raise TransportError("a web chat reply must name its stored message", permanent=True)
        return f"webchat:{message_id}"
