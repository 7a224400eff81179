"""Reads for the inbox: queues, filters, search, counts, one conversation's thread and the customer beside it.

Every read is inside one workspace. A queue page is a fixed number of queries whatever it holds (see
``queue_page`` and ``queue_counts``). Queues list the newest activity first: ``last_message_at`` descending
(nulls first — a conversation opened without a message yet is the newest thing there is), then ``pk``;
pages are keyset, so a page costs the same on the first page and the thousandth, and the partial indexes on
open conversations (``conv_open_recent``, ``conv_open_assignee``, ``conv_open_team``, ``conv_open_sla``)
serve them."""

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mehvar.api.pagination import Page
from mehvar.channels.models import Channel
from mehvar.conversations.models import (
    OPEN_STATUSES,
    CannedReply,
    Conversation,
    Direction,
    Message,
    Team,
)
from mehvar.core.models import Membership, Workspace
from mehvar.core.roles import Perm, role_has, roles_with
from mehvar.core.text import normalize_text, search_key, to_ascii_digits
from mehvar.customers.models import Tag

BREACHING_WINDOW = dt.timedelta(hours=1)
QUERY_MAX_LENGTH = 200
QUEUE_PAGE_SIZE = 30
QUEUE_COUNT_CAP = 99

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
    """How many open conversations each queue holds, counted up to ``QUEUE_COUNT_CAP + 1``: one query.

    A number above the cap is shown as "99+": an agent acts on the top of a queue, and the exact size of a
    long one is the backlog page's job. Capping keeps each count a short walk of a partial index whatever
    the workspace holds; the queues' counts are scalar subqueries of one statement (one round trip).
    """
    open_rows = Conversation.objects.filter(workspace=workspace, status__in=OPEN_STATUSES).order_by()
    parts, params = [], []
    for n, name in enumerate(QUEUES):
        limited = open_rows.filter(queue_q(name, membership=membership, now=now)).values("pk")
        sql, values = limited[: QUEUE_COUNT_CAP + 1].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS queue_{n})")
        params.extend(values)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        counted = cursor.fetchone()
    return dict(zip(QUEUES, counted, strict=True))


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
    return rows.order_by(*queue_order(queue).ordering)


@dataclass(frozen=True)
class QueueOrder:
    """How a queue lists its rows, and its keyset conditions: newest activity first (``last_message_at``
    descending, conversations without a message yet first), or, for the breaching-soon and overdue queues,
    the most urgent deadline first (``sla_due_at`` ascending; those queues hold only rows with one)."""

    field: str
    newest_first: bool

    @property
    def ordering(self) -> tuple[Any, Any]:
        if self.newest_first:
            return F(self.field).desc(nulls_first=True), F("pk").desc()
        return F(self.field).asc(nulls_last=True), F("pk").asc()

    @property
    def reversed_ordering(self) -> tuple[Any, Any]:
        if self.newest_first:
            return F(self.field).asc(nulls_last=True), F("pk").asc()
        return F(self.field).desc(nulls_first=True), F("pk").desc()

    def after(self, when: dt.datetime | None, pk: int) -> Q:
        """Rows after the cursor in this order."""
        field = self.field
        if self.newest_first:
            if when is None:
                return Q(**{f"{field}__isnull": True, "pk__lt": pk}) | Q(**{f"{field}__isnull": False})
            return Q(**{f"{field}__lt": when}) | Q(**{field: when, "pk__lt": pk})
        if when is None:
            return Q(**{f"{field}__isnull": True, "pk__gt": pk})
        later = Q(**{f"{field}__gt": when}) | Q(**{field: when, "pk__gt": pk})
        return later | Q(**{f"{field}__isnull": True})

    def before(self, when: dt.datetime | None, pk: int) -> Q:
        """Rows before a row in this order."""
        field = self.field
        if self.newest_first:
            if when is None:
                return Q(**{f"{field}__isnull": True, "pk__gt": pk})
            return (
                Q(**{f"{field}__isnull": True})
                | Q(**{f"{field}__gt": when})
                | Q(**{field: when, "pk__gt": pk})
            )
        if when is None:
            return Q(**{f"{field}__isnull": False}) | Q(**{f"{field}__isnull": True, "pk__lt": pk})
        return Q(**{f"{field}__lt": when}) | Q(**{field: when, "pk__lt": pk})

    def key(self, conversation: Conversation) -> dt.datetime | None:
        return getattr(conversation, self.field)


NEWEST_FIRST = QueueOrder("last_message_at", newest_first=True)
MOST_URGENT_FIRST = QueueOrder("sla_due_at", newest_first=False)


def queue_order(queue: str) -> QueueOrder:
    return MOST_URGENT_FIRST if queue in ("breaching", "overdue") else NEWEST_FIRST


def _bad_cursor() -> ValidationError:
    return invalid("cursor", _("This cursor is not valid."))


def encode_cursor(conversation: Conversation, order: QueueOrder = NEWEST_FIRST) -> str:
    when = order.key(conversation)
    moment = when.isoformat() if when else None
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


def queue_page(
    rows: QuerySet[Conversation], *, cursor: str | None, queue: str = "mine", limit: int = QUEUE_PAGE_SIZE
) -> Page:
    """One keyset page of a queue with what each row shows: four queries whatever the queue.

    The page's ids in queue order (from the partial index alone when it can), then their rows with
    customer, channel, assignee, team and the id of their last message to or from the customer (not
    notes), then their tags, then those messages with their text cut short (``last_shown`` on each row).
    """
    order = queue_order(queue)
    if cursor:
        rows = rows.filter(order.after(*decode_cursor(cursor)))
    ids = list(rows.values_list("pk", flat=True)[: limit + 1])
    latest = (
        Message.objects.filter(
            workspace_id=OuterRef("workspace_id"),
            conversation_id=OuterRef("pk"),
            direction__in=[Direction.INBOUND, Direction.OUTBOUND],
        )
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )
    shown = (
        Conversation.objects.filter(pk__in=ids[:limit])
        .select_related("customer", "channel", "assignee__user", "team")
        .only(*QUEUE_ROW_FIELDS)
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .annotate(last_message_pk=Subquery(latest))
    )
    by_pk = {conversation.pk: conversation for conversation in shown}
    items = [by_pk[pk] for pk in ids[:limit] if pk in by_pk]
    last = _messages_shown([c.last_message_pk for c in items if c.last_message_pk])  # type: ignore[attr-defined]
    for conversation in items:
        conversation.last_shown = last.get(conversation.last_message_pk)  # type: ignore[attr-defined]
    more = len(ids) > limit
    return Page(items=items, next=encode_cursor(items[-1], order) if more and items else None)


SNIPPET_LENGTH = 160
# What a queue row shows (the rest of these wide rows is left in the database).
QUEUE_ROW_FIELDS = (
    "workspace_id",
    "number",
    "subject",
    "status",
    "priority",
    "last_message_at",
    "sla_due_at",
    "customer__workspace_id",
    "customer__display_name",
    "customer__phone",
    "customer__email",
    "channel__workspace_id",
    "channel__name",
    "channel__kind",
    "assignee__workspace_id",
    "assignee__role",
    "assignee__user__full_name",
    "assignee__user__email",
    "team__workspace_id",
    "team__name",
)


def _messages_shown(ids: list[int]) -> dict[int, Message]:
    """Messages by id with their text cut to a snippet (what a queue row shows)."""
    if not ids:
        return {}
    rows = (
        Message.objects.filter(pk__in=ids)
        .annotate(snippet=Substr("text", 1, SNIPPET_LENGTH))
        .values_list("pk", "conversation_id", "direction", "snippet", "abuse", "created_at")
    )
    return {
        pk: Message(
            pk=pk,
            conversation_id=conversation_id,
            direction=direction,
            text=snippet or "",
            abuse=abuse or [],
            created_at=created_at,
        )
        for pk, conversation_id, direction, snippet, abuse, created_at in rows
    }


def queue_neighbours(
    rows: QuerySet[Conversation], conversation: Conversation, *, queue: str = "mine"
) -> tuple[Conversation | None, Conversation | None]:
    """The conversations before and after this one in its queue's order: j/k on its page."""
    order = queue_order(queue)
    when, pk = order.key(conversation), conversation.pk
    newer = rows.filter(order.before(when, pk)).order_by(*order.reversed_ordering).only("number").first()
    older = rows.filter(order.after(when, pk)).only("number").first()
    return newer, older


# --- Filter choices ---------------------------------------------------------------------------------------


def channels_of(*, workspace: Workspace) -> QuerySet[Channel]:
    return Channel.objects.filter(workspace=workspace).order_by("name", "pk")


def channel_names_of(*, workspace: Workspace) -> QuerySet[Channel]:
    """The workspace's channels with their names only (filter choices)."""
    return channels_of(workspace=workspace).only("workspace_id", "name", "kind")


def teams_of(*, workspace: Workspace) -> QuerySet[Team]:
    return Team.objects.filter(workspace=workspace).order_by("name", "pk")


def answering_members_of(*, workspace: Workspace) -> list[Membership]:
    """Members who can be given a conversation, with just their names (the queue's assignee filter)."""
    return list(
        Membership.objects.filter(workspace=workspace, role__in=roles_with(Perm.CONVERSATIONS_REPLY))
        .select_related("user")
        .only("workspace_id", "role", "user__full_name", "user__email")
        .order_by("created_at", "pk")
    )


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
