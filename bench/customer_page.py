"""The Customer 360 page's server time: GET /w/<slug>/customers/<id>/ beside the raw SQL of its core reads.

Measured: Django's test ``Client`` requesting the page as the workspace's signed-in owner (DEBUG off, the
whole middleware stack, session and membership checks, ``customer_profile``, the first timeline page, the
merge history, the "viewed personal data" audit check and the template), one request per customer, for
customers with many activities (about 300 each at the standard sizes). Each customer's page is requested
once untimed first: the first view in an hour writes an audit entry (its p95 is recorded apart); then the
timed pass. p50/p95/p99 and the number of SQL queries per page (min and max: it must not depend on the
customer) are reported; the target is p95 < 40 ms (issue 3).

Reference, same run, same customers: the raw SQL of the two reads the page is built on, through the same
connection: the customer row by primary key and the first timeline page (``ORDER BY occurred_at DESC,
id DESC LIMIT 21`` on the ``(workspace, customer, -occurred_at, -id)`` index). The ratio is reference p95 ÷
measured p95.
"""

import random
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from bench import dataset
from bench.dataset import Latencies
from bench.records import Outcome
from mehvar.customers.models import Activity, Customer
from mehvar.customers.views import TIMELINE_PAGE_SIZE

NAME = "customer_page"
USES_DATABASE = True
DESCRIPTION = (
    "Server time of the Customer 360 page (GET /w/<slug>/customers/<id>/ through the Django test client as "
    "the signed-in owner, DEBUG off) for customers with many activities, beside the raw SQL of its two core "
    "reads; p50/p95/p99 and queries per page, target p95 < 40 ms."
)
PAGES = 300
TARGET_P95_MS = 40.0


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def _chosen(data: dataset.Dataset, count: int, seed: int) -> list[int]:
    heavy = data.heavy_ids
    rng = random.Random(seed)
    distinct = rng.sample(heavy, min(len(heavy), count))
    return [distinct[n % len(distinct)] for n in range(count)]


def _core_reads(cursor: Any, workspace_id: int, customer_id: int) -> int:
    cursor.execute(
        f"SELECT * FROM {Customer._meta.db_table} WHERE workspace_id = %s AND id = %s",
        [workspace_id, customer_id],
    )
    cursor.fetchall()
    cursor.execute(
        f"SELECT * FROM {Activity._meta.db_table} WHERE workspace_id = %s AND customer_id = %s "
        f"ORDER BY occurred_at DESC, id DESC LIMIT {TIMELINE_PAGE_SIZE + 1}",
        [workspace_id, customer_id],
    )
    return len(cursor.fetchall())


def run(*, scale: str, rows: int | None, seed: int, engine: str) -> Outcome:
    customers, activities = dataset.sizes(scale=scale, rows=rows, engine=engine)
    count = rows if rows is not None else PAGES
    if settings.DEBUG:
        raise SystemExit("customer_page measures the page with DEBUG off; unset DEBUG")
    with dataset.own_database(engine, customers):
        data = dataset.dataset(customers=customers, activities=activities, seed=seed)
        workspace = data.workspace
        chosen = _chosen(data, count, seed)
        client = Client()
        client.force_login(data.owner)
        urls = {pk: reverse("customers:detail", args=[workspace.slug, pk]) for pk in set(chosen)}

        def fetch(pk: int) -> tuple[float, int]:
            counter = _Counter()
            with connection.execute_wrapper(counter):
                started = time.perf_counter()
                response = client.get(urls[pk])
                seconds = time.perf_counter() - started
            if response.status_code != 200:
                raise AssertionError(f"{urls[pk]} answered {response.status_code}")
            return seconds, counter.count

        first_views = [fetch(pk)[0] for pk in dict.fromkeys(chosen)]  # untimed pass; writes the view audit
        measured, queries = [], []
        for pk in chosen:
            seconds, used = fetch(pk)
            measured.append(seconds)
            queries.append(used)

        reference, shown = [], []
        with connection.cursor() as cursor:
            for pk in chosen:
                _core_reads(cursor, workspace.pk, pk)
            for pk in chosen:
                started = time.perf_counter()
                shown.append(_core_reads(cursor, workspace.pk, pk))
                reference.append(time.perf_counter() - started)
        timeline_sizes = dict(
            Activity.objects.filter(workspace=workspace, customer_id__in=set(chosen))
            .values_list("customer_id")
            .order_by()
            .annotate(n=Count("id"))
        )

    measurement = Latencies(
        name="GET customer 360 page",
        description="django.test.Client GET /w/<slug>/customers/<id>/ as the signed-in owner, DEBUG off, "
        "full middleware and template; server time per request (a customer's first view of the hour, "
        "which writes an audit entry, was done before the timed pass)",
        rows=count,
        rounds=measured,
    )
    reference_measurement = Latencies(
        name="raw SQL of the two core reads",
        description="the customer row by (workspace, pk) and the first timeline page "
        f"(ORDER BY occurred_at DESC, id DESC LIMIT {TIMELINE_PAGE_SIZE + 1}, the activity_timeline index), "
        "through the same connection",
        rows=count,
        rounds=reference,
    )
    latency = measurement.milliseconds()
    first = Latencies("", "", len(first_views), first_views).milliseconds()
    sizes = sorted(timeline_sizes.values()) or [0]
    return Outcome(
        measurement=measurement,
        reference=reference_measurement,
        parameters={
            "customers": customers,
            "activities": activities,
            "pages": count,
            "distinct_customers": len(set(chosen)),
            "activities_per_customer_min": sizes[0],
            "activities_per_customer_median": sizes[len(sizes) // 2],
            "timeline_page_size": TIMELINE_PAGE_SIZE,
            "seed": seed,
            **latency,
            **{f"reference_{key}": value for key, value in reference_measurement.milliseconds().items()},
            "first_view_p95_ms": first["p95_ms"],
            "queries_per_page_min": min(queries),
            "queries_per_page_max": max(queries),
            "target_p95_ms": TARGET_P95_MS,
            "target_met": latency["p95_ms"] < TARGET_P95_MS and min(queries) == max(queries),
            "dataset_build_seconds": round(data.build_seconds, 1),
        },
        notes=[
            "rows = requests; rounds_seconds = one latency per request; rows_per_second = 1 / p95, so the "
            "ratio is reference p95 / measured p95; best s = fastest request, median s = p50",
            "server time in-process (no network, no WSGI server): the test client's request handling, from "
            "the request object to the rendered response",
            f"data in its own database ({dataset.location(engine, customers)}), reused while its size and "
            "seed match",
        ],
    )
