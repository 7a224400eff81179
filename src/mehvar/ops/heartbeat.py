"""The worker's second thread: a heartbeat every WORKER_HEARTBEAT_SECONDS, and the scheduler's tick with it.

The thread has its own database connection (Django's connections are per thread) and closes it when it stops.
Errors are logged and retried on the next beat: a database that is briefly locked must not stop the worker.
"""

import logging
import os
import socket
import threading

from django.db import close_old_connections, connections
from django.utils import timezone
from django.utils.crypto import get_random_string

from mehvar.ops.schedule import schedule_tick
from mehvar.ops.services import worker_heartbeat_beat, worker_heartbeat_delete

logger = logging.getLogger(__name__)


def new_worker_id() -> str:
    """Readable and unique: host, process id and a random suffix (django_tasks_db allows 64 characters)."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(8)}"


class Heartbeat(threading.Thread):
    def __init__(self, *, worker_id: str, interval: float, schedule: bool = True) -> None:
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.interval = interval
        self.schedule = schedule
        self.hostname = socket.gethostname()
        self.pid = os.getpid()
        self.started_at = timezone.now()
        self._stopping = threading.Event()

    def beat(self) -> None:
        """One heartbeat and one scheduler tick; safe to call from any thread."""
        now = timezone.now()
        try:
            worker_heartbeat_beat(
                worker_id=self.worker_id,
                hostname=self.hostname,
                pid=self.pid,
                started_at=self.started_at,
                now=now,
            )
            if self.schedule:
                schedule_tick(now=now)
        except Exception:
            logger.exception(
                "Heartbeat of worker %s failed; trying again in %ss", self.worker_id, self.interval
            )

    def run(self) -> None:
        try:
            while not self._stopping.wait(self.interval):
                close_old_connections()
                self.beat()
        finally:
            try:
                worker_heartbeat_delete(worker_id=self.worker_id)
            except Exception:
                logger.exception("Could not remove the heartbeat of worker %s", self.worker_id)
            connections.close_all()  # this thread's connections only

    def stop(self, timeout: float | None = None) -> None:
        """Stop beating and remove this worker's row (the thread does it, or we do if it never started)."""
        self._stopping.set()
        if self.ident is None:
            worker_heartbeat_delete(worker_id=self.worker_id)
        else:
            self.join(timeout)
