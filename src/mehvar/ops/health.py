"""What /healthz reports: can we reach the database, and has a worker beaten its heartbeat recently?"""

import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Max
from django.utils import timezone

from mehvar.ops.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def database_health() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("Health check: database unreachable: %s", exc)
        return {"ok": False, "vendor": connection.vendor, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor}


def worker_health() -> dict[str, Any]:
    stale_after = settings.WORKER_HEARTBEAT_STALE_SECONDS
    try:
        last_beat = WorkerHeartbeat.objects.aggregate(last=Max("beat_at"))["last"]
    except DatabaseError:
        return {"ok": False, "last_beat_seconds_ago": None, "stale_after_seconds": stale_after}
    seconds_ago = None if last_beat is None else max(0, int((timezone.now() - last_beat).total_seconds()))
    return {
        "ok": seconds_ago is not None and seconds_ago <= stale_after,
        "last_beat_seconds_ago": seconds_ago,
        "stale_after_seconds": stale_after,
    }


def health_report() -> dict[str, Any]:
    database = database_health()
    worker = worker_health()
    return {
        "status": "ok" if database["ok"] and worker["ok"] else "fail",
        "database": database,
        "worker": worker,
    }
