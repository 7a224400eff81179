"""From a stored inbound event to a message in a conversation.

``inbound_event_process`` parses an ``InboundEvent`` with its channel's adapter and hands each
``InboundMessage`` to ``message_receive`` and each ``DeliveryReport`` to the outbox. It is idempotent: a
processed event is not processed again, and a message whose external id the channel already delivered is
found, not stored twice (a replayed webhook creates nothing). A payload the adapter cannot read is marked
failed with the reason and kept.

``message_receive`` resolves the customer through the one matching service, joins the conversation the
message belongs to (by the provider's thread, by the e-mail references, or the customer's open conversation on
the channel), reopens a resolved one within the workspace's reopen window or opens a new one, stores the
message and its attachments (within the size and type limits), puts it on the customer's timeline, and runs
the hooks (abuse screening, SLA, automations, routing).
"""

import datetime as dt
import logging
import mimetypes
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from mehvar.channels.base import HookRequest, InboundAttachment, InboundMessage, ParseError
from mehvar.channels.models import Channel, InboundEvent
from mehvar.channels.outbox import delivery_report_apply
from mehvar.channels.registry import adapter_for
from mehvar.conversations import hooks, services
from mehvar.conversations.models import Attachment, Conversation, Direction, Message, Status
from mehvar.core.memo import workspace_memo_scope
from mehvar.core.text import normalize_text
from mehvar.customers.matching import customer_resolve
from mehvar.customers.timeline import activity_record

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
BLOCKED_EXTENSIONS = frozenset(
    {".exe", ".bat", ".cmd", ".com", ".scr", ".js", ".vbs", ".msi", ".jar", ".ps1", ".sh", ".apk", ".dll"}
)


def _attachment_refusal(attachment: InboundAttachment, max_bytes: int) -> str:
    if len(attachment.content) > max_bytes:
        return "too_large"
    if PurePath(attachment.filename.lower()).suffix in BLOCKED_EXTENSIONS:
        return "blocked_type"
    return ""


def _store_attachments(
    message: Message, attachments: tuple[InboundAttachment, ...], max_mb: int
) -> list[dict]:
    refused = []
    for item in attachments:
        name = PurePath(item.filename or "attachment").name[:200] or "attachment"
        reason = _attachment_refusal(item, max_mb * 1024 * 1024)
        if reason:
            refused.append({"filename": name, "size": len(item.content), "reason": reason})
            continue
        content_type = item.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        attachment = Attachment(
            workspace_id=message.workspace_id,
            message=message,
            filename=name,
            content_type=content_type[:120],
            size=len(item.content),
        )
        attachment.file.save(name, ContentFile(item.content), save=False)
        attachment.save()
    return refused


def _thread_conversation(channel: Channel, inbound: InboundMessage) -> Conversation | None:
    rows = Conversation.objects.filter(workspace_id=channel.workspace_id, channel=channel)
    if inbound.references:
        earlier = (
            Message.objects.filter(
                workspace_id=channel.workspace_id,
                channel=channel,
                external_id__in=list(inbound.references)[-50:],
            )
            .order_by("-created_at")
            .values_list("conversation_id", flat=True)
            .first()
        )
        if earlier is None:  # the message answers one of ours: its id is the outbox's provider id
            earlier = (
                Message.objects.filter(
                    workspace_id=channel.workspace_id,
                    outbox__channel=channel,
                    outbox__provider_id__in=list(inbound.references)[-50:],
                )
                .order_by("-created_at")
                .values_list("conversation_id", flat=True)
                .first()
            )
        if earlier is not None:
            return rows.filter(pk=earlier).first()
    if inbound.thread_key:
        return rows.filter(thread_key=inbound.thread_key).order_by("-created_at").first()
    return None


def _conversation_for(
    channel: Channel, customer_id: int, inbound: InboundMessage, *, new_customer: bool
) -> Conversation | None:
    """The conversation this message continues, if any (it may be resolved or closed), locked until the
    commit. ``new_customer``: the customer was created by this message, so has no conversation yet."""
    found = _thread_conversation(channel, inbound)
    if found is not None:
        if found.merged_into_id:
            found = Conversation.objects.filter(pk=found.merged_into_id).first() or found
        return Conversation.objects.select_for_update().get(pk=found.pk)
    if (inbound.thread_key and adapter_for(channel.kind).private_threads) or new_customer:
        return None
    return (
        Conversation.objects.select_for_update()
        .filter(
            Q(status__in=[Status.NEW, Status.OPEN, Status.WAITING, Status.RESOLVED]),
            workspace_id=channel.workspace_id,
            channel=channel,
            customer_id=customer_id,
            merged_into__isnull=True,
        )
        .order_by("-last_message_at", "-pk")
        .first()
    )


def message_receive(*, channel: Channel, inbound: InboundMessage, now: dt.datetime | None = None) -> Message:
    """Store one customer message (see the module docstring). Returns the message, new or already stored."""
    if inbound.external_id:
        existing = Message.objects.filter(
            workspace_id=channel.workspace_id, channel=channel, external_id=inbound.external_id[:250]
        ).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic(), workspace_memo_scope(channel.workspace):
            return _receive(channel, inbound, now or timezone.now())
    except IntegrityError:
        if not inbound.external_id:
            raise
        # The same message was stored meanwhile by another worker: that one stands.
        return Message.objects.get(
            workspace_id=channel.workspace_id, channel=channel, external_id=inbound.external_id[:250]
        )


def _receive(channel: Channel, inbound: InboundMessage, now: dt.datetime) -> Message:
    workspace = channel.workspace
    name = normalize_text(inbound.sender_name)[:200]
    result = customer_resolve(
        workspace=workspace,
        identities=list(inbound.identities),
        defaults={"display_name": name} if name else None,
        via=channel.kind,
    )
    assert result is not None
    customer = result.customer
    sent_at = inbound.sent_at or now
    conversation = _conversation_for(channel, customer.pk, inbound, new_customer=result.created)
    if conversation is not None:
        conversation.workspace = workspace  # the same object: its memo scope (core.memo) is open
        if conversation.channel_id == channel.pk:  # the objects in hand, not read again by the hooks
            conversation.channel = channel
        if conversation.customer_id == customer.pk:
            conversation.customer = customer
    settings = services.inbox_settings(workspace)
    reopen_until = (
        conversation.resolved_at + dt.timedelta(days=settings.reopen_days)
        if conversation is not None and conversation.resolved_at
        else None
    )
    opened = (
        conversation is None
        or conversation.status == Status.CLOSED
        or (conversation.status == Status.RESOLVED and (reopen_until is None or now > reopen_until))
    )
    if opened:
        if conversation is not None and conversation.status == Status.RESOLVED:
            services._status_set(conversation, Status.CLOSED, now, None, reason="reopen_window_passed")
        conversation = services.conversation_open(
            workspace=workspace,
            channel=channel,
            customer=customer,
            subject=inbound.subject,
            thread_key=inbound.thread_key,
            now=now,
            first_inbound_at=sent_at,  # written with this message counted: no second write below
        )
    assert conversation is not None
    message = Message.objects.create(
        workspace=workspace,
        conversation=conversation,
        channel=channel,
        direction=Direction.INBOUND,
        sender_name=name,
        subject=normalize_text(inbound.subject)[:250],
        text=inbound.text,
        html=inbound.html,
        external_id=inbound.external_id[:250],
        references=list(inbound.references)[-50:],
        data=dict(inbound.data),
        created_at=sent_at,
    )
    refused = _store_attachments(message, inbound.attachments, settings.attachment_max_mb)
    if refused:
        message.data = {**message.data, "refused_attachments": refused}
        message.save(update_fields=["data"])
    if not opened:
        if conversation.status == Status.RESOLVED or conversation.status == Status.WAITING:
            services._status_set(conversation, Status.OPEN, now, None, reason="customer_wrote")
        conversation.last_message_at = conversation.last_inbound_at = max(
            sent_at, conversation.last_message_at or sent_at
        )
        conversation.inbound_count += 1
        if conversation.awaiting_reply_since is None:
            conversation.awaiting_reply_since = sent_at
        if not conversation.subject and inbound.subject:
            conversation.subject = normalize_text(inbound.subject)[:250]
        services._touch(
            conversation,
            now,
            "last_message_at",
            "last_inbound_at",
            "inbound_count",
            "awaiting_reply_since",
            "subject",
        )
    activity_record(
        workspace=workspace,
        customer=customer,
        kind="message",
        occurred_at=sent_at,
        summary=(inbound.subject + " — " if inbound.subject else "") + inbound.text[:300],
        channel=channel.kind,
        data={"direction": "in", "conversation": conversation.number},
        source=f"channel:{channel.pk}" if inbound.external_id else "",
        external_id=inbound.external_id[:250],  # the message's id; the timeline keeps long ones hashed
        record=message,
    )
    # A customer this message created has no tags and no other conversation (when it is theirs: a thread may
    # belong to someone else).
    new_customer = result.created and conversation.customer_id == customer.pk
    hooks.after_inbound(
        conversation=conversation, message=message, opened=opened, now=now, new_customer=new_customer
    )
    return message


def inbound_event_process(*, event_id: int) -> dict:
    """Parse one stored event and apply what it holds. Returns what it made (ids), also kept on the event."""
    event = InboundEvent.objects.select_related("channel", "channel__workspace").get(pk=event_id)
    if event.status == InboundEvent.Status.PROCESSED:
        return event.result
    InboundEvent.objects.filter(pk=event.pk).update(attempts=event.attempts + 1)
    return inbound_event_apply(event=event, channel=event.channel)


def inbound_event_apply(*, event: InboundEvent, channel: Channel, mark: bool = True) -> dict:
    """Parse ``event`` (its attempt already counted) and apply what it holds: each message in a transaction
    of its own, then the delivery reports; the event is marked processed, or failed with the reason.

    ``mark=False``: a processed event is left for the caller to mark (``inbound_events_mark``, the drain
    marks a round's events at once); the event's fields are set as they would be stored."""
    try:
        parsed = adapter_for(channel.kind).parse(channel, HookRequest.of(event))
    except ParseError as error:
        _fail(event, str(error))
        return {"error": str(error)}
    messages: list[int] = []
    try:
        for inbound in parsed.messages:
            messages.append(message_receive(channel=channel, inbound=inbound).pk)
    except ValidationError as error:
        _fail(event, "; ".join(error.messages))
        return {"error": "; ".join(error.messages), "messages": messages}
    reports = sum(delivery_report_apply(channel=channel, report=report) for report in parsed.reports)
    result = {"messages": messages, "reports_applied": reports}
    event.status, event.processed_at, event.result, event.error = (
        InboundEvent.Status.PROCESSED,
        timezone.now(),
        result,
        "",
    )
    if mark:
        inbound_events_mark([event])
    return result


def inbound_events_mark(events: list[InboundEvent]) -> None:
    """Store the processed state ``inbound_event_apply`` set on these events: one UPDATE for them all."""
    if len(events) == 1:
        event = events[0]
        InboundEvent.objects.filter(pk=event.pk).update(
            status=event.status, processed_at=event.processed_at, result=event.result, error=event.error
        )
    elif events:
        InboundEvent.objects.bulk_update(events, ["status", "processed_at", "result", "error"])


def _fail(event: InboundEvent, reason: str) -> None:
    InboundEvent.objects.filter(pk=event.pk).update(status=InboundEvent.Status.FAILED, error=reason[:2000])


def inbound_retry_due(
    *, now: dt.datetime | None = None, older_than: dt.timedelta = dt.timedelta(minutes=1)
) -> int:
    """Process again events still waiting (their task failed or never ran), up to MAX_ATTEMPTS each."""
    now = now or timezone.now()
    ids = list(
        InboundEvent.objects.filter(
            status=InboundEvent.Status.PENDING, received_at__lt=now - older_than, attempts__lt=MAX_ATTEMPTS
        ).values_list("pk", flat=True)[:500]
    )
    for event_id in ids:
        try:
            inbound_event_process(event_id=event_id)
        except Exception:  # one bad event must not stop the others; it stays pending and is retried
            logger.exception("inbound event %s failed", event_id)
    return len(ids)
