"""Insert generated customers through the product path, beside the fastest raw load of the same rows.

Measured: ``customer_bulk_create`` (phone and e-mail normalisation, model instances, ``bulk_create`` in
batches, one transaction and its audit entry) fed the generator's messy rows. Reference: the same rows,
already normalised, loaded into the same table by PostgreSQL ``COPY`` (psycopg) or, on SQLite, by the
sqlite3 module's ``executemany``, also in one transaction. Both start from an empty table with its indexes.
The rows are generated (and, for the reference, normalised) before the clock starts, so generation is not
measured here (see generator_throughput).
"""

import time
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from bench.records import Measurement, Outcome
from mehvar.core.models import Workspace
from mehvar.customers.cleaning import clean_new_customer
from mehvar.customers.models import Customer
from mehvar.customers.services import BULK_BATCH_SIZE, customer_bulk_create
from mehvar.demo.generator import customers

NAME = "bulk_insert_customers"
USES_DATABASE = True
DESCRIPTION = (
    "Customers inserted through the product path (customer_bulk_create, normalisation included) beside "
    "a raw load of the same already-normalised rows into the same table."
)
ROWS = {
    "quick": {"postgresql": 20_000, "sqlite": 20_000},
    "full": {"postgresql": 1_000_000, "sqlite": 100_000},
}
ROUNDS = {"quick": 3, "full": 1}
# Every stored column but the id, so that the reference writes exactly the rows the product path writes.
FIELDS = [field for field in Customer._meta.concrete_fields if not field.primary_key]
COLUMNS = [field.column for field in FIELDS]


def _empty_table() -> None:
    table = Customer._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {table} RESTART IDENTITY CASCADE")
        else:
            cursor.execute(f"DELETE FROM {table}")


def _fingerprint() -> tuple[Any, ...]:
    """Enough of the table's content to see that both paths stored the same rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), count(DISTINCT phone), count(birthday), sum(length(display_name)), "
            f"count(DISTINCT email) FROM {Customer._meta.db_table}"
        )
        return tuple(cursor.fetchone())


def _reference_rows(workspace: Workspace, rows: list[Any]) -> list[tuple[Any, ...]]:
    """The database values of the rows the product path stores, prepared once, outside the timing."""
    now = timezone.now()
    prepared = []
    for row in rows:
        clean = clean_new_customer(row)
        customer = Customer(
            workspace=workspace,
            first_name=clean.first_name,
            last_name=clean.last_name,
            display_name=clean.display_name,
            phone=clean.phone,
            email=clean.email,
            city=clean.city,
            province=clean.province,
            birthday=clean.birthday,
            created_at=now,
        )
        prepared.append(
            tuple(field.get_db_prep_save(field.pre_save(customer, add=True), connection) for field in FIELDS)
        )
    return prepared


def _load_reference(prepared: list[tuple[Any, ...]]) -> None:
    table, columns = Customer._meta.db_table, ", ".join(COLUMNS)
    with transaction.atomic():
        raw = connection.connection
        if connection.vendor == "postgresql":
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in prepared:
                    copy.write_row(row)
        else:
            placeholders = ", ".join("?" for _ in COLUMNS)
            raw.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", prepared)


def run(*, scale: str, rows: int | None, seed: int, engine: str) -> Outcome:
    count = rows if rows is not None else ROWS[scale][engine]
    rounds = ROUNDS.get(scale, 1)
    workspace = Workspace.objects.get_or_create(slug="bench", defaults={"name": "Benchmark"})[0]

    started = time.perf_counter()
    generated = list(customers(count, seed=seed))
    generation_seconds = time.perf_counter() - started
    prepared = _reference_rows(workspace, generated)

    measured, reference = [], []
    fingerprints = set()
    for _round in range(rounds):
        _empty_table()
        started = time.perf_counter()
        created = customer_bulk_create(workspace=workspace, rows=generated)
        measured.append(time.perf_counter() - started)
        assert created == count
        fingerprints.add(_fingerprint())

        _empty_table()
        started = time.perf_counter()
        _load_reference(prepared)
        reference.append(time.perf_counter() - started)
        fingerprints.add(_fingerprint())
    if len(fingerprints) != 1:
        raise AssertionError(f"the two paths stored different rows: {sorted(fingerprints)}")
    _empty_table()

    reference_name = "PostgreSQL COPY (psycopg)" if engine == "postgresql" else "sqlite3 executemany"
    return Outcome(
        measurement=Measurement(
            name="customer_bulk_create",
            description="the product path: normalise phones and e-mails, build models, bulk_create "
            f"in batches of {BULK_BATCH_SIZE}, one transaction, one audit entry",
            rows=count,
            rounds=measured,
        ),
        reference=Measurement(
            name=reference_name,
            description=f"{reference_name} of the same rows, already normalised, into the same table "
            "in one transaction",
            rows=count,
            rounds=reference,
        ),
        parameters={"customers": count, "seed": seed, "rounds": rounds, "batch_size": BULK_BATCH_SIZE},
        notes=[
            f"generating the {count:,} rows took {generation_seconds:.2f} s (not timed here)",
            "both paths stored the same rows (count, distinct phones, birthdays, name lengths, e-mails)",
        ],
    )
