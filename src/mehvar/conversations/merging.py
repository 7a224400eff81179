"""Merging two conversations into one, and splitting one in two (issue 4, point 2).

``conversation_merge(source, target)`` moves every message of ``source`` (attachments belong to their
message and follow it), its participants and its tags into ``target``. The source keeps its row, closed, with
``merged_into`` pointing at the target, so that:

* the customer's next message on the source's thread (provider thread key, e-mail references) is joined to
  the target (``inbound._conversation_for`` follows ``merged_into``); conversations merged into the source
  earlier are re-pointed at the target, so the link is always one hop;
* its events (its history up to the merge) stay where they happened; both get a ``merged`` event.

Rules (each refusal names the field ``target``):

* both in one workspace, never a conversation into itself, nor into one already merged or closed;
* **the same customer only.** Two customers' conversations are not merged: the source's next message would
  land in the other customer's case and our replies would go to the other customer's address. When two
  records are one person, merge the customers (Customer 360), which moves their conversations, then merge
  the conversations;
* **private threads** (web chat: a visitor reads the conversations whose thread key is their visitor id):
  when either side is on such a channel, both must be on the same channel with the same thread key (the same
  visitor). Otherwise the visitor would lose sight of their own messages, or read someone else's.

``conversation_split(conversation, from_message)`` moves that message and every later one (by time, then id)
into a new conversation: same customer, channel and thread key, a new number, status open, the subject,
priority, category, team, assignee and tags copied; it starts when its first message was written. The
customer's next message on a shared thread key joins the newer conversation (the split one).

After both, the counters and times of each conversation are counted again from the messages it holds
(inbound and reply counts, last message / inbound / outbound, first response, the oldest unanswered customer
message) and the SLA hooks run again (``sla.on_inbound`` / ``on_outbound`` / ``on_status``), so the clocks
follow the messages. A merged source goes to closed outside the status machine (reason ``merged``); the usual
status hooks run (an overdue deadline at that moment is recorded as missed).

Permission: ``conversations.reply`` and, for conversations assigned to someone else, ``conversations.assign``
(supervisors): an agent may merge or split only conversations that are theirs or unassigned (both sides of a
merge), like taking and handing on.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.channels.registry import adapter_for
from mehvar.conversations import hooks, sla
from mehvar.conversations.models import Conversation, Direction, Event, Message, Status
from mehvar.conversations.services import (
    _locked,
    _require,
    _status_set,
    conversation_open,
    event_add,
    invalid,
)
from mehvar.core.audit import audit_record
from mehvar.core.models import AuditEntry, Membership
from mehvar.core.roles import Perm, role_has

A = AuditEntry.Action
REPLY = Q(direction=Direction.OUTBOUND, author__isnull=False)  # an agent's answer (not a notification)
CUSTOMER_OR_US = Q(direction__in=[Direction.INBOUND, Direction.OUTBOUND])


def _may_touch(acting: Membership | None, *conversations: Conversation) -> None:
    if acting is None or role_has(acting.role, Perm.CONVERSATIONS_ASSIGN):
        return
    if any(c.assignee_id not in (None, acting.pk) for c in conversations):
        raise PermissionDenied


def _private(conversation: Conversation) -> bool:
    return adapter_for(conversation.channel.kind).private_threads


# --- counting again from the messages ---------------------------------------------------------------------


def conversation_recount(conversation: Conversation) -> list[str]:
    """Set the counters and times of ``conversation`` (in memory) from the messages it holds; the fields
    set. Two queries."""
    rows = Message.objects.filter(workspace_id=conversation.workspace_id, conversation=conversation)
    inbound = Q(direction=Direction.INBOUND)
    numbers = rows.aggregate(
        inbound=Count("pk", filter=inbound),
        replies=Count("pk", filter=REPLY),
        last=Max("created_at", filter=CUSTOMER_OR_US),
        last_in=Max("created_at", filter=inbound),
        last_out=Max("created_at", filter=Q(direction=Direction.OUTBOUND)),
        first_reply=Min("created_at", filter=REPLY),
        last_reply=Max("created_at", filter=REPLY),
    )
    unanswered = rows.filter(inbound)
    if numbers["last_reply"] is not None:
        unanswered = unanswered.filter(created_at__gt=numbers["last_reply"])
    conversation.inbound_count = numbers["inbound"]
    conversation.replies_count = numbers["replies"]
    conversation.last_message_at = numbers["last"] or conversation.created_at
    conversation.last_inbound_at = numbers["last_in"]
    conversation.last_outbound_at = numbers["last_out"]
    conversation.awaiting_reply_since = unanswered.aggregate(at=Min("created_at"))["at"]
    fields = [
        "inbound_count",
        "replies_count",
        "last_message_at",
        "last_inbound_at",
        "last_outbound_at",
        "awaiting_reply_since",
    ]
    if conversation.first_response_at != numbers["first_reply"]:
        conversation.first_response_at = numbers["first_reply"]
        conversation.first_response_seconds = None  # measured again below (sla.on_outbound)
        fields += ["first_response_at", "first_response_seconds"]
    return fields


def _clocks_again(conversation: Conversation, now: dt.datetime, *, opened: bool = False) -> None:
    """The SLA hooks once more, from the conversation's recounted starting points."""
    latest = (
        Message.objects.filter(workspace_id=conversation.workspace_id, conversation=conversation)
        .order_by("-created_at", "-pk")
        .first()
    )
    if opened:
        sla.on_inbound(conversation=conversation, message=latest, opened=True, now=now)  # type: ignore[arg-type]
    conversation.next_response_due_at = None  # a next-response cycle runs from the oldest unanswered message
    if conversation.first_response_at is not None and conversation.first_response_seconds is None:
        sla.on_outbound(conversation=conversation, message=latest, now=now)  # type: ignore[arg-type]
    sla.on_inbound(conversation=conversation, message=latest, opened=False, now=now)  # type: ignore[arg-type]


def _save_counts(conversation: Conversation, fields: list[str], now: dt.datetime) -> None:
    conversation.updated_at = now
    conversation.save(update_fields=["updated_at", *fields])


# --- merge ------------------------------------------------------------------------------------------------


def _check_merge(source: Conversation, target: Conversation) -> None:
    if source.workspace_id != target.workspace_id:
        raise invalid("target", _("There is no such conversation in this workspace."), "not_found")
    if source.pk == target.pk:
        raise invalid("target", _("A conversation cannot be merged into itself."), "same")
    if source.merged_into_id is not None:
        raise invalid("target", _("This conversation has been merged already."), "merged")
    if target.merged_into_id is not None or target.status == Status.CLOSED:
        raise invalid(
            "target",
            _("Conversation #%(number)s is closed; merge into an open one.") % {"number": target.number},
            "closed",
        )
    if source.customer_id != target.customer_id:
        raise invalid(
            "target",
            _(
                "Conversation #%(number)s is another customer's. If both are the same person, merge the "
                "customers first."
            )
            % {"number": target.number},
            "other_customer",
        )
    if (_private(source) or _private(target)) and (
        source.channel_id != target.channel_id or source.thread_key != target.thread_key
    ):
        raise invalid(
            "target",
            _(
                "Web chat conversations can only be merged with the same visitor's chat: the visitor would "
                "otherwise lose their messages or see someone else's."
            ),
            "private_thread",
        )


@transaction.atomic
def conversation_merge(
    *,
    source: Conversation,
    target: Conversation,
    acting: Membership | None,
    now: dt.datetime | None = None,
    via: str = "web",
) -> Conversation:
    """Fold ``source`` into ``target`` (see the module docstring); returns the target, refreshed."""
    _require(acting, Perm.CONVERSATIONS_REPLY, source.workspace_id)
    _check_merge(source, target)
    now = now or timezone.now()
    locked = {
        c.pk: c
        for c in Conversation.objects.select_for_update()
        .select_related("channel", "workspace")
        .filter(workspace_id=source.workspace_id, pk__in=[source.pk, target.pk])
        .order_by("pk")
    }
    source, target = locked[source.pk], locked[target.pk]
    _check_merge(source, target)  # again, under the lock
    _may_touch(acting, source, target)
    moved = Message.objects.filter(workspace_id=source.workspace_id, conversation=source).update(
        conversation=target
    )
    target.participants.add(*source.participants.all())
    target.tags.add(*source.tags.all())
    Conversation.objects.filter(workspace_id=source.workspace_id, merged_into=source).update(
        merged_into=target
    )

    old = source.status
    source.status, source.closed_at, source.merged_into = Status.CLOSED, now, target
    source.waiting_since = None
    fields = conversation_recount(source)
    _save_counts(source, [*fields, "status", "closed_at", "merged_into", "waiting_since"], now)
    event_add(conversation=source, kind=Event.Kind.MERGED, actor=acting, into=target.number, messages=moved)
    if old != Status.CLOSED:
        event_add(
            conversation=source,
            kind=Event.Kind.STATUS,
            actor=acting,
            old=old,
            new=Status.CLOSED,
            reason="merged",
        )
        hooks.after_status(conversation=source, old=old, now=now)

    _save_counts(target, conversation_recount(target), now)
    _clocks_again(target, now)
    event_add(
        conversation=target, kind=Event.Kind.MERGED, actor=acting, **{"from": source.number}, messages=moved
    )
    if acting is not None:
        audit_record(
            workspace=target.workspace,
            actor=acting.user,
            action=A.UPDATE,
            obj=source,
            object_label=_("#%(source)s merged into #%(target)s")
            % {"source": source.number, "target": target.number},
            before={"status": old, "merged_into": None},
            after={"status": Status.CLOSED, "merged_into": target.pk, "messages_moved": moved},
            via=via,
        )
    return target


# --- split ------------------------------------------------------------------------------------------------


@transaction.atomic
def conversation_split(
    *,
    conversation: Conversation,
    from_message: Message,
    acting: Membership | None,
    now: dt.datetime | None = None,
    via: str = "web",
) -> Conversation:
    """Move ``from_message`` and every later message into a new conversation (see the module docstring)."""
    _require(acting, Perm.CONVERSATIONS_REPLY, conversation.workspace_id)
    if (
        from_message.workspace_id != conversation.workspace_id
        or from_message.conversation_id != conversation.pk
    ):
        raise invalid("message", _("This message is not in this conversation."), "not_found")
    now = now or timezone.now()
    original = _locked(conversation)
    if original.merged_into_id is not None or original.status == Status.CLOSED:
        raise invalid("message", _("A closed conversation cannot be split."), "closed")
    _may_touch(acting, original)
    rows = Message.objects.filter(workspace_id=original.workspace_id, conversation=original)
    later = rows.filter(
        Q(created_at__gt=from_message.created_at)
        | Q(created_at=from_message.created_at, pk__gte=from_message.pk)
    )
    if not rows.exclude(pk__in=later.values("pk")).exists():
        raise invalid(
            "message",
            _("Splitting from the first message would leave nothing behind; choose a later one."),
            "first",
        )
    split = conversation_open(
        workspace=original.workspace,
        channel=original.channel,
        customer=original.customer,
        subject=original.subject,
        thread_key=original.thread_key,
        priority=original.priority,
        now=from_message.created_at,
    )
    moved = later.update(conversation=split)
    split.category, split.team_id, split.language = original.category, original.team_id, original.language
    split.assignee_id, split.assigned_at = original.assignee_id, original.assigned_at
    split.assignment_reason = original.assignment_reason
    split.tags.set(original.tags.all())
    split.participants.set(original.participants.all())
    fields = conversation_recount(split)
    _save_counts(
        split,
        [*fields, "category", "team", "language", "assignee", "assigned_at", "assignment_reason"],
        now,
    )
    _clocks_again(split, now, opened=True)
    _status_set(split, Status.OPEN, now, acting, reason="split")  # new → open, with the status hooks
    event_add(
        conversation=split, kind=Event.Kind.SPLIT, actor=acting, **{"from": original.number}, messages=moved
    )

    _save_counts(original, conversation_recount(original), now)
    _clocks_again(original, now)
    event_add(conversation=original, kind=Event.Kind.SPLIT, actor=acting, into=split.number, messages=moved)
    if acting is not None:
        audit_record(
            workspace=original.workspace,
            actor=acting.user,
            action=A.CREATE,
            obj=split,
            object_label=_("#%(split)s split from #%(original)s")
            % {"split": split.number, "original": original.number},
            after={"split_from": original.pk, "from_message": from_message.pk, "messages_moved": moved},
            via=via,
        )
    conversation.refresh_from_db()
    return split
