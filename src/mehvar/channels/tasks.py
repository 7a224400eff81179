"""Background work of the channels: sending queued messages and the sweep that retries and recovers."""

import datetime as dt

from django_tasks import task

from mehvar.channels import outbox, retention
from mehvar.channels.email import tasks as email_tasks  # noqa: F401 (registers the IMAP poll with the scheduler)
from mehvar.ops.schedule import periodic


@task()
def outbox_send_task(outbox_id: int, *, workspace_id: int) -> str:
    return outbox.outbox_send(outbox_id=outbox_id)


@periodic(every=dt.timedelta(seconds=10))
@task()
def outbox_sweep_task() -> int:
    return outbox.outbox_sweep()


@periodic(every=dt.timedelta(hours=6))
@task()
def inbound_raw_forget_task() -> int:
    """Raw webhook payloads older than the retention are forgotten (channels/retention.py)."""
    return retention.inbound_raw_forget()
