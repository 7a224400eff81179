"""What an erasure wipes of a customer's conversations (registered with ``customers.erasers``).

In every conversation of the erased customer: the subject and provider thread, every message's text, HTML,
subject, sender name, e-mail references and data (a call keeps its direction, outcome and duration), the
attachments' files and names (their type and size stay), the outbox rows' addresses and bodies (one still
queued is not sent: it fails as "customer erased"), and the raw webhook payloads still kept
(``channels.retention``) that carried those messages. What reports count stays: the conversations with their
status, times, SLA figures, assignee and team; the messages with direction, channel, author, time and
abuse flags; the feedback readings (sentiment and topics, no text).
"""

from typing import Any

from django.db.models import QuerySet

from mehvar.channels.models import InboundEvent, OutboxMessage
from mehvar.channels.retention import events_forget, raw_kept_since
from mehvar.conversations.models import Attachment, Conversation, Direction, Message

CALL_KEPT = ("direction", "outcome", "duration_seconds")
ERASED = "customer erased"


def conversations_erase(*, workspace: Any, customer_ids: list[int]) -> int:
    """Wipe the personal content of these customers' conversations; how many rows changed."""
    conversations = Conversation.objects.filter(workspace=workspace, customer_id__in=customer_ids)
    conversation_ids = list(conversations.values_list("pk", flat=True))
    if not conversation_ids:
        return 0
    messages = Message.objects.filter(workspace=workspace, conversation_id__in=conversation_ids)
    changed = _attachments_erase(workspace, messages)
    changed += _outbox_erase(workspace, messages)
    changed += _raw_events_erase(workspace, messages)
    rows = list(messages.only("pk", "data"))
    for message in rows:
        message.sender_name = message.subject = message.text = message.html = ""
        message.references = []
        message.data = _kept_data(message.data)
    Message.objects.bulk_update(
        rows, ["sender_name", "subject", "text", "html", "references", "data"], batch_size=1000
    )
    changed += len(rows)
    changed += Conversation.objects.filter(pk__in=conversation_ids).update(subject="", thread_key="")
    return changed


def _kept_data(data: Any) -> dict[str, Any]:
    call = data.get("call") if isinstance(data, dict) else None
    if not isinstance(call, dict):
        return {}
    return {"call": {key: call[key] for key in CALL_KEPT if key in call}}


def _attachments_erase(workspace: Any, messages: QuerySet) -> int:
    attachments = list(Attachment.objects.filter(workspace=workspace, message__in=messages))
    for attachment in attachments:
        if attachment.file:
            attachment.file.delete(save=False)
        attachment.file, attachment.filename = "", ""
    Attachment.objects.bulk_update(attachments, ["file", "filename"], batch_size=1000)
    return len(attachments)


def _outbox_erase(workspace: Any, messages: QuerySet) -> int:
    outbox = OutboxMessage.objects.filter(
        workspace=workspace, pk__in=messages.exclude(outbox=None).values("outbox_id")
    )
    outbox.filter(status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING]).update(
        status=OutboxMessage.Status.FAILED, last_error=ERASED
    )
    return outbox.update(to="", payload={})


def _raw_events_erase(workspace: Any, messages: QuerySet) -> int:
    """The kept raw payloads that made these messages (older ones were forgotten already)."""
    inbound = messages.filter(direction=Direction.INBOUND)
    window = inbound.filter(created_at__gte=raw_kept_since())
    channels = set(window.values_list("channel_id", flat=True))
    if not channels:
        return 0
    wanted = set(window.values_list("pk", flat=True))
    events = InboundEvent.objects.filter(
        workspace=workspace, channel_id__in=channels, received_at__gte=raw_kept_since()
    ).exclude(body=b"")
    matched = [
        pk
        for pk, result in events.values_list("pk", "result").iterator(chunk_size=2000)
        if isinstance(result, dict) and wanted.intersection(result.get("messages") or ())
    ]
    return events_forget(matched)
