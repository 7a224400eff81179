"""Bulk activity ingest through the HTTP API, as served in production, beside a raw COPY of the same rows.

Measured: ``POST /api/v1/activities/bulk`` with 1,000 items a request, sent over keep-alive connections
to uvicorn (DEBUG off; one worker process and one client connection per CPU, as production runs several
workers) on a free loopback port, against the benchmarks' database. Each
item names its customer by a phone identity written the way people write them (0912 345 6789, +98 912…,
Persian digits): half of them belong to customers stored before the clock starts, half are new and are
created by identity resolution. So the time includes HTTP, JSON, validation, resolution in bulk, customer
and identity creation, the activity insert, the customers' last-contact update and the audit entries.

Reference: the activity rows the API stored (already resolved to customers), loaded into the same, emptied
table in one transaction by PostgreSQL ``COPY`` (psycopg) or, on SQLite, sqlite3 ``executemany``.

The existing customers (half the activities' count, at most 1,000,000 as the issue sizes it) are loaded
with COPY once and kept between runs; each round starts by removing what the previous one added.
"""

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from bench.dataset import load_rows
from bench.environment import REPO
from bench.records import Measurement, Outcome
from mehvar.accounts.services import api_token_create, user_create
from mehvar.config.http import HTTP
from mehvar.core.models import Membership, Workspace
from mehvar.core.roles import Role
from mehvar.core.services import workspace_create
from mehvar.customers.models import Activity, Customer, Identity
from mehvar.customers.search import search_text_for
from mehvar.customers.timeline import MAX_INGEST_ITEMS

NAME = "activity_ingest"
USES_DATABASE = True
DESCRIPTION = (
    "Activities ingested through POST /api/v1/activities/bulk (uvicorn, 1,000 items a request, customers "
    "found or created by phone identity in bulk) beside a raw load of the same resolved rows."
)
ROWS = {
    "quick": {"postgresql": 50_000, "sqlite": 20_000},
    "full": {"postgresql": 10_000_000, "sqlite": 1_000_000},
}
ROUNDS = {"quick": 3, "full": 1}
# As in production: several uvicorn workers, here one per CPU, and as many clients sending at once.
WORKERS = max(1, min(os.cpu_count() or 1, 4))
SLUG = "bench-ingest"
KINDS = ("message", "call", "order", "delivery", "note", "survey_response")
CHANNELS = ("sms", "web", "telegram", "phone", "email")
FIELDS = [field for field in Activity._meta.concrete_fields if not field.primary_key]
COLUMNS = [field.column for field in FIELDS]
POOL_FIELDS = [field for field in Customer._meta.concrete_fields if not field.primary_key]
POOL_MAX = 1_000_000  # the size: 1,000,000 customers beside 10,000,000 activities


# --- Data -------------------------------------------------------------------------------------------------


# Mobile prefixes the numbering plan assigns; person p gets PREFIXES[p // 10**7] and seven digits of p.
PREFIXES = ("912", "913", "919", "935", "936", "990")


def _national(n: int) -> str:
    return f"{PREFIXES[n // 10_000_000]}{n % 10_000_000:07d}"


_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def _written(national: str, rng: random.Random) -> str:
    """One way people write the number."""
    shape = rng.randrange(4)
    if shape == 0:
        return f"0{national[:3]} {national[3:6]} {national[6:]}"
    if shape == 1:
        return f"+98 {national[:3]}-{national[3:6]}-{national[6:]}"
    if shape == 2:
        return f"0{national}".translate(_PERSIAN)
    return f"0098{national}"


def _pool_size(count: int) -> int:
    """Existing customers: half the activities' count, at most the issue's 1,000,000 customers."""
    return min(count // 2, POOL_MAX)


def _pool_marker(pool: int, last_pk: int) -> str:
    return f"Ingest benchmark: {pool} existing customers, the last one {last_pk}"


def _setup(count: int, log: Any = print) -> tuple[Workspace, str, int]:
    """The workspace, an agent's token, and the pool of existing customers with phone identities.

    The pool is kept between runs (the workspace's name says its size, written once it is complete) and
    loaded with COPY (PostgreSQL) or executemany (SQLite) when absent or incomplete.
    """
    email = f"owner@{SLUG}.bench"
    pool = _pool_size(count)
    workspace = Workspace.objects.filter(slug=SLUG).first()
    owner = get_user_model().objects.filter(email=email).first()
    member = (
        Membership.objects.filter(workspace=workspace, user=owner, role=Role.OWNER).first()
        if workspace is not None and owner is not None
        else None
    )
    last_pk = _last_pk(workspace) if workspace is not None else 0
    if (
        member is None
        or workspace.name != _pool_marker(pool, last_pk)
        or _pool_count(workspace, last_pk) != pool
    ):
        log(f"   loading the pool of {pool:,} existing customers...")
        started = time.perf_counter()
        Workspace.objects.filter(slug=SLUG).delete()
        get_user_model().objects.filter(email=email).delete()
        owner = user_create(email=email, password="bench-password-1234", full_name="bench")
        workspace = workspace_create(name="Ingest benchmark (loading)", slug=SLUG, owner=owner)
        member = Membership.objects.get(workspace=workspace, user=owner)
        _load_pool(workspace, pool)
        highest = Customer.objects.filter(workspace=workspace).order_by("-pk").values_list("pk", flat=True)
        workspace.name = _pool_marker(pool, highest.first() or 0)  # written last: the pool is complete
        workspace.save(update_fields=["name"])
        log(f"   pool loaded in {time.perf_counter() - started:.0f} s")
    else:
        log(f"   reusing the pool of {pool:,} existing customers")
    _token, secret = api_token_create(membership=member, name="bench")
    return workspace, secret, _last_pk(workspace)


def _pool_count(workspace: Workspace, last_pk: int) -> int:
    return Identity.objects.filter(workspace=workspace, kind="phone", customer_id__lte=last_pk).count()


def _last_pk(workspace: Workspace) -> int:
    """The pool's last customer: the marker names it (customers a broken round left come after it)."""
    _head, _sep, tail = workspace.name.rpartition(" ")
    return int(tail) if tail.isdigit() else 0


def _load_pool(workspace: Workspace, pool: int) -> None:
    """Customers 0..pool-1 by COPY, then one phone identity each by INSERT ... SELECT, in one transaction."""
    now = timezone.now()

    def rows() -> Iterator[tuple[Any, ...]]:
        for n in range(pool):
            customer = Customer(
                workspace=workspace,
                phone=f"+98{_national(n)}",
                display_name=f"مشتری {n}",
                first_seen_at=now,
                created_at=now,
            )
            customer.search_text = search_text_for(customer, [SimpleNamespace(value=customer.phone)])
            yield tuple(
                field.get_db_prep_save(field.pre_save(customer, add=True), connection)
                for field in POOL_FIELDS
            )

    customers, identities = Customer._meta.db_table, Identity._meta.db_table
    with transaction.atomic():
        load_rows(customers, [field.column for field in POOL_FIELDS], rows())
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {identities} (workspace_id, customer_id, kind, value, written_as, created_at) "
                f"SELECT workspace_id, id, 'phone', phone, '', created_at FROM {customers} "
                "WHERE workspace_id = %s",
                [workspace.pk],
            )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {customers}" if connection.vendor == "postgresql" else "ANALYZE")
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {identities}")


def _requests(count: int, seed: int, run: int) -> list[bytes]:
    """JSON bodies of 1,000 items: even items an existing customer's phone, odd items a new phone."""
    rng = random.Random(seed)
    existing = _pool_size(count)
    bodies = []
    for start in range(0, count, MAX_INGEST_ITEMS):
        items = []
        for n in range(start, min(start + MAX_INGEST_ITEMS, count)):
            person = rng.randrange(existing) if n % 2 == 0 and existing else existing + n
            moment = f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00Z"
            items.append(
                {
                    "source": "bench",
                    "external_id": f"r{run}-{n}",
                    "kind": KINDS[n % len(KINDS)],
                    "channel": CHANNELS[n % len(CHANNELS)],
                    "occurred_at": moment,
                    "summary": f"رویداد شمارهٔ {n}",
                    "data": {"n": n, "total_rials": n * 1000},
                    "identities": [{"kind": "phone", "value": _written(_national(person), rng)}],
                }
            )
        bodies.append(json.dumps({"items": items}, ensure_ascii=False).encode())
    return bodies


def _reset(workspace: Workspace, last_pool_pk: int) -> None:
    """Back to the pool: no activities, no customers or identities created by a round."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # CASCADE: rows of later modules that point at activities (survey invitations) go too; this is
            # the benchmark's own database
            cursor.execute(f"TRUNCATE {Activity._meta.db_table} CASCADE")
        else:
            cursor.execute(f"DELETE FROM {Activity._meta.db_table}")
    # Plain DELETEs: the ORM's delete() would first load every row (millions after a full round) to
    # collect cascades; a round's new customers have only identities (activities are gone above).
    identities = Identity.objects.filter(workspace=workspace, customer_id__gt=last_pool_pk)
    identities._raw_delete(identities.db)
    customers = Customer.objects.filter(workspace=workspace, pk__gt=last_pool_pk)
    customers._raw_delete(customers.db)
    Customer.objects.filter(workspace=workspace).update(last_contact_at=None)
    if connection.vendor == "postgresql":
        # Every round starts from the same state: the rows deleted above vacuumed and fresh statistics,
        # rather than autovacuum waking up (or not) in the middle of a measured round.
        with connection.cursor() as cursor:
            for model in (Activity, Identity, Customer):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


# --- The server -------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _server(log: Path, workers: int) -> Any:
    """uvicorn serving the app as in production (DEBUG off), on the benchmarks' database."""
    port = _free_port()
    env = {**os.environ, "DEBUG": "0", "PYTHONPATH": str(REPO / "src")}
    env.pop("MEHVAR_FAST_HASHER", None)
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "mehvar.config.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
        "--http",
        HTTP,  # Nagle's algorithm off on every connection (ADR 11)
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    probe.request("GET", "/api/v1/version")
                    if probe.getresponse().status == 200:
                        probe.close()
                        break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"uvicorn did not start; see {log}")
                time.sleep(0.2)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _post_share(port: int, secret: str, bodies: list[bytes], results: list[int], slot: int) -> None:
    """Send these requests in order on one keep-alive connection; count what was created."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    created = 0
    for body in bodies:
        client.request("POST", "/api/v1/activities/bulk", body=body, headers=headers)
        response = client.getresponse()
        answer = response.read()
        if response.status != 200:
            raise RuntimeError(f"ingest answered {response.status}: {answer[:500]!r}")
        created += json.loads(answer)["created"]
    client.close()
    results[slot] = created


def _post_all(port: int, secret: str, bodies: list[bytes], clients: int) -> tuple[float, int]:
    """``clients`` connections share the requests (round robin); seconds taken and activities created."""
    results = [0] * clients
    failures: list[BaseException] = []

    def work(slot: int) -> None:
        try:
            _post_share(port, secret, bodies[slot::clients], results, slot)
        except BaseException as error:  # reported after the others finish
            failures.append(error)

    threads = [threading.Thread(target=work, args=(slot,)) for slot in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if failures:
        raise failures[0]
    return seconds, sum(results)


# --- Reference --------------------------------------------------------------------------------------------


def _stored_rows(workspace: Workspace) -> list[Any]:
    """The activity rows as the API stored them (customers resolved), in the reference's input form.

    PostgreSQL: the rows in COPY's text format (chunks of bytes), read with ``COPY ... TO STDOUT``, so
    that ten million rows fit in memory; SQLite: tuples for ``executemany``.
    """
    names = ", ".join(COLUMNS)
    select = f"SELECT {names} FROM {Activity._meta.db_table} WHERE workspace_id = {int(workspace.pk)}"
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with connection.connection.cursor() as cursor, cursor.copy(f"COPY ({select}) TO STDOUT") as copy:
            return [bytes(chunk) for chunk in copy]
    with connection.cursor() as cursor:
        cursor.execute(select)
        return [tuple(row) for row in cursor.fetchall()]


def _fingerprint(workspace: Workspace) -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT customer_id), count(DISTINCT external_id), sum(length(summary)) "
            f"FROM {Activity._meta.db_table} WHERE workspace_id = %s",
            [workspace.pk],
        )
        return tuple(cursor.fetchone())


def _load_reference(rows: list[Any]) -> None:
    table, columns = Activity._meta.db_table, ", ".join(COLUMNS)
    with transaction.atomic():
        raw = connection.connection
        if connection.vendor == "postgresql":
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for chunk in rows:
                    copy.write(chunk)
        else:
            placeholders = ", ".join("?" for _ in COLUMNS)
            raw.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


# --- Run --------------------------------------------------------------------------------------------------


def run(*, scale: str, rows: int | None, seed: int, engine: str) -> Outcome:
    count = rows if rows is not None else ROWS[scale][engine]
    rounds = ROUNDS.get(scale, 1)
    workspace, secret, last_pool_pk = _setup(count)
    log = Path(os.environ.get("MEHVAR_VAR_DIR", REPO / "var")).resolve() / "bench-activity-ingest-uvicorn.log"

    measured, reference = [], []
    fingerprints = set()
    new_customers = 0
    with _server(log, WORKERS) as port:
        for number in range(rounds):
            _reset(workspace, last_pool_pk)
            bodies = _requests(count, seed, number)
            seconds, created = _post_all(port, secret, bodies, WORKERS)
            if created != count:
                raise AssertionError(f"the API created {created} activities, not {count}")
            measured.append(seconds)
            new_customers = Customer.objects.filter(workspace=workspace, pk__gt=last_pool_pk).count()
            stored = _stored_rows(workspace)
            fingerprint = _fingerprint(workspace)

            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {Activity._meta.db_table}"
                    if engine == "sqlite"
                    else f"TRUNCATE {Activity._meta.db_table} CASCADE"
                )
            started = time.perf_counter()
            _load_reference(stored)
            reference.append(time.perf_counter() - started)
            if _fingerprint(workspace) != fingerprint:
                raise AssertionError("the reference stored other rows than the API")
            fingerprints.add(fingerprint[0])
    _reset(workspace, last_pool_pk)

    reference_name = "PostgreSQL COPY (psycopg)" if engine == "postgresql" else "sqlite3 executemany"
    return Outcome(
        measurement=Measurement(
            name="POST /api/v1/activities/bulk",
            description=f"the product path over HTTP: uvicorn (DEBUG off, {WORKERS} workers), 1,000 items "
            f"a request, {WORKERS} keep-alive connections sending at once; phone identities resolved in "
            "bulk (half existing customers, half new ones created), activities inserted, last contact "
            "updated, audited",
            rows=count,
            rounds=measured,
        ),
        reference=Measurement(
            name=reference_name,
            description=f"{reference_name} of the same activity rows, already resolved to customers, into "
            "the emptied activity table in one transaction",
            rows=count,
            rounds=reference,
        ),
        parameters={
            "activities": count,
            "items_per_request": MAX_INGEST_ITEMS,
            "existing_customers": _pool_size(count),
            "new_customers_per_round": new_customers,
            "seed": seed,
            "rounds": rounds,
            "uvicorn_workers": WORKERS,
            "clients": WORKERS,
        },
        notes=[
            "request bodies are built before the clock starts; the clients are threads of the runner",
            "the reference stored the same rows as the API (count, customers, external ids, summaries)",
        ],
    )
