"""Helpers for the ops tests: run waiting tasks in this process, and start a real worker process."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def new_worker(
    worker_class: type[Worker] = Worker, *, batch: bool, interval: float, worker_id: str
) -> Worker:
    """A worker loop over every queue of the default backend, as ``mehvar worker`` builds it."""
    return worker_class(
        queue_names=["*"],
        excluded_queue_names=[],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
    )


def run_waiting_tasks() -> int:
    """Claim and run every waiting task with django_tasks_db's own Worker.run_task, as the loop would."""
    worker = new_worker(batch=True, interval=0, worker_id="in-test")
    ran = 0
    for result in list(DBTaskResult.objects.ready()):
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran


def database_url() -> str:
    """The URL of the test database for a child process (SQLite file or PostgreSQL test database)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    if connection.vendor == "postgresql":
        credentials = quote(s.get("USER") or "", safe="")
        if s.get("PASSWORD"):
            credentials += ":" + quote(s["PASSWORD"], safe="")
        host = s.get("HOST") or "localhost"
        if host.startswith("/"):  # a Unix socket directory
            host = quote(host, safe="")
        elif ":" in host:  # an IPv6 address
            host = f"[{host}]"
        port = f":{s['PORT']}" if s.get("PORT") else ""
        at = f"{credentials}@" if credentials else ""
        return f"postgres://{at}{host}{port}/{quote(s['NAME'], safe='')}"
    raise NotImplementedError(connection.vendor)


class WorkerProcess:
    def __init__(self, tmp_path: Path, *args: str) -> None:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=database_url(),
            MEHVAR_VAR_DIR=str(settings.VAR_DIR),
            MEHVAR_FAST_HASHER=os.environ.get("MEHVAR_FAST_HASHER", "1"),
            PYTHONUNBUFFERED="1",
        )
        self.log_path = tmp_path / "worker.log"
        self.log = self.log_path.open("wb")
        mehvar = Path(sys.executable).parent / "mehvar"
        self.process = subprocess.Popen(
            [str(mehvar), "worker", *args], env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    @property
    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def wait_until(self, condition, *, timeout: float = 30.0, what: str = "the condition") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited ({self.process.returncode}) before {what}:\n{self.output}")
            time.sleep(0.1)
        pytest.fail(f"timed out waiting for {what}:\n{self.output}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"the worker did not stop within {timeout}s:\n{self.output}")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def worker_process(tmp_path):
    started: list[WorkerProcess] = []

    def start(*args: str) -> WorkerProcess:
        process = WorkerProcess(tmp_path, *args)
        started.append(process)
        return process

    yield start
    for process in started:
        process.close()
