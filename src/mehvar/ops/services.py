"""Writes of the ops domain: heartbeats and the housekeeping that keeps the database small.

These are installation-wide, not a workspace's data, so they write no audit entries.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from mehvar.accounts.models import LoginFailure
from mehvar.ops.models import WorkerHeartbeat

TASK_RESULT_RETENTION = dt.timedelta(days=14)


def heartbeat_retention() -> dt.timedelta:
    """How long a silent worker's row is kept (so /healthz can say how long ago it was last seen)."""
    return max(dt.timedelta(hours=1), 2 * dt.timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS))


@transaction.atomic
def worker_heartbeat_beat(
    *, worker_id: str, hostname: str, pid: int, started_at: dt.datetime, now: dt.datetime
) -> None:
    """Record that this worker is alive, and forget workers silent for longer than the retention."""
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(beat_at=now)
    if not updated:
        WorkerHeartbeat.objects.create(
            worker_id=worker_id, hostname=hostname[:255], pid=pid, started_at=started_at, beat_at=now
        )
    WorkerHeartbeat.objects.filter(beat_at__lt=now - heartbeat_retention()).delete()


def worker_heartbeat_delete(*, worker_id: str) -> None:
    """A worker that stops cleanly removes its row: /healthz then reports no worker at once."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def login_failures_prune(*, now: dt.datetime) -> int:
    """Forget failed sign-ins well past the throttling window (four windows, to keep some history)."""
    cutoff = now - 4 * dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    deleted, _ = LoginFailure.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def task_results_prune(*, now: dt.datetime) -> int:
    """Forget finished (successful or failed) task results older than the retention; waiting ones stay."""
    cutoff = now - TASK_RESULT_RETENTION
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted
