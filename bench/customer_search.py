"""Instant customer search: latency of the first page of ``customer_search`` beside an exact indexed lookup.

Measured: ``customer_search(workspace=..., q=...)`` read as the customer list page reads it (keyset page of
``LIST_PAGE_SIZE`` rows newest first, owner and tags fetched with it), one call per query, over a fixed set
of queries derived from the stored customers: pieces of names written with Arabic letters (ي, ك) or a first
name and the start of a last name, pieces of mobile numbers in Persian digits, and the start of e-mail
addresses. p50/p95/p99 are reported; the target is p95 < 50 ms (issue 3).

Reference, in the same run and on the same data: a plain indexed lookup of a customer by its exact E.164 phone
(``SELECT ... WHERE workspace_id = %s AND phone = %s``, the ``customer_ws_phone`` index), same number of
requests. The ratio is reference p95 ÷ measured p95.

Data: ``bench.dataset`` (its own database, reused across runs). Every query is run once untimed first (warm
caches, as a server that has been up a while), then timed once.
"""

import random
import time
from typing import Any

from django.db import connection
from django.db.models import Prefetch

from bench import dataset
from bench.dataset import Latencies
from bench.records import Outcome
from mehvar.api.pagination import keyset_page
from mehvar.core.text import to_persian_digits
from mehvar.customers.models import Customer, Tag
from mehvar.customers.search import customer_search
from mehvar.customers.views import LIST_PAGE_SIZE

NAME = "customer_search"
USES_DATABASE = True
DESCRIPTION = (
    "Latency of customer search (customer_search, first list page) over queries derived from the data "
    "(partial names in Arabic letters, partial phones in Persian digits, e-mail pieces), beside an exact "
    "indexed lookup by phone; p50/p95/p99, target p95 < 50 ms."
)
SEARCHES = 400
TARGET_P95_MS = 50.0
_ARABIC = str.maketrans({"ی": "ي", "ک": "ك"})


def _queries(
    workspace: Any, customers: int, count: int, seed: int
) -> tuple[list[tuple[str, str]], list[str]]:
    """(kind, query) pairs and exact phones for the reference, from customers sampled at random."""
    rng = random.Random(seed)
    ids = [1 + rng.randrange(customers) for _ in range(count * 3)]
    rows = {
        row["pk"]: row
        for row in Customer.objects.filter(workspace=workspace, pk__in=ids).values(
            "pk", "first_name", "last_name", "phone", "email"
        )
    }
    queries: list[tuple[str, str]] = []
    phones: list[str] = []
    for pk in ids:
        row = rows.get(pk)
        if row is None:
            continue
        if row["phone"]:
            phones.append(row["phone"])
        kind = len(queries) % 4
        first, last = row["first_name"].strip(), row["last_name"].strip()
        query = ""
        if kind == 0 and len(last) >= 4:  # a piece of the last name, Arabic letters
            query = last[: max(4, len(last) - 1)].translate(_ARABIC)
        elif kind == 1 and first and len(last) >= 3:  # first name and the start of the last name
            query = f"{first} {last[:3]}".translate(_ARABIC)
        elif kind == 2 and row["phone"].startswith("+98"):  # seven digits of the mobile, Persian digits
            national = "0" + row["phone"][3:]
            start = rng.randrange(1, len(national) - 6)
            query = to_persian_digits(national[start : start + 7])
        elif kind == 3 and row["email"]:  # the start of the e-mail address
            local = row["email"].split("@")[0]
            query = local[: max(4, min(len(local), 6))]
        if query:
            queries.append((("name", "name+last", "phone", "email")[kind], query))
        if len(queries) >= count and len(phones) >= count:
            break
    if not queries or not phones:
        raise AssertionError("no queries could be derived from the data")
    while len(queries) < count:  # tiny data sets: go round again
        queries += queries[: count - len(queries)]
    while len(phones) < count:
        phones += phones[: count - len(phones)]
    return queries[:count], phones[:count]


def _first_page(workspace: Any, q: str) -> int:
    """As the list page reads it; the number of customers on the page."""
    queryset = (
        customer_search(workspace=workspace, q=q, filters={})
        .select_related("owner__user")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    )
    page = keyset_page(queryset, ordering=("-id",), cursor=None, limit=LIST_PAGE_SIZE)
    return len(page.items)


def _exact_phone(cursor: Any, workspace_id: int, phone: str) -> int:
    cursor.execute(
        f"SELECT * FROM {Customer._meta.db_table} WHERE workspace_id = %s AND phone = %s "
        f"ORDER BY id DESC LIMIT {LIST_PAGE_SIZE + 1}",
        [workspace_id, phone],
    )
    return len(cursor.fetchall())


def run(*, scale: str, rows: int | None, seed: int, engine: str) -> Outcome:
    customers, activities = dataset.sizes(scale=scale, rows=rows, engine=engine)
    count = rows if rows is not None else SEARCHES
    with dataset.own_database(engine, customers):
        data = dataset.dataset(customers=customers, activities=activities, seed=seed)
        workspace = data.workspace
        queries, phones = _queries(workspace, customers, count, seed)

        for _kind, q in queries:  # warm-up, untimed
            _first_page(workspace, q)
        measured, hits = [], {}
        for kind, q in queries:
            started = time.perf_counter()
            found = _first_page(workspace, q)
            measured.append(time.perf_counter() - started)
            got = hits.setdefault(kind, [0, 0])
            got[0] += 1
            got[1] += found > 0

        reference = []
        with connection.cursor() as cursor:
            for phone in phones:
                _exact_phone(cursor, workspace.pk, phone)
            for phone in phones:
                started = time.perf_counter()
                _exact_phone(cursor, workspace.pk, phone)
                reference.append(time.perf_counter() - started)
        by_kind = _by_kind(queries, measured)

    measurement = Latencies(
        name="customer_search, first page",
        description=f"customer_search(workspace, q) + keyset first page of {LIST_PAGE_SIZE} newest first "
        "with owner and tags, as the list page reads it; one request per query",
        rows=count,
        rounds=measured,
    )
    reference_measurement = Latencies(
        name="exact phone lookup (index)",
        description="SELECT * FROM customers_customer WHERE workspace_id = %s AND phone = %s (the "
        "(workspace, phone) index), the phones of the same customers, through the same connection",
        rows=count,
        rounds=reference,
    )
    latency = measurement.milliseconds()
    return Outcome(
        measurement=measurement,
        reference=reference_measurement,
        parameters={
            "customers": customers,
            "activities": activities,
            "queries": count,
            "seed": seed,
            "page_size": LIST_PAGE_SIZE,
            **latency,
            **{f"reference_{key}": value for key, value in reference_measurement.milliseconds().items()},
            "target_p95_ms": TARGET_P95_MS,
            "target_met": latency["p95_ms"] < TARGET_P95_MS,
            **by_kind,
            **{f"{kind}_queries_with_results": f"{found}/{total}" for kind, (total, found) in hits.items()},
            "dataset_build_seconds": round(data.build_seconds, 1),
        },
        notes=[
            "each query ran once untimed before the timed pass (warm caches)",
            "rows = requests; rounds_seconds = one latency per request; rows_per_second = 1 / p95, so the "
            "ratio is reference p95 / measured p95; best s = fastest request, median s = p50",
            f"data in its own database ({dataset.location(engine, customers)}), reused while its size and "
            "seed match",
        ],
    )


def _by_kind(queries: list[tuple[str, str]], measured: list[float]) -> dict[str, float]:
    grouped: dict[str, list[float]] = {}
    for (kind, _q), seconds in zip(queries, measured, strict=True):
        grouped.setdefault(kind, []).append(seconds)
    return {
        f"{kind}_p95_ms": round(Latencies("", "", len(values), values).percentile(95) * 1000, 3)
        for kind, values in grouped.items()
    }
