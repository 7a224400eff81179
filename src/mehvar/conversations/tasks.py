"""Background work of the inbox: processing inbound events, and the sweeps."""

import datetime as dt

from django_tasks import task

from mehvar.conversations import inbound
from mehvar.ops.schedule import periodic


@task()
def inbound_event_task(event_id: int, *, workspace_id: int) -> dict:
    return inbound.inbound_event_process(event_id=event_id)


@periodic(every=dt.timedelta(minutes=1))
@task()
def inbound_retry_task() -> int:
    return inbound.inbound_retry_due()
