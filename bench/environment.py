"""The benchmarks' own database, and the facts about the machine and the code that every result records."""

import os
import platform
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/mehvar_bench"


@dataclass
class Database:
    engine: str  # "postgresql" or "sqlite"
    url: str
    note: str = ""


def sqlite_path() -> Path:
    """var/bench.sqlite3, under MEHVAR_VAR_DIR when set (as the settings place var/)."""
    return Path(os.environ.get("MEHVAR_VAR_DIR", REPO / "var")).resolve() / "bench.sqlite3"


def _postgres_server(url: str) -> dict[str, Any]:
    import dj_database_url

    cfg = dj_database_url.parse(url)
    return {
        "host": cfg["HOST"] or "127.0.0.1",
        "port": int(cfg["PORT"] or 5432),
        "user": cfg["USER"] or "postgres",
        "password": cfg["PASSWORD"] or None,
        "name": cfg["NAME"],
    }


def _ensure_postgres_database(url: str) -> None:
    """Create the benchmark database when it is missing (connecting to the server's "postgres" database)."""
    import psycopg
    from psycopg import sql

    server = _postgres_server(url)
    name = server.pop("name")
    with psycopg.connect(dbname="postgres", connect_timeout=3, autocommit=True, **server) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def choose_database(wanted: str, postgres_url: str = POSTGRES_URL) -> Database:
    """``auto`` takes PostgreSQL when it answers and SQLite otherwise; the choice is recorded."""
    if wanted in ("auto", "postgresql"):
        try:
            _ensure_postgres_database(postgres_url)
            return Database("postgresql", postgres_url)
        except Exception as error:  # not reachable: SQLite for auto, a clear failure otherwise
            if wanted == "postgresql":
                raise SystemExit(f"PostgreSQL is not usable at {postgres_url}: {error}") from error
            note = f"PostgreSQL not reachable ({str(error).strip().splitlines()[0]}); ran on SQLite"
    else:
        note = ""
    path = sqlite_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)  # a fresh file each run: no bloat from earlier runs
    return Database("sqlite", f"sqlite:///{path}", note)


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        return str(cursor.fetchone()[0])


def _memory_bytes() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def peak_rss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, kilobytes on Linux


def machine() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "memory_bytes": _memory_bytes(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "peak_rss_bytes": peak_rss_bytes(),
    }


def git() -> dict[str, Any]:
    def run(*args: str) -> str:
        try:
            done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = run("rev-parse", "HEAD")
    return {
        "commit": commit or "unknown",
        "dirty": bool(run("status", "--porcelain", "--untracked-files=no")),
    }
