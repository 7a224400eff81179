"""Draining a channel's waiting inbound events in batches: one task for many webhooks (ADR 9).

The hook view stores each event and calls ``inbound_drain_request``: after the commit, a drain task of the
channel is enqueued unless one is already waiting to start (it will see the new event, committed before
it starts). A drain (``inbound_drain``) claims the channel's events that were never tried, ``CLAIM`` at a
time and oldest first, and processes each as ``inbound.inbound_event_process`` would: each message in a
transaction of its own, so one bad event never blocks the others, and a replayed or retried event never
stores a message twice (the message's external id). The round's processed events are marked in one
statement at its end (a worker that dies before leaves them waiting: the minute retry finds their messages
stored and marks them). It goes on while events keep coming, up to ``BATCH_MAX_EVENTS`` events or
``BATCH_MAX_SECONDS``, then asks for another drain, which waits behind the tasks already queued.

**Claiming.** Events are picked and their first attempt counted in one short transaction (on PostgreSQL
with ``SKIP LOCKED``), so that two workers draining one channel take different events, and an event that
kills its worker is not taken again by a drain: ``attempts`` is already 1. Events that failed, and events
whose worker died, are left to the minute retry (``inbound.inbound_retry_due``), as before.

**Settings.** Each round of claimed events is processed inside one ``core.memo`` scope: the inbox settings,
business calendar, SLA policies, automation rules and webhook endpoints are read once per round instead of
once per message. Every event of a round was received before the round read them.
"""

import logging
import time
from functools import partial

from django.db import connection, transaction
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from mehvar.channels.models import Channel, InboundEvent
from mehvar.conversations.inbound import inbound_event_apply, inbound_events_mark
from mehvar.core.memo import workspace_memo_scope
from mehvar.ops.background import enqueue_on_commit

logger = logging.getLogger(__name__)
CLAIM = 10
BATCH_MAX_EVENTS = 100
BATCH_MAX_SECONDS = 2.0


def inbound_drain_request(*, channel: Channel) -> None:
    """Once the current transaction commits, make sure a drain of ``channel`` is waiting to start."""
    transaction.on_commit(partial(_request, channel.pk, channel.workspace_id))


def _request(channel_id: int, workspace_id: int) -> None:
    from mehvar.conversations.tasks import inbound_drain_task

    if isinstance(inbound_drain_task.get_backend(), DatabaseBackend):
        waiting = DBTaskResult.objects.ready().filter(
            task_path=inbound_drain_task.module_path, args_kwargs__kwargs__channel_id=channel_id
        )
        if waiting.exists():
            return
    enqueue_on_commit(inbound_drain_task, channel_id=channel_id, workspace_id=workspace_id)


def _claim(channel: Channel, limit: int) -> list[InboundEvent]:
    """Up to ``limit`` of the channel's events never tried, oldest first, with their first attempt counted."""
    with transaction.atomic():
        rows = InboundEvent.objects.filter(
            workspace_id=channel.workspace_id,
            channel=channel,
            status=InboundEvent.Status.PENDING,
            attempts=0,
        ).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        events = list(rows[:limit])
        if events:
            InboundEvent.objects.filter(pk__in=[event.pk for event in events], attempts=0).update(attempts=1)
    for event in events:
        event.attempts, event.channel = 1, channel
    return events


def inbound_drain(*, channel_id: int, workspace_id: int) -> dict:
    """Process the channel's waiting events (see the module docstring); how many were processed, failed,
    and whether another drain was asked for."""
    channel = (
        Channel.objects.select_related("workspace").filter(pk=channel_id, workspace_id=workspace_id).first()
    )
    if channel is None:
        return {"processed": 0, "failed": 0, "more": False}
    started, processed, failed = time.monotonic(), 0, 0
    more = False
    while True:
        if processed + failed >= BATCH_MAX_EVENTS or time.monotonic() - started >= BATCH_MAX_SECONDS:
            more = True
            break
        events = _claim(channel, CLAIM)
        if not events:
            break
        done: list[InboundEvent] = []
        with workspace_memo_scope(channel.workspace):
            for event in events:
                try:
                    outcome = inbound_event_apply(event=event, channel=channel, mark=False)
                except Exception:  # one bad event never blocks the others; the minute retry tries it again
                    logger.exception("inbound event %s failed", event.pk)
                    outcome = {"error": "exception"}
                if "error" in outcome:
                    failed += 1
                else:
                    done.append(event)
        inbound_events_mark(done)  # one statement for the round
        processed += len(done)
    if more:
        inbound_drain_request(channel=channel)
    return {"processed": processed, "failed": failed, "more": more}
