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

**Provisional readings.** While no model can answer (the base model is missing, stale or corrupt and being
rebuilt) the keyword rules read, and the reading says so (``model == "rules"``).
``provisional_readings_run()`` (the same task, after the new messages) reads those again once a model
answers: inbound messages' readings and imported reviews, ``BATCH_SIZE`` of each a run, oldest first, found
through a partial index on the provisional rows only. A reading the model makes replaces the rules' one; one
the rules make again (the model went away meanwhile) is left for the next run. Survey comments are not read
again: their sentiment has already opened a recovery task or not, and counted in the monthly roll-ups.
"""

import logging
from collections.abc import Callable
from itertools import groupby
from operator import attrgetter
from typing import Any

from django.db.models import Max
from django.utils import timezone

from mehvar.feedback.analysis import MODEL_RULES, feedback_analyze, feedback_base_model
from mehvar.feedback.models import MessageReading, Reading, Review

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


READING_FIELDS = ("sentiment", "score", "topics", "urgency", "abusive", "model")


def provisional_readings_run(*, batch_size: int = BATCH_SIZE) -> int:
    """Read again what the keyword rules read while no model could answer (see the module's docstring);
    the number of readings replaced. Nothing is done while the rules still answer."""
    if feedback_base_model() is None:
        return 0
    messages = MessageReading.objects.filter(model=MODEL_RULES).select_related("message")
    replaced = _read_again(list(messages.order_by("pk")[:batch_size]), lambda row: row.message.text)
    reviews = Review.objects.filter(model=MODEL_RULES)
    replaced += _read_again(list(reviews.order_by("pk")[:batch_size]), lambda row: row.text)
    if replaced:
        logger.info("feedback: %s provisional readings replaced by the model's", replaced)
    return replaced


def _read_again(rows: list[Reading], text_of: Callable[[Any], str]) -> int:
    changed: list[Reading] = []
    by_workspace = attrgetter("workspace_id")
    for workspace_id, group in groupby(sorted(rows, key=by_workspace), key=by_workspace):
        batch = list(group)
        results = feedback_analyze(texts=[text_of(row) for row in batch], workspace=workspace_id)
        for row, result in zip(batch, results, strict=True):
            if result.model == MODEL_RULES:
                continue
            row.sentiment, row.score, row.topics = result.sentiment, result.score, list(result.topics)
            row.urgency, row.abusive, row.model = result.urgency, result.abusive, result.model
            changed.append(row)
    if changed:
        type(changed[0]).objects.bulk_update(changed, READING_FIELDS)
    return len(changed)
