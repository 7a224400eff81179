"""What a web chat visitor may read: their own conversations' messages on this channel, nothing else.

A visitor's conversations are those on the channel whose ``thread_key`` is their visitor id (never "the
customer's conversations": a visitor who typed someone's e-mail is matched to that customer, but must not
read what that customer wrote elsewhere). Of those, the visitor sees their own messages and the agents'
replies once the outbox has sent them; internal notes and system lines never.

Polling uses a time cursor, not the message id: a reply written before the visitor's last message may be
sent (become visible) after it. Each answer gives ``cursor`` (the server's time); the next poll asks for
what became visible after ``cursor - OVERLAP``, and the widget drops messages it already shows by id, so a
row committed a moment after the previous poll is not missed.
"""

import datetime as dt
from typing import Any

from django.db.models import Q

from mehvar.channels.models import Channel, OutboxMessage
from mehvar.conversations.models import Conversation, Direction, Message
from mehvar.customers.models import Identity

HISTORY_LIMIT = 100
POLL_LIMIT = 200
OVERLAP = dt.timedelta(seconds=10)


def visitor_conversation_ids(channel: Channel, visitor: str) -> list[int]:
    return list(
        Conversation.objects.filter(
            workspace_id=channel.workspace_id, channel=channel, thread_key=visitor
        ).values_list("pk", flat=True)
    )


def message_json(message: Message, visitor: str) -> dict[str, Any]:
    author = ""
    if message.direction == Direction.OUTBOUND and message.author is not None:
        author = message.author.user.get_short_name() if message.author.user.full_name else ""
    prefix = f"{visitor}:"
    client_id = message.external_id[len(prefix) :] if message.external_id.startswith(prefix) else ""
    return {
        "id": message.pk,
        "direction": "in" if message.direction == Direction.INBOUND else "out",
        "text": message.text,
        "at": message.created_at.isoformat(),
        "author": author,
        "client_id": client_id,
    }


def visitor_messages(
    *, channel: Channel, visitor: str, since: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """The visitor's visible messages, oldest first: the latest ``HISTORY_LIMIT`` without ``since``, else
    those that became visible after ``since - OVERLAP``."""
    ids = visitor_conversation_ids(channel, visitor)
    if not ids:
        return []
    sent = OutboxMessage.Status.SENT
    rows = Message.objects.filter(workspace_id=channel.workspace_id, conversation_id__in=ids)
    if since is None:
        rows = rows.filter(
            Q(direction=Direction.INBOUND) | Q(direction=Direction.OUTBOUND, outbox__status=sent)
        )
        found = list(rows.select_related("author__user").order_by("-created_at", "-pk")[:HISTORY_LIMIT])
        found.reverse()
    else:
        after = since - OVERLAP
        rows = rows.filter(
            Q(direction=Direction.INBOUND, created_at__gt=after)
            | Q(direction=Direction.OUTBOUND, outbox__status=sent, outbox__sent_at__gt=after)
        )
        found = list(rows.select_related("author__user").order_by("created_at", "pk")[:POLL_LIMIT])
    return [message_json(message, visitor) for message in found]


def visitor_contact_known(*, channel: Channel, visitor: str) -> bool:
    """Has this visitor's customer an e-mail or phone already (so the widget need not ask again)?"""
    customer_ids = Identity.objects.filter(
        workspace_id=channel.workspace_id, kind="web_visitor", value=visitor
    ).values_list("customer_id", flat=True)
    return Identity.objects.filter(
        workspace_id=channel.workspace_id, customer_id__in=customer_ids, kind__in=["email", "phone"]
    ).exists()
