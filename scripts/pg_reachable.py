"""Exit 0 when the PostgreSQL server in the given URL answers, 1 otherwise (used by scripts/run-tests)."""

import sys

import dj_database_url
import psycopg

cfg = dj_database_url.parse(sys.argv[1])
try:
    psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1",
        port=int(cfg["PORT"] or 5432),
        user=cfg["USER"] or "postgres",
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        connect_timeout=3,
    ).close()
except Exception as error:  # any failure means "not reachable" for choosing the test legs
    print(f"PostgreSQL not reachable: {error}", file=sys.stderr)
    sys.exit(1)
