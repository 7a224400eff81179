"""The survey reports benchmark's data: a year and a month of survey responses, built once and kept.

A workspace ``bench-surveys`` in a database of its own (``mehvar_benchsurveys_<responses>`` on the benchmarks'
PostgreSQL server, or ``benchsurveys-<responses>.sqlite3`` beside ``bench.sqlite3``), so that the other
benchmarks' ``TRUNCATE ... CASCADE`` cannot touch it. Reused while the workspace's marker (its name: size,
seed and the current Jalali month, written last) and the counts match; rebuilt otherwise:

- three surveys made by the product's ``survey_create`` with the kinds' default questions: an NPS
  relationship survey, CSAT after conversations, CES after deliveries;
- 40 agents (memberships) in 5 teams, 5 channels (SMS, e-mail, Telegram, web chat, API), a pool of
  customers (a fifth of the responses, at most 200,000) loaded by ``COPY``;
- responses spread evenly over the last 13 Jalali months (Tehran time) up to now, so the current month,
  read live by the reports, holds about 1/13 of them; NPS 40%, CSAT 40%, CES 20%; scores drawn around a
  per-agent quality and a monthly trend; 90% carry an agent (and the agent's team);
- two invitations per response, one of them answered by it;
- one score answer per response, and a free-text answer for 40% of them with the feedback engine's fields
  (``sentiment``, ``sentiment_score``, ``topics`` from ``feedback.corpus.TOPICS``), texts from 50 fixed
  Persian comments whose sentiment follows the score.

Rows are streamed into ``COPY`` (PostgreSQL; secondary indexes and foreign keys dropped during the load) or
``executemany`` (SQLite). Then the product's ``workspace_rollup`` builds the monthly roll-ups (timed), and
on PostgreSQL ``VACUUM ANALYZE`` sets the visibility map the reports' index-only scans need.
"""

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from bench.dataset import _disconnect, _ensure_postgres, _secondary_indexes_dropped, load_rows
from bench.environment import sqlite_path
from bench.inbox_dataset import _foreign_keys_dropped
from bench.survey_rows import AGENTS, CHANNELS, CUSTOMERS_MAX, MONTHS, SURVEYS, TEAMS, Plan
from mehvar.accounts.services import user_create
from mehvar.channels.models import Channel
from mehvar.conversations.models import Team
from mehvar.core.jalali import TEHRAN
from mehvar.core.models import Membership, Workspace
from mehvar.core.roles import Role
from mehvar.core.services import workspace_create
from mehvar.customers.models import Customer
from mehvar.surveys.authoring import survey_create
from mehvar.surveys.models import (
    Answer,
    Invitation,
    InvitationMonth,
    Response,
    ScoreMonth,
    Survey,
    SurveySettings,
    TopicMonth,
)
from mehvar.surveys.reports.rollups import (
    current_month,
    month_previous,
    month_start,
    months_between,
    workspace_rollup,
)

SLUG = "bench-surveys"
DOMAIN = "bench-surveys.bench"
OWNER_EMAIL = f"owner@{DOMAIN}"
POSTGRES_NAME = "mehvar_benchsurveys"
SIZES = {
    "quick": {"postgresql": 50_000, "sqlite": 50_000},
    "full": {"postgresql": 1_000_000, "sqlite": 100_000},
}

FIRST_NAMES = ("مریم", "علی", "زهرا", "رضا", "فاطمه", "حسین", "سارا", "محمد", "نرگس", "امیر")
LAST_NAMES = ("احمدی", "رضایی", "کریمی", "حسینی", "موسوی", "جعفری", "صادقی", "رحیمی", "نوری", "کاظمی")


@dataclass(frozen=True)
class SurveyData:
    workspace: Workspace
    owner: Any  # the owner's User
    surveys: dict[str, Survey]  # by kind: "nps", "csat", "ces"
    teams: list[Team]
    agents: list[Membership]
    months: list[int]  # the 13 Jalali months of the data, oldest first
    counts: dict[str, int]  # rows per table
    build_seconds: float  # 0.0 when reused
    rollup_seconds: float  # workspace_rollup over the whole data, at build time (0.0 when reused)


def size(*, scale: str, rows: int | None, engine: str) -> int:
    return rows if rows is not None else SIZES[scale][engine]


def location(engine: str, responses: int) -> str:
    if engine == "postgresql":
        return f"{POSTGRES_NAME}_{responses}"
    return f"benchsurveys-{responses}.sqlite3"


@contextmanager
def own_database(engine: str, responses: int) -> Iterator[None]:
    """Point Django's default connection at this benchmark's database (migrated) for the block."""
    settings = connection.settings_dict
    original = settings["NAME"]
    if engine == "postgresql":
        name: Any = location(engine, responses)
        _ensure_postgres(name)
    else:
        name = str(sqlite_path().with_name(location(engine, responses)))
    _disconnect()
    settings["NAME"] = name
    ContentType.objects.clear_cache()
    try:
        call_command("migrate", interactive=False, verbosity=0)
        yield
    finally:
        _disconnect()
        settings["NAME"] = original
        ContentType.objects.clear_cache()


# --- Reuse or build ---------------------------------------------------------------------------------------


def _marker(responses: int, seed: int, month: int) -> str:
    return f"bench-surveys: {responses} responses, seed {seed}, built in {month}"


def dataset(*, responses: int, seed: int, log: Callable[[str], Any] = print) -> SurveyData:
    month = current_month()
    workspace = Workspace.objects.filter(slug=SLUG).first()
    if (
        workspace is not None
        and workspace.name == _marker(responses, seed, month)
        and Response.objects.filter(workspace=workspace).count() == responses
        and SurveySettings.objects.filter(workspace=workspace, rolled_month=month_previous(month)).exists()
    ):
        log(f"   reusing the survey data ({responses:,} responses)")
        return _found(workspace, 0.0, 0.0)
    log(f"   building the survey data ({responses:,} responses)...")
    started = time.perf_counter()
    workspace, rollup_seconds = _build(responses, seed, log)
    seconds = time.perf_counter() - started
    log(f"   built in {seconds:.0f} s (roll-ups {rollup_seconds:.1f} s)")
    return _found(workspace, seconds, rollup_seconds)


def _found(workspace: Workspace, build_seconds: float, rollup_seconds: float) -> SurveyData:
    surveys = {s.kind: s for s in Survey.objects.filter(workspace=workspace)}
    last = current_month()
    first = last
    for _ in range(MONTHS - 1):
        first = month_previous(first)
    answers = Answer.objects.filter(workspace=workspace)
    return SurveyData(
        workspace=workspace,
        owner=get_user_model().objects.get(email=OWNER_EMAIL),
        surveys=surveys,
        teams=list(Team.objects.filter(workspace=workspace).order_by("pk")),
        agents=list(Membership.objects.filter(workspace=workspace, role=Role.AGENT).order_by("pk")),
        months=months_between(first, last),
        counts={
            "responses": Response.objects.filter(workspace=workspace).count(),
            "invitations": Invitation.objects.filter(workspace=workspace).count(),
            "answers": answers.count(),
            "comments": answers.exclude(text="").count(),
            "customers": Customer.objects.filter(workspace=workspace).count(),
            "score_month_rows": ScoreMonth.objects.filter(workspace=workspace).count(),
            "invitation_month_rows": InvitationMonth.objects.filter(workspace=workspace).count(),
            "topic_month_rows": TopicMonth.objects.filter(workspace=workspace).count(),
        },
        build_seconds=build_seconds,
        rollup_seconds=rollup_seconds,
    )


LOADED = (Answer, Response, Invitation, Customer)


def _empty() -> None:
    tables = [model._meta.db_table for model in (*LOADED, ScoreMonth, InvitationMonth, TopicMonth)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
    Workspace.objects.filter(slug=SLUG).delete()
    get_user_model().objects.filter(email__endswith="@" + DOMAIN).delete()


def _build(responses: int, seed: int, log: Callable[[str], Any]) -> tuple[Workspace, float]:
    _empty()
    owner = user_create(email=OWNER_EMAIL, password=None, full_name="مدیر نظرسنجی‌ها")
    workspace = workspace_create(name="bench-surveys (building)", slug=SLUG, owner=owner)
    acting = Membership.objects.get(workspace=workspace, user=owner)
    surveys = [
        survey_create(acting=acting, kind=kind, title_fa=title, trigger=trigger, active=True, delay_days=days)
        for kind, trigger, days, title, _share in SURVEYS
    ]
    channels = [Channel.objects.create(workspace=workspace, kind=k, name=n) for k, n, _s in CHANNELS]
    agents, _teams = _people(workspace)
    customers = max(10, min(CUSTOMERS_MAX, responses // 5))
    plan = Plan(
        workspace_id=workspace.pk,
        responses=responses,
        customers=customers,
        surveys=surveys,
        channels=channels,
        agents=[(agent.pk, team.pk) for agent, team in agents],
        seed=seed,
        now=timezone.now(),
    )
    tables = [model._meta.db_table for model in LOADED]
    with _foreign_keys_dropped(tables), _secondary_indexes_dropped(tables):
        for label, model, rows in (
            ("customers", Customer, plan.customer_rows()),
            ("invitations", Invitation, plan.invitation_rows()),
            ("responses", Response, plan.response_rows()),
            ("answers", Answer, plan.answer_rows()),
        ):
            started = time.perf_counter()
            columns, stream = rows
            with transaction.atomic():
                load_rows(model._meta.db_table, columns, stream)
            log(f"   {label} loaded in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
    log(f"   indexes and foreign keys back in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
                cursor.execute(f"ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")
    started = time.perf_counter()
    workspace_rollup(workspace_id=workspace.pk)
    rollup_seconds = time.perf_counter() - started
    log(f"   workspace_rollup in {rollup_seconds:.1f} s")
    _vacuum()
    workspace.name = _marker(responses, seed, current_month())  # written last: the data is complete
    workspace.save(update_fields=["name"])
    return workspace, rollup_seconds


def _vacuum() -> None:
    """PostgreSQL: VACUUM ANALYZE (index-only scans need the visibility map); SQLite: ANALYZE."""
    tables = [m._meta.db_table for m in (*LOADED, ScoreMonth, InvitationMonth, TopicMonth)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"VACUUM ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")


def _people(workspace: Workspace) -> tuple[list[tuple[Membership, Team]], list[Team]]:
    User = get_user_model()
    users = []
    for n in range(AGENTS):
        user = User(email=f"agent{n:02d}@{DOMAIN}", full_name=f"{FIRST_NAMES[n % 10]} {LAST_NAMES[n // 4]}")
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users)
    stored = {
        u.email: u for u in User.objects.filter(email__startswith="agent", email__endswith="@" + DOMAIN)
    }
    members = Membership.objects.bulk_create(
        [Membership(workspace=workspace, user=stored[u.email], role=Role.AGENT) for u in users]
    )
    teams = [Team.objects.create(workspace=workspace, name=name) for name in TEAMS]
    placed = []
    for n, member in enumerate(members):
        team = teams[n % len(teams)]
        team.members.add(member)
        placed.append((member, team))
    return placed, teams


def tehran_offset(months: list[int]) -> dt.timedelta:
    """Tehran's UTC offset over these months: one value (Iran has kept +03:30 all year since 2022)."""
    first = month_start(months[0]).date()
    last = month_start(months[-1]).date() + dt.timedelta(days=40)
    offsets = {
        dt.datetime.combine(first + dt.timedelta(days=n), dt.time(12), tzinfo=TEHRAN).utcoffset()
        for n in range((last - first).days)
    }
    if len(offsets) != 1:
        raise AssertionError(f"Tehran's offset changes within the period: {offsets}")
    return offsets.pop()  # type: ignore[return-value]
