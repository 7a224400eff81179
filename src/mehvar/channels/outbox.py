"""The outbox: every outgoing message is a row first, then a send; nothing lost, nothing sent twice.

``outbox_enqueue`` writes the row in the caller's transaction (its idempotency key is unique per workspace: a
retried request finds the row already there) and enqueues a send when the transaction commits.

``outbox_send`` *claims* the row with a conditional UPDATE (pending and due, or claimed by a sender whose
lease has run out) before calling the adapter; only the claimant sends. A worker killed mid-send leaves the
row "sending" with a claim; after ``OUTBOX_LEASE`` the sweep claims it again and sends again with the same
idempotency key, which the provider (and the local test peers) use to drop the repeat. Transient errors retry
with exponential backoff up to ``MAX_ATTEMPTS``; permanent ones fail at once and say why.

Delivery reports (``delivery_report_apply``) only move a message forward (unknown → undelivered → delivered →
read), so replayed or out-of-order reports change nothing.
"""

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from mehvar.channels.base import DeliveryReport, Outbound, OutboundAttachment, TransportError
from mehvar.channels.models import Channel, OutboxMessage
from mehvar.channels.registry import adapter_for
from mehvar.core.models import Workspace
from mehvar.ops.background import enqueue_on_commit

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_MAX = dt.timedelta(hours=2)
_DELIVERY_RANK = {"": 0, "undelivered": 1, "delivered": 2, "read": 3}


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "OUTBOX_LEASE_SECONDS", 120))


def backoff(attempts: int) -> dt.timedelta:
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def outbox_enqueue(
    *,
    workspace: Workspace,
    channel: Channel,
    to: str,
    payload: dict[str, Any],
    idempotency_key: str,
    purpose: str = "reply",
) -> OutboxMessage:
    """Queue one message (or return the one already queued under this key) and send it after commit."""
    if channel.workspace_id != workspace.pk:
        raise ValueError("the channel is not in this workspace")
    existing = OutboxMessage.objects.filter(workspace=workspace, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            row = OutboxMessage.objects.create(
                workspace=workspace,
                channel=channel,
                to=to,
                payload=payload,
                idempotency_key=idempotency_key,
                purpose=purpose,
            )
    except IntegrityError:
        return OutboxMessage.objects.get(workspace=workspace, idempotency_key=idempotency_key)
    from mehvar.channels.tasks import outbox_send_task

    enqueue_on_commit(outbox_send_task, row.pk, workspace_id=workspace.pk)
    return row


def outbox_enqueue_webhook(
    *, workspace: Workspace, endpoint: Any, body: dict[str, Any], idempotency_key: str
) -> OutboxMessage:
    """Queue one event for a webhook endpoint (see ``webhooks``); sent after commit like a message."""
    row, created = OutboxMessage.objects.get_or_create(
        workspace=workspace,
        idempotency_key=idempotency_key,
        defaults={
            "to": endpoint.url[:254],
            "purpose": "webhook",
            "payload": {"endpoint": endpoint.pk, "body": body},
        },
    )
    if created:
        from mehvar.channels.tasks import outbox_send_task

        enqueue_on_commit(outbox_send_task, row.pk, workspace_id=workspace.pk)
    return row


def _claimable(now: dt.datetime) -> Q:
    return Q(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=OutboxMessage.Status.SENDING, claimed_at__lt=now - lease()
    )


def _claim(outbox_id: int, now: dt.datetime) -> bool:
    from django.db.models import F

    claimed = OutboxMessage.objects.filter(_claimable(now), pk=outbox_id).update(
        status=OutboxMessage.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return claimed == 1


def _outbound(row: OutboxMessage) -> Outbound:
    payload = row.payload
    attachments = tuple(
        OutboundAttachment(filename=a["filename"], content_type=a["content_type"], content=_read(a["path"]))
        for a in payload.get("attachments", [])
    )
    return Outbound(
        to=row.to,
        text=payload.get("text", ""),
        html=payload.get("html", ""),
        subject=payload.get("subject", ""),
        thread_key=payload.get("thread_key", ""),
        references=tuple(payload.get("references", [])),
        idempotency_key=row.idempotency_key,
        attachments=attachments,
        data=payload.get("data", {}),
    )


def _read(path: str) -> bytes:
    from django.core.files.storage import default_storage

    with default_storage.open(path, "rb") as handle:
        return handle.read()


def outbox_send(*, outbox_id: int, now: dt.datetime | None = None) -> str:
    """Send one queued message if it is due and nobody else holds it. Returns its status afterwards."""
    now = now or timezone.now()
    if not _claim(outbox_id, now):
        return (
            OutboxMessage.objects.filter(pk=outbox_id).values_list("status", flat=True).first() or "missing"
        )
    row = OutboxMessage.objects.select_related("channel").get(pk=outbox_id)
    try:
        provider_id = _send(row)
    except TransportError as error:
        failed = error.permanent or row.attempts >= MAX_ATTEMPTS
        OutboxMessage.objects.filter(pk=row.pk, claimed_at=now).update(
            status=OutboxMessage.Status.FAILED if failed else OutboxMessage.Status.PENDING,
            next_attempt_at=now + max(backoff(row.attempts), dt.timedelta(seconds=error.retry_after or 0)),
            last_error=str(error)[:2000],
            claimed_at=None,
        )
        logger.info("outbox %s: %s (%s)", row.pk, error, "failed" if failed else "will retry")
        return OutboxMessage.Status.FAILED if failed else OutboxMessage.Status.PENDING
    OutboxMessage.objects.filter(pk=row.pk).update(
        status=OutboxMessage.Status.SENT,
        provider_id=provider_id[:200],
        sent_at=timezone.now(),
        last_error="",
        claimed_at=None,
    )
    return OutboxMessage.Status.SENT


def _send(row: OutboxMessage) -> str:
    if row.channel is None:
        from mehvar.channels.webhooks import webhook_send

        return webhook_send(row)
    if not row.channel.enabled:
        raise TransportError("the channel is turned off", permanent=True)
    return adapter_for(row.channel.kind).send(row.channel, _outbound(row))


def outbox_due_ids(*, now: dt.datetime | None = None, limit: int = 200) -> list[int]:
    """Rows the sweep should try: due pending ones and those whose sender vanished (stale claims)."""
    now = now or timezone.now()
    return list(
        OutboxMessage.objects.filter(_claimable(now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def outbox_sweep(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send what is due (retries, and rows a killed worker held). Returns how many were tried."""
    ids = outbox_due_ids(now=now, limit=limit)
    for outbox_id in ids:
        outbox_send(outbox_id=outbox_id)
    return len(ids)


def delivery_report_apply(*, channel: Channel, report: DeliveryReport) -> bool:
    """Record what the provider says became of a message. Only moves forward; True when something changed."""
    if report.status not in _DELIVERY_RANK or not report.status:
        return False
    rows = OutboxMessage.objects.filter(workspace_id=channel.workspace_id, channel=channel)
    if report.provider_id:
        rows = rows.filter(provider_id=report.provider_id)
    elif report.idempotency_key:
        rows = rows.filter(idempotency_key=report.idempotency_key)
    else:
        return False
    lower = [status for status, rank in _DELIVERY_RANK.items() if rank < _DELIVERY_RANK[report.status]]
    changed = rows.filter(delivery__in=lower).update(
        delivery=report.status, delivery_at=report.at or timezone.now()
    )
    return changed > 0
