"""One conversation as the agent reads it: the thread (messages, notes and events, oldest first, in pages
from the newest) and the customer's recent life beside it.

Reads only, inside the conversation's workspace, in a fixed number of queries whatever the thread holds.
"""

import base64
import binascii
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from mehvar.conversations.models import Conversation, Event, Message, Status, Team
from mehvar.core.models import Membership
from mehvar.customers.models import Activity

THREAD_PAGE_SIZE = 60


def _bad_cursor() -> ValidationError:
    return ValidationError({"before": ValidationError(_("This cursor is not valid."), code="invalid")})


@dataclass
class ThreadItem:
    """One line of the thread: a message (in, out, note) or an event (status, assignment and why…)."""

    kind: str  # "message" or "event"
    at: dt.datetime
    message: Message | None = None
    event: Event | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Thread:
    items: list[ThreadItem]
    earlier_cursor: str | None  # the oldest message shown, when older ones exist
    last_message_id: int  # the newest message shown (live updates ask for what came after)


def _message_rows(conversation: Conversation) -> QuerySet[Message]:
    return (
        Message.objects.filter(workspace_id=conversation.workspace_id, conversation=conversation)
        # feedback_reading: the feedback engine's reading of an inbound message (mehvar.feedback), if done
        .select_related("author__user", "outbox", "feedback_reading")
        .prefetch_related(
            "attachments", Prefetch("mentions", queryset=Membership.objects.select_related("user"))
        )
    )


def _encode_moment(message: Message) -> str:
    raw = json.dumps([message.created_at.isoformat(), message.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_moment(cursor: str) -> tuple[dt.datetime, int]:
    try:
        moment, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        when = dt.datetime.fromisoformat(moment)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise _bad_cursor() from None
    if not isinstance(pk, int) or when.tzinfo is None:
        raise _bad_cursor()
    return when, pk


def conversation_thread(
    *,
    conversation: Conversation,
    members: Mapping[int, Membership],
    teams: Mapping[int, Team],
    before: str | None = None,
    after_message: int | None = None,
    limit: int = THREAD_PAGE_SIZE,
) -> Thread:
    """The newest ``limit`` messages (or those before a cursor, or after a message id) with the events of
    the same stretch of time, oldest first: four queries (messages, attachments, mentions, events).

    ``members`` and ``teams`` (by pk) name the people and teams events refer to.
    """
    rows = _message_rows(conversation)
    upper: dt.datetime | None = None
    if before:
        when, pk = _decode_moment(before)
        rows = rows.filter(Q(created_at__lt=when) | Q(created_at=when, pk__lt=pk))
        upper = when
    if after_message is not None:
        rows = rows.filter(pk__gt=after_message)
        found = list(rows.order_by("created_at", "pk")[:limit])
        more = False
    else:
        newest_first = list(rows.order_by("-created_at", "-pk")[: limit + 1])
        more = len(newest_first) > limit
        found = list(reversed(newest_first[:limit]))
    events = Event.objects.filter(
        workspace_id=conversation.workspace_id, conversation=conversation
    ).select_related("actor__user")
    if after_message is not None:
        events = events.none() if not found else events.filter(created_at__gte=found[0].created_at)
    else:
        if more and found:
            events = events.filter(created_at__gte=found[0].created_at)
        if upper is not None:
            events = events.filter(created_at__lt=upper)
    items = [ThreadItem("message", m.created_at, message=m) for m in found]
    items += [
        ThreadItem("event", e.created_at, event=e, details=_event_details(e, members, teams)) for e in events
    ]
    items.sort(key=lambda item: (item.at, 0 if item.kind == "event" else 1))
    return Thread(
        items=items,
        earlier_cursor=_encode_moment(found[0]) if more and found else None,
        last_message_id=found[-1].pk if found else (after_message or 0),
    )


def _member_name(member: Membership | None) -> str:
    if member is None:
        return ""
    return member.user.get_full_name() or member.user.email


def _event_details(event: Event, members: Mapping[int, Membership], teams: Mapping[int, Team]) -> dict:
    data = event.data if isinstance(event.data, dict) else {}
    details: dict[str, Any] = {}
    if event.kind == Event.Kind.ASSIGNED:
        assignee = data.get("assignee")
        details["assignee"] = _member_name(members.get(assignee)) if assignee else ""
        team = teams.get(data.get("team")) if data.get("team") else None
        details["team"] = team.name if team else ""
        details["reason"] = data.get("reason", "")
    elif event.kind in (Event.Kind.STATUS, Event.Kind.PRIORITY):
        labels = (
            dict(Status.choices)
            if event.kind == Event.Kind.STATUS
            else dict(Conversation._meta.get_field("priority").choices)
        )
        details["old"] = labels.get(data.get("old"), data.get("old", ""))
        details["new"] = labels.get(data.get("new"), data.get("new", ""))
        details["reason"] = data.get("reason", "")
    elif event.kind == Event.Kind.TAGGED:
        details["added"] = data.get("added") or []
        details["removed"] = data.get("removed") or []
    else:
        details["text"] = data.get("reason") or data.get("rule") or data.get("note") or ""
    details["actor"] = _member_name(event.actor)
    return details


# --- The customer beside the conversation -----------------------------------------------------------------

PANEL_ACTIVITIES = 5
PANEL_CONVERSATIONS = 5


def customer_recent(*, conversation: Conversation) -> dict[str, Any]:
    """What the agent should know before answering: the customer's latest activities and their other
    conversations (two queries)."""
    workspace_id, customer_id = conversation.workspace_id, conversation.customer_id
    activities = list(
        Activity.objects.filter(workspace_id=workspace_id, customer_id=customer_id)
        .exclude(kind="message", data__conversation=conversation.number)
        .order_by("-occurred_at", "-id")[:PANEL_ACTIVITIES]
    )
    others = list(
        Conversation.objects.filter(workspace_id=workspace_id, customer_id=customer_id)
        .exclude(pk=conversation.pk)
        .select_related("channel")
        .order_by(F("last_message_at").desc(nulls_first=True), "-pk")[:PANEL_CONVERSATIONS]
    )
    return {"activities": activities, "conversations": others}
