"""`make bench` runs with Redis as the cache and the session cache (production's shape: one cache
for every worker and app server). This pass drives the pages with targets once more against a
gunicorn whose workers each keep their own cache in memory (CACHE_URL=locmemcache://), in the same
run, so the report shows what the shared cache costs per page. BENCH_LOCMEM=0 skips it."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING

from .config import HOST, WORKERS, say
from .load import load_pages
from .server import Gunicorn, free_port

if TYPE_CHECKING:
    from .pages import Page

LOCMEM = os.environ.get("BENCH_LOCMEM", "1") != "0"
LOCMEM_CACHE_URL = "locmemcache://bench"


def locmem_pass(wrk_path: str, env: dict[str, str], pages: list[Page]) -> list[float]:
    """Each page with a req/s target again, on a fresh gunicorn with per-worker caches; fills in
    `page.locmem_load` and `page.locmem_ceiling`. Returns the /healthz rates of the pass."""
    if not LOCMEM:
        return []
    chosen = [page for page in pages[1:] if page.min_ratio is not None and page.load and not page.error]
    if not chosen:
        return []
    copies = [replace(page, load={}, ceiling=0.0) for page in chosen]
    healthz = replace(pages[0], load={}, ceiling=0.0)
    port = free_port()
    say(f"Again with each worker's own cache ({LOCMEM_CACHE_URL}), {WORKERS} workers on {HOST}:{port}…")
    with Gunicorn({**env, "CACHE_URL": LOCMEM_CACHE_URL}, port):
        ceilings = load_pages(wrk_path, port, healthz, copies)
    for page, copy in zip(chosen, copies, strict=True):
        page.locmem_load = copy.load
        page.locmem_ceiling = copy.ceiling
    return ceilings


def locmem_section(pages: list[Page], ceilings: list[float]) -> list[str]:
    """The report's comparison: each page's ratio to /healthz with Redis and with locmem."""
    compared = [page for page in pages if page.locmem_load]
    if not compared:
        return []
    lines = [
        "## Redis or each worker's memory as the cache",
        "",
        "The table above ran with `CACHE_URL=rediscache://…` (sessions: the cache in front of the "
        "database). The same pages again, same run, on a gunicorn whose workers each keep their own "
        f'cache (`{LOCMEM_CACHE_URL}`: not an option for several processes, README "Scaling out"); '
        f"/healthz {', '.join(f'{value:.0f}' for value in ceilings)} req/s.",
        "",
        "| Page | Redis req/s | vs /healthz | p99 ms | locmem req/s | vs /healthz | p99 ms |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for page in compared:
        lines.append(
            f"| {page.label} | {page.requests_per_s:.0f} | {_ratio(page.ratio)} | {page.p99_ms:.1f} | "
            f"{page.locmem_requests_per_s:.0f} | {_ratio(page.locmem_ratio)} | {page.locmem_p99_ms:.1f} |"
        )
    return ["", *lines]


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"
