"""Reads for the inbox: queues, filters, search, counts, one conversation's thread and the customer beside it.

Every read is inside one workspace. A queue page is a fixed number of queries whatever it holds: the rows with
their customer, channel, assignee and team (one join), their tags (one prefetch) and the counts of every queue
(one aggregate). Queues list the newest activity first: ``last_message_at`` descending (nulls first — a
conversation opened without a message yet is the newest thing there is), then ``pk``; pages are keyset, so a
page costs the same on the first page and the thousandth, and the indexes ``conv_ws_status``,
``conv_ws_assignee`` and ``conv_ws_team`` serve them.
"""

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mehvar.api.pagination import Page
from mehvar.channels.models import Channel
from mehvar.conversations.models import (
    CannedReply,
    Conversation,
    Direction,
    Message,
    Status,
    Team,
)
from mehvar.core.models import Membership, Workspace
from mehvar.core.roles import Perm, role_has
from mehvar.core.text import normalize_text, search_key, to_ascii_digits
from mehvar.customers.models import Tag

OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING)
BREACHING_WINDOW = dt.timedelta(hours=1)
QUERY_MAX_LENGTH = 200
QUEUE_PAGE_SIZE = 30

QUEUES: dict[str, Any] = {
    "mine": gettext_lazy("Mine"),
    "unassigned": gettext_lazy("Unassigned"),
    "team": gettext_lazy("My teams"),
    "all": gettext_lazy("All open"),
    "breaching": gettext_lazy("Breaching soon"),
    "overdue": gettext_lazy("Overdue"),
}
_TICKET = re.compile(r"#?\s*(\d{1,9})\s*#?")


def invalid(name: str, message: str) -> ValidationError:
    return ValidationError({name: ValidationError(message, code="invalid")})


# --- Queues -----------------------------------------------------------------------------------------------


def _my_teams(membership: Membership) -> QuerySet[Team]:
    return Team.objects.filter(workspace_id=membership.workspace_id, members=membership).values("pk")


def queue_q(queue: str, *, membership: Membership, now: dt.datetime) -> Q:
    """Which open conversations a queue holds (the status filter is applied separately)."""
    if queue == "mine":
        return Q(assignee=membership)
    if queue == "unassigned":
        return Q(assignee__isnull=True)
    if queue == "team":
        return Q(team__in=_my_teams(membership))
    if queue == "breaching":
        return Q(status__in=OPEN_STATUSES, sla_due_at__gt=now, sla_due_at__lte=now + BREACHING_WINDOW)
    if queue == "overdue":
        return Q(status__in=OPEN_STATUSES, sla_due_at__lte=now)
    if queue == "all":
        return Q()
    raise invalid("queue", _("Unknown queue."))


def queue_counts(*, workspace: Workspace, membership: Membership, now: dt.datetime) -> dict[str, int]:
    """How many open conversations each queue holds: one aggregate query."""
    aggregates = {
        name: Count("pk", filter=queue_q(name, membership=membership, now=now))
        if name != "all"
        else Count("pk")
        for name in QUEUES
    }
    return Conversation.objects.filter(workspace=workspace, status__in=OPEN_STATUSES).aggregate(**aggregates)


def search_q(*, workspace: Workspace, q: str) -> Q | None:
    """Conversations whose customer (name, phone, e-mail, handle: the customers' search), subject or ticket
    number (#123, ۱۲۳) matches ``q``; None when there is nothing to search for."""
    from mehvar.customers.search import customer_search

    text = normalize_text(q)
    if len(text) > QUERY_MAX_LENGTH:
        raise invalid("q", _("A search may have at most %(max)d characters.") % {"max": QUERY_MAX_LENGTH})
    ticket = _TICKET.fullmatch(to_ascii_digits(text))
    if ticket and "#" in text:
        return Q(number=int(ticket.group(1)))
    if not search_key(text):
        return None
    customers = customer_search(workspace=workspace, q=text).order_by().values("pk")
    condition = Q(customer__in=customers) | Q(subject__icontains=text)
    if ticket:
        condition |= Q(number=int(ticket.group(1)))
    return condition


def filters_q(*, workspace: Workspace, filters: Mapping[str, Any]) -> Q:
    """The filter form's cleaned values as a condition (empty values are ignored).

    ``status``: "" (the open ones), "any" or a status; ``channel`` and ``team``: objects of the workspace;
    ``assignee``: a membership, or "none"; ``priority``; ``tag`` (a name, matched by its search key);
    ``category`` (exact, Persian-normalised).
    """
    condition = Q()
    status = filters.get("status") or ""
    if status == "":
        condition &= Q(status__in=OPEN_STATUSES)
    elif status != "any":
        condition &= Q(status=status)
    if filters.get("channel"):
        condition &= Q(channel=filters["channel"])
    if filters.get("priority"):
        condition &= Q(priority=filters["priority"])
    if filters.get("team"):
        condition &= Q(team=filters["team"])
    assignee = filters.get("assignee")
    if assignee == "none":
        condition &= Q(assignee__isnull=True)
    elif assignee:
        condition &= Q(assignee=assignee)
    if filters.get("category"):
        condition &= Q(category=normalize_text(filters["category"])[:60])
    if filters.get("tag"):
        key = search_key(filters["tag"])
        condition &= Q(tags__in=Tag.objects.filter(workspace=workspace, key=key).values("pk"))
    return condition


def queue_conversations(
    *,
    workspace: Workspace,
    membership: Membership,
    queue: str = "mine",
    filters: Mapping[str, Any] | None = None,
    q: str = "",
    now: dt.datetime | None = None,
) -> QuerySet[Conversation]:
    """The conversations of a queue, filtered and searched, newest activity first (not yet paged)."""
    now = now or timezone.now()
    rows = Conversation.objects.filter(
        queue_q(queue, membership=membership, now=now), filters_q(workspace=workspace, filters=filters or {})
    ).filter(workspace=workspace, merged_into__isnull=True)
    searched = search_q(workspace=workspace, q=q) if q else None
    if searched is not None:
        rows = rows.filter(searched)
    return rows.order_by(*QUEUE_ORDERING)


QUEUE_ORDERING = (F("last_message_at").desc(nulls_first=True), F("pk").desc())


def _bad_cursor() -> ValidationError:
    return invalid("cursor", _("This cursor is not valid."))


def encode_cursor(conversation: Conversation) -> str:
    moment = conversation.last_message_at.isoformat() if conversation.last_message_at else None
    raw = json.dumps([moment, conversation.pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime | None, int]:
    try:
        moment, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        when = dt.datetime.fromisoformat(moment) if moment is not None else None
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise _bad_cursor() from None
    if not isinstance(pk, int) or (when is not None and when.tzinfo is None):
        raise _bad_cursor()
    return when, pk


def _after(when: dt.datetime | None, pk: int) -> Q:
    """Rows after (older than) the cursor in QUEUE_ORDERING."""
    if when is None:
        return Q(last_message_at__isnull=True, pk__lt=pk) | Q(last_message_at__isnull=False)
    return Q(last_message_at__lt=when) | Q(last_message_at=when, pk__lt=pk)


def _before(when: dt.datetime | None, pk: int) -> Q:
    """Rows before (newer than) a row in QUEUE_ORDERING."""
    if when is None:
        return Q(last_message_at__isnull=True, pk__gt=pk)
    return Q(last_message_at__isnull=True) | Q(last_message_at__gt=when) | Q(last_message_at=when, pk__gt=pk)


def queue_page(rows: QuerySet[Conversation], *, cursor: str | None, limit: int = QUEUE_PAGE_SIZE) -> Page:
    """One keyset page of a queue with what each row shows: two queries."""
    if cursor:
        rows = rows.filter(_after(*decode_cursor(cursor)))
    rows = rows.select_related("customer", "channel", "assignee__user", "team").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("name"))
    )
    found = list(rows[: limit + 1])
    items = found[:limit]
    more = len(found) > limit
    return Page(items=items, next=encode_cursor(items[-1]) if more and items else None)


SNIPPET_LENGTH = 160


def last_messages(conversations: list[Conversation]) -> dict[int, Message]:
    """Each conversation's latest message to or from the customer (not notes), its text cut short: one
    query for the whole page."""
    if not conversations:
        return {}
    latest = (
        Message.objects.filter(
            workspace_id=OuterRef("workspace_id"),
            conversation_id=OuterRef("pk"),
            direction__in=[Direction.INBOUND, Direction.OUTBOUND],
        )
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )
    ids = Conversation.objects.filter(pk__in=[c.pk for c in conversations]).annotate(last=Subquery(latest))
    rows = (
        Message.objects.filter(pk__in=ids.values("last"))
        .annotate(snippet=Substr("text", 1, SNIPPET_LENGTH))
        .values("pk", "conversation_id", "direction", "snippet", "abuse", "created_at")
    )
    found = {}
    for row in rows:
        message = Message(
            pk=row["pk"],
            conversation_id=row["conversation_id"],
            direction=row["direction"],
            text=row["snippet"] or "",
            abuse=row["abuse"] or [],
            created_at=row["created_at"],
        )
        found[row["conversation_id"]] = message
    return found


def queue_neighbours(
    rows: QuerySet[Conversation], conversation: Conversation
) -> tuple[Conversation | None, Conversation | None]:
    """The conversations before (newer) and after (older) this one in its queue: j/k on its page."""
    when, pk = conversation.last_message_at, conversation.pk
    newer = (
        rows.filter(_before(when, pk))
        .order_by(F("last_message_at").asc(nulls_last=True), F("pk").asc())
        .only("number")
        .first()
    )
    older = rows.filter(_after(when, pk)).only("number").first()
    return newer, older


# --- Filter choices ---------------------------------------------------------------------------------------


def channels_of(*, workspace: Workspace) -> QuerySet[Channel]:
    return Channel.objects.filter(workspace=workspace).order_by("name", "pk")


def teams_of(*, workspace: Workspace) -> QuerySet[Team]:
    return Team.objects.filter(workspace=workspace).order_by("name", "pk")


def answering_members(members: list[Membership]) -> list[Membership]:
    """Who can be given a conversation: members whose role may answer customers."""
    return [m for m in members if role_has(m.role, Perm.CONVERSATIONS_REPLY)]


def canned_replies_of(*, workspace: Workspace) -> QuerySet[CannedReply]:
    return CannedReply.objects.filter(workspace=workspace).order_by("purpose", "title", "pk")


# --- One conversation -------------------------------------------------------------------------------------


def conversation_get(*, workspace: Workspace, number: int) -> Conversation:
    """A conversation of the workspace by its ticket number, with what its header shows, or Http404."""
    conversation = (
        Conversation.objects.filter(workspace=workspace, number=number)
        .select_related("customer", "channel", "assignee__user", "team")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .first()
    )
    if conversation is None:
        raise Http404
    return conversation
