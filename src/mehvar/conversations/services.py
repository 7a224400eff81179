"""Writes on conversations: open, reply, note, status, assignment, priority, category, tags.

Every service is atomic and keyword-only, checks the acting member's permission, records an ``Event`` on the
conversation (and an audit entry for changes people make), bumps ``updated_at`` (what live inbox updates
watch) and calls ``hooks`` for SLA, routing and automations.

Status machine (docs/conversations.md): new → open ⇄ waiting → resolved → closed. Any open state may be
resolved; a resolved conversation reopens (to open) when the customer writes within the workspace's reopen
window or an agent reopens it, and is closed by the nightly sweep after the window; a closed one never
reopens: the customer's next message opens a new conversation.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.channels.models import Channel
from mehvar.channels.outbox import outbox_enqueue
from mehvar.channels.registry import adapter_for
from mehvar.conversations import hooks
from mehvar.conversations.models import (
    CannedReply,
    Conversation,
    Direction,
    Event,
    InboxSettings,
    Message,
    Priority,
    Status,
    Team,
)
from mehvar.core.audit import audit_record
from mehvar.core.memo import workspace_memo
from mehvar.core.models import AuditEntry, Membership, Workspace
from mehvar.core.roles import Perm, role_has
from mehvar.core.text import normalize_text, search_key
from mehvar.customers.models import Customer, Identity, Tag
from mehvar.customers.timeline import activity_record

A = AuditEntry.Action
TEXT_MAX_LENGTH = 20_000
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.OPEN, Status.WAITING, Status.RESOLVED}),
    Status.OPEN: frozenset({Status.WAITING, Status.RESOLVED}),
    Status.WAITING: frozenset({Status.OPEN, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


def invalid(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _require(acting: Membership | None, perm: Perm, workspace_id: int) -> None:
    if acting is None:
        return  # the system (inbound processing, automations, sweeps)
    if acting.workspace_id != workspace_id or not role_has(acting.role, perm):
        raise PermissionDenied


def inbox_settings(workspace: Workspace) -> InboxSettings:
    """The workspace's inbox settings (read once per ``core.memo`` scope)."""
    return workspace_memo(
        workspace, INBOX_SETTINGS_MEMO, lambda: InboxSettings.objects.get_or_create(workspace=workspace)[0]
    )


INBOX_SETTINGS_MEMO = "inbox_settings"


def _next_number(workspace: Workspace) -> int:
    """The next conversation number: one UPDATE that locks the settings row until the commit and returns the
    new value (``RETURNING``: PostgreSQL, SQLite 3.35+)."""
    inbox_settings(workspace)  # the row exists
    table = connection.ops.quote_name(InboxSettings._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET next_number = next_number + 1 WHERE workspace_id = %s RETURNING next_number",
            [workspace.pk],
        )
        return cursor.fetchone()[0] - 1


def event_add(
    *, conversation: Conversation, kind: str, actor: Membership | None = None, **data: Any
) -> Event:
    return Event.objects.create(
        workspace_id=conversation.workspace_id, conversation=conversation, kind=kind, actor=actor, data=data
    )


def _touch(conversation: Conversation, now: dt.datetime, *fields: str) -> None:
    conversation.updated_at = now
    conversation.save(update_fields=["updated_at", *fields])


def _actor_user(acting: Membership | None) -> Any:
    return acting.user if acting is not None else None


def conversation_open(
    *,
    workspace: Workspace,
    channel: Channel,
    customer: Customer,
    subject: str = "",
    thread_key: str = "",
    priority: str = Priority.NORMAL,
    acting: Membership | None = None,
    now: dt.datetime | None = None,
    via: str = "system",
    first_inbound_at: dt.datetime | None = None,
) -> Conversation:
    """A new conversation with ``customer`` on ``channel`` (status new). Atomic; inside a caller's
    transaction (inbound processing, a split) the writes take no savepoint of their own: a refusal comes
    before them, and an error in them fails the caller's work.

    ``first_inbound_at``: the moment of the customer's message that opens it (inbound processing): the
    conversation is written at once as holding that one message and awaiting a reply since then."""
    _require(acting, Perm.CONVERSATIONS_REPLY, workspace.pk)
    if channel.workspace_id != workspace.pk:
        raise invalid("channel", _("This channel is not in this workspace."))
    if customer.workspace_id != workspace.pk:
        raise invalid("customer", _("This customer is not in this workspace."))
    if priority not in Priority.values:
        raise invalid("priority", _("Unknown priority."))
    now = now or timezone.now()
    first: dict[str, Any] = {}
    if first_inbound_at is not None:
        last = max(first_inbound_at, now)
        first = {"last_inbound_at": last, "awaiting_reply_since": first_inbound_at, "inbound_count": 1}
    with transaction.atomic(savepoint=False):
        conversation = Conversation.objects.create(
            workspace=workspace,
            number=_next_number(workspace),
            customer=customer,
            channel=channel,
            subject=normalize_text(subject)[:250],
            thread_key=thread_key[:200],
            priority=priority,
            created_at=now,
            updated_at=now,
            last_message_at=first.get("last_inbound_at", now),
            **first,
        )
        event_add(conversation=conversation, kind=Event.Kind.CREATED, actor=acting, channel=channel.kind)
        if acting is not None:
            audit_record(workspace=workspace, actor=acting.user, action=A.CREATE, obj=conversation, via=via)
    return conversation


def _status_set(
    conversation: Conversation, new: str, now: dt.datetime, acting: Membership | None, reason: str = ""
) -> None:
    old = conversation.status
    if new == old:
        return
    if new not in TRANSITIONS[old]:
        raise invalid(
            "status",
            _("A conversation cannot go from “%(old)s” to “%(new)s”.")
            % {"old": Status(old).label, "new": Status(new).label},
            "bad_transition",
        )
    conversation.status = new
    fields = ["status"]
    if new == Status.WAITING:
        conversation.waiting_since = now
        fields.append("waiting_since")
    elif old == Status.WAITING:
        conversation.waiting_since = None
        fields.append("waiting_since")
    if new == Status.RESOLVED:
        conversation.resolved_at = now
        fields.append("resolved_at")
    if new == Status.CLOSED:
        conversation.closed_at = now
        fields.append("closed_at")
    if old == Status.RESOLVED and new == Status.OPEN:
        conversation.reopened_count += 1
        fields.append("reopened_count")
        event_add(conversation=conversation, kind=Event.Kind.REOPENED, actor=acting, reason=reason)
    _touch(conversation, now, *fields)
    event_add(
        conversation=conversation, kind=Event.Kind.STATUS, actor=acting, old=old, new=new, reason=reason
    )
    hooks.after_status(conversation=conversation, old=old, now=now)


def _locked(conversation: Conversation) -> Conversation:
    """The conversation's row read again under a lock; the related objects already loaded are kept."""
    fresh = Conversation.objects.select_for_update().get(
        pk=conversation.pk, workspace_id=conversation.workspace_id
    )
    for relation in ("workspace", "channel", "customer"):
        descriptor = getattr(Conversation, relation)
        if descriptor.is_cached(conversation) and getattr(fresh, f"{relation}_id") == getattr(
            conversation, f"{relation}_id"
        ):
            setattr(fresh, relation, getattr(conversation, relation))
    return fresh


@transaction.atomic
def conversation_status_set(
    *,
    conversation: Conversation,
    status: str,
    acting: Membership | None,
    now: dt.datetime | None = None,
    via: str = "web",
) -> Conversation:
    """Move a conversation along the status machine; resolving may tell the customer (inbox settings)."""
    _require(acting, Perm.CONVERSATIONS_REPLY, conversation.workspace_id)
    if status not in Status.values:
        raise invalid("status", _("Unknown status."))
    now = now or timezone.now()
    fresh = _locked(conversation)
    old = fresh.status
    _status_set(fresh, status, now, acting)
    if acting is not None and old != status:
        audit_record(
            workspace=fresh.workspace,
            actor=acting.user,
            action=A.UPDATE,
            obj=fresh,
            before={"status": old},
            after={"status": status},
            via=via,
        )
    if status == Status.RESOLVED and old != status:
        _notify_resolved(fresh, now)
    _refresh_from(conversation, fresh)
    return conversation


def _refresh_from(target: Conversation, source: Conversation) -> None:
    for field in Conversation._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def _notify_resolved(conversation: Conversation, now: dt.datetime) -> None:
    """Tell the customer their case is resolved, on their channel, once per resolution."""
    settings = inbox_settings(conversation.workspace)
    adapter = adapter_for(conversation.channel.kind)
    if not settings.notify_on_resolve or not adapter.can_send:
        return
    template = (
        CannedReply.objects.filter(
            workspace_id=conversation.workspace_id, purpose=CannedReply.Purpose.RESOLVED
        )
        .order_by("pk")
        .first()
    )
    from mehvar.conversations.templating import render_reply, reply_variables

    if template is not None:
        text = render_reply(template.body, conversation=conversation)
    else:
        text = _("Your request #%(number)s has been resolved. If anything is still wrong, just reply.") % {
            "number": reply_variables(conversation=conversation)["number"]
        }
    _outbound(
        conversation,
        text=text,
        author=None,
        now=now,
        key=f"resolved:{conversation.pk}:{conversation.reopened_count}",
        purpose="notification",
        direction=Direction.OUTBOUND,
    )


def address_of(conversation: Conversation) -> str:
    """Where the customer is reached on the conversation's channel."""
    adapter = adapter_for(conversation.channel.kind)
    if adapter.address_kind:
        value = (
            Identity.objects.filter(
                workspace_id=conversation.workspace_id,
                customer_id=conversation.customer_id,
                kind=adapter.address_kind,
            )
            .order_by("-pk")
            .values_list("value", flat=True)
            .first()
        )
        if value:
            return value
    return conversation.thread_key


def _outbound(
    conversation: Conversation,
    *,
    text: str,
    author: Membership | None,
    now: dt.datetime,
    key: str,
    purpose: str = "reply",
    direction: str = Direction.OUTBOUND,
    html: str = "",
    template: CannedReply | None = None,
    attachments: Sequence[dict[str, Any]] = (),
) -> Message:
    references = list(
        Message.objects.filter(workspace_id=conversation.workspace_id, conversation=conversation)
        .exclude(external_id="")
        .order_by("created_at", "pk")
        .values_list("external_id", flat=True)[:50]
    )
    subject = conversation.subject
    if subject and conversation.channel.kind == "email" and not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    message = Message.objects.create(
        workspace_id=conversation.workspace_id,
        conversation=conversation,
        channel=conversation.channel,
        direction=direction,
        author=author,
        subject=subject[:250],
        text=text,
        html=html,
        references=references,
        template=template,
        created_at=now,
    )
    outbox = outbox_enqueue(
        workspace=conversation.workspace,
        channel=conversation.channel,
        to=address_of(conversation),
        payload={
            "text": text,
            "html": html,
            "subject": subject,
            "thread_key": conversation.thread_key,
            "references": references,
            "attachments": list(attachments),
            "data": {"conversation": conversation.number, "message_id": message.pk},
        },
        idempotency_key=key,
        purpose=purpose,
    )
    message.outbox = outbox
    message.save(update_fields=["outbox"])
    activity_record(
        workspace=conversation.workspace,
        customer=conversation.customer,
        kind="message",
        occurred_at=now,
        summary=text[:300],
        channel=conversation.channel.kind,
        data={"direction": "out", "conversation": conversation.number},
        actor=author,
        record=message,
    )
    return message


@transaction.atomic
def message_send(
    *,
    conversation: Conversation,
    acting: Membership,
    text: str,
    html: str = "",
    status: str = "",
    template: CannedReply | None = None,
    attachments: Sequence[dict[str, Any]] = (),
    idempotency_key: str = "",
    now: dt.datetime | None = None,
    via: str = "web",
) -> Message:
    """An agent's reply: stored, queued in the outbox (sent after commit), on the customer's timeline.

    ``status`` optionally moves the conversation afterwards (e.g. ``waiting``); otherwise a new or waiting
    conversation becomes open. ``attachments`` are stored files: ``{"path", "filename", "content_type"}``.
    """
    _require(acting, Perm.CONVERSATIONS_REPLY, conversation.workspace_id)
    text = (text or "").strip()
    if not text:
        raise invalid("text", _("Write the reply first."), "required")
    if len(text) > TEXT_MAX_LENGTH:
        raise invalid("text", _("A message may have at most %(max)d characters.") % {"max": TEXT_MAX_LENGTH})
    if not adapter_for(conversation.channel.kind).can_send:
        raise invalid("text", _("This channel cannot send messages; add a note instead."), "cannot_send")
    if conversation.status == Status.CLOSED:
        raise invalid("text", _("This conversation is closed; open a new one to write again."), "closed")
    now = now or timezone.now()
    fresh = _locked(conversation)
    message = _outbound(
        fresh,
        text=text,
        html=html,
        author=acting,
        now=now,
        key=idempotency_key or f"reply:{fresh.pk}:{now.timestamp()}:{acting.pk}",
        template=template,
        attachments=attachments,
    )
    fresh.replies_count += 1
    fresh.last_message_at = fresh.last_outbound_at = now
    fresh.awaiting_reply_since = None
    fields = ["replies_count", "last_message_at", "last_outbound_at", "awaiting_reply_since"]
    if fresh.first_response_at is None:
        fresh.first_response_at = now
        fields.append("first_response_at")
    _touch(fresh, now, *fields)
    hooks.after_outbound(conversation=fresh, message=message, now=now)
    target = status or (Status.OPEN if fresh.status in (Status.NEW, Status.WAITING) else "")
    if target and target != fresh.status:
        _status_set(fresh, target, now, acting)
    audit_record(
        workspace=fresh.workspace,
        actor=acting.user,
        action=A.CREATE,
        obj=message,
        object_label=f"#{fresh.number}",
        via=via,
    )
    _refresh_from(conversation, fresh)
    return message


@transaction.atomic
def message_send_system(
    *,
    conversation: Conversation,
    text: str,
    idempotency_key: str,
    template: CannedReply | None = None,
    now: dt.datetime | None = None,
) -> Message | None:
    """A message the system sends on the workspace's behalf (automation rules), through the outbox.

    It is nobody's answer: the SLA clocks, the first response and the reply count do not move. Returns None
    (nothing sent) when the channel cannot send, the conversation is closed, or this key was sent before.
    """
    text = (text or "").strip()[:TEXT_MAX_LENGTH]
    can_send = adapter_for(conversation.channel.kind).can_send
    if not text or conversation.status == Status.CLOSED or not can_send:
        return None
    from mehvar.channels.models import OutboxMessage

    if OutboxMessage.objects.filter(
        workspace_id=conversation.workspace_id, idempotency_key=idempotency_key
    ).exists():
        return None
    now = now or timezone.now()
    fresh = _locked(conversation)
    message = _outbound(
        fresh, text=text, author=None, now=now, key=idempotency_key, purpose="automation", template=template
    )
    fresh.last_message_at = fresh.last_outbound_at = now
    _touch(fresh, now, "last_message_at", "last_outbound_at")
    _refresh_from(conversation, fresh)
    return message


@transaction.atomic
def note_add(
    *,
    conversation: Conversation,
    acting: Membership,
    text: str,
    mentions: Sequence[Membership] = (),
    now: dt.datetime | None = None,
    via: str = "web",
) -> Message:
    """An internal note (never sent); mentioned members become participants."""
    _require(acting, Perm.CONVERSATIONS_REPLY, conversation.workspace_id)
    text = (text or "").strip()
    if not text:
        raise invalid("text", _("Write the note first."), "required")
    if len(text) > TEXT_MAX_LENGTH:
        raise invalid("text", _("A message may have at most %(max)d characters.") % {"max": TEXT_MAX_LENGTH})
    foreign = [m for m in mentions if m.workspace_id != conversation.workspace_id]
    if foreign:
        raise invalid("mentions", _("Only members of this workspace can be mentioned."))
    now = now or timezone.now()
    note = Message.objects.create(
        workspace_id=conversation.workspace_id,
        conversation=conversation,
        channel=conversation.channel,
        direction=Direction.NOTE,
        author=acting,
        text=text,
        created_at=now,
    )
    if mentions:
        note.mentions.set(mentions)
        conversation.participants.add(*mentions)
    _touch(conversation, now)
    audit_record(
        workspace=conversation.workspace,
        actor=acting.user,
        action=A.CREATE,
        obj=note,
        object_label=f"#{conversation.number}",
        via=via,
    )
    return note


def conversation_assign(
    *,
    conversation: Conversation,
    assignee: Membership | None,
    acting: Membership | None,
    reason: str = "",
    team: Team | bool | None = False,
    now: dt.datetime | None = None,
    via: str = "web",
) -> Conversation:
    """Give the conversation to ``assignee`` (None: unassign), saying why.

    Agents may take an unassigned conversation or hand on their own; reassigning someone else's needs
    ``conversations.assign`` (supervisors). ``team`` False leaves the team as it is. Atomic; inside a
    caller's transaction (routing on arrival, a hand-over) the writes take no savepoint of their own: a
    refusal (permission, validation) comes before them, and an error in them fails the caller's work.
    """
    workspace_id = conversation.workspace_id
    if acting is not None:
        _require(acting, Perm.CONVERSATIONS_REPLY, workspace_id)
        own_or_free = conversation.assignee_id in (None, acting.pk)
        if not own_or_free and not role_has(acting.role, Perm.CONVERSATIONS_ASSIGN):
            raise PermissionDenied
    if assignee is not None:
        if assignee.workspace_id != workspace_id:
            raise invalid("assignee", _("The assignee must be a member of this workspace."))
        if not role_has(assignee.role, Perm.CONVERSATIONS_REPLY):
            raise invalid("assignee", _("This member cannot answer conversations."))
    if team is not False and team is not None and team.workspace_id != workspace_id:
        raise invalid("team", _("This team is not in this workspace."))
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):
        fresh = _locked(conversation)
        before = {"assignee": fresh.assignee_id, "team": fresh.team_id}
        fresh.assignee = assignee
        fresh.assigned_at = now if assignee is not None else None
        fresh.assignment_reason = reason[:300]
        fields = ["assignee", "assigned_at", "assignment_reason"]
        if team is not False:
            fresh.team = team or None
            fields.append("team")
        _touch(fresh, now, *fields)
        hooks.after_assign(conversation=fresh, now=now)
        event_add(
            conversation=fresh,
            kind=Event.Kind.ASSIGNED,
            actor=acting,
            assignee=assignee.pk if assignee else None,
            team=fresh.team_id,
            reason=reason[:300],
        )
        if acting is not None:
            audit_record(
                workspace=fresh.workspace,
                actor=acting.user,
                action=A.UPDATE,
                obj=fresh,
                before=before,
                after={"assignee": fresh.assignee_id, "team": fresh.team_id},
                via=via,
            )
        _refresh_from(conversation, fresh)
    return conversation


@transaction.atomic
def conversation_update(
    *,
    conversation: Conversation,
    acting: Membership | None,
    priority: str | None = None,
    category: str | None = None,
    subject: str | None = None,
    tags: Sequence[str] | None = None,
    now: dt.datetime | None = None,
    via: str = "web",
) -> Conversation:
    """Change priority, category, subject or the tag list (names; created in the workspace as needed)."""
    _require(acting, Perm.CONVERSATIONS_REPLY, conversation.workspace_id)
    now = now or timezone.now()
    fresh = _locked(conversation)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    fields: list[str] = []
    if priority is not None and priority != fresh.priority:
        if priority not in Priority.values:
            raise invalid("priority", _("Unknown priority."))
        before["priority"], after["priority"] = fresh.priority, priority
        fresh.priority = priority
        fields.append("priority")
        event_add(
            conversation=fresh, kind=Event.Kind.PRIORITY, actor=acting, old=before["priority"], new=priority
        )
    if category is not None and normalize_text(category)[:60] != fresh.category:
        before["category"], after["category"] = fresh.category, normalize_text(category)[:60]
        fresh.category = after["category"]
        fields.append("category")
    if subject is not None and normalize_text(subject)[:250] != fresh.subject:
        before["subject"], after["subject"] = fresh.subject, normalize_text(subject)[:250]
        fresh.subject = after["subject"]
        fields.append("subject")
    if tags is not None:
        wanted = _tags(fresh.workspace, tags)
        old_names = sorted(t.name for t in fresh.tags.all())
        new_names = sorted(t.name for t in wanted)
        if old_names != new_names:
            fresh.tags.set(wanted)
            before["tags"], after["tags"] = old_names, new_names
            added = sorted(set(new_names) - set(old_names))
            event_add(
                conversation=fresh,
                kind=Event.Kind.TAGGED,
                actor=acting,
                added=added,
                removed=sorted(set(old_names) - set(new_names)),
            )
            from mehvar.conversations import automations

            if added:
                automations.automations_run(event="tag_added", conversation=fresh, tags=added)
    if not before:
        return conversation
    _touch(fresh, now, *fields)
    if "priority" in after:
        from mehvar.conversations import sla

        sla.on_priority(conversation=fresh, now=now)
    if acting is not None:
        audit_record(
            workspace=fresh.workspace,
            actor=acting.user,
            action=A.UPDATE,
            obj=fresh,
            before=before,
            after=after,
            via=via,
        )
    _refresh_from(conversation, fresh)
    return conversation


def _tags(workspace: Workspace, names: Sequence[str]) -> list[Tag]:
    tags: dict[str, Tag] = {}
    for raw in names:
        name = normalize_text(str(raw))[:60]
        key = search_key(name)
        if not key:
            continue
        if len(tags) >= 30:
            raise invalid("tags", _("At most 30 tags."))
        tags[key] = Tag.objects.get_or_create(workspace=workspace, key=key, defaults={"name": name})[0]
    return list(tags.values())
