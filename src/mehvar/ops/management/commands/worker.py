"""``mehvar worker``: run background tasks, beat the heartbeat and schedule periodic jobs.

The main thread runs django_tasks_db's worker loop over every queue; a second thread writes the heartbeat and
ticks the scheduler (mehvar.ops.heartbeat). SIGINT (Ctrl-C) or SIGTERM stops it cleanly: the running task is
finished first, a second signal aborts it (``GracefulWorker``).
"""

import logging
import signal
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker

from mehvar.ops.heartbeat import Heartbeat, new_worker_id

logger = logging.getLogger(__name__)


class GracefulWorker(Worker):
    """django_tasks_db's worker, stopped only between statements by a first signal.

    The library's worker exits at once (``sys.exit`` from the signal handler) when a signal arrives while no
    task runs, which includes the moment it claims the next task inside its claim transaction: a SystemExit in
    the middle of that COMMIT leaves the connection mid-statement, and the process ends with an error instead
    of stopping cleanly. Here the first signal only ends the loop: a claim in progress commits, a claimed task
    runs to its end, and the worker leaves before its next poll (within ``--interval``). A second signal
    aborts at once, as in the library."""

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        if not self.running:
            super().shutdown(signum, frame)  # the second signal: abort now
            return
        logger.warning("Received %s: stopping after the current step.", signal.strsignal(signum))
        self.running = False


class Command(BaseCommand):
    help = "Run background tasks and periodic jobs until stopped (Ctrl-C or SIGTERM)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--batch",
            "--once",
            action="store_true",
            dest="batch",
            help="Run the due periodic jobs and every waiting task, then exit (for cron and tests).",
        )
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after running this many tasks.")
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="Seconds to wait when no task is waiting (default: WORKER_POLL_INTERVAL).",
        )
        parser.add_argument(
            "--no-schedule",
            action="store_false",
            dest="schedule",
            help="Do not enqueue periodic jobs from this worker (another worker does).",
        )
        parser.add_argument("--worker-id", default=None, help="A unique name (default: host-pid-random).")

    def handle(
        self,
        *,
        batch: bool,
        max_tasks: int | None,
        interval: float | None,
        schedule: bool,
        worker_id: str | None,
        **options: Any,
    ) -> None:
        if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
            raise CommandError("The worker needs the database task backend (TASKS in settings).")
        if max_tasks is not None and max_tasks < 1:
            raise CommandError("--max-tasks must be at least 1.")
        interval = settings.WORKER_POLL_INTERVAL if interval is None else interval
        if interval < 0:
            raise CommandError("--interval must not be negative.")
        worker_id = worker_id or new_worker_id()
        if len(worker_id) > 64:
            raise CommandError("--worker-id must be at most 64 characters.")

        worker = GracefulWorker(
            queue_names=["*"],
            excluded_queue_names=[],
            interval=interval,
            batch=batch,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=max_tasks,
            worker_id=worker_id,
        )
        heartbeat = Heartbeat(
            worker_id=worker_id, interval=settings.WORKER_HEARTBEAT_SECONDS, schedule=schedule
        )
        worker.configure_signals()
        try:
            heartbeat.beat()  # at once, so that due jobs are enqueued before the loop and /healthz sees us
            heartbeat.start()
            if options["verbosity"] > 0:
                self.stdout.write(
                    f"Worker {worker_id} started (polling every {interval}s). Stop with Ctrl-C."
                )
            worker.run()
        finally:
            heartbeat.stop(timeout=settings.WORKER_HEARTBEAT_SECONDS + 5)
            if options["verbosity"] > 0:
                self.stdout.write(f"Worker {worker_id} stopped.")
