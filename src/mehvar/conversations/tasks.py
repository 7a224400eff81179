"""Background work of the inbox: processing inbound events, and the sweeps."""

import datetime as dt

from django_tasks import task

from mehvar.conversations import inbound
from mehvar.ops.schedule import periodic


@task()
def inbound_event_task(event_id: int, *, workspace_id: int) -> dict:
    return inbound.inbound_event_process(event_id=event_id)


@task()
def inbound_drain_task(*, channel_id: int, workspace_id: int) -> dict:
    """The channel's waiting inbound events, in batches (``inbound_drain``; the webhooks enqueue it)."""
    from mehvar.conversations.inbound_drain import inbound_drain

    return inbound_drain(channel_id=channel_id, workspace_id=workspace_id)


@periodic(every=dt.timedelta(minutes=1))
@task()
def inbound_retry_task() -> int:
    return inbound.inbound_retry_due()


@periodic(every=dt.timedelta(minutes=1))
@task()
def sla_sweep_task() -> dict:
    from mehvar.conversations.sla_sweep import sla_sweep

    return sla_sweep()


@periodic(every=dt.timedelta(minutes=1))
@task()
def routing_queue_task() -> int:
    from mehvar.conversations.routing_presence import routing_queue_sweep

    return routing_queue_sweep()
