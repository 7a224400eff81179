"""The Customer 360 benchmarks' data: N generated customers with identities and M activities, built once.

``customer_search`` and ``customer_page`` read the same workspace (slug ``bench360``). It lives in a database
of its own, ``mehvar_bench360_<customers>`` on the PostgreSQL server of the benchmarks (or
``bench360-<customers>.sqlite3`` beside ``bench.sqlite3``), one per size, because ``bulk_insert_customers``
empties the customer table of the benchmarks' database with ``TRUNCATE ... CASCADE``; here the data
survives and a later run reuses it when the workspace's marker (its name: sizes and seed, written last) and
the stored counts match. Otherwise it is rebuilt:

- customers from ``mehvar.demo.generator.customers``, cleaned by the product's ``clean_new_customer``
  (E.164 phones, tidy e-mails), ``search_text`` computed by the product's ``search_text_for``, loaded with
  ``COPY`` (PostgreSQL) or ``executemany`` (SQLite) with explicit ids 1..N;
- an ``Identity`` row for each phone and e-mail (the first customer keeps a value another one repeats);
- activities spread over the customers: 30% of them on the "heavy" customers (every 100th id, about 300
  activities each), the rest at random; a year of timestamps; ``COPY``/``executemany``.

Everything streams (rows are generated while they are written), so the full size needs little memory. On
PostgreSQL the secondary indexes of the two big tables are dropped during the load and rebuilt after it.
"""

import dataclasses
import datetime as dt
import itertools
import random
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from bench.environment import sqlite_path
from bench.records import Measurement
from mehvar.accounts.services import user_create
from mehvar.core.models import Workspace
from mehvar.core.services import workspace_create
from mehvar.customers.cleaning import clean_new_customer
from mehvar.customers.models import Activity, Customer, Identity
from mehvar.customers.search import search_text_for
from mehvar.demo.generator import customers as generated_customers

SLUG = "bench360"
OWNER_EMAIL = "owner@bench360.bench"
POSTGRES_NAME = "mehvar_bench360"
SIZES = {
    "quick": {"postgresql": (20_000, 200_000), "sqlite": (20_000, 200_000)},
    "full": {"postgresql": (1_000_000, 10_000_000), "sqlite": (100_000, 1_000_000)},
}
ACTIVITIES_PER_CUSTOMER = 10  # for --customers N (smoke runs): N customers, 10 N activities
HEAVY_EVERY = 100  # customers whose id is a multiple of this carry HEAVY_SHARE of the activities
HEAVY_SHARE = 0.3
KINDS = ("message", "call", "note", "order", "delivery", "survey_response", "campaign_message")
CHANNELS = ("sms", "web", "telegram", "phone", "email", "instagram")
SUMMARIES = tuple(f"رویداد نمونه {n} برای سنجش صفحهٔ مشتری" for n in range(50))
CHUNK = 10_000

CUSTOMER_FIELDS = list(Customer._meta.concrete_fields)
CUSTOMER_COLUMNS = [field.column for field in CUSTOMER_FIELDS]
IDENTITY_COLUMNS = ["workspace_id", "customer_id", "kind", "value", "written_as", "merge_id", "created_at"]
ACTIVITY_COLUMNS = [
    "workspace_id",
    "customer_id",
    "kind",
    "channel",
    "occurred_at",
    "summary",
    "data",
    "source",
    "external_id",
    "actor_id",
    "record_type_id",
    "record_id",
    "merge_id",
    "created_at",
]


@dataclass(frozen=True)
class Dataset:
    workspace: Workspace
    owner: Any  # the owner's User
    customers: int
    activities: int
    build_seconds: float  # 0.0 when reused

    @property
    def heavy_ids(self) -> list[int]:
        """The customers with many activities."""
        return list(range(HEAVY_EVERY, self.customers + 1, HEAVY_EVERY)) or [1]


@dataclasses.dataclass
class Latencies(Measurement):
    """A latency measurement: ``rounds`` holds one duration per request (``rows`` requests).

    Its speed (``rows_per_second``, what the runner's ratio divides) is 1 / p95: requests per second at the
    95th percentile latency, so that the ratio of two of them is reference p95 ÷ measured p95.
    """

    def percentile(self, share: int) -> float:
        if len(self.rounds) == 1:
            return self.rounds[0]
        return statistics.quantiles(self.rounds, n=100, method="inclusive")[share - 1]

    @property
    def rows_per_second(self) -> float:
        p95 = self.percentile(95)
        return 1 / p95 if p95 > 0 else float("inf")

    def milliseconds(self) -> dict[str, float]:
        return {
            "p50_ms": round(self.percentile(50) * 1000, 3),
            "p95_ms": round(self.percentile(95) * 1000, 3),
            "p99_ms": round(self.percentile(99) * 1000, 3),
            "max_ms": round(max(self.rounds) * 1000, 3),
        }

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), **self.milliseconds(), "rows_per_second_means": "1 / p95"}


def sizes(*, scale: str, rows: int | None, engine: str) -> tuple[int, int]:
    if rows is not None:
        return rows, rows * ACTIVITIES_PER_CUSTOMER
    return SIZES[scale][engine]


# --- The database of its own ------------------------------------------------------------------------------


def _ensure_postgres(name: str) -> None:
    import psycopg
    from psycopg import sql

    params = {
        key: value
        for key, value in connection.get_connection_params().items()
        if key in ("host", "port", "user", "password")
    }
    with psycopg.connect(dbname="postgres", connect_timeout=3, autocommit=True, **params) as server:
        if not server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def location(engine: str, customers: int) -> str:
    """One database per size, so that the quick and the full data both stay for later runs."""
    if engine == "postgresql":
        return f"{POSTGRES_NAME}_{customers}"
    return f"bench360-{customers}.sqlite3"


@contextmanager
def own_database(engine: str, customers: int) -> Iterator[None]:
    """Point Django's default connection at the bench360 database (migrated) for the block, then back."""
    settings = connection.settings_dict
    original = settings["NAME"]
    if engine == "postgresql":
        name: Any = location(engine, customers)
        _ensure_postgres(name)
    else:
        name = str(sqlite_path().with_name(location(engine, customers)))
    _disconnect()
    settings["NAME"] = name
    ContentType.objects.clear_cache()  # ids differ from one database to the other
    try:
        call_command("migrate", interactive=False, verbosity=0)
        yield
    finally:
        _disconnect()
        settings["NAME"] = original
        ContentType.objects.clear_cache()


def _disconnect() -> None:
    """Close the connection and, with a connection pool, the pool (its connections name the old database)."""
    connection.close()
    if connection.vendor == "postgresql" and connection.settings_dict["OPTIONS"].get("pool"):
        connection.close_pool()


# --- Reuse or build ---------------------------------------------------------------------------------------


def _marker(customers: int, activities: int, seed: int) -> str:
    return f"bench360: {customers} customers, {activities} activities, seed {seed}"


def dataset(*, customers: int, activities: int, seed: int, log: Any = print) -> Dataset:
    """The bench360 workspace with these sizes: found, or built now."""
    check_columns()
    workspace = Workspace.objects.filter(slug=SLUG).first()
    owner = get_user_model().objects.filter(email=OWNER_EMAIL).first()
    if (
        workspace is not None
        and owner is not None
        and workspace.name == _marker(customers, activities, seed)
        and Customer.objects.filter(workspace=workspace).count() == customers
        and Activity.objects.filter(workspace=workspace).count() == activities
        and Customer.objects.filter(workspace=workspace, pk=customers).exists()
    ):
        log(f"   reusing the bench360 data ({customers:,} customers, {activities:,} activities)")
        return Dataset(workspace, owner, customers, activities, 0.0)
    log(f"   building the bench360 data ({customers:,} customers, {activities:,} activities)...")
    started = time.perf_counter()
    workspace, owner = _build(customers, activities, seed, log)
    seconds = time.perf_counter() - started
    log(f"   built in {seconds:.0f} s")
    return Dataset(workspace, owner, customers, activities, seconds)


def _empty() -> None:
    tables = [Activity._meta.db_table, Identity._meta.db_table, Customer.tags.through._meta.db_table]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"TRUNCATE {', '.join(tables)}, {Customer._meta.db_table} RESTART IDENTITY CASCADE"
            )
        else:
            for table in [*tables, Customer._meta.db_table]:
                cursor.execute(f"DELETE FROM {table}")
    Workspace.objects.filter(slug=SLUG).delete()
    get_user_model().objects.filter(email=OWNER_EMAIL).delete()


def _build(customers: int, activities: int, seed: int, log: Any) -> tuple[Workspace, Any]:
    _empty()
    owner = user_create(email=OWNER_EMAIL, password=None, full_name="bench360")
    workspace = workspace_create(name="bench360 (building)", slug=SLUG, owner=owner)
    tables = [Customer._meta.db_table, Activity._meta.db_table]
    with _secondary_indexes_dropped(tables):
        started = time.perf_counter()
        with transaction.atomic():
            load_rows(Customer._meta.db_table, CUSTOMER_COLUMNS, _customer_rows(workspace, customers, seed))
            _load_identities(_identity_rows(workspace, customers, seed))
        log(f"   customers and identities loaded in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        with transaction.atomic():
            load_rows(
                Activity._meta.db_table,
                ACTIVITY_COLUMNS,
                _activity_rows(workspace, customers, activities, seed),
            )
        log(f"   activities loaded in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
    log(f"   indexes rebuilt in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            table = Customer._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
            cursor.execute(f"ANALYZE {table}")
            cursor.execute(f"ANALYZE {Activity._meta.db_table}")
            cursor.execute(f"ANALYZE {Identity._meta.db_table}")
        else:
            cursor.execute("ANALYZE")
    workspace.name = _marker(customers, activities, seed)  # written last: the data is complete
    workspace.save(update_fields=["name"])
    return workspace, owner


@contextmanager
def _secondary_indexes_dropped(tables: list[str]) -> Iterator[None]:
    """PostgreSQL: drop the indexes that back no constraint during a bulk load and create them after it."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint WHERE conname = indexname)",
            [tables],
        )
        definitions = cursor.fetchall()
        for name, _definition in definitions:
            cursor.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for _name, definition in definitions:
                cursor.execute(definition)


def load_rows(table: str, columns: list[str], rows: Iterator[tuple[Any, ...]]) -> None:
    names = ", ".join(columns)
    raw = connection.connection
    if connection.vendor == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        placeholders = ", ".join("?" for _ in columns)
        while chunk := list(itertools.islice(rows, CHUNK)):
            raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", chunk)


def _load_identities(rows: Iterator[tuple[Any, ...]]) -> None:
    """Identities through a staging table, the first customer keeping a value that repeats."""
    table, names = Identity._meta.db_table, ", ".join(IDENTITY_COLUMNS)
    raw = connection.connection
    if connection.vendor == "postgresql":
        with raw.cursor() as cursor:
            cursor.execute(f"CREATE TEMP TABLE bench360_identity AS SELECT {names} FROM {table} WITH NO DATA")
            with cursor.copy(f"COPY bench360_identity ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM bench360_identity ORDER BY customer_id "
                "ON CONFLICT DO NOTHING"
            )
            cursor.execute("DROP TABLE bench360_identity")
    else:
        placeholders = ", ".join("?" for _ in IDENTITY_COLUMNS)
        while chunk := list(itertools.islice(rows, CHUNK)):
            raw.executemany(f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({placeholders})", chunk)


# --- Rows -------------------------------------------------------------------------------------------------


def _cleaned(count: int, seed: int) -> Iterator[tuple[int, Any]]:
    for pk, row in enumerate(generated_customers(count, seed=seed), start=1):
        yield pk, clean_new_customer(row)


def _customer_rows(workspace: Workspace, count: int, seed: int) -> Iterator[tuple[Any, ...]]:
    now = timezone.now()
    for pk, clean in _cleaned(count, seed):
        identities = [SimpleNamespace(value=value) for value in (clean.phone, clean.email) if value]
        customer = Customer(
            pk=pk,
            workspace=workspace,
            first_name=clean.first_name,
            last_name=clean.last_name,
            display_name=clean.display_name,
            phone=clean.phone,
            email=clean.email,
            city=clean.city,
            province=clean.province,
            birthday=clean.birthday,
            first_seen_at=now,
            created_at=now,
        )
        customer.search_text = search_text_for(customer, identities)  # type: ignore[arg-type]
        yield tuple(
            field.get_db_prep_save(field.pre_save(customer, add=True), connection)
            for field in CUSTOMER_FIELDS
        )


def _identity_rows(workspace: Workspace, count: int, seed: int) -> Iterator[tuple[Any, ...]]:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    for pk, clean in _cleaned(count, seed):
        if clean.phone:
            yield (workspace.pk, pk, "phone", clean.phone, "", None, now)
        if clean.email:
            yield (workspace.pk, pk, "email", clean.email, "", None, now)


def _activity_rows(workspace: Workspace, customers: int, count: int, seed: int) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(seed)
    heavy = max(1, customers // HEAVY_EVERY)
    start = timezone.now().replace(microsecond=0) - dt.timedelta(days=365)
    postgres = connection.vendor == "postgresql"
    suffix = "+00" if postgres else ""
    created = start.strftime("%Y-%m-%d %H:%M:%S") + suffix
    year = 365 * 24 * 3600
    for n in range(count):
        if rng.random() < HEAVY_SHARE:
            customer = HEAVY_EVERY * (1 + rng.randrange(heavy)) if customers >= HEAVY_EVERY else 1
        else:
            customer = 1 + rng.randrange(customers)
        moment = (start + dt.timedelta(seconds=rng.randrange(year))).strftime("%Y-%m-%d %H:%M:%S") + suffix
        yield (
            workspace.pk,
            customer,
            KINDS[n % len(KINDS)],
            CHANNELS[n % len(CHANNELS)],
            moment,
            SUMMARIES[n % len(SUMMARIES)],
            "{}",
            "bench360",
            "",
            None,
            None,
            "",
            None,
            created,
        )


def check_columns() -> None:
    """The hand-written activity and identity rows cover every column: a model change must show here."""
    for model, columns in ((Activity, ACTIVITY_COLUMNS), (Identity, IDENTITY_COLUMNS)):
        stored = {field.column for field in model._meta.concrete_fields if not field.primary_key}
        if stored != set(columns):
            raise AssertionError(
                f"{model.__name__}: columns are {sorted(stored)}, the loader writes {columns}"
            )
