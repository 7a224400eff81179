"""Outbound event webhooks: what happens in the inbox, POSTed to the business's own endpoints.

``event_emit`` writes one outbox row per subscribed endpoint in the caller's transaction (purpose
``webhook``, no channel, ``to`` = the endpoint's URL), so an event is never lost and never sent twice: the
outbox claims, retries with backoff and records the result like any message. The body is JSON
``{"id", "event", "workspace", "occurred_at", "data"}``, signed with the endpoint's secret
(``X-Mehvar-Signature``, see ``signing``) and carrying ``Idempotency-Key`` = the event id.

Events: conversation.created, conversation.status_changed, conversation.assigned, message.received,
message.sent.
"""

import json
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.channels import signing
from mehvar.channels.base import TransportError
from mehvar.channels.models import OutboxMessage, WebhookEndpoint
from mehvar.core.memo import workspace_memo
from mehvar.core.models import Workspace

EVENTS = (
    "conversation.created",
    "conversation.status_changed",
    "conversation.assigned",
    "message.received",
    "message.sent",
)
ENDPOINTS_MEMO = "webhook_endpoints"  # the enabled endpoints, read once per core.memo scope


def clean_events(events: Any) -> list[str]:
    if events is None:
        return []
    if not isinstance(events, list) or any(event not in EVENTS for event in events):
        raise ValidationError(
            {"events": _("Choose events from: %(events)s.") % {"events": ", ".join(EVENTS)}}
        )
    return sorted(set(events))


def event_emit(*, workspace: Workspace, event: str, data: dict[str, Any]) -> int:
    """Queue ``event`` for every enabled endpoint that wants it; returns how many were queued."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}")
    enabled = workspace_memo(
        workspace,
        ENDPOINTS_MEMO,
        lambda: list(WebhookEndpoint.objects.filter(workspace=workspace, enabled=True)),
    )
    endpoints = [endpoint for endpoint in enabled if not endpoint.events or event in endpoint.events]
    if not endpoints:
        return 0
    from mehvar.channels.outbox import outbox_enqueue_webhook

    event_id = uuid.uuid4().hex
    body = {
        "id": event_id,
        "event": event,
        "workspace": workspace.slug,
        "occurred_at": timezone.now().isoformat(),
        "data": data,
    }
    with transaction.atomic():
        for endpoint in endpoints:
            outbox_enqueue_webhook(
                workspace=workspace,
                endpoint=endpoint,
                body=body,
                idempotency_key=f"wh:{endpoint.pk}:{event_id}",
            )
    return len(endpoints)


def webhook_send(row: OutboxMessage) -> str:
    """Send one queued event to its endpoint; the endpoint's answer id, or the event id."""
    endpoint = WebhookEndpoint.objects.filter(
        workspace_id=row.workspace_id, pk=row.payload.get("endpoint")
    ).first()
    if endpoint is None or not endpoint.enabled:
        raise TransportError("the webhook endpoint was removed or turned off", permanent=True)
    body = json.dumps(row.payload["body"], ensure_ascii=False).encode()
    signing.signed_post(
        endpoint.url,
        body,
        secret=endpoint.secret,
        key=row.payload["body"]["id"],
        event=row.payload["body"]["event"],
    )
    return row.payload["body"]["id"]
