"""``python -m bench --scale quick|full [--only NAME]``: run the benchmarks and record their results."""

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from types import ModuleType

from bench.environment import POSTGRES_URL, REPO, choose_database, database_version, git, machine
from bench.records import build_record, write_record

NAMES = (
    "bulk_insert_customers",
    "generator_throughput",
    "duplicate_detection",
    "activity_ingest",
    "customer_search",
    "customer_page",
    "inbox_queue",
    "routing_decision",
    "inbound_latency",
    "feedback_eval",
    "survey_reports",
    "survey_public",
)


def benchmarks() -> dict[str, ModuleType]:
    """The benchmark modules by name; imported once Django is set up, since they import models."""
    from bench import (
        activity_ingest,
        bulk_insert_customers,
        customer_page,
        customer_search,
        duplicate_detection,
        feedback_eval,
        generator_throughput,
        inbound_latency,
        inbox_queue,
        routing_decision,
        survey_public,
        survey_reports,
    )

    modules = (
        bulk_insert_customers,
        generator_throughput,
        duplicate_detection,
        activity_ingest,
        customer_search,
        customer_page,
        inbox_queue,
        routing_decision,
        inbound_latency,
        feedback_eval,
        survey_reports,
        survey_public,
    )
    found = {module.NAME: module for module in modules}
    assert tuple(found) == NAMES
    return found


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", choices=["quick", "full"], default="quick")
    parser.add_argument("--only", choices=NAMES, action="append", help="Run only this one.")
    parser.add_argument(
        "--database",
        choices=["auto", "postgresql", "sqlite"],
        default="auto",
        help="auto: PostgreSQL when it answers at --postgres-url, else SQLite (var/bench.sqlite3).",
    )
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument(
        "--customers", type=int, help="Rows per benchmark instead of the scale's (smoke runs)."
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--results-dir", type=Path, default=REPO / "bench" / "results")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    database = choose_database(args.database, args.postgres_url)
    os.environ["DATABASE_URL"] = database.url  # the benchmarks' own database, never the configured one
    os.environ["DJANGO_SETTINGS_MODULE"] = "mehvar.config.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    version = database_version()
    scale = args.scale if args.customers is None else "custom"
    date = dt.datetime.now(dt.UTC).date().isoformat()
    print(
        f"Benchmarks ({scale}) on {database.engine} {version}"
        + (f": {database.note}" if database.note else "")
    )

    modules = benchmarks()
    for name in args.only or NAMES:
        module = modules[name]
        print(f"== {name}", flush=True)
        outcome = module.run(scale=args.scale, rows=args.customers, seed=args.seed, engine=database.engine)
        if outcome is None:  # the benchmark skipped itself (a tool it needs is missing) and said why
            continue
        if database.note and module.USES_DATABASE:
            outcome.notes.append(database.note)
        record = build_record(
            benchmark=name,
            description=module.DESCRIPTION,
            scale=scale,
            date=date,
            context={
                "git": git(),
                "machine": machine(),
                "database": {"engine": database.engine, "version": version} if module.USES_DATABASE else None,
            },
            outcome=outcome,
        )
        label = f"{name}-{database.engine}-{scale}" if module.USES_DATABASE else f"{name}-{scale}"
        json_path, md_path = write_record(record, directory=args.results_dir, name=label)
        measured, reference = record["measurement"], record["reference"]
        print(
            f"   {measured['name']}: {measured['rows_per_second']:,.0f} rows/s; "
            f"{reference['name']}: {reference['rows_per_second']:,.0f} rows/s; ratio {record['ratio']:.4f}"
        )
        shown = json_path.relative_to(REPO) if json_path.is_relative_to(REPO) else json_path
        print(f"   {shown}, {md_path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
