"""A smoke run of the benchmark runner (python -m bench): a tiny scale, on SQLite, into a temporary folder."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(REPO))
from bench.__main__ import NAMES  # noqa: E402


def test_the_bench_runner_records_each_measurement_with_its_reference_and_ratio(tmp_path):
    env = {**os.environ, "MEHVAR_VAR_DIR": str(tmp_path / "var")}
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "bench", "--database", "sqlite", "--customers", "200"]
    done = subprocess.run(
        [*command, "--results-dir", str(tmp_path / "results")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr

    files = sorted(path.name for path in (tmp_path / "results").iterdir())
    assert len(files) == 2 * len(NAMES)  # a .json and a .md for every registered benchmark
    assert any(name.endswith("-bulk_insert_customers-sqlite-custom.json") for name in files)
    assert any(name.endswith("-generator_throughput-custom.md") for name in files)
    for path in (tmp_path / "results").glob("*.json"):
        record = json.loads(path.read_text())
        measured, reference = record["measurement"], record["reference"]
        assert measured["rows"] == reference["rows"] == 200
        if "p95_ms" in measured:  # latency records: rows/s = 1 / p95, rounded to 0.1 (0.0 past 10 s)
            assert measured["p95_ms"] > 0 and reference["p95_ms"] > 0
            expected = reference["p95_ms"] / measured["p95_ms"]
            # p95_ms is kept to 0.001 ms: a reference of a few hundredths of a ms carries that rounding
            rounding = expected * (0.0005 / reference["p95_ms"] + 0.0005 / measured["p95_ms"])
        else:
            assert measured["rows_per_second"] > 0 and reference["rows_per_second"] > 0
            expected = measured["rows_per_second"] / reference["rows_per_second"]
            rounding = 0.0
        assert abs(record["ratio"] - expected) < 0.01 * expected + rounding + 1e-4, path.name
        assert record["git"]["commit"]
        assert record["machine"]["cpu_count"] >= 1 and record["machine"]["memory_bytes"] > 0
        assert record["machine"]["python"].count(".") == 2
        assert path.name.startswith(record["date"])
        markdown = path.with_suffix(".md").read_text()
        assert "reference:" in markdown and "Ratio" in markdown
    insert = json.loads(next((tmp_path / "results").glob("*bulk_insert*.json")).read_text())
    assert insert["database"]["engine"] == "sqlite" and insert["database"]["version"]
    assert insert["reference"]["name"] == "sqlite3 executemany"
    assert (tmp_path / "var" / "bench.sqlite3").exists()

    def read(name: str) -> dict:
        return json.loads(next((tmp_path / "results").glob(f"*-{name}-sqlite-custom.json")).read_text())

    queue = read("inbox_queue")["parameters"]
    assert queue["conversations"] == 200 and queue["messages"] == 1000
    assert queue["queries_per_page_with_rows"] and "target_met" in queue
    assert queue["queries_per_page_max"] == max(queue["queries_per_page_with_rows"])  # fixed per page
    routing = read("routing_decision")["parameters"]
    assert routing["decisions"] == 200 and routing["agents_online"] >= 20
    assert routing["queries_per_decision_max"] <= 8 and sum(routing["reasons"].values()) >= 200
    inbound = read("inbound_latency")
    assert inbound["parameters"]["hook_statuses"] == [200] and inbound["parameters"]["not_visible"] == 0
    assert inbound["parameters"]["processed"] == 200 and inbound["measurement"]["max_ms"] > 0
    assert "SSE" in " ".join(inbound["notes"])
