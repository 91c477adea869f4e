"""Load through gunicorn with wrk: each page for DURATION seconds, with /healthz
(the same stack doing no work) measured before the first page, between pages
and after the last, as the ceiling each page is compared with. Every run starts
on an idle server (`drain`)."""

from __future__ import annotations

import json
import statistics
import subprocess
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from .config import (
    ACCEPT_ENCODING,
    CEILING_DURATION,
    CONNECTIONS,
    DURATION,
    HOST,
    LUA_SCRIPT,
    RUNTIME,
    THREADS,
    WARMUP,
    WORKERS,
    WRK_TIMEOUT_S,
    say,
)
from .server import http_get

DRAIN_TIMEOUT_S = 300

if TYPE_CHECKING:
    # Only for annotations: bench.pages imports models, so Django must be set up first.
    from .pages import Page


def rate(load: dict) -> float:
    return load["requests"] * 1_000_000 / load["duration_us"] if load.get("duration_us") else 0.0


def timeout_for(page: Page) -> float:
    """wrk's timeout for a page, in seconds: WRK_TIMEOUT_S, or twice the wait
    behind the other connections (CONNECTIONS / WORKERS one-request times) if
    that is longer. wrk leaves the requests it timed out of its latencies: a
    page slower than the timeout allows would show a p99 better than it is."""
    queued = CONNECTIONS / WORKERS * (page.inprocess_ms or 0) / 1000
    return max(WRK_TIMEOUT_S, 2 * queued)


def wrk(wrk_path: str, port: int, page: Page, duration: int) -> dict:
    return wrk_url(
        wrk_path,
        f"http://{HOST}:{port}{page.path}",
        duration=duration,
        timeout_s=timeout_for(page),
        cookie=page.cookie,
    )


def wrk_url(
    wrk_path: str, url: str, *, duration: int, timeout_s: float, cookie: str = "", log_name: str = "wrk.log"
) -> dict:
    """Drive `url` with wrk for `duration` seconds; the summary bench/report.lua prints."""
    command = [wrk_path, "--threads", str(THREADS), "--connections", str(CONNECTIONS), "--duration",
               f"{duration}s", "--timeout", f"{timeout_s:.0f}s", "--script", str(LUA_SCRIPT)]  # fmt: skip
    # As a browser asks: pages the server keeps compressed come compressed.
    command += ["--header", f"Accept-Encoding: {ACCEPT_ENCODING}"]
    if cookie:
        command += ["--header", f"Cookie: {cookie}"]
    command.append(url)
    completed = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30, check=False)
    with (RUNTIME / log_name).open("a") as log:
        log.write(f"$ {' '.join(command)}\n{completed.stdout}{completed.stderr}\n")
    for line in completed.stdout.splitlines():
        if line.startswith("BENCH "):
            return json.loads(line.removeprefix("BENCH "))
    raise RuntimeError(f"wrk printed no summary (exit {completed.returncode}): {completed.stderr.strip()}")


def ceiling_merge(runs: list[dict]) -> dict:
    """The /healthz row: every run's requests over every run's time, the median
    p50 and the worst p99."""
    merged = {
        key: sum(run[key] for run in runs) for key in runs[0] if key not in ("p50_us", "p90_us", "p99_us")
    }
    merged["p50_us"] = statistics.median(run["p50_us"] for run in runs)
    merged["p90_us"] = max(run["p90_us"] for run in runs)
    merged["p99_us"] = max(run["p99_us"] for run in runs)
    merged["max_us"] = max(run["max_us"] for run in runs)
    return merged


def drain(port: int) -> None:
    """Wait until gunicorn has served what wrk left behind. When wrk stops, the
    requests its connections had in flight are still queued, and a sync worker
    serves each one even though nobody reads the answer: for a page that takes
    a second, that is seconds of work that would land on the next run. One
    /healthz per worker, sent together, is accepted after all of them."""
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for status, _ in pool.map(
            lambda _: http_get(port, "/healthz", timeout=DRAIN_TIMEOUT_S), range(WORKERS)
        ):
            if status != 200:
                raise RuntimeError(f"/healthz answered {status} while draining")


def load_pages(wrk_path: str, port: int, healthz: Page, pages: list[Page]) -> list[float]:
    """/healthz, page, /healthz, page, …, /healthz, each run starting once the
    one before has drained. Returns the /healthz rates."""
    ceiling_runs: list[dict] = []

    def ceiling() -> float:
        drain(port)
        result = wrk(wrk_path, port, healthz, CEILING_DURATION)
        ceiling_runs.append(result)
        say(f"  {'/healthz':<45} {rate(result):8.0f} req/s  p99 {result['p99_us'] / 1000:6.1f} ms")
        return rate(result)

    if WARMUP:
        wrk(wrk_path, port, healthz, WARMUP)
    before = ceiling()
    for page in pages:
        drain(port)
        if WARMUP:
            wrk(wrk_path, port, page, WARMUP)
            drain(port)
        page.load = wrk(wrk_path, port, page, DURATION)
        say(
            f"  {page.label:<45} {page.requests_per_s:8.0f} req/s  p50 {page.p50_ms:6.1f} ms  "
            f"p99 {page.p99_ms:6.1f} ms  non-2xx {page.load['non2xx']}"
        )
        after = ceiling()
        page.ceiling = (before + after) / 2
        before = after
    healthz.load = ceiling_merge(ceiling_runs)
    healthz.ceiling = healthz.requests_per_s
    return [rate(run) for run in ceiling_runs]
