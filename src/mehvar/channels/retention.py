"""How long the raw payloads of inbound webhooks are kept.

Every webhook is stored as received (``InboundEvent.body``, headers, query) so that it can be processed
again after a bug; once processed and older than ``MEHVAR_INBOUND_RAW_DAYS`` (30 by default) its raw
payload is forgotten: the row stays with its status, times and result (the ids of what it made). What the
customer wrote lives on in the conversation's message, where an erasure finds it.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from mehvar.channels.models import InboundEvent

RAW_DAYS_DEFAULT = 30
BATCH = 5000


def raw_days() -> int:
    return int(getattr(settings, "MEHVAR_INBOUND_RAW_DAYS", RAW_DAYS_DEFAULT))


def raw_kept_since(now: dt.datetime | None = None) -> dt.datetime:
    """Events received before this moment no longer hold their payload (once processed)."""
    return (now or timezone.now()) - dt.timedelta(days=raw_days())


def inbound_raw_forget(now: dt.datetime | None = None) -> int:
    """Blank the payloads of processed or failed events older than the retention; how many.

    Walks the primary key in batches (events arrive in time order, so the old ones come first)."""
    old = (
        InboundEvent.objects.filter(received_at__lt=raw_kept_since(now))
        .exclude(status=InboundEvent.Status.PENDING)
        .exclude(body=b"")
    )
    forgotten, after = 0, 0
    while True:
        ids = list(old.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            return forgotten
        forgotten += events_forget(ids)
        after = ids[-1]


def events_forget(events: list[int]) -> int:
    """Blank these events' payloads now (an erasure)."""
    return InboundEvent.objects.filter(pk__in=events).update(body=b"", headers={}, query={})
