"""Locust's CSV statistics read back, and bench/loadtest.md written from them and the invariants."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from .invariants import Verdict

SERVER_ERROR = re.compile(r"status 5\d\d")


@dataclass
class Row:
    name: str
    method: str
    requests: int
    failures: int
    rps: float
    p50: str
    p95: str
    p99: str


def stats_read(prefix: Path) -> tuple[list[Row], list[tuple[str, str, int]]]:
    """(rows, the aggregated row last; failures as (name, error, occurrences))."""
    rows = []
    with open(f"{prefix}_stats.csv", newline="") as file:
        for line in csv.DictReader(file):
            rows.append(
                Row(
                    name=line["Name"],
                    method=line["Type"],
                    requests=int(line["Request Count"]),
                    failures=int(line["Failure Count"]),
                    rps=float(line["Requests/s"]),
                    p50=line["50%"],
                    p95=line["95%"],
                    p99=line["99%"],
                )
            )
    failures = []
    failures_file = Path(f"{prefix}_failures.csv")
    if failures_file.exists():
        with failures_file.open(newline="") as file:
            failures = [(f["Name"], f["Error"], int(f["Occurrences"])) for f in csv.DictReader(file)]
    return rows, failures


def server_errors(failures: list[tuple[str, str, int]]) -> int:
    return sum(count for _, error, count in failures if SERVER_ERROR.search(error))


def report_write(
    path: Path, *, header: list[str], rows: list[Row], failures: list, verdicts: list[Verdict]
) -> str:
    lines = ["# Load test (`make loadtest`)", "", *header, ""]
    lines += ["| request | method | requests | failures | req/s | p50 ms | p95 ms | p99 ms |"]
    lines += ["| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        name = f"**{row.name}**" if row.name == "Aggregated" else f"`{row.name}`"
        lines.append(
            f"| {name} | {row.method} | {row.requests:,} | {row.failures:,} | {row.rps:.1f} "
            f"| {row.p50} | {row.p95} | {row.p99} |"
        )
    lines += ["", "## Failures", ""]
    if failures:
        lines += ["| request | error | times |", "| --- | --- | ---: |"]
        lines += [f"| `{name}` | {error} | {count} |" for name, error, count in failures]
    else:
        lines.append("None.")
    lines += ["", "## Invariants (checked in SQL after the load)", ""]
    lines += [f"- {'PASS' if v.ok else 'FAIL'}: {v.name} ({v.detail})" for v in verdicts]
    text = "\n".join(lines) + "\n"
    path.write_text(text)
    return text
