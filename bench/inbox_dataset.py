"""The inbox benchmarks' data: conversations and messages for the bench360 workspace, built once and reused.

It lives beside the Customer 360 data (``bench.dataset``: the bench360 workspace and its customers, in a
database of its own per size) and adds, over those customers:

- six channels (e-mail, SMS, Telegram, web chat, phone, API), five teams, 50 agents (members with an
  ``AgentProfile``: presence, capacity, skills, languages, channels, seniority, a shift for half of them) and
  three supervisors;
- ``conversations`` conversations with ``messages`` messages (in, out and internal notes) drawn by
  ``bench.inbox_rows`` (status mix, priorities, categories, channels, teams, assignees, SLA deadlines for the
  open ones, a year of times); ``InboxSettings.next_number`` continues after them.

Sizes: quick 20,000 / 100,000 over the quick customers (20,000); full 1,000,000 / 5,000,000 over the
1,000,000 customers on PostgreSQL, a tenth on SQLite; ``--customers N``: N / 5 N. Loaded with ``COPY``
(PostgreSQL: secondary indexes and foreign keys dropped during the load, created again after it, then
ANALYZE) or ``executemany`` (SQLite), streaming. The hand-written column lists are checked against the
models first (``check_columns``): a schema change fails here, loudly.

Reuse: a marker (a user without membership whose name holds the sizes and the seed, written last; its
``date_joined`` is the build time) and the counts must match. The SLA deadlines of the open conversations are
moved forward by the time since the build on reuse, so that the "breaching soon" and "overdue" queues keep
their shares however old the data is.
"""

import datetime as dt
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from bench import dataset, inbox_rows
from mehvar.channels.models import Channel, OutboxMessage
from mehvar.conversations.models import AgentProfile, Conversation, InboxSettings, Message, Team
from mehvar.core.models import Membership
from mehvar.core.roles import Role

SIZES = {
    "quick": {"postgresql": (20_000, 100_000), "sqlite": (20_000, 100_000)},
    "full": {"postgresql": (1_000_000, 5_000_000), "sqlite": (100_000, 500_000)},
}
MESSAGES_PER_CONVERSATION = 5  # for --customers N: N conversations, 5 N messages
AGENTS = 50
SUPERVISORS = 3
DOMAIN = "inbox.bench360.bench"
MARKER_EMAIL = f"marker@{DOMAIN}"
CHANNELS = (
    ("email", "ایمیل پشتیبانی"),
    ("sms", "پیامک ۳۰۰۰۱۲۳۴"),
    ("telegram", "ربات تلگرام"),
    ("webchat", "گفتگوی سایت"),
    ("phone", "مرکز تماس"),
    ("api", "API فروشگاه"),
)
TEAMS = ("پشتیبانی فروش", "پشتیبانی فنی", "مالی و بازپرداخت", "ارسال و تحویل", "مشتریان ویژه")
FIRST_NAMES = ("سارا", "علی", "مریم", "رضا", "نگار", "حسین", "زهرا", "امیر", "لیلا", "مهدی")
LAST_NAMES = ("احمدی", "محمدی", "کریمی", "رضایی", "موسوی", "حسینی", "جعفری", "صادقی", "رحیمی", "نوری")

# fmt: off
CONVERSATION_COLUMNS = [
    "id", "workspace_id", "number", "customer_id", "channel_id", "subject", "status", "priority", "category",
    "language", "team_id", "assignee_id", "assignment_reason", "assigned_at", "thread_key", "merged_into_id",
    "created_at", "updated_at", "last_message_at", "last_inbound_at", "last_outbound_at",
    "awaiting_reply_since", "waiting_since", "first_response_at", "resolved_at", "closed_at", "sla_policy_id",
    "first_response_due_at", "next_response_due_at", "resolution_due_at", "sla_due_at", "sla_warned_at",
    "sla_escalated_at", "sla_paused_seconds", "sla_breaches", "first_response_seconds", "resolution_seconds",
    "replies_count", "inbound_count", "reopened_count",
]
MESSAGE_COLUMNS = [
    "id", "workspace_id", "conversation_id", "channel_id", "direction", "author_id", "sender_name", "subject",
    "text", "html", "external_id", "references", "outbox_id", "abuse", "template_id", "data", "created_at",
]
# fmt: on
SLA_FIELDS = (
    "first_response_due_at",
    "next_response_due_at",
    "sla_due_at",
    "sla_warned_at",
    "sla_escalated_at",
)


@dataclass(frozen=True)
class Inbox:
    data: dataset.Dataset  # the workspace, its owner and customers
    conversations: int
    messages: int
    channels: list[Channel]  # in CHANNELS order
    teams: list[Team]
    agents: list[Membership]  # role agent, each with an AgentProfile
    supervisors: list[Membership]
    build_seconds: float  # 0.0 when reused

    @property
    def workspace(self) -> Any:
        return self.data.workspace


def sizes(*, scale: str, rows: int | None, engine: str) -> tuple[int, int]:
    if rows is not None:
        return rows, rows * MESSAGES_PER_CONVERSATION
    return SIZES[scale][engine]


@contextmanager
def opened(*, scale: str, rows: int | None, seed: int, engine: str, log: Any = print) -> Iterator[Inbox]:
    """The bench360 database (customers, then conversations: found or built) for the block."""
    customers, activities = dataset.sizes(scale=scale, rows=rows, engine=engine)
    conversations, messages = sizes(scale=scale, rows=rows, engine=engine)
    with dataset.own_database(engine, customers):
        data = dataset.dataset(customers=customers, activities=activities, seed=seed, log=log)
        yield inbox(data=data, conversations=conversations, messages=messages, seed=seed, log=log)


def _marker(conversations: int, messages: int, seed: int) -> str:
    return f"bench inbox: {conversations} conversations, {messages} messages, seed {seed}"


def _people(workspace: Any) -> tuple[list[Channel], list[Team], list[Membership], list[Membership]]:
    channels = {
        c.kind: c for c in Channel.objects.filter(workspace=workspace, name__in=dict(CHANNELS).values())
    }
    members = Membership.objects.filter(
        workspace=workspace, user__email__endswith="@" + DOMAIN
    ).select_related("user")
    ordered = sorted(members, key=lambda m: m.user.email)
    return (
        [channels[kind] for kind, _name in CHANNELS if kind in channels],
        list(Team.objects.filter(workspace=workspace, name__in=TEAMS).order_by("pk")),
        [m for m in ordered if m.role == Role.AGENT],
        [m for m in ordered if m.role == Role.SUPERVISOR],
    )


def inbox(*, data: dataset.Dataset, conversations: int, messages: int, seed: int, log: Any = print) -> Inbox:
    """The conversations of the bench360 workspace with these sizes: found, or built now."""
    check_columns()
    workspace = data.workspace
    marker = get_user_model().objects.filter(email=MARKER_EMAIL).first()
    if (
        marker is not None
        and marker.full_name == _marker(conversations, messages, seed)
        and Conversation.objects.filter(workspace=workspace).count() == conversations
        and Message.objects.filter(workspace=workspace).count() == messages
        and Conversation.objects.filter(workspace=workspace, number=conversations).exists()
    ):
        log(f"   reusing the inbox data ({conversations:,} conversations, {messages:,} messages)")
        _refresh_deadlines(workspace, marker)
        return Inbox(data, conversations, messages, *_people(workspace), 0.0)
    log(f"   building the inbox data ({conversations:,} conversations, {messages:,} messages)...")
    started = time.perf_counter()
    _build(data, conversations, messages, seed, log)
    seconds = time.perf_counter() - started
    log(f"   built in {seconds:.0f} s")
    return Inbox(data, conversations, messages, *_people(workspace), seconds)


def _refresh_deadlines(workspace: Any, marker: Any) -> None:
    """Move the open conversations' SLA deadlines by the time since the build (then note the new base)."""
    now = timezone.now()
    shift = now - marker.date_joined
    if shift < dt.timedelta(minutes=5):
        return
    rows = Conversation.objects.filter(workspace=workspace, status__in=inbox_rows.OPEN)
    rows.update(**{name: F(name) + shift for name in SLA_FIELDS})
    if connection.vendor == "postgresql":  # the planner's statistics follow the moved deadlines, as if the
        with connection.cursor() as cursor:  # data had been built now (estimates of "due within the hour")
            cursor.execute(f"ANALYZE {Conversation._meta.db_table}")
    marker.date_joined = now
    marker.save(update_fields=["date_joined"])


# --- Build ------------------------------------------------------------------------------------------------

CONVERSATION_TABLES = [
    Message.mentions.through._meta.db_table,
    Message._meta.db_table,
    Conversation.tags.through._meta.db_table,
    Conversation.participants.through._meta.db_table,
    Conversation._meta.db_table,
]


def _empty(workspace: Any) -> None:
    """Every conversation and message of the database (it is the benchmarks' own), then the inbox setup."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(CONVERSATION_TABLES)} RESTART IDENTITY CASCADE")
        else:
            for table in ("conversations_attachment", "conversations_event", *CONVERSATION_TABLES):
                cursor.execute(f"DELETE FROM {table}")
    OutboxMessage.objects.filter(workspace=workspace).delete()
    Channel.objects.filter(workspace=workspace).delete()
    Team.objects.filter(workspace=workspace).delete()
    get_user_model().objects.filter(email__endswith="@" + DOMAIN).delete()  # members and profiles follow


def _build(data: dataset.Dataset, conversations: int, messages: int, seed: int, log: Any) -> None:
    workspace = data.workspace
    _empty(workspace)
    rng = random.Random(seed)
    channels, teams, agents = _setup(workspace, rng)
    team_members = [
        sorted(Team.members.through.objects.filter(team=team).values_list("membership_id", flat=True))
        for team in teams
    ]
    agent_ids = [m.pk for m in agents]
    now = int(time.time())

    def plans() -> Iterator[inbox_rows.Plan]:
        return inbox_rows.plans(
            conversations=conversations,
            messages=messages,
            customers=data.customers,
            channels=len(channels),
            team_members=team_members,
            agents=agent_ids,
            now=now,
            seed=seed,
        )

    stamp = inbox_rows.Stamps(connection.vendor == "postgresql")
    channel_ids, team_ids = [c.pk for c in channels], [t.pk for t in teams]
    tables = [Conversation._meta.db_table, Message._meta.db_table]
    with _foreign_keys_dropped(tables), dataset._secondary_indexes_dropped(tables):
        started = time.perf_counter()
        with transaction.atomic():
            dataset.load_rows(
                Conversation._meta.db_table,
                _quoted(CONVERSATION_COLUMNS),
                (
                    inbox_rows.conversation_row(
                        plan, workspace_id=workspace.pk, channels=channel_ids, teams=team_ids, stamp=stamp
                    )
                    for plan in plans()
                ),
            )
        log(f"   conversations loaded in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        with transaction.atomic():
            dataset.load_rows(
                Message._meta.db_table,
                _quoted(MESSAGE_COLUMNS),
                _messages(plans(), workspace, channel_ids, agent_ids[0], stamp),
            )
        log(f"   messages loaded in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
    log(f"   indexes and foreign keys rebuilt in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
                cursor.execute(f"ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")
    InboxSettings.objects.update_or_create(workspace=workspace, defaults={"next_number": conversations + 1})
    get_user_model().objects.create(  # the marker, last: the data is complete
        email=MARKER_EMAIL, full_name=_marker(conversations, messages, seed), date_joined=timezone.now()
    )


def _messages(
    plans: Iterator[inbox_rows.Plan], workspace: Any, channel_ids: list[int], fallback: int, stamp: Any
) -> Iterator[tuple]:
    pk = 1
    for plan in plans:
        yield from inbox_rows.message_rows(
            plan,
            first_pk=pk,
            workspace_id=workspace.pk,
            channels=channel_ids,
            fallback_author=fallback,
            stamp=stamp,
        )
        pk += len(plan.times)


def _setup(workspace: Any, rng: random.Random) -> tuple[list[Channel], list[Team], list[Membership]]:
    """Channels, agents with their profiles, supervisors and teams (a few ORM writes)."""
    channels = [Channel.objects.create(workspace=workspace, kind=kind, name=name) for kind, name in CHANNELS]
    User = get_user_model()
    people = []
    for n in range(AGENTS + SUPERVISORS):
        agent = n < AGENTS
        name = f"{FIRST_NAMES[n % 10]} {LAST_NAMES[(n // 10 + n) % 10]}"
        user = User(email=f"{'agent' if agent else 'supervisor'}{n:02d}@{DOMAIN}", full_name=name)
        user.set_unusable_password()
        people.append((user, Role.AGENT if agent else Role.SUPERVISOR))
    User.objects.bulk_create([user for user, _role in people])
    users = {u.email: u for u in User.objects.filter(email__endswith="@" + DOMAIN)}
    members = Membership.objects.bulk_create(
        [Membership(workspace=workspace, user=users[user.email], role=role) for user, role in people]
    )
    agents = [m for m in members if m.role == Role.AGENT]
    supervisors = [m for m in members if m.role == Role.SUPERVISOR]
    teams = []
    for n, name in enumerate(TEAMS):
        team = Team.objects.create(
            workspace=workspace, name=name, supervisor=supervisors[n % len(supervisors)]
        )
        team.members.set([a for i, a in enumerate(agents) if i % len(TEAMS) == n or i % 7 == n])
        teams.append(team)
    AgentProfile.objects.bulk_create([_profile(workspace, agent, rng) for agent in agents])
    return channels, teams, agents


def _profile(workspace: Any, membership: Membership, rng: random.Random) -> AgentProfile:
    roll = rng.random()
    presence = "online" if roll < 0.7 else ("away" if roll < 0.85 else "offline")
    day_shift = {str(day): ["08:00", "17:00"] for day in range(6)}  # Saturday to Thursday
    categories = [c for c in inbox_rows.CATEGORIES if c]
    return AgentProfile(
        workspace=workspace,
        membership=membership,
        presence=presence,
        capacity=rng.randrange(8, 26),
        skills=rng.sample(categories, rng.randrange(1, 4)),
        languages=["fa", "en"] if rng.random() < 0.2 else ["fa"],
        channels=[] if rng.random() < 0.6 else rng.sample([kind for kind, _name in CHANNELS], 3),
        senior=rng.random() < 0.2,
        shift=day_shift if rng.random() < 0.5 else {},
        last_assigned_at=timezone.now() - dt.timedelta(minutes=rng.randrange(1, 600)),
    )


def _quoted(columns: list[str]) -> list[str]:
    return [connection.ops.quote_name(column) for column in columns]


@contextmanager
def _foreign_keys_dropped(tables: list[str]) -> Iterator[None]:
    """PostgreSQL: drop the tables' foreign keys for a bulk load, add them back (checked once, by a join)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            [tables],
        )
        keys = cursor.fetchall()
        for table, name, _definition in keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for table, name, definition in keys:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def check_columns() -> None:
    """The hand-written rows cover every column of the two tables: a model change must show here."""
    for model, columns in ((Conversation, CONVERSATION_COLUMNS), (Message, MESSAGE_COLUMNS)):
        stored = [field.column for field in model._meta.concrete_fields]
        if set(stored) != set(columns) or len(columns) != len(set(columns)):
            raise AssertionError(
                f"{model.__name__}: columns are {sorted(stored)}, the inbox loader writes {sorted(columns)}; "
                "update bench/inbox_dataset.py and bench/inbox_rows.py"
            )
