"""Live inbox updates: server-sent events, with a polling fallback.

Every change to a conversation bumps its ``updated_at`` (the services and the inbound pipeline do it in the
same transaction as the change), so "what changed" is one indexed range read: the workspace's conversations
whose ``updated_at`` is recent (index ``conv_ws_updated``). The page is told the ticket numbers that changed
and fetches the fragments it shows (the queue's rows and counts, or the open conversation's thread).

``stream`` answers ``text/event-stream``: ``event: changed`` with ``{"numbers": [...], "since": ...}``, a
comment line every ``keepalive_seconds()`` so that proxies keep the connection, and an end after
``stream_seconds()`` (a few minutes); the browser then reconnects by itself (``retry:``) and sends the last
event id (``Last-Event-ID``, the moment it has seen up to), so nothing is missed between two streams.

- Under uvicorn the view is served by Django's ASGI handler (``core.serving.serve_async``; every other view
  goes to the WSGI handler, ADR 10), and the body is an async generator. Its first read (everything since
  the page's moment) runs in the request's thread, which then gives its database connection back; after
  that the stream listens to the workspace's ``Hub``: one poller per workspace and process, reading every
  ``POLL_SECONDS`` in a worker thread and handing the changes to every stream of that workspace. A hundred
  agents on one workspace cost one query every half second and hold no database connection each.
- Under a WSGI server (the test live server, ``runserver``) the same reads run as a plain generator in the
  request's thread, each stream polling for itself.

A transaction that commits after a later one carries an older ``updated_at`` than the newest already seen;
every read therefore looks ``OVERLAP`` back and each stream skips the (number, updated_at) pairs it has sent.

``poll`` is the fallback for browsers or proxies where the stream fails: the same read as JSON, asked every
few seconds by the page, which skips the pairs it has seen.
"""

import asyncio
import contextlib
import datetime as dt
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections, connection
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from mehvar.conversations.models import Conversation
from mehvar.core.roles import Perm
from mehvar.core.serving import serve_async
from mehvar.core.tenancy import workspace_view

logger = logging.getLogger(__name__)
POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0
RETRY_MILLISECONDS = 1000
OVERLAP = dt.timedelta(seconds=5)
MAX_CHANGES = 500
MAX_LOOKBACK = dt.timedelta(hours=1)
Pairs = list[tuple[int, dt.datetime]]


def keepalive_seconds() -> float:
    return float(getattr(settings, "MEHVAR_INBOX_KEEPALIVE_SECONDS", KEEPALIVE_SECONDS))


def stream_seconds() -> float:
    """How long one stream lasts before the browser reconnects (a few minutes; shorter in tests)."""
    return float(getattr(settings, "MEHVAR_INBOX_STREAM_SECONDS", 180))


def parse_since(value: str | None, now: dt.datetime) -> dt.datetime:
    """The moment the page last saw (ISO 8601 with a zone); now when missing or unreadable, never more than
    an hour back (an old tab reconnecting refreshes once rather than reading an hour of changes)."""
    try:
        since = dt.datetime.fromisoformat((value or "").strip().replace(" ", "+"))
    except ValueError:
        return now
    if since.tzinfo is None:
        return now
    return min(max(since, now - MAX_LOOKBACK), now)


def changes(*, workspace_id: int, since: dt.datetime) -> Pairs:
    """(number, updated_at) of the conversations changed after ``since - OVERLAP``, newest first."""
    return [
        (number, updated)
        for updated, number in Conversation.objects.filter(
            workspace_id=workspace_id, updated_at__gt=since - OVERLAP
        )
        .order_by("-updated_at")
        .values_list("updated_at", "number")[:MAX_CHANGES]
    ]


class Watcher:
    """What one stream has sent: the moment it has read up to (``since``) and the recent pairs.

    Its first batch only notes the overlap's pairs from before ``since`` (the page shows them already, or the
    previous stream sent them) and sends what is newer; later batches send every pair not sent yet.
    """

    def __init__(self, workspace_id: int, since: dt.datetime) -> None:
        self.workspace_id = workspace_id
        self.since = since
        self.sent: set[tuple[int, dt.datetime]] = set()
        self.started = False

    def accept(self, pairs: Pairs, now: dt.datetime) -> str:
        """The SSE event for a batch of changes read at ``now`` ("" when there is nothing new)."""
        fresh = []
        for number, updated in pairs:
            if (number, updated) in self.sent:
                continue
            self.sent.add((number, updated))
            if self.started or updated > self.since:
                fresh.append(number)
        self.started = True
        # Everything up to now is read (late commits still fall in the overlap of the next read).
        self.since = max([self.since, now, *(updated for _number, updated in pairs)])
        horizon = self.since - 2 * OVERLAP
        self.sent = {pair for pair in self.sent if pair[1] > horizon}
        if not fresh:
            return ""
        data = json.dumps({"numbers": sorted(set(fresh)), "since": self.since.isoformat()})
        return f"id: {self.since.isoformat()}\nevent: changed\ndata: {data}\n\n"

    def check(self) -> str:
        """Read and accept in one go (the WSGI stream, the first read of an ASGI stream)."""
        now = timezone.now()
        return self.accept(changes(workspace_id=self.workspace_id, since=self.since), now)


# --- ASGI: one poller per workspace and process ----------------------------------------------------------


_READER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbox-live")


def _reader_close() -> None:
    connection.close()


class Hub:
    """Reads a workspace's changes every POLL_SECONDS while at least one stream listens, and hands each batch
    to every listener's queue.

    Every hub of the process reads in one thread (``_READER``): one database connection for all of them,
    closed when the last hub stops.
    """

    hubs: dict[int, "Hub"] = {}

    def __init__(self, workspace_id: int) -> None:
        self.workspace_id = workspace_id
        self.since = timezone.now()
        self.listeners: set[asyncio.Queue[tuple[Pairs, dt.datetime]]] = set()
        self.task: asyncio.Task[None] | None = None

    @classmethod
    def join(cls, workspace_id: int) -> "asyncio.Queue[tuple[Pairs, dt.datetime]]":
        hub = cls.hubs.get(workspace_id)
        if hub is None or hub.task is None or hub.task.done():
            hub = cls.hubs[workspace_id] = Hub(workspace_id)
            hub.task = asyncio.get_running_loop().create_task(hub.run())
        queue: asyncio.Queue[tuple[Pairs, dt.datetime]] = asyncio.Queue(maxsize=100)
        hub.listeners.add(queue)
        return queue

    @classmethod
    def leave(cls, workspace_id: int, queue: "asyncio.Queue[tuple[Pairs, dt.datetime]]") -> None:
        hub = cls.hubs.get(workspace_id)
        if hub is None:
            return
        hub.listeners.discard(queue)
        if not hub.listeners:
            cls.hubs.pop(workspace_id, None)
            if hub.task is not None:
                hub.task.cancel()
            if not cls.hubs:  # after any read still running: the reader thread runs one thing at a time
                _READER.submit(_reader_close)

    def read(self) -> tuple[Pairs, dt.datetime]:
        close_old_connections()  # a worker thread's connection: renewed when too old or broken
        now = timezone.now()
        pairs = changes(workspace_id=self.workspace_id, since=self.since)
        self.since = max([self.since, now, *(updated for _number, updated in pairs)])
        return pairs, now

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while self.listeners:
            try:
                batch = await loop.run_in_executor(_READER, self.read)
            except Exception:  # the database went away for a moment: the streams wait, the hub retries
                logger.exception("live inbox read failed for workspace %s", self.workspace_id)
                await asyncio.sleep(POLL_SECONDS * 4)
                continue
            if batch[0]:
                for queue in list(self.listeners):
                    if queue.full():  # a stalled stream: drop its oldest batch rather than block the others
                        with contextlib.suppress(asyncio.QueueEmpty):
                            queue.get_nowait()
                    queue.put_nowait(batch)
            await asyncio.sleep(POLL_SECONDS)


def _first_read(watcher: Watcher) -> str:
    """The stream's own first read, in the request's thread, which then gives its connection back."""
    try:
        return watcher.check()
    finally:
        if not connection.in_atomic_block:  # (inside a test's transaction the connection stays)
            connection.close()


async def _async_events(watcher: Watcher, seconds: float) -> AsyncIterator[str]:
    yield f"retry: {RETRY_MILLISECONDS}\n\n"
    loop = asyncio.get_running_loop()
    keepalive = keepalive_seconds()
    started = last_sent = loop.time()
    event = await sync_to_async(_first_read)(watcher)
    if event:
        last_sent = loop.time()
        yield event
    queue = Hub.join(watcher.workspace_id)
    try:
        while (left := seconds - (loop.time() - started)) > 0:
            try:
                pairs, now = await asyncio.wait_for(queue.get(), timeout=min(left, keepalive))
            except TimeoutError:
                if loop.time() - last_sent >= keepalive:
                    last_sent = loop.time()
                    yield ": keep-alive\n\n"
                continue
            event = watcher.accept(pairs, now)
            if event:
                last_sent = loop.time()
                yield event
    finally:
        Hub.leave(watcher.workspace_id, queue)


# --- WSGI: the stream polls for itself ---------------------------------------------------------------------


def _sync_events(watcher: Watcher, seconds: float) -> Iterator[str]:
    yield f"retry: {RETRY_MILLISECONDS}\n\n"
    keepalive = keepalive_seconds()
    started = last_sent = time.monotonic()
    while time.monotonic() - started < seconds:
        event = watcher.check()
        if event:
            last_sent = time.monotonic()
            yield event
        elif time.monotonic() - last_sent >= keepalive:
            last_sent = time.monotonic()
            yield ": keep-alive\n\n"
        time.sleep(POLL_SECONDS)


@serve_async
@workspace_view(Perm.CONVERSATIONS_VIEW)
@require_GET
def stream(request: HttpRequest) -> HttpResponse:
    """``text/event-stream`` of the workspace's changed conversations (see the module docstring)."""
    now = timezone.now()
    since = parse_since(request.headers.get("Last-Event-ID") or request.GET.get("since"), now)
    watcher = Watcher(request.workspace.pk, since)  # type: ignore[attr-defined]
    seconds = stream_seconds()
    if isinstance(request, ASGIRequest):
        content: AsyncIterator[str] | Iterator[str] = _async_events(watcher, seconds)
    else:
        content = _sync_events(watcher, seconds)
    response = StreamingHttpResponse(content, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-transform"
    response["X-Accel-Buffering"] = "no"  # nginx: pass events on at once
    return response


@workspace_view(Perm.CONVERSATIONS_VIEW)
@require_GET
def poll(request: HttpRequest) -> HttpResponse:
    """The fallback: ``{"changes": [[number, updated_at, newer], ...], "since": ...}``.

    The changes include the overlap before ``?since=``; ``newer`` says which are after it. The page skips
    pairs it has seen, and on its first poll the overlap's pairs that are not newer (as a stream does).
    """
    now = timezone.now()
    since = parse_since(request.GET.get("since"), now)
    found = changes(workspace_id=request.workspace.pk, since=since)  # type: ignore[attr-defined]
    newest = max([since, now, *(updated for _number, updated in found)])
    return JsonResponse(
        {
            "changes": [[number, updated.isoformat(), updated > since] for number, updated in found],
            "since": newest.isoformat(),
        }
    )
