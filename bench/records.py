"""What a benchmark returns, and the dated JSON and Markdown files the runner writes from it."""

import dataclasses
import json
import statistics
from pathlib import Path
from typing import Any


@dataclasses.dataclass
class Measurement:
    """One timed path: ``rows`` handled per round, the seconds each round took."""

    name: str
    description: str
    rows: int
    rounds: list[float]

    @property
    def best_seconds(self) -> float:
        return min(self.rounds)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.best_seconds if self.best_seconds > 0 else float("inf")

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "rows": self.rows,
            "rounds_seconds": [round(seconds, 6) for seconds in self.rounds],
            "best_seconds": round(self.best_seconds, 6),
            "median_seconds": round(statistics.median(self.rounds), 6),
            "rows_per_second": round(self.rows_per_second, 1),
        }


@dataclasses.dataclass
class Outcome:
    """A benchmark's answer: the product path, the reference beside it, and what else is worth keeping."""

    measurement: Measurement
    reference: Measurement
    parameters: dict[str, Any]
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def ratio(self) -> float:
        """The product's speed as a share of the reference's: 0.25 means four times slower."""
        return self.measurement.rows_per_second / self.reference.rows_per_second


RATIO_MEANING = "measurement rows/s divided by reference rows/s (1.0 = as fast as the reference)"


def build_record(
    *, benchmark: str, description: str, scale: str, date: str, context: dict[str, Any], outcome: Outcome
) -> dict[str, Any]:
    if outcome.reference.rows <= 0 or not outcome.reference.rounds:
        raise ValueError(f"{benchmark}: a benchmark must run its reference in the same run")
    return {
        "benchmark": benchmark,
        "description": description,
        "date": date,
        "scale": scale,
        **context,
        "parameters": outcome.parameters,
        "measurement": outcome.measurement.as_dict(),
        "reference": outcome.reference.as_dict(),
        "ratio": round(outcome.ratio, 4),
        "ratio_meaning": RATIO_MEANING,
        "notes": outcome.notes,
    }


def write_record(record: dict[str, Any], *, directory: Path, name: str) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{record['date']}-{name}"
    json_path, md_path = directory / f"{stem}.json", directory / f"{stem}.md"
    json_path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(markdown(record), encoding="utf-8")
    return json_path, md_path


def _row(measured: dict[str, Any], role: str) -> str:
    return (
        f"| {role}: {measured['name']} | {measured['rows']:,} | {measured['best_seconds']:.3f} "
        f"| {measured['median_seconds']:.3f} | {measured['rows_per_second']:,.0f} |"
    )


def markdown(record: dict[str, Any]) -> str:
    machine, database, git = record["machine"], record.get("database"), record["git"]
    ratio = record["ratio"]
    slower = f"{1 / ratio:.1f} times slower than" if ratio < 1 else f"{ratio:.1f} times as fast as"
    lines = [
        f"# {record['benchmark']} ({record['scale']}), {record['date']}",
        "",
        record["description"],
        "",
        "| path | rows | best s | median s | rows/s (best) |",
        "|---|---:|---:|---:|---:|",
        _row(record["measurement"], "measured"),
        _row(record["reference"], "reference"),
        "",
        f"**Ratio {ratio:.4f}** (measured rows/s ÷ reference rows/s): the measured path is {slower} "
        "the reference.",
        "",
        f"- measured: {record['measurement']['description']}",
        f"- reference: {record['reference']['description']}",
        f"- parameters: {', '.join(f'{key}={value}' for key, value in record['parameters'].items())}",
        *([f"- database: {database['engine']} {database['version']}"] if database else []),
        f"- machine: {machine['cpu_count']} CPUs, {machine['memory_bytes'] / 2**30:.1f} GiB memory, "
        f"Python {machine['python']}, {machine['platform']}; peak memory of the run "
        f"{machine['peak_rss_bytes'] / 2**20:.0f} MiB",
        f"- commit: {git['commit']}{' (with uncommitted changes)' if git['dirty'] else ''}",
    ]
    lines += [f"- note: {note}" for note in record["notes"]]
    return "\n".join(lines) + "\n"
