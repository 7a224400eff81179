"""The survey reports' server time over a million responses, beside DuckDB computing the same aggregates.

Measured: Django's test ``Client`` requesting each report page as the workspace's signed-in owner (DEBUG
off, the whole middleware stack and template): the NPS report (``surveys:reports``), the CSAT, CES, response
rates and drivers tabs (``surveys:report``), the comments feed's and the drill-down's first pages. Each
report is requested in turns with realistic filters: the default period (the last 12 Jalali months, the
current one read live), one survey, a segment (a channel, a team, an agent in turns) and the last three
months; the feed also by topic and sentiment, the drill-down by month and score group. Every address is
requested once untimed first. p50/p95/p99 per report and over all, and SQL queries per page; target p95
< 150 ms per report (issue 5, performance).

Reference, same run, same data (``bench/survey_reference.py``): DuckDB (in memory, rows exported before the
clock) computing from the raw rows what the reports show: NPS groups per Jalali month (beside the NPS
report), the CSAT share per agent (CSAT), the CES mean per month (CES), responses per channel (rates), the
topics of detractors' comments (drivers); the feed and the drill-down read pages, not aggregates, and have
no DuckDB counterpart. As many DuckDB runs as requests, the queries in turns; the record's ratio is DuckDB's
p95 ÷ the pages' p95. Also timed: the NPS-per-month aggregate in raw SQL straight from ``Response`` (no
roll-ups), what the roll-ups buy.

Checked in the run (the benchmark fails otherwise): the NPS report selector's promoters, passives and
detractors per month equal DuckDB's from the raw rows and the raw SQL's; the CSAT counts per agent and the
NPS detractors' topic counts equal DuckDB's.
"""

import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from bench import survey_dataset, survey_reference
from bench.dataset import Latencies
from bench.environment import REPO
from bench.records import Outcome
from mehvar.surveys.models import Response, SurveyKind
from mehvar.surveys.reports import selectors
from mehvar.surveys.reports.rollups import month_range

NAME = "survey_reports"
USES_DATABASE = True
DESCRIPTION = (
    "Server time of the survey report pages (NPS, CSAT, CES, response rates, drivers, comments feed, "
    "drill-down) over a year of responses read from monthly roll-ups plus the live current month, through "
    "the Django test client as the signed-in owner (DEBUG off), beside DuckDB computing the same "
    "aggregates from the raw rows; p50/p95/p99 and queries per page, target p95 < 150 ms per report."
)
REQUESTS = {"quick": 50, "full": 200}  # per report
RAW_ROUNDS = {"quick": 20, "full": 20}
TARGET_P95_MS = 150.0
REPORTS = ("nps", "csat", "ces", "rates", "drivers", "comments", "responses")
DUCK_FOR = {  # the DuckDB aggregate beside each report
    "nps": "nps_by_month",
    "csat": "csat_by_agent",
    "ces": "ces_by_month",
    "rates": "responses_by_channel",
    "drivers": "detractor_topics",
}


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def _addresses(data: survey_dataset.SurveyData) -> dict[str, list[tuple[str, str]]]:
    """Per report, the (label, address) pairs requested in turns."""
    slug, surveys, months = data.workspace.slug, data.surveys, data.months
    last_three = {"start": months[-3], "end": months[-1]}
    segments = [
        "channel:sms",
        f"team:{data.teams[1].pk}",
        f"agent:{data.agents[7].pk}",
    ]

    def url(name: str, *args: str, **query: Any) -> str:
        base = reverse(f"surveys:{name}", args=[slug, *args])
        return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")

    def kind_page(tab: str, kind: str) -> list[tuple[str, str]]:
        name, args = ("reports", ()) if tab == "nps" else ("report", (tab,))
        return [
            ("default", url(name, *args)),
            ("survey", url(name, *args, survey=surveys[kind].pk)),
            *[(f"segment {s}", url(name, *args, segment=s)) for s in segments],
            ("3 months", url(name, *args, **last_three)),
        ]

    past = months[-4]
    return {
        "nps": kind_page("nps", SurveyKind.NPS),
        "csat": kind_page("csat", SurveyKind.CSAT),
        "ces": kind_page("ces", SurveyKind.CES),
        "rates": kind_page("rates", SurveyKind.NPS),
        "drivers": kind_page("drivers", SurveyKind.NPS),
        "comments": [
            ("default", url("report_comments")),
            ("survey", url("report_comments", survey=surveys[SurveyKind.CSAT].pk)),
            ("topic delivery, negative", url("report_comments", topic="delivery", sentiment="negative")),
            ("segment channel:sms", url("report_comments", segment="channel:sms")),
            ("3 months", url("report_comments", **last_three)),
        ],
        "responses": [
            ("default", url("report_responses")),
            (
                "NPS survey, a past month, detractors",
                url(
                    "report_responses",
                    survey=surveys[SurveyKind.NPS].pk,
                    start=past,
                    end=past,
                    group="detractor",
                ),
            ),
            ("segment agent", url("report_responses", segment=segments[2])),
            ("3 months, CSAT low", url("report_responses", kind="csat", group="low", **last_three)),
        ],
    }


def _turns(addresses: list[tuple[str, str]], count: int) -> Iterator[tuple[str, str]]:
    for n in range(count):
        yield addresses[n % len(addresses)]


def _stats(rounds: list[float]) -> dict[str, float]:
    return Latencies("", "", len(rounds), rounds).milliseconds()


def _requests_per_report(scale: str, rows: int | None) -> dict[str, int]:
    if rows is None:
        return dict.fromkeys(REPORTS, REQUESTS[scale])
    share, extra = divmod(rows, len(REPORTS))  # a smoke run: ``rows`` requests in all
    return {report: share + (1 if n < extra else 0) for n, report in enumerate(REPORTS)}


def run(*, scale: str, rows: int | None, seed: int, engine: str) -> Outcome:
    if settings.DEBUG:
        raise SystemExit("survey_reports measures the pages with DEBUG off; unset DEBUG")
    responses = survey_dataset.size(scale=scale, rows=rows, engine=engine)
    counts = _requests_per_report(scale, rows)
    total = sum(counts.values())
    load_before = os.getloadavg()
    with survey_dataset.own_database(engine, responses):
        data = survey_dataset.dataset(responses=responses, seed=seed)
        measured = _measure_pages(data, counts)
        reference = _reference(data, engine, responses, total, scale, rows)
    load_after = os.getloadavg()

    pages = [seconds for report in REPORTS for seconds in measured[report]["rounds"]]
    duck_rounds = [seconds for name in reference["duck"] for seconds in reference["duck"][name]]
    measurement = Latencies(
        name="GET survey report pages",
        description="django.test.Client GET of the seven report pages in turns (filters rotating) as the "
        "signed-in owner, DEBUG off, full middleware and template; server time per request",
        rows=total,
        rounds=pages,
    )
    reference_measurement = Latencies(
        name="DuckDB aggregates from the raw rows",
        description="in-memory DuckDB over the exported responses (and comments' topics) with a day → Jalali "
        "month table: NPS per month, CSAT share per agent, CES mean per month, responses per channel, "
        "detractors' topics; as many runs as page requests, in turns",
        rows=total,
        rounds=duck_rounds,
    )
    per_report = {}
    for report in REPORTS:
        stats = _stats(measured[report]["rounds"])
        duck = DUCK_FOR.get(report)
        duck_p95 = _stats(reference["duck"][duck])["p95_ms"] if duck else None
        per_report[report] = {
            **stats,
            "requests": len(measured[report]["rounds"]),
            "queries_min": min(measured[report]["queries"]),
            "queries_max": max(measured[report]["queries"]),
            "p95_by_filter_ms": measured[report]["by_filter"],
            "duckdb_aggregate": duck,
            "duckdb_p95_ms": duck_p95,
            "ratio_duckdb_to_page_p95": round(duck_p95 / stats["p95_ms"], 4) if duck_p95 else None,
            "target_met": stats["p95_ms"] < TARGET_P95_MS,
        }
    overall = measurement.milliseconds()
    return Outcome(
        measurement=measurement,
        reference=reference_measurement,
        parameters={
            "responses": data.counts["responses"],
            **{key: value for key, value in data.counts.items() if key != "responses"},
            "months": f"{data.months[0]}..{data.months[-1]} (Jalali; the last one read live)",
            "current_month_responses": reference["current_month_responses"],
            "seed": seed,
            **overall,
            **{f"reference_{key}": value for key, value in reference_measurement.milliseconds().items()},
            "per_report": per_report,
            "duckdb_per_aggregate": {name: _stats(runs) for name, runs in reference["duck"].items()},
            "raw_sql_nps_by_month": reference["raw"],
            "checks": reference["checks"],
            "target_p95_ms": TARGET_P95_MS,
            "target_met": all(entry["target_met"] for entry in per_report.values()),
            "rollup_build_seconds": round(data.rollup_seconds, 2) if data.build_seconds else "reused",
            "dataset_build_seconds": round(data.build_seconds, 1),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
        },
        notes=[
            "rows = requests; rounds_seconds = one latency per request; rows_per_second = 1 / p95, so the "
            "ratio is DuckDB p95 / pages p95 (over all reports; per report in per_report)",
            "server time in-process (no network, no WSGI server): the test client's request handling",
            "DuckDB and the raw SQL compute from raw rows on every run; the pages read the monthly roll-ups "
            "and the current month live (rollups.score_groups and friends)",
            f"data in its own database ({survey_dataset.location(engine, responses)}), reused while its "
            "size, seed and the current Jalali month match",
            *[_line(report, entry) for report, entry in per_report.items()],
            f"raw SQL NPS per month from Response (no roll-ups): p50 {reference['raw']['p50_ms']:.1f} ms, "
            f"p95 {reference['raw']['p95_ms']:.1f} ms",
        ],
    )


def _line(report: str, entry: dict[str, Any]) -> str:
    duck = (
        f"DuckDB {entry['duckdb_aggregate']} p95 {entry['duckdb_p95_ms']:.1f} ms "
        f"(ratio {entry['ratio_duckdb_to_page_p95']:.3f})"
        if entry["duckdb_aggregate"]
        else "no DuckDB counterpart"
    )
    return (
        f"{report}: p50 {entry['p50_ms']:.1f}, p95 {entry['p95_ms']:.1f}, p99 {entry['p99_ms']:.1f} ms; "
        f"{entry['queries_min']}-{entry['queries_max']} queries; {duck}; "
        f"target {'met' if entry['target_met'] else 'missed'}"
    )


def _measure_pages(data: survey_dataset.SurveyData, counts: dict[str, int]) -> dict[str, dict[str, Any]]:
    client = Client()
    client.force_login(data.owner)
    addresses = _addresses(data)

    def fetch(address: str) -> tuple[float, int]:
        counter = _Counter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            response = client.get(address)
            seconds = time.perf_counter() - started
        if response.status_code != 200:
            raise AssertionError(f"{address} answered {response.status_code}")
        return seconds, counter.count

    for report in REPORTS:  # untimed pass: every address once
        for _label, address in addresses[report]:
            fetch(address)
    results: dict[str, dict[str, Any]] = {}
    for report in REPORTS:
        rounds, queries = [], []
        by_filter: dict[str, list[float]] = defaultdict(list)
        for label, address in _turns(addresses[report], counts[report]):
            seconds, used = fetch(address)
            rounds.append(seconds)
            queries.append(used)
            by_filter[label].append(seconds)
        results[report] = {
            "rounds": rounds,
            "queries": queries,
            "by_filter": {label: _stats(runs)["p95_ms"] for label, runs in by_filter.items()},
        }
        print(f"   {report}: p95 {_stats(rounds)['p95_ms']:.1f} ms, {min(queries)}-{max(queries)} queries")
    return results


def _reference(
    data: survey_dataset.SurveyData, engine: str, responses: int, total: int, scale: str, rows: int | None
) -> dict[str, Any]:
    directory = Path(os.environ.get("MEHVAR_VAR_DIR", REPO / "var")).resolve() / f"bench-surveys-{engine}"
    started = time.perf_counter()
    exported = survey_reference.export(data.workspace.pk, directory)
    export_seconds = time.perf_counter() - started
    offset = survey_dataset.tehran_offset(data.months)
    db = survey_reference.duck(*exported, data.months, offset)
    defaults = selectors.default_filters()
    period = defaults.months
    params = {
        "nps_by_month": {"survey": data.surveys[SurveyKind.NPS].pk},
        "csat_by_agent": {"survey": data.surveys[SurveyKind.CSAT].pk},
        "ces_by_month": {"survey": data.surveys[SurveyKind.CES].pk},
        "responses_by_channel": {},
        "detractor_topics": {"survey": data.surveys[SurveyKind.NPS].pk},
    }
    for value in params.values():
        value.update(first=period[0], last=period[-1])
    checks = _checks(data, db, params, defaults)

    names = list(survey_reference.QUERIES)
    for name in names:  # warm
        survey_reference.run_query(db, name, params[name])
    duck: dict[str, list[float]] = {name: [] for name in names}
    for n in range(total):
        name = names[n % len(names)]
        started = time.perf_counter()
        survey_reference.run_query(db, name, params[name])
        duck[name].append(time.perf_counter() - started)
    db.close()

    raw_rounds = []
    rounds = RAW_ROUNDS[scale] if rows is None else 3
    for _ in range(rounds + 1):
        started = time.perf_counter()
        survey_reference.raw_nps_by_month(
            workspace_id=data.workspace.pk, survey_id=data.surveys[SurveyKind.NPS].pk, months=period
        )
        raw_rounds.append(time.perf_counter() - started)
    current = period[-1]
    return {
        "duck": duck,
        "raw": {**_stats(raw_rounds[1:]), "rounds": rounds, "first_run_ms": round(raw_rounds[0] * 1000, 3)},
        "checks": {**checks, "export_seconds": round(export_seconds, 2)},
        "current_month_responses": _current_month_count(data, current),
    }


def _current_month_count(data: survey_dataset.SurveyData, month: int) -> int:
    start, end = month_range(month, month)
    return Response.objects.filter(
        workspace=data.workspace, created_at__gte=start, created_at__lt=end
    ).count()


def _checks(
    data: survey_dataset.SurveyData, db: Any, params: dict[str, dict[str, int]], defaults: selectors.Filters
) -> dict[str, Any]:
    """The report's figures equal the raw rows' (AssertionError otherwise)."""
    workspace = data.workspace
    report = selectors.kind_report(
        workspace=workspace, kind=SurveyKind.NPS, filters=defaults, breakdowns=False
    )
    from_report = {
        row.key: (row.groups["promoter"], row.groups["passive"], row.groups["detractor"])
        for row in report.months
        if row.responses
    }
    from_duck = {
        month: (p, s, d)
        for month, p, s, d in survey_reference.run_query(db, "nps_by_month", params["nps_by_month"])
    }
    from_sql = survey_reference.raw_nps_by_month(
        workspace_id=workspace.pk, survey_id=data.surveys[SurveyKind.NPS].pk, months=defaults.months
    )
    if not from_report == from_duck == from_sql:
        raise AssertionError(
            f"NPS per month differs: report {from_report}, DuckDB {from_duck}, raw SQL {from_sql}"
        )
    csat = selectors.kind_report(workspace=workspace, kind=SurveyKind.CSAT, filters=defaults)
    by_agent = {
        selectors.Segment.parse(row.key).key if row.key else "": [row.groups["high"], row.responses]
        for row in csat.by_agent
    }
    duck_agents = {
        "" if agent is None else str(agent): [satisfied, answers]
        for agent, satisfied, answers, _share in survey_reference.run_query(
            db, "csat_by_agent", params["csat_by_agent"]
        )
    }
    if by_agent != duck_agents:
        raise AssertionError(f"CSAT per agent differs: report {by_agent}, DuckDB {duck_agents}")
    drivers, _low = selectors.drivers_report(
        workspace=workspace, kind=SurveyKind.NPS, filters=defaults, verbatims=0
    )
    report_topics = {d.topic: (d.comments, d.low) for d in drivers}
    duck_topics = {
        topic: (comments, low)
        for topic, comments, low in survey_reference.run_query(
            db, "detractor_topics", params["detractor_topics"]
        )
    }
    if report_topics != duck_topics:
        raise AssertionError(f"NPS topics differ: report {report_topics}, DuckDB {duck_topics}")
    return {
        "nps_months_equal": len(from_report),
        "nps_responses_in_period": sum(map(sum, from_report.values())),
        "csat_agents_equal": len(duck_agents),
        "nps_topics_equal": len(duck_topics),
    }
