"""The moving parts of ``inbound_latency``: the servers it starts, the webhook senders and the inbox listener.

- ``servers``: uvicorn serving ``mehvar.config.asgi:application`` (as ``make demo`` serves it) and one
  ``mehvar worker`` process, both against the benchmark's database; stopped (SIGTERM, then SIGKILL after a
  grace period) when the block ends, whatever happened in it. Their output goes to log files, whose tail is
  shown when a server fails.
- ``Senders``: threads that POST signed webhooks at a fixed rate (open loop: each message has its moment,
  a slow answer does not delay the others), each thread over its own keep-alive connection.
- ``Listener``: a thread reading the inbox's live updates (``/w/<slug>/inbox/live/``, server-sent events)
  as a signed-in agent, noting when each ``changed`` event arrived and which ticket numbers it named;
  it reconnects with ``Last-Event-ID`` when a stream ends.

All times are wall-clock seconds (``time.time()``), so that they compare with the database's timestamps
written by the other processes on the same machine.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STOP_GRACE_SECONDS = 15
REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM (a worker finishes its task, uvicorn closes its connections), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_GRACE_SECONDS)


def _wait_until_serving(port: int, web: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if web.poll() is not None:
            raise RuntimeError(f"uvicorn stopped (status {web.returncode}):\n{_tail(log)}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"uvicorn did not answer on port {port} within {seconds:.0f} s:\n{_tail(log)}")


@dataclass
class Servers:
    port: int
    processes: dict[str, subprocess.Popen]  # "uvicorn", "worker-1", "worker-2", ...
    logs: dict[str, Path]

    def check(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} stopped (status {process.returncode}):\n{_tail(self.logs[name])}")


@contextmanager
def servers(*, env: dict[str, str], web_settings: str, log_dir: Path, workers: int = 1) -> Iterator[Servers]:
    """uvicorn (with the settings module ``web_settings``) and ``workers`` ``mehvar worker`` processes (no
    scheduler) with ``env``; all stopped when the block ends."""
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    commands = {
        "uvicorn": [
            sys.executable, "-m", "uvicorn", "mehvar.config.asgi:application", "--host", "127.0.0.1",
            "--port", str(port), "--lifespan", "off", "--no-access-log", "--timeout-graceful-shutdown", "5",
        ],
        **{f"worker-{n}": [sys.executable, "-m", "mehvar", "worker", "--no-schedule"]
           for n in range(1, workers + 1)},
    }  # fmt: skip
    logs = {name: log_dir / f"inbound-{name}.log" for name in commands}
    started: dict[str, subprocess.Popen] = {}
    try:
        for name, command in commands.items():
            own = {**env, "DJANGO_SETTINGS_MODULE": web_settings} if name == "uvicorn" else env
            with logs[name].open("wb") as out:
                started[name] = subprocess.Popen(
                    command, env=own, cwd=REPO, stdout=out, stderr=subprocess.STDOUT
                )
        _wait_until_serving(port, started["uvicorn"], logs["uvicorn"])
        yield Servers(port, started, logs)
    finally:
        for process in started.values():
            _stop(process)


def child_env(database_url: str, poll_interval: float) -> dict[str, str]:
    """The servers' environment: this one with the benchmark's database, DEBUG off, a short worker poll."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "mehvar.config.settings",
        "MEHVAR_ENV": "local",
        "DEBUG": "0",
        "WORKER_POLL_INTERVAL": str(poll_interval),
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")])),
    }


# --- Webhook senders --------------------------------------------------------------------------------------


@dataclass
class Sent:
    sent: float = 0.0  # wall clock, just before the request
    answered: float = 0.0  # wall clock, the answer read
    status: int = 0


class Senders:
    """POST ``bodies[n]`` (``headers[n]``) to ``path`` at ``start + n / rate`` over ``threads`` threads."""

    def __init__(
        self,
        *,
        port: int,
        path: str,
        bodies: list[bytes],
        headers: list[dict[str, str]],
        rate: float,
        threads: int,
    ) -> None:
        self.port, self.path, self.bodies, self.headers, self.rate = port, path, bodies, headers, rate
        self.threads = threads
        self.results = [Sent() for _ in bodies]
        self.errors: list[str] = []

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def _run(self, offset: int, start: float) -> None:
        connection = self._connect()
        for n in range(offset, len(self.bodies), self.threads):
            delay = start + n / self.rate - time.time()
            if delay > 0:
                time.sleep(delay)
            result = self.results[n]
            for attempt in (1, 2):
                try:
                    result.sent = time.time()
                    connection.request("POST", self.path, body=self.bodies[n], headers=self.headers[n])
                    response = connection.getresponse()
                    response.read()
                    result.answered, result.status = time.time(), response.status
                    break
                except (OSError, http.client.HTTPException) as error:
                    connection.close()
                    connection = self._connect()
                    if attempt == 2:
                        self.errors.append(f"message {n}: {error!r}")
        connection.close()

    def send(self) -> None:
        start = time.time() + 0.2
        workers = [
            threading.Thread(target=self._run, args=(n, start), daemon=True) for n in range(self.threads)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()


# --- The inbox's live updates -----------------------------------------------------------------------------


@dataclass
class Listener:
    """Reads ``changed`` events of the inbox's SSE stream; ``events`` holds (arrival, numbers)."""

    port: int
    path: str  # /w/<slug>/inbox/live/
    cookie: str
    since: str
    events: list[tuple[float, list[int]]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    streams: int = 0  # how many streams were opened (a stream ends after live.stream_seconds())
    connected: threading.Event = field(default_factory=threading.Event)
    _stopping: bool = False
    _connection: Any = None
    _thread: Any = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        if not self.connected.wait(30):
            raise RuntimeError(f"the live stream did not open: {self.errors}")

    def stop(self) -> None:
        self._stopping = True
        connection = self._connection
        if connection is not None and connection.sock is not None:
            with suppress(OSError):
                connection.sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        last_id = ""
        while not self._stopping:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            self._connection = connection
            headers = {"Cookie": self.cookie, "Accept": "text/event-stream"}
            if last_id:
                headers["Last-Event-ID"] = last_id
            try:
                connection.request("GET", f"{self.path}?since={self.since}", headers=headers)
                response = connection.getresponse()
                if response.status != 200:
                    self.errors.append(f"live stream answered {response.status}")
                    return
                self.connected.set()
                self.streams += 1
                last_id = self._read(response, last_id)
            except (OSError, http.client.HTTPException) as error:
                if not self._stopping:
                    self.errors.append(repr(error))
                    time.sleep(0.5)
            finally:
                connection.close()

    def _read(self, response: http.client.HTTPResponse, last_id: str) -> str:
        event, data = "", ""
        while not self._stopping:
            line = response.readline()
            if not line:
                return last_id  # the stream ended: reconnect
            text = line.decode("utf-8").rstrip("\r\n")
            if text.startswith("event:"):
                event = text[6:].strip()
            elif text.startswith("data:"):
                data += text[5:].strip()
            elif text.startswith("id:"):
                last_id = text[3:].strip()
            elif not text:
                if event == "changed" and data:
                    self.events.append((time.time(), json.loads(data)["numbers"]))
                event, data = "", ""
        return last_id
