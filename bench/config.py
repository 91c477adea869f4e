"""Where the benchmark keeps its files, the knobs read from the environment, and
the targets a run is judged against."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
RUNTIME = BENCH_DIR / ".runtime"  # logs and query plans; ignored by git
RESULTS = BENCH_DIR / "results.md"
LUA_SCRIPT = BENCH_DIR / "report.lua"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/doctrina_bench"
HOST = "127.0.0.1"
WORKERS = 2

DURATION = int(os.environ.get("BENCH_DURATION", "10"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
WRK_TIMEOUT_S = 5  # longer for a page whose queue takes longer (bench/load.py: timeout_for)
CEILING_DURATION = max(3, DURATION // 2)
WEBHOOK_EVENTS = int(os.environ.get("BENCH_WEBHOOK_EVENTS", "1500"))
# `db_worker` processes doing the webhook's work beside gunicorn: one a machine, as README "Deploying" says.
JOB_WORKERS = int(os.environ.get("BENCH_JOB_WORKERS", "1"))
WEBHOOK_MAX_SECONDS = max(10, 2 * DURATION)

IN_PROCESS_REQUESTS = 11

P99_TARGET_MS = 100.0  # every page's, unless it names its own (bench/pages.py)
RSS_TARGET_MB = 150.0
WEBHOOK_TARGET_PER_S = 300.0
# Issue 13: requests/s as a share of /healthz's in the same run.
ANONYMOUS_RATIO = 0.50  # catalogue, course pages (typical and 1,000 lessons), preview lesson
STUDENT_RATIO = 0.20  # course, lesson and quiz pages of an enrolled student
DASHBOARD_RATIO = 0.15  # My learning


def say(message: str) -> None:
    print(message, flush=True)


# What wrk asks for, as Chromium does: the pages the server keeps compressed come compressed.
ACCEPT_ENCODING = "gzip, deflate, br, zstd"
