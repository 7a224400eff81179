"""Inbound webhook to visible in the inbox, at 50 messages a second sustained, beside the hook's own answer.

Measured, per message: from sending the signed webhook (``POST /hooks/api/<channel>/``, one message per
request, ``X-Mehvar-Signature``) to the moment an agent's open inbox learns of it: the inbox's live updates
stream (``/w/<slug>/inbox/live/``, server-sent events, read by a signed-in agent) names the message's
conversation after the message was stored. The path in between is the product's: the hook stores the raw
event and enqueues; a real ``mehvar worker`` process (django-tasks-db, polling every
``WORKER_POLL_INTERVAL`` = 0.05 s when idle, no scheduler) parses it, resolves the customer, opens or joins
the conversation, stores the message, the timeline entry, runs abuse screening, SLA, automations and
routing; the stream's loop reads what changed every ``live.POLL_SECONDS``. uvicorn serves the app as
``make demo`` does. p50/p95/p99/max; the target is under one second (issue 4).

When a message is visible: the first event naming its conversation that arrived after the worker began
storing it (the message's ``created_at`` is the moment its transaction started; the stream can only see the
change once it is committed). Only another change to the same conversation read by the stream inside that
transaction's few milliseconds could be taken for it; follow-ups come seconds after their conversation's
previous message, so that does not happen in practice. Messages never named before the end are reported
(``not_visible``) and counted with the time until the end, a lower bound.

Reference, same run, same requests: the bare HTTP round trip of each POST to the same uvicorn (the hook's
answer: verify, store, enqueue). The ratio (reference p95 ÷ measured p95) says how much of the latency is
the hook itself; the stages in between (queue wait, processing, stream delay) are in the parameters.

Phases: 5 warm-up messages, then 25 at 5 a second (``light_*`` in the parameters: the latency when the
worker keeps up), then the measured ones at 50 a second for 10 s (quick) or 30 s (full), each phase
waiting until the worker has processed it (or stalls for a minute). The worker's throughput during the
measured phase is reported (``worker_processed_per_second``): below 50, a backlog grows and the latency
with it.

Senders: 60% existing customers of the bench360 workspace (by phone), 40% new phone numbers, and one
message in five is a follow-up of a sender two or more seconds earlier (it joins that conversation). Runs
in the bench360 workspace (its 1,000,000 conversations at full scale) on a channel of its own; everything
the run created (the channel, its events, conversations, messages, customers, identities, timeline
entries) is deleted afterwards, so the shared data keeps its counts.
"""

import bisect
import json
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bench import inbox_dataset
from bench.dataset import Latencies
from bench.environment import sqlite_path
from bench.inbound_clients import Listener, Senders, child_env, servers
from bench.inbox_rows import INBOUND
from bench.records import Outcome
from mehvar.channels import signing
from mehvar.channels.models import Channel, InboundEvent, OutboxMessage
from mehvar.conversations import live
from mehvar.conversations.models import AgentProfile, Conversation, Event, Message
from mehvar.customers.models import Activity, Customer, Identity

NAME = "inbound_latency"
USES_DATABASE = True
DESCRIPTION = (
    "Time from an inbound webhook (API channel, signed) to the message's conversation being announced on "
    "an agent's live inbox stream (SSE), at 50 messages/s sustained, through uvicorn and a real worker "
    "process, beside the hook's own HTTP answer time; p50/p95/p99/max, target under 1 s."
)
RATE = 50.0
SECONDS = {"quick": 10, "full": 30}
WORKER_POLL_INTERVAL = 0.05
WORKERS = int(os.environ.get("BENCH_INBOUND_WORKERS", "2"))  # `mehvar worker` processes, as deployed
SENDER_THREADS = 20
WEB_SETTINGS = "bench.inbound_settings"  # the product's, with CONN_MAX_AGE = 0 (see that module)
DRAIN_IDLE_SECONDS = 60  # stop waiting for the backlog when nothing was processed for this long
DRAIN_MAX_SECONDS = 900
WARM_UP = 5
LIGHT, LIGHT_RATE = 25, 5.0  # a light load first: the latency when the worker keeps up
TARGET_MS = 1000.0
FOLLOW_UP_SHARE = 0.2
EXISTING_SHARE = 0.6
# The generated agents carry the workspace's backlog (about 470 open conversations each against capacities
# of 5-30), so routing finds nobody free and queues each arrival. BENCH_INBOUND_ROOM=1 lifts every capacity
# for the run: each arrival is then assigned (routing's full path and its writes, the heavier case).
ROOM_TO_ASSIGN = os.environ.get("BENCH_INBOUND_ROOM", "0") == "1"


@contextmanager
def _at_work(workspace: Any) -> Iterator[dict[str, int]]:
    """Every agent of the workspace on shift all day for the run, then their own shifts back.

    Routing assigns an arrival only to an agent who is online and within their shift (or the workspace's
    business hours): outside Tehran's working day it finds nobody and each message costs five statements
    less. The run measures the working day's path whatever the clock says. Presence and capacity stay
    as generated (30% of the agents away or offline, loads from the workspace's open conversations)."""
    profiles = list(
        AgentProfile.objects.filter(workspace=workspace).only("pk", "shift", "presence", "capacity")
    )
    kept = {profile.pk: (profile.shift, profile.capacity) for profile in profiles}
    all_day = {str(day): ["00:00", "24:00"] for day in range(7)}
    changes: dict[str, Any] = {"shift": all_day}
    if ROOM_TO_ASSIGN:
        changes["capacity"] = 32000  # every online agent can take the arrivals: each one is assigned
    AgentProfile.objects.filter(workspace=workspace).update(**changes)
    try:
        yield {"agents": len(profiles), "online": sum(1 for p in profiles if p.presence == "online")}
    finally:
        for profile in profiles:
            profile.shift, profile.capacity = kept[profile.pk]
        AgentProfile.objects.bulk_update(profiles, ["shift", "capacity"], batch_size=500)


def _database_url() -> str:
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    auth = params["USER"] + (f":{quote(params['PASSWORD'])}" if params.get("PASSWORD") else "")
    return f"postgres://{auth}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{params['NAME']}"


def _senders(workspace: Any, count: int, seed: int) -> list[tuple[str, str]]:
    """(phone, name) per message: existing customers, new numbers, and follow-ups of earlier senders."""
    rng = random.Random(seed)
    top = (
        Customer.objects.filter(workspace=workspace).order_by("-pk").values_list("pk", flat=True).first() or 0
    )
    picks = [1 + rng.randrange(top) for _ in range(count)] if top else []
    known = dict(
        Customer.objects.filter(workspace=workspace, pk__in=picks)
        .exclude(phone="")
        .values_list("pk", "phone")
    )
    found: list[tuple[str, str]] = []
    for n in range(count):
        if n >= 2 * RATE and rng.random() < FOLLOW_UP_SHARE:
            found.append(found[rng.randrange(0, n - int(2 * RATE))])
        elif picks and picks[n] in known and rng.random() < EXISTING_SHARE / (1 - FOLLOW_UP_SHARE):
            found.append((known[picks[n]], ""))
        else:
            found.append((f"+98935{rng.randrange(10**7):07d}", f"مشتری {n}"))
    return found


def _bodies(channel: Channel, run_id: str, senders: list[tuple[str, str]], first: int) -> tuple[list, list]:
    bodies, headers = [], []
    for n, (phone, name) in enumerate(senders, start=first):
        body = json.dumps(
            {
                "messages": [
                    {
                        "id": f"{run_id}-{n}",
                        "from": {"phone": phone, "name": name},
                        "text": INBOUND[n % len(INBOUND)],
                    }
                ]
            },
            ensure_ascii=False,
        ).encode()
        bodies.append(body)
        headers.append(
            {
                "Content-Type": "application/json",
                signing.SIGNATURE_HEADER: signing.signature(channel.secret, body),
            }
        )
    return bodies, headers


def _wait_processed(channel: Channel, expected: int, servers_: Any) -> int:
    """Wait until the worker has processed ``expected`` events (or stalled, or a cap passed): how many."""
    done, progress = 0, time.time()
    deadline = progress + DRAIN_MAX_SECONDS
    while time.time() < deadline and time.time() - progress < DRAIN_IDLE_SECONDS:
        servers_.check()
        finished = InboundEvent.objects.filter(channel=channel).exclude(status=InboundEvent.Status.PENDING)
        now_done = finished.count()
        if now_done > done:
            done, progress = now_done, time.time()
        if done >= expected:
            break
        time.sleep(0.25)
    return done


def _visible(
    listener: Listener, channel: Channel, run_id: str, sent: list[Any], first: int, end: float
) -> tuple[list[float], dict[str, list[float]], int]:
    """Latency per message (a lower bound when never seen), the stages, and how many were never seen."""
    messages = {
        m["external_id"]: m
        for m in Message.objects.filter(channel=channel, external_id__startswith=f"{run_id}-").values(
            "pk", "external_id", "created_at", "conversation__number"
        )
    }
    events = {
        message: row
        for row in InboundEvent.objects.filter(channel=channel).values(
            "received_at", "processed_at", "result"
        )
        for message in (row["result"] or {}).get("messages", [])
    }
    seen: dict[int, list[float]] = {}
    for arrival, numbers in listener.events:
        for number in numbers:
            seen.setdefault(number, []).append(arrival)
    latencies, missing = [], 0
    stages: dict[str, list[float]] = {"queue_wait": [], "processing": [], "stream_delay": []}
    for n, result in enumerate(sent, start=first):
        message = messages.get(f"{run_id}-{n}")
        visible = None
        if message is not None:
            number, created = message["conversation__number"], message["created_at"].timestamp()
            event = events.get(message["pk"])
            arrivals = seen.get(number, [])
            at = bisect.bisect_left(arrivals, created)  # the first event naming it once it was being stored
            visible = arrivals[at] if at < len(arrivals) else None
            if event is not None and event["processed_at"] is not None:
                stages["queue_wait"].append(created - event["received_at"].timestamp())
                stages["processing"].append(event["processed_at"].timestamp() - created)
                if visible is not None:
                    stages["stream_delay"].append(max(visible - event["processed_at"].timestamp(), 0.0))
        if visible is None:
            missing += 1
            latencies.append(max(end - result.sent, 0.0))
        else:
            latencies.append(max(visible - result.sent, 0.0))
    return latencies, stages, missing


def _throughput(channel: Channel, after: float) -> float | None:
    """Events the worker finished per second, between the first and the last it finished after ``after``."""
    moments = sorted(
        moment.timestamp()
        for moment in InboundEvent.objects.filter(channel=channel, processed_at__isnull=False).values_list(
            "processed_at", flat=True
        )
        if moment.timestamp() >= after
    )
    if len(moments) < 2 or moments[-1] <= moments[0]:
        return None
    return round((len(moments) - 1) / (moments[-1] - moments[0]), 1)


def _created_before(workspace: Any) -> dict[str, int]:
    def top(model: Any) -> int:
        return (
            model.objects.filter(workspace=workspace).order_by("-pk").values_list("pk", flat=True).first()
            or 0
        )

    return {"customer": top(Customer), "identity": top(Identity), "activity": top(Activity)}


def _clean_up(workspace: Any, channel: Channel, before: dict[str, int]) -> None:
    """Delete what the run created, so that the shared bench360 data keeps its counts."""
    conversations = Conversation.objects.filter(workspace=workspace, channel=channel)
    Event.objects.filter(workspace=workspace, conversation__in=conversations).delete()
    Message.objects.filter(workspace=workspace, channel=channel).delete()
    conversations.delete()
    Activity.objects.filter(workspace=workspace, pk__gt=before["activity"]).delete()
    Identity.objects.filter(workspace=workspace, pk__gt=before["identity"]).delete()
    Customer.objects.filter(workspace=workspace, pk__gt=before["customer"]).delete()
    OutboxMessage.objects.filter(workspace=workspace, channel=channel).delete()
    channel.delete()  # its inbound events go with it


def run(*, scale: str, rows: int | None, seed: int, engine: str) -> Outcome:
    count = rows if rows is not None else int(RATE * SECONDS[scale])
    with inbox_dataset.opened(scale=scale, rows=rows, seed=seed, engine=engine) as inbox:
        workspace = inbox.workspace
        run_id = f"inbound-{int(time.time())}"
        channel = Channel.objects.create(workspace=workspace, kind="api", name=f"bench {run_id}")
        before = _created_before(workspace)
        client = Client()
        client.force_login(inbox.agents[0].user)
        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        light = LIGHT if rows is None else 5  # smoke runs: a token light phase
        phases = {
            "warm_up": (WARM_UP, RATE, 1),
            "light": (light, LIGHT_RATE, 2),
            "sustained": (count, RATE, SENDER_THREADS),
        }
        senders = _senders(workspace, sum(size for size, _rate, _threads in phases.values()), seed)
        hook = reverse("hooks:hook", args=["api", channel.pk])
        stream_path = reverse("inbox:live", args=[workspace.slug])
        load_before = _load()
        results: dict[str, Senders] = {}
        with _at_work(workspace) as staff:
            try:
                env = child_env(_database_url(), WORKER_POLL_INTERVAL)
                logs = sqlite_path().parent / "bench-logs"
                with servers(env=env, web_settings=WEB_SETTINGS, log_dir=logs, workers=WORKERS) as running:
                    listener = Listener(
                        port=running.port,
                        path=stream_path,
                        cookie=cookie,
                        since=quote(timezone.now().isoformat()),
                    )
                    listener.start()
                    try:
                        first = 0
                        for phase, (size, rate, threads) in phases.items():
                            bodies, headers = _bodies(channel, run_id, senders[first : first + size], first)
                            results[phase] = Senders(
                                port=running.port,
                                path=hook,
                                bodies=bodies,
                                headers=headers,
                                rate=rate,
                                threads=threads,
                            )
                            results[phase].send()
                            first += size
                            processed = _wait_processed(channel, first, running)
                        time.sleep(3 * live.POLL_SECONDS)  # the stream's next reads
                        end = time.time()
                    finally:
                        listener.stop()
                light_seen = _visible(listener, channel, run_id, results["light"].results, WARM_UP, end)
                latencies, stages, missing = _visible(
                    listener, channel, run_id, results["sustained"].results, WARM_UP + light, end
                )
                sustained = results["sustained"]
                answers = [max(r.answered - r.sent, 0.0) for r in sustained.results if r.answered]
                statuses = sorted({r.status for r in sustained.results})
                sent_times = [r.sent for r in sustained.results if r.sent]
                throughput = _throughput(channel, min(sent_times, default=0.0))
                opened = Conversation.objects.filter(workspace=workspace, channel=channel)
                assigned = f"{opened.filter(assignee__isnull=False).count()} of {opened.count()}"
            finally:
                _clean_up(workspace, channel, before)
        load_after = _load()

    measurement = Latencies(
        name="webhook to visible in the inbox",
        description="POST /hooks/api/<id>/ (one signed message) until the agent's live inbox stream (SSE) "
        "names its conversation after the message was stored; uvicorn + a real mehvar worker process",
        rows=count,
        rounds=latencies,
    )
    reference = Latencies(
        name="hook HTTP round trip",
        description="the same POSTs' answer time from the same uvicorn (verify, store the raw event, "
        "enqueue)",
        rows=count,
        rounds=answers or [0.0],
    )
    latency = measurement.milliseconds()

    def ms(values: list[float]) -> dict[str, float]:
        return Latencies("", "", len(values), values).milliseconds() if values else {}

    span = (max(sent_times) - min(sent_times)) if len(sent_times) > 1 else 0.0
    return Outcome(
        measurement=measurement,
        reference=reference,
        parameters={
            "conversations": inbox.conversations,
            "messages_sent": count,
            "rate_per_second": RATE,
            "sent_per_second": round((len(sent_times) - 1) / span, 1) if span else None,
            "hook_statuses": statuses,
            "send_errors": len(sustained.errors),
            "processed": processed - WARM_UP - light,
            "workers": WORKERS,
            "at_work": True,
            "room_to_assign": ROOM_TO_ASSIGN,
            "agents": staff["agents"],
            "agents_online": staff["online"],
            "assigned_on_arrival": assigned,
            "worker_processed_per_second": throughput,
            "not_visible": missing,
            "worker_poll_interval_seconds": WORKER_POLL_INTERVAL,
            "web_conn_max_age": 0,
            "live_poll_seconds": live.POLL_SECONDS,
            "seed": seed,
            **latency,
            **{f"reference_{key}": value for key, value in reference.milliseconds().items()},
            **{
                f"{stage}_{key}": value
                for stage, values in stages.items()
                for key, value in ms(values).items()
                if key in ("p50_ms", "p95_ms", "max_ms")
            },
            "light_messages": light,
            "light_rate_per_second": LIGHT_RATE,
            **{f"light_{key}": value for key, value in ms(light_seen[0]).items()},
            "light_not_visible": light_seen[2],
            "stream_events": len(listener.events),
            "streams_opened": listener.streams,
            "load_average_before": load_before,
            "load_average_after": load_after,
            "target_ms": TARGET_MS,
            "target_met": latency["p99_ms"] < TARGET_MS and latency["max_ms"] < TARGET_MS and missing == 0,
            "dataset_build_seconds": round(inbox.data.build_seconds + inbox.build_seconds, 1),
        },
        notes=[
            "rows = messages; rounds_seconds = one latency per message; rows_per_second = 1 / p95, so the "
            "ratio is reference p95 / measured p95; best s = fastest message, median s = p50",
            f"visibility read from the inbox's live updates stream (SSE, {stream_path}) as a signed-in "
            f"agent; the stream reads changes every {live.POLL_SECONDS} s",
            f"one mehvar worker process, WORKER_POLL_INTERVAL={WORKER_POLL_INTERVAL} s, started with "
            "--no-schedule (the minute jobs: SLA sweep, routing queue, retries, would otherwise also change "
            f"the shared data); uvicorn, 1 process, with CONN_MAX_AGE=0 ({WEB_SETTINGS}: the product's 60 s "
            "leaks a PostgreSQL connection per request thread under ASGI and fails at this rate)",
            f"{SENDER_THREADS} sender threads, one message per POST; first {WARM_UP} warm-up messages, then "
            f"{light} at {LIGHT_RATE:g}/s (light_*: the latency when the worker keeps up), then the "
            f"{count} measured at {RATE:g}/s; each phase waits until the worker has processed it",
            "stages: queue_wait = hook stored it -> the worker started on it; processing = started -> "
            "processed; stream_delay = processed -> the stream named it",
            "every agent on shift all day for the run (their own shifts restored after): routing works as in "
            "Tehran's working day whatever the clock; presence and capacity as generated",
            "ran in the bench360 workspace on a channel of its own; all it created was deleted afterwards; "
            f"load average (1, 5, 15 min) before {load_before}, after {load_after} on this shared machine",
            *(
                [f"{len(sustained.errors)} send errors, e.g. {sustained.errors[0]}"]
                if sustained.errors
                else []
            ),
            *([f"live stream errors: {listener.errors[:3]}"] if listener.errors else []),
        ],
    )


def _load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]
