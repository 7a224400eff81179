"""Fuzzy duplicate detection over generated customers; precision and recall against the generator's truth.

Measured: ``duplicates_detect`` (load the workspace's customers, Persian-normalised blocking keys, scoring
within blocks, DuplicateSuggestion rows written) from an empty review queue. Reference: the exact-key
grouping a database does by itself on the same rows, ``GROUP BY phone HAVING count(*) > 1`` over the
stored E.164 phones, in the same run. Both are reported as customers per second; the reference finds only
duplicates that kept the same phone, the measured path also those written without one.

The customers are the generator's (``mehvar.demo.generator.customers``, about 6% deliberate duplicates,
``person`` telling who each row really is), stored once through ``customer_bulk_create`` in a workspace of
their own and reused by later runs while the count and seed match (a run of bulk_insert_customers empties
the table; the rows are then rebuilt). Precision and recall count pairs of customers: a person written three
times is three true pairs.
"""

import itertools
import time
from typing import Any

from django.db import connection, transaction

from bench.records import Measurement, Outcome
from mehvar.core.models import Workspace
from mehvar.customers.duplicates import MAX_BLOCK, SUGGEST_AT, duplicates_detect
from mehvar.customers.models import Customer, DuplicateSuggestion
from mehvar.customers.services import customer_bulk_create
from mehvar.demo.generator import customers

NAME = "duplicate_detection"
USES_DATABASE = True
DESCRIPTION = (
    "Fuzzy duplicate detection (duplicates_detect: Persian-normalised blocking and scoring, suggestions "
    "written) over generated customers, beside an exact GROUP BY on the normalised phone of the same rows."
)
ROWS = {
    "quick": {"postgresql": 20_000, "sqlite": 20_000},
    "full": {"postgresql": 1_000_000, "sqlite": 100_000},
}
ROUNDS = {"quick": 3, "full": 1}
WORKSPACE_SLUG = "bench-duplicates"


def _workspace(count: int, seed: int) -> Workspace:
    name = f"Duplicate detection benchmark ({count} customers, seed {seed})"
    workspace = Workspace.objects.get_or_create(slug=WORKSPACE_SLUG, defaults={"name": name})[0]
    stored = Customer.objects.filter(workspace=workspace).count()
    if workspace.name == name and stored == count:
        return workspace
    with transaction.atomic():
        DuplicateSuggestion.objects.filter(workspace=workspace).delete()
        Customer.objects.filter(workspace=workspace).delete()
        customer_bulk_create(workspace=workspace, rows=customers(count, seed=seed))
        workspace.name = name
        workspace.save(update_fields=["name"])
    return workspace


def _truth(workspace: Workspace, count: int, seed: int) -> tuple[dict[int, int], int]:
    """Customer id → person, and the number of true duplicate pairs."""
    ids = Customer.objects.filter(workspace=workspace).order_by("pk").values_list("pk", flat=True)
    person_of = {pk: row.person for pk, row in zip(ids.iterator(), customers(count, seed=seed), strict=True)}
    rows_per_person: dict[int, int] = {}
    for person in person_of.values():
        rows_per_person[person] = rows_per_person.get(person, 0) + 1
    return person_of, sum(k * (k - 1) // 2 for k in rows_per_person.values())


def _quality(pairs: set[tuple[int, int]], person_of: dict[int, int], true_pairs: int) -> dict[str, Any]:
    correct = sum(1 for a, b in pairs if person_of[a] == person_of[b])
    return {
        "suggested_pairs": len(pairs),
        "true_pairs": true_pairs,
        "correct_pairs": correct,
        "precision": round(correct / len(pairs), 4) if pairs else 1.0,
        "recall": round(correct / true_pairs, 4) if true_pairs else 1.0,
    }


def _group_by_phone(workspace: Workspace) -> list[tuple[int, ...]]:
    table = Customer._meta.db_table
    aggregate = "string_agg(id::text, ',')" if connection.vendor == "postgresql" else "group_concat(id)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {aggregate} FROM {table} WHERE workspace_id = %s AND phone <> '' "
            "GROUP BY phone HAVING count(*) > 1",
            [workspace.pk],
        )
        return [tuple(int(pk) for pk in ids.split(",")) for (ids,) in cursor.fetchall()]


def run(*, scale: str, rows: int | None, seed: int, engine: str) -> Outcome:
    count = rows if rows is not None else ROWS[scale][engine]
    rounds = ROUNDS.get(scale, 1)
    started = time.perf_counter()
    workspace = _workspace(count, seed)
    preparation_seconds = time.perf_counter() - started
    person_of, true_pairs = _truth(workspace, count, seed)

    measured, reference, stats = [], [], {}
    for _round in range(rounds):
        DuplicateSuggestion.objects.filter(workspace=workspace).delete()
        started = time.perf_counter()
        stats = duplicates_detect(workspace=workspace)
        measured.append(time.perf_counter() - started)

        started = time.perf_counter()
        groups = _group_by_phone(workspace)
        reference.append(time.perf_counter() - started)

    suggested = set(
        DuplicateSuggestion.objects.filter(workspace=workspace).values_list("customer_a_id", "customer_b_id")
    )
    quality = _quality(suggested, person_of, true_pairs)
    by_phone = {tuple(sorted(pair)) for ids in groups for pair in itertools.combinations(ids, 2)}
    reference_quality = _quality(by_phone, person_of, true_pairs)
    return Outcome(
        measurement=Measurement(
            name="duplicates_detect",
            description="load active customers, Persian-normalised blocking keys (phone, e-mail, name + "
            f"birthday, name + city, ...; blocks over {MAX_BLOCK} skipped), score pairs within blocks, "
            f"write suggestions scoring at least {SUGGEST_AT}",
            rows=count,
            rounds=measured,
        ),
        reference=Measurement(
            name="GROUP BY phone",
            description="SQL GROUP BY on the stored E.164 phone HAVING count(*) > 1, the customers' ids "
            "aggregated per group (exact-key grouping only)",
            rows=count,
            rounds=reference,
        ),
        parameters={
            "customers": count,
            "seed": seed,
            "rounds": rounds,
            **{f"measured_{key}": value for key, value in quality.items()},
            **{f"reference_{key}": value for key, value in reference_quality.items()},
            **{f"detect_{key}": value for key, value in stats.items() if key != "seconds"},
        },
        notes=[
            f"measured: precision {quality['precision']:.4f}, recall {quality['recall']:.4f} over "
            f"{true_pairs:,} true duplicate pairs; automatic merges: none (suggestions only)",
            f"reference (same phone only): precision {reference_quality['precision']:.4f}, recall "
            f"{reference_quality['recall']:.4f}",
            f"preparing the customers (reused when present) took {preparation_seconds:.1f} s (not timed)",
        ],
    )
