"""Routing: the time to decide who gets a conversation, with 500 agents online, beside the raw SQL it loads.

Measured, per conversation, what the arrival hook (``routing.conversation_route``) does before it writes:
``routing.routing_choose``: the pool of agents (``routing_pool.pool_for_arrival``: kept in the process
for ``MEHVAR_ROUTING_POOL_SECONDS``, 5 s by default, read again when older: the online profiles and their
open counts), ``customer_context`` (VIP tag, previous agent), ``routing_decide`` (shift, capacity, team,
language, channel, VIP to seniors, previous agent, skill, round-robin; the reason in words) and the chosen
agent's presence and load confirmed against the database. The decisions run back to back, so the pool is
read again every 5 s of the run, as it would be under steady arrivals; those decisions are among the
measured ones. The assignment itself (``assign_decided``: a service write) is not timed, and nothing is
written: the same conversations can be decided again by the next run. p50/p95/p99 and queries per
decision; the target is p99 < 5 ms (issue 4).
The pure in-memory part (``routing_decide`` with a pool and context loaded once) is reported beside it.

Reference, same run, same connection, same number of decisions: the raw SQL of the candidates' load, the
profiles joined to their members and users, and the open conversations counted per agent.

Data: a workspace of its own (``bench-routing``) in the bench360 database of the scale (so the conversation
table holds the inbox data's rows too), reused while its marker matches: 500 online agents (and 50 away or
offline) with capacities 5-20, skills, languages, channels, 15% seniors, in ten teams; shifts (rewritten at
each run around the current time: 70% cover now, 10% do not, 20% follow the business hours); open loads
from 0 to full capacity (one in ten agents full); 3,000 customers, one in ten tagged VIP, most with an
earlier conversation closed by some agent (the previous agent); and the conversations to route: new,
unassigned, with varied categories, teams (30%), languages (8% English) and channels. Automatic assignment
is off in that workspace, so that no worker's sweep ever assigns them.
"""

import datetime as dt
import os
import random
import time
from collections import Counter
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from bench import dataset
from bench.customer_page import _Counter
from bench.dataset import Latencies
from bench.inbox_dataset import CHANNELS, FIRST_NAMES, LAST_NAMES
from bench.inbox_rows import CATEGORIES
from bench.records import Outcome
from mehvar.channels.models import Channel
from mehvar.conversations.models import OPEN_STATUSES, AgentProfile, Conversation, InboxSettings, Team
from mehvar.conversations.routing import AgentPool, customer_context, routing_choose, routing_decide
from mehvar.core.business_calendar import TEHRAN
from mehvar.core.models import Membership, Workspace
from mehvar.core.roles import Role
from mehvar.core.services import workspace_create
from mehvar.customers.models import Customer
from mehvar.customers.services import customer_bulk_create, tag_for
from mehvar.demo.generator import customers as generated_customers

NAME = "routing_decision"
USES_DATABASE = True
DESCRIPTION = (
    "Time of one routing decision (routing_choose: the kept pool, customer_context, routing_decide, the "
    "chosen agent confirmed; no write) with 500 "
    "agents online, over conversations with varied categories, teams, languages, channels, VIP customers "
    "and previous agents, beside the raw SQL that loads the candidates and their open counts; "
    "p50/p95/p99, target p99 < 5 ms."
)
SLUG = "bench-routing"
DOMAIN = "routing.bench"
ONLINE = 500
NOT_ONLINE = 50
TEAMS = 10
CUSTOMERS = 3_000
DECISIONS = {"quick": 500, "full": 2_000}
WARM_UP = 100
TARGET_P99_MS = 5.0


def _marker(agents: int, customers: int, targets: int, history: int, seed: int) -> str:
    return (
        f"bench-routing: {agents} agents, {customers} customers, {targets}+{history} conversations, "
        f"seed {seed}"
    )


def _customers(targets: int) -> int:
    return CUSTOMERS if targets >= DECISIONS["quick"] else max(200, targets)  # fewer for smoke runs


def _agents(targets: int) -> tuple[int, int]:
    """Agents online and not online: 500 and 50, fewer for smoke runs."""
    return (ONLINE, NOT_ONLINE) if targets >= DECISIONS["quick"] else (max(20, targets // 4), 10)


def routing_data(*, targets: int, seed: int, log: Any = print) -> tuple[Workspace, float]:
    """The bench-routing workspace with ``targets`` conversations to route: found, or built now."""
    customers = _customers(targets)
    online, others = _agents(targets)
    workspace = Workspace.objects.filter(slug=SLUG).first()
    if workspace is not None:
        history = Conversation.objects.filter(workspace=workspace).exclude(status="new").count()
        if (
            workspace.name == _marker(online + others, customers, targets, history, seed)
            and AgentProfile.objects.filter(workspace=workspace).count() == online + others
            and Conversation.objects.filter(workspace=workspace, status="new").count() == targets
            and Customer.objects.filter(workspace=workspace).count() == customers
        ):
            log(f"   reusing the routing data ({online} agents online, {targets:,} conversations to route)")
            _refresh_shifts(workspace, seed)
            return workspace, 0.0
    log(f"   building the routing data ({online} agents online, {targets:,} conversations to route)...")
    started = time.perf_counter()
    workspace = _build(customers, targets, online, others, seed)
    _refresh_shifts(workspace, seed)
    seconds = time.perf_counter() - started
    log(f"   built in {seconds:.0f} s")
    return workspace, seconds


def _empty() -> None:
    workspace = Workspace.objects.filter(slug=SLUG).first()
    if workspace is not None:
        Conversation.objects.filter(workspace=workspace).delete()
        workspace.delete()
    get_user_model().objects.filter(email__endswith="@" + DOMAIN).delete()


def _build(customers: int, targets: int, online: int, others: int, seed: int) -> Workspace:
    _empty()
    rng = random.Random(seed)
    User = get_user_model()
    owner = User(email=f"owner@{DOMAIN}", full_name="bench routing")
    owner.set_unusable_password()
    owner.save()
    with transaction.atomic():
        workspace = workspace_create(name="bench-routing (building)", slug=SLUG, owner=owner)
        InboxSettings.objects.update_or_create(workspace=workspace, defaults={"auto_assign": False})
        customer_bulk_create(workspace=workspace, rows=generated_customers(customers, seed=seed + 7))
        customer_ids = list(Customer.objects.filter(workspace=workspace).values_list("pk", flat=True))
        vip = tag_for(workspace, "VIP")
        vips = rng.sample(customer_ids, len(customer_ids) // 10)
        Customer.tags.through.objects.bulk_create(
            [Customer.tags.through(customer_id=pk, tag_id=vip.pk) for pk in vips]
        )
        channels = [Channel.objects.create(workspace=workspace, kind=k, name=n) for k, n in CHANNELS]
        users = []
        for n in range(online + others):
            user = User(
                email=f"agent{n:03d}@{DOMAIN}", full_name=f"{FIRST_NAMES[n % 10]} {LAST_NAMES[n // 10 % 10]}"
            )
            user.set_unusable_password()
            users.append(user)
        User.objects.bulk_create(users)
        by_email = {
            u.email: u for u in User.objects.filter(email__startswith="agent", email__endswith="@" + DOMAIN)
        }
        members = Membership.objects.bulk_create(
            [Membership(workspace=workspace, user=by_email[u.email], role=Role.AGENT) for u in users]
        )
        teams = [Team.objects.create(workspace=workspace, name=f"تیم {n + 1}") for n in range(TEAMS)]
        Team.members.through.objects.bulk_create(
            [
                Team.members.through(team_id=teams[n % TEAMS].pk, membership_id=m.pk)
                for n, m in enumerate(members)
            ]
        )
        profiles = [_profile(workspace, m, n < online, rng) for n, m in enumerate(members)]
        AgentProfile.objects.bulk_create(profiles)
        _conversations(workspace, rng, customer_ids, channels, teams, profiles[:online], targets)
        history = Conversation.objects.filter(workspace=workspace).exclude(status="new").count()
        workspace.name = _marker(online + others, customers, targets, history, seed)
        workspace.save(update_fields=["name"])
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE" if connection.vendor == "sqlite" else f"ANALYZE {Conversation._meta.db_table}"
        )
    return workspace


def _profile(workspace: Workspace, membership: Membership, online: bool, rng: random.Random) -> AgentProfile:
    kinds = [kind for kind, _name in CHANNELS]
    skills = [c for c in CATEGORIES if c]
    roll = rng.random()
    return AgentProfile(
        workspace=workspace,
        membership=membership,
        presence="online" if online else ("away" if membership.pk % 2 else "offline"),
        capacity=rng.randrange(5, 21),
        skills=rng.sample(skills, rng.randrange(1, 4)),
        languages=["fa"] if roll < 0.8 else (["fa", "en"] if roll < 0.95 else []),
        channels=[] if rng.random() < 0.6 else rng.sample(kinds, rng.randrange(2, 5)),
        senior=rng.random() < 0.15,
        last_assigned_at=timezone.now() - dt.timedelta(seconds=rng.randrange(60, 36_000)),
    )


def _conversations(
    workspace: Workspace,
    rng: random.Random,
    customer_ids: list[int],
    channels: list[Channel],
    teams: list[Team],
    profiles: list[AgentProfile],
    targets: int,
) -> None:
    """Open loads, earlier closed conversations (the previous agents) and the conversations to route."""
    now = timezone.now()
    rows: list[Conversation] = []

    def add(status: str, customer: int, assignee: int | None, age: int, **extra: Any) -> None:
        moment = now - dt.timedelta(seconds=age)
        rows.append(
            Conversation(
                workspace=workspace,
                number=len(rows) + 1,
                customer_id=customer,
                channel=channels[rng.randrange(len(channels))],
                status=status,
                assignee_id=assignee,
                created_at=moment,
                updated_at=moment,
                last_message_at=moment,
                **extra,
            )
        )

    for profile in profiles:
        load = profile.capacity if rng.random() < 0.1 else rng.randrange(0, profile.capacity + 1)
        for _ in range(load):
            status = "open" if rng.random() < 0.8 else "waiting"
            add(status, rng.choice(customer_ids), profile.membership_id, rng.randrange(60, 86_400 * 3))
    for customer in customer_ids:
        if rng.random() < 0.7:
            agent = profiles[rng.randrange(len(profiles))].membership_id
            add("closed", customer, agent, rng.randrange(86_400 * 8, 86_400 * 365))
    for _ in range(targets):
        add(
            "new",
            rng.choice(customer_ids),
            None,
            rng.randrange(0, 600),
            category=CATEGORIES[rng.randrange(len(CATEGORIES))],
            team=teams[rng.randrange(len(teams))] if rng.random() < 0.3 else None,
            language="en" if rng.random() < 0.08 else "fa",
        )
    Conversation.objects.bulk_create(rows, batch_size=1_000)
    InboxSettings.objects.filter(workspace=workspace).update(next_number=len(rows) + 1)


def _refresh_shifts(workspace: Workspace, seed: int) -> None:
    """Shifts around the current Tehran time: 70% cover now, 10% start later, 20% use the business hours."""
    rng = random.Random(seed + 11)
    local = timezone.now().astimezone(TEHRAN)
    minute = local.hour * 60 + local.minute
    profiles = list(AgentProfile.objects.filter(workspace=workspace).order_by("pk"))
    for profile in profiles:
        roll = rng.random()
        if roll < 0.7:
            start = (minute - rng.randrange(30, 360)) % 1440
        elif roll < 0.8:
            start = (minute + rng.randrange(60, 240)) % 1440
        else:
            profile.shift = {}
            continue
        end = (start + 480) % 1440
        hours = [f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}"]
        profile.shift = {str(day): hours for day in range(7)}
    AgentProfile.objects.bulk_update(profiles, ["shift"], batch_size=500)


def _reference(cursor: Any, workspace_id: int) -> int:
    profile, member, user = (model._meta.db_table for model in (AgentProfile, Membership, get_user_model()))
    cursor.execute(
        f"SELECT p.membership_id, p.*, m.*, u.* FROM {profile} p JOIN {member} m ON m.id = p.membership_id "
        f"JOIN {user} u ON u.id = m.user_id WHERE p.workspace_id = %s AND p.presence = 'online' "
        "ORDER BY p.id",
        [workspace_id],
    )
    ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return 0
    marks = ", ".join(["%s"] * len(ids))
    states = ", ".join(f"'{state}'" for state in OPEN_STATUSES)
    cursor.execute(
        f"SELECT assignee_id, COUNT(id) FROM {Conversation._meta.db_table} WHERE workspace_id = %s "
        f"AND assignee_id IN ({marks}) AND status IN ({states}) GROUP BY assignee_id",
        [workspace_id, *ids],
    )
    return len(cursor.fetchall())


def run(*, scale: str, rows: int | None, seed: int, engine: str) -> Outcome:
    customers, _activities = dataset.sizes(scale=scale, rows=rows, engine=engine)
    count = rows if rows is not None else DECISIONS[scale]
    load_before = [round(value, 2) for value in os.getloadavg()]
    with dataset.own_database(engine, customers):
        workspace, build_seconds = routing_data(targets=count, seed=seed)
        targets = list(
            Conversation.objects.filter(workspace=workspace, status="new", assignee__isnull=True)
            .select_related("workspace", "channel")  # as the arrival hook has it
            .order_by("pk")
        )

        def decide(conversation: Conversation) -> tuple[float, int, Any]:
            counter = _Counter()
            with connection.execute_wrapper(counter):
                started = time.perf_counter()
                decision, _pool = routing_choose(conversation=conversation, now=timezone.now())
                seconds = time.perf_counter() - started
            return seconds, counter.count, decision

        warm_up = min(WARM_UP, len(targets) // 10)
        for conversation in targets[:warm_up]:
            decide(conversation)
        measured, queries, codes = [], [], Counter()
        for conversation in targets:
            seconds, used, decision = decide(conversation)
            measured.append(seconds)
            queries.append(used)
            codes.update(decision.codes if decision else ("nobody",))

        pool = AgentPool.load(workspace=workspace, now=timezone.now())  # the in-memory part alone
        contexts = [customer_context(c) for c in targets]
        in_memory = []
        for conversation, context in zip(targets, contexts, strict=True):
            started = time.perf_counter()
            routing_decide(conversation=conversation, pool=pool, context=context)
            in_memory.append(time.perf_counter() - started)
        working = sum(1 for c in pool.candidates.values() if pool.working(c))

        reference = []
        with connection.cursor() as cursor:
            _reference(cursor, workspace.pk)
            for _ in targets:
                started = time.perf_counter()
                _reference(cursor, workspace.pk)
                reference.append(time.perf_counter() - started)
        open_load = Conversation.objects.filter(workspace=workspace, status__in=OPEN_STATUSES).count()
        load_after = [round(value, 2) for value in os.getloadavg()]
        not_online = AgentProfile.objects.filter(workspace=workspace).exclude(presence="online").count()

    measurement = Latencies(
        name="routing decision",
        description="AgentPool.load + customer_context + routing_decide for one conversation (what "
        "conversation_route does before assign_decided), no write",
        rows=len(targets),
        rounds=measured,
    )
    reference_measurement = Latencies(
        name="raw SQL of the candidates' load",
        description="the online agent profiles joined to their members and users, and their open "
        "conversations counted per agent (GROUP BY assignee_id), through the same connection",
        rows=len(targets),
        rounds=reference,
    )
    latency = measurement.milliseconds()
    memory = Latencies("", "", len(in_memory), in_memory).milliseconds()
    return Outcome(
        measurement=measurement,
        reference=reference_measurement,
        parameters={
            "agents_online": len(pool.candidates),
            "agents_in_shift_now": working,
            "agents_not_online": not_online,
            "open_conversations_assigned": open_load,
            "decisions": len(targets),
            "seed": seed,
            **latency,
            **{f"reference_{key}": value for key, value in reference_measurement.milliseconds().items()},
            **{f"decide_in_memory_{key}": value for key, value in memory.items()},
            "queries_per_decision_min": min(queries),
            "queries_per_decision_max": max(queries),
            "reasons": dict(sorted(codes.items())),
            "target_p99_ms": TARGET_P99_MS,
            "target_met": latency["p99_ms"] < TARGET_P99_MS,
            "dataset_build_seconds": round(build_seconds, 1),
            "load_average_before": load_before,
            "load_average_after": load_after,
        },
        notes=[
            "rows = decisions; rounds_seconds = one latency per decision; rows_per_second = 1 / p95, so the "
            "ratio is reference p95 / measured p95; best s = fastest decision, median s = p50",
            f"the first {warm_up} decisions ran once untimed first (warm caches); every decision loads its "
            "own pool, as the arrival hook does; reasons counts each reason code of the decisions "
            "(nobody = no agent could take it)",
            f"data in the workspace {SLUG} of {dataset.location(engine, customers)}, reused while its marker "
            "matches; shifts rewritten around the time of the run",
            f"load average (1, 5, 15 min) before {load_before}, after {load_after} on this shared 2-CPU "
            "machine: absolute times follow it",
        ],
    )
