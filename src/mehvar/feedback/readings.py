"""Reading inbound customer messages, off the inbox's hot path.

``message_readings_run()`` (the body of a task that runs every minute) finds the inbound messages (direction
``in``: not notes, not replies, not system lines) with text that have no ``MessageReading`` yet, oldest
first, and analyses them per workspace in batches of ``BATCH_SIZE``: one ``feedback_analyze`` call per batch
(the workspace's own model when it has one), one bulk insert. The inbox itself is not touched: receiving a
message costs nothing more.

Where to look: the messages after the newest one read, less ``LOOKBACK_IDS`` ids (a message whose
transaction committed after later ones were read is still found), walked by primary key. The first run
after installing reads the whole history, ``MAX_BATCHES`` batches a run. Two runs that overlap analyse some
messages twice but store them once (``ignore_conflicts`` on the one-to-one message key).
"""

import logging
from itertools import groupby

from django.db.models import Max
from django.utils import timezone

from mehvar.feedback.analysis import feedback_analyze
from mehvar.feedback.models import MessageReading

logger = logging.getLogger("mehvar.feedback")

BATCH_SIZE = 500
MAX_BATCHES = 4  # 2,000 messages a run, about a second on one core (a worker stops between tasks)
LOOKBACK_IDS = 50_000
INBOUND = "in"


def _unread(limit: int) -> list[tuple[int, int, str]]:
    """(message id, workspace id, text) of unread inbound messages with text, oldest first."""
    from mehvar.conversations.models import Message

    newest = MessageReading.objects.aggregate(newest=Max("message_id"))["newest"] or 0
    rows = (
        Message.objects.filter(
            pk__gt=max(newest - LOOKBACK_IDS, 0),
            direction=INBOUND,
            feedback_reading__isnull=True,
        )
        .exclude(text="")
        .order_by("pk")
        .values_list("pk", "workspace_id", "text")[:limit]
    )
    return list(rows)


def message_readings_run(*, batch_size: int = BATCH_SIZE, max_batches: int = MAX_BATCHES) -> int:
    """Read the unread inbound messages (see the module's docstring); the number of readings stored."""
    rows = _unread(batch_size * max_batches)
    stored = 0
    # Grouped by workspace (each may have its own model); a workspace's messages stay oldest first.
    for workspace_id, group in groupby(sorted(rows, key=lambda row: (row[1], row[0])), key=lambda r: r[1]):
        messages = list(group)
        for start in range(0, len(messages), batch_size):
            batch = messages[start : start + batch_size]
            results = feedback_analyze(texts=[text for _pk, _ws, text in batch], workspace=workspace_id)
            now = timezone.now()
            readings = [
                MessageReading(
                    workspace_id=workspace_id,
                    message_id=pk,
                    sentiment=result.sentiment,
                    score=result.score,
                    topics=list(result.topics),
                    urgency=result.urgency,
                    abusive=result.abusive,
                    model=result.model,
                    created_at=now,
                )
                for (pk, _ws, _text), result in zip(batch, results, strict=True)
            ]
            MessageReading.objects.bulk_create(readings, ignore_conflicts=True)
            stored += len(readings)
    if stored:
        logger.info("feedback: %s inbound messages read", stored)
    return stored
