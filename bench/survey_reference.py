"""The survey reports benchmark's references: the same aggregates from the raw rows, in DuckDB and in SQL.

DuckDB: the responses (id, survey, time, score, agent, team, channel) and the comments' topics are exported
from the benchmark's database before the clock starts (``COPY ... TO STDOUT`` on PostgreSQL, chunks on
SQLite) into CSV files under var/, loaded into an in-memory DuckDB, beside a table mapping each Tehran day
of the period to its Jalali month (computed with jdatetime). Then, timed, the aggregates the reports show,
computed from the raw rows each time (no roll-ups): NPS groups per Jalali month, the CSAT share per agent,
the CES mean per month, responses per channel, and the topics of detractors' comments.

Raw SQL: the NPS-per-month aggregate straight from ``Response`` in the product's database (no roll-ups),
months told apart by their UTC boundaries: what the roll-ups spare the report.
"""

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import jdatetime
from django.db import connection

from mehvar.surveys.models import Answer, Response
from mehvar.surveys.reports.rollups import month_next, month_start

RESPONSE_COLUMNS = ("id", "survey_id", "created_at", "score", "agent_id", "team_id", "channel_kind")
CHUNK = 50_000


# --- Export (before the clock) ----------------------------------------------------------------------------


def export(workspace_id: int, directory: Path) -> tuple[Path, Path]:
    """The workspace's responses and comments as CSV files (times as UTC without a zone)."""
    directory.mkdir(parents=True, exist_ok=True)
    responses, comments = directory / "responses.csv", directory / "comments.csv"
    r, a = Response._meta.db_table, Answer._meta.db_table
    if connection.vendor == "postgresql":
        _copy_out(
            f"SELECT id, survey_id, created_at AT TIME ZONE 'UTC', score, agent_id, team_id, channel_kind "
            f"FROM {r} WHERE workspace_id = {int(workspace_id)}",
            responses,
        )
        _copy_out(
            f"SELECT response_id, topics FROM {a} WHERE workspace_id = {int(workspace_id)} AND text <> ''",
            comments,
        )
    else:
        _write(
            responses,
            f"SELECT {', '.join(RESPONSE_COLUMNS)} FROM {r} WHERE workspace_id = %s",
            [workspace_id],
        )
        _write(
            comments,
            f"SELECT response_id, topics FROM {a} WHERE workspace_id = %s AND text <> ''",
            [workspace_id],
        )
    return responses, comments


def _copy_out(select: str, path: Path) -> None:
    connection.ensure_connection()
    with (
        path.open("wb") as out,
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY ({select}) TO STDOUT WITH (FORMAT csv)") as copy,
    ):
        for chunk in copy:
            out.write(chunk)


def _write(path: Path, select: str, params: list[Any]) -> None:
    with path.open("w", newline="", encoding="utf-8") as out, connection.cursor() as cursor:
        writer = csv.writer(out)
        cursor.execute(select, params)
        while rows := cursor.fetchmany(CHUNK):
            writer.writerows(rows)


# --- DuckDB -----------------------------------------------------------------------------------------------


def days(months: list[int], offset: dt.timedelta) -> Iterator[tuple[dt.date, int]]:
    """Each Tehran day of these Jalali months and its month (jdatetime)."""
    day = (month_start(months[0]) + offset).date()
    end = (month_start(month_next(months[-1])) + offset).date()
    while day < end:
        jalali = jdatetime.date.fromgregorian(date=day)
        yield day, jalali.year * 100 + jalali.month
        day += dt.timedelta(days=1)


def duck(responses: Path, comments: Path, months: list[int], offset: dt.timedelta) -> Any:
    """An in-memory DuckDB with the exported rows and the day → Jalali month table."""
    db = duckdb.connect(":memory:")
    db.execute(
        "CREATE TABLE responses AS SELECT * FROM read_csv(?, header = false, columns = {"
        "'id': 'BIGINT', 'survey_id': 'BIGINT', 'created_at': 'TIMESTAMP', 'score': 'SMALLINT', "
        "'agent_id': 'BIGINT', 'team_id': 'BIGINT', 'channel_kind': 'VARCHAR'})",
        [str(responses)],
    )
    db.execute(
        "CREATE TABLE comments AS SELECT response_id, CAST(topics AS VARCHAR[]) AS topics FROM "
        "read_csv(?, header = false, columns = {'response_id': 'BIGINT', 'topics': 'VARCHAR'})",
        [str(comments)],
    )
    db.execute("CREATE TABLE days (day DATE, month INTEGER)")
    db.executemany("INSERT INTO days VALUES (?, ?)", list(days(months, offset)))
    db.execute(f"CREATE MACRO tehran_day(t) AS CAST(t + to_seconds({int(offset.total_seconds())}) AS DATE)")
    return db


# Each query's parameters: (survey id, first month, last month); responses by channel take no survey.
QUERIES = {
    "nps_by_month": """
        SELECT d.month,
               count(*) FILTER (WHERE r.score >= 9) AS promoters,
               count(*) FILTER (WHERE r.score BETWEEN 7 AND 8) AS passives,
               count(*) FILTER (WHERE r.score <= 6) AS detractors
        FROM responses r JOIN days d ON d.day = tehran_day(r.created_at)
        WHERE r.survey_id = $survey AND d.month BETWEEN $first AND $last
        GROUP BY d.month ORDER BY d.month""",
    "csat_by_agent": """
        SELECT r.agent_id, count(*) FILTER (WHERE r.score >= 4) AS satisfied, count(*) AS answers,
               count(*) FILTER (WHERE r.score >= 4) / count(*) AS share
        FROM responses r JOIN days d ON d.day = tehran_day(r.created_at)
        WHERE r.survey_id = $survey AND d.month BETWEEN $first AND $last
        GROUP BY r.agent_id ORDER BY share DESC""",
    "ces_by_month": """
        SELECT d.month, avg(r.score) AS mean, count(*) AS answers
        FROM responses r JOIN days d ON d.day = tehran_day(r.created_at)
        WHERE r.survey_id = $survey AND d.month BETWEEN $first AND $last
        GROUP BY d.month ORDER BY d.month""",
    "responses_by_channel": """
        SELECT r.channel_kind, count(*) AS responses
        FROM responses r JOIN days d ON d.day = tehran_day(r.created_at)
        WHERE d.month BETWEEN $first AND $last
        GROUP BY r.channel_kind ORDER BY responses DESC""",
    "detractor_topics": """
        SELECT t.topic, count(*) AS comments, count(*) FILTER (WHERE r.score <= 6) AS low
        FROM comments c JOIN responses r ON r.id = c.response_id
        JOIN days d ON d.day = tehran_day(r.created_at), unnest(c.topics) AS t(topic)
        WHERE r.survey_id = $survey AND d.month BETWEEN $first AND $last
        GROUP BY t.topic ORDER BY low DESC""",
}


def run_query(db: Any, name: str, params: dict[str, int]) -> list[tuple[Any, ...]]:
    sql = QUERIES[name]
    wanted = {key: value for key, value in params.items() if f"${key}" in sql}
    return db.execute(sql, wanted).fetchall()


# --- Raw SQL in the product's database --------------------------------------------------------------------


def raw_nps_by_month(*, workspace_id: int, survey_id: int, months: list[int]) -> dict[int, tuple[int, ...]]:
    """Promoters, passives, detractors per Jalali month from ``Response`` itself (no roll-ups)."""
    adapt = connection.ops.adapt_datetimefield_value
    bounds = [month_start(month) for month in [*months[1:], month_next(months[-1])]]
    cases = " ".join(f"WHEN created_at < %s THEN {month}" for month in months)
    sql = (
        f"SELECT CASE {cases} END AS month, "
        "SUM(CASE WHEN score >= 9 THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN score BETWEEN 7 AND 8 THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN score <= 6 THEN 1 ELSE 0 END) "
        f"FROM {Response._meta.db_table} WHERE workspace_id = %s AND survey_id = %s "
        "AND created_at >= %s AND created_at < %s GROUP BY 1"
    )
    params = [
        *(adapt(bound) for bound in bounds),
        workspace_id,
        survey_id,
        adapt(month_start(months[0])),
        adapt(bounds[-1]),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {int(month): tuple(int(n) for n in counts) for month, *counts in cursor.fetchall()}
