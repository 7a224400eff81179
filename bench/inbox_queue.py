"""The inbox queue page's server time: GET /w/<slug>/inbox/?queue=... beside the raw SQL of its core read.

Measured: Django's test ``Client`` requesting the queue page as signed-in agents of the bench360 workspace
(DEBUG off, the whole middleware stack, the queue form, ``queue_conversations`` + ``queue_page`` (keyset
page with customer, channel, assignee, team and tags), each row's last message, the counts of every queue
and the template), for the queues mine, unassigned, all, breaching soon, overdue and a filtered one (all
open conversations of one channel with high priority), in equal turns, spread over the five agents with
the most open conversations. Every URL is requested once untimed first (warm caches), then the timed pass.
p50/p95/p99 overall and p95 per queue, and the number of SQL queries per page (min and max: a page with
rows must always take the same number, whatever the queue or the agent; an empty page skips the tags and
last-message reads); the target is p95 < 30 ms with a fixed number of queries (issue 4).

Reference, same run, same number of requests: the raw SQL of the queue's core read through the same
connection: ``SELECT * FROM conversations WHERE workspace_id = %s AND status IN ('new', 'open', 'waiting')
ORDER BY last_message_at DESC, id DESC LIMIT <page size + 1>`` (the ``conv_ws_status`` index). The ratio is
reference p95 ÷ measured p95.

Data: ``bench.inbox_dataset`` (its own database per size, reused across runs).
"""

import os
import time
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from bench import dataset, inbox_dataset
from bench.customer_page import _Counter
from bench.dataset import Latencies
from bench.records import Outcome
from mehvar.conversations.models import Conversation
from mehvar.conversations.selectors import OPEN_STATUSES, QUEUE_PAGE_SIZE

NAME = "inbox_queue"
USES_DATABASE = True
DESCRIPTION = (
    "Server time of the inbox queue page (GET /w/<slug>/inbox/?queue=... through the Django test client as "
    "signed-in agents, DEBUG off) for the queues mine, unassigned, all, breaching soon, overdue and a "
    "filtered one, beside the raw SQL of the queue's core read; p50/p95/p99 and queries per page, target "
    "p95 < 30 ms."
)
REQUESTS = 300
AGENTS = 5
TARGET_P95_MS = 30.0


def _queues(inbox: inbox_dataset.Inbox) -> dict[str, dict[str, str]]:
    sms = next((c for c in inbox.channels if c.kind == "sms"), inbox.channels[0])
    return {
        "mine": {"queue": "mine"},
        "unassigned": {"queue": "unassigned"},
        "all": {"queue": "all"},
        "breaching": {"queue": "breaching"},
        "overdue": {"queue": "overdue"},
        "filtered": {"queue": "all", "channel": str(sms.pk), "priority": "high"},
    }


def _core_read(cursor: Any, workspace_id: int) -> int:
    statuses = ", ".join(f"'{status}'" for status in OPEN_STATUSES)
    cursor.execute(
        f"SELECT * FROM {Conversation._meta.db_table} WHERE workspace_id = %s AND status IN ({statuses}) "
        f"ORDER BY last_message_at DESC, id DESC LIMIT {QUEUE_PAGE_SIZE + 1}",
        [workspace_id],
    )
    return len(cursor.fetchall())


def _busiest_agents(inbox: inbox_dataset.Inbox, count: int) -> list[Any]:
    """Agents with the most open conversations first: their "mine" queue is the fullest."""
    loads = dict(
        Conversation.objects.filter(
            workspace=inbox.workspace, status__in=OPEN_STATUSES, assignee__in=inbox.agents
        )
        .values_list("assignee")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return sorted(inbox.agents, key=lambda m: (-loads.get(m.pk, 0), m.pk))[:count]


def run(*, scale: str, rows: int | None, seed: int, engine: str) -> Outcome:
    if settings.DEBUG:
        raise SystemExit("inbox_queue measures the page with DEBUG off; unset DEBUG")
    count = rows if rows is not None else REQUESTS
    load_before = [round(value, 2) for value in os.getloadavg()]
    with inbox_dataset.opened(scale=scale, rows=rows, seed=seed, engine=engine) as inbox:
        workspace = inbox.workspace
        queues = _queues(inbox)
        agents = _busiest_agents(inbox, AGENTS)
        clients = []
        for agent in agents:
            client = Client()
            client.force_login(agent.user)
            clients.append(client)
        base = reverse("inbox:queue", args=[workspace.slug])
        names = list(queues)
        plan = [(names[n % len(names)], n % len(clients)) for n in range(count)]

        def fetch(queue: str, who: int) -> tuple[float, int, int]:
            counter = _Counter()
            url = f"{base}?{urlencode(queues[queue])}"
            with connection.execute_wrapper(counter):
                started = time.perf_counter()
                response = clients[who].get(url)
                seconds = time.perf_counter() - started
            if response.status_code != 200:
                raise AssertionError(f"{url} answered {response.status_code}")
            return seconds, counter.count, response.content.count(b'data-testid="conversation-row"')

        for queue in names:  # warm-up, untimed: every URL once per agent
            for who in range(len(clients)):
                fetch(queue, who)
        measured, queries, full_pages, by_queue, rows_shown = [], [], [], {}, {}
        for queue, who in plan:
            seconds, used, shown = fetch(queue, who)
            measured.append(seconds)
            queries.append(used)
            if shown:
                full_pages.append(used)
            by_queue.setdefault(queue, []).append((seconds, used))
            rows_shown[queue] = max(rows_shown.get(queue, 0), shown)

        reference = []
        with connection.cursor() as cursor:
            _core_read(cursor, workspace.pk)
            for _ in range(count):
                started = time.perf_counter()
                _core_read(cursor, workspace.pk)
                reference.append(time.perf_counter() - started)
        load_after = [round(value, 2) for value in os.getloadavg()]
        open_now = Conversation.objects.filter(workspace=workspace, status__in=OPEN_STATUSES).count()

    measurement = Latencies(
        name="GET inbox queue page",
        description="django.test.Client GET /w/<slug>/inbox/?queue=<mine|unassigned|all|breaching|overdue> "
        "and a filtered queue (channel + priority) as signed-in agents, DEBUG off, full middleware and "
        "template; server time per request",
        rows=count,
        rounds=measured,
    )
    reference_measurement = Latencies(
        name="raw SQL of the queue's core read",
        description="SELECT * FROM conversations_conversation WHERE workspace_id = %s AND status IN "
        f"(new, open, waiting) ORDER BY last_message_at DESC, id DESC LIMIT {QUEUE_PAGE_SIZE + 1} "
        "(conv_ws_status index), through the same connection",
        rows=count,
        rounds=reference,
    )
    latency = measurement.milliseconds()
    per_queue: dict[str, Any] = {}
    for queue, samples in by_queue.items():
        times = [seconds for seconds, _used in samples]
        per_queue[f"{queue}_p95_ms"] = round(Latencies("", "", len(times), times).percentile(95) * 1000, 3)
        per_queue[f"{queue}_queries"] = sorted({used for _seconds, used in samples})
    # An empty page skips the tags and last-message reads; what must not vary is a page with rows.
    fixed = bool(full_pages) and min(full_pages) == max(full_pages) and max(queries) == max(full_pages)
    return Outcome(
        measurement=measurement,
        reference=reference_measurement,
        parameters={
            "customers": inbox.data.customers,
            "conversations": inbox.conversations,
            "messages": inbox.messages,
            "open_conversations": open_now,
            "requests": count,
            "agents_signed_in": len(clients),
            **{f"{queue}_rows_shown": shown for queue, shown in rows_shown.items()},
            "page_size": QUEUE_PAGE_SIZE,
            "seed": seed,
            **latency,
            **{f"reference_{key}": value for key, value in reference_measurement.milliseconds().items()},
            **per_queue,
            "queries_per_page_min": min(queries),
            "queries_per_page_max": max(queries),
            "queries_per_page_with_rows": sorted(set(full_pages)),
            "target_p95_ms": TARGET_P95_MS,
            "target_met": latency["p95_ms"] < TARGET_P95_MS and fixed,
            "dataset_build_seconds": round(inbox.data.build_seconds + inbox.build_seconds, 1),
            "load_average_before": load_before,
            "load_average_after": load_after,
        },
        notes=[
            "rows = requests; rounds_seconds = one latency per request; rows_per_second = 1 / p95, so the "
            "ratio is reference p95 / measured p95; best s = fastest request, median s = p50",
            "server time in-process (no network, no ASGI server): the test client's request handling, from "
            "the request object to the rendered response; each URL was requested once per agent untimed "
            "before the timed pass",
            f"data in its own database ({dataset.location(engine, inbox.data.customers)}), reused while its "
            "sizes and seed match",
            f"load average (1, 5, 15 min) before {load_before}, after {load_after} on this shared 2-CPU "
            "machine: absolute times follow it",
        ],
    )
