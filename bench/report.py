"""The report: the table on stdout and in bench/results.md (the targets it is
judged against: bench/targets.py)."""

from __future__ import annotations

import os
import platform
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import django
from django.conf import settings

from .config import (
    ACCEPT_ENCODING,
    CEILING_DURATION,
    CONNECTIONS,
    DURATION,
    IN_PROCESS_REQUESTS,
    RESULTS,
    THREADS,
    WARMUP,
    WORKERS,
    WRK_TIMEOUT_S,
)
from .locmem import locmem_section
from .targets import Target, targets_section

if TYPE_CHECKING:
    # Only for annotations: these modules import models, so Django must be set up first.
    from .export import CsvExport
    from .pages import Page
    from .webhook import WebhookResult


def fmt(value: float | None, spec: str = ".1f") -> str:
    return "n/a" if value is None else format(value, spec)


def machine_description() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores{f' ({model})' if model else ''}, {platform.system()} {platform.release()}"


def report_write(
    *,
    pages: list[Page],
    ceiling_rates: list[float],
    targets: list[Target],
    rss: list[float],
    database: str,
    machine: str,
    loads: tuple[float, float],
    started: datetime,
    data_sizes: str,
    webhook: WebhookResult | None,
    export: CsvExport | None,
    errors: list[str],
    locmem_ceilings: list[float] | None = None,
) -> str:
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (bench/run.py) at the end of each run.",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine}; load average {loads[0]:.2f} at the start, {loads[1]:.2f} at the end "
        "(the cores are shared: other processes compete with gunicorn, wrk and PostgreSQL)",
        f"- Database: {database}; data: {data_sizes}",
        f"- Server: gunicorn, {WORKERS} sync workers, DEBUG off, collected static files (manifest), "
        f"Django {django.get_version()}, Python {platform.python_version()}",
        f"- Cache and sessions: `{settings.CACHES['default'].get('LOCATION', '')}` "
        f"({settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}), sessions `{settings.SESSION_ENGINE}`",
        f"- Load: wrk over loopback, {CONNECTIONS} connections, {THREADS} threads, {DURATION} s per page, "
        f"`Accept-Encoding: {ACCEPT_ENCODING}` as a browser sends (cached anonymous pages go gzipped) "
        f"after {WARMUP} s of warm-up, each run on a drained server; timeout {WRK_TIMEOUT_S} s, or twice "
        f"{CONNECTIONS // WORKERS} one-request times for a page that takes longer",
        f"- Ceiling: /healthz for {CEILING_DURATION} s before the first page, between pages and after the "
        f"last: {', '.join(f'{value:.0f}' for value in ceiling_rates)} req/s. Each page's ratio is to the "
        "mean of the two /healthz runs either side of it.",
        "",
        "| Page | req/s | vs /healthz | p50 ms | p99 ms | SQL queries | SQL ms | in-process ms | CPU ms "
        "| non-2xx |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for page in pages:
        ratio = (
            "(ceiling)"
            if page.key == "healthz"
            else "n/a"
            if page.ratio is None
            else f"{page.ratio * 100:.1f}%"
        )
        non2xx = page.load.get("non2xx", "n/a") if page.load else "n/a"
        lines.append(
            f"| {page.label} | {page.requests_per_s:.0f} | {ratio} | {page.p50_ms:.1f} | {page.p99_ms:.1f} | "
            f"{fmt(page.queries, 'd')} | {fmt(page.sql_ms)} | {fmt(page.inprocess_ms)} | "
            f"{fmt(page.cpu_ms)} | {non2xx} |"
        )
    lines += [
        "",
        "Paths: " + "; ".join(f"{page.label}: `{page.path}`" for page in pages if page.path) + ".",
        "",
        "SQL queries and SQL ms: one request in-process (Django's test Client against the same database "
        f"with the same settings). In-process ms: the median wall time of {IN_PROCESS_REQUESTS} such "
        "requests, one at a time, the time a worker spends on one request; CPU ms: the Python CPU time of "
        "the same requests (without PostgreSQL's share, and steadier than wall time when other processes "
        "take the cores).",
        "",
        f"Peak RSS of the gunicorn workers (VmHWM after the run): {', '.join(f'{mb:.1f} MB' for mb in rss)}.",
    ]
    lines += render_section(pages)
    lines += locmem_section(pages, locmem_ceilings or [])
    if webhook is not None:
        lines += [
            "",
            "## Webhook throughput (issue 4)",
            "",
            f"{webhook.sent:,} signed `checkout.session.completed` events for distinct Checkout Sessions "
            f"(pending purchases of the paid course by distinct students), POSTed to `/payments/webhook/` by "
            f"{CONNECTIONS} clients over loopback: **{webhook.per_second:.0f} events/s** answered "
            f"({webhook.seconds:.1f} s), p50 {webhook.percentile(0.5):.1f} ms, "
            f"p99 {webhook.percentile(0.99):.1f} ms; answers {dict(webhook.statuses)}. The webhook stores "
            "each event with its job and answers (payments/services/receive.py); "
            f"{webhook.job_workers} `db_worker` processes beside gunicorn did the work meanwhile: "
            f"**every event fulfilled {webhook.fulfilled_seconds:.1f} s after the first was sent "
            f"({webhook.fulfilled_per_second:.0f} events/s)**, on the same 2 cores as gunicorn, "
            "PostgreSQL and the sender.",
            "",
            f"Checked afterwards: {webhook.purchases_complete:,} purchases complete, {webhook.enrollments:,} "
            f"active enrollments, {webhook.events_processed:,} events processed (expected "
            f"{webhook.statuses.get(200, 0) + webhook.in_process:,} each, {webhook.in_process} of them sent "
            "in-process first). The bench's purchases, events, jobs and enrollments are deleted after the "
            "check.",
            "",
            f"In-process, answering one event runs {webhook.queries} SQL queries and takes "
            f"{webhook.inprocess_ms:.1f} ms (median of {webhook.in_process - 1}, after one to warm up); "
            f"its job runs {webhook.job_queries} (the worker's claim and result included) and takes "
            f"{webhook.job_ms:.1f} ms: one job worker fulfils at most about "
            f"{1000 / webhook.job_ms if webhook.job_ms else 0:.0f} events/s on an otherwise idle core.",
        ]
    if export is not None:
        lines += ["", *export_section(export)]
    lines += targets_section(pages, targets)
    lines += plans_section(pages)
    if errors:
        lines += ["", "## Errors", ""] + [f"- {error}" for error in errors]
    text = "\n".join(lines) + "\n"
    RESULTS.write_text(text)
    return text


def render_section(pages: list[Page]) -> list[str]:
    """A logged-in page under load is a hit of the logged-in page cache (wrk asks
    for the same page again and again); what a miss costs is shown apart."""
    rendered = [page for page in pages if page.render_ms is not None]
    if not rendered:
        return []
    lines = [
        "",
        "## Logged-in pages: from the logged-in page cache, and rendered anew",
        "",
        "Under wrk a student asks for the same page again and again: after the first request every one is "
        "served from the logged-in page cache (lms/user_page_cache.py). A real student's next page is often "
        "a miss (any write of theirs renews all their pages), so the cost of rendering it anew is measured "
        "too: the user's pages renewed before each request, the shared caches (curriculum, sections) warm. "
        "A teaching page is drawn again at least once a minute (teaching/views/common.py); rendered anew, "
        "its figures counted in the last minute come from the cache (teaching.selectors.counted).",
        "",
        "| Page | cached: queries | cached: in-process ms | rendered: queries | rendered: in-process ms "
        "| rendered: CPU ms |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for page in rendered:
        lines.append(
            f"| {page.label} | {fmt(page.queries, 'd')} | {fmt(page.inprocess_ms)} | "
            f"{fmt(page.render_queries, 'd')} | {fmt(page.render_ms)} | {fmt(page.render_cpu_ms)} |"
        )
    return lines


def export_section(export: CsvExport) -> list[str]:
    lines = ["## CSV export of the big course's students", ""]
    if export.error and not export.size:
        return [*lines, f"Not measured: {export.error}."]
    lines.append(
        f"One `GET {export.path}` through gunicorn, the body read as it streams: answered "
        f"{export.status}, **{export.rows:,} rows** (the course has {export.students:,} students, active "
        f"and revoked) and {export.size / 1024:,.0f} KiB in **{export.seconds * 1000:,.0f} ms** "
        f"({export.rows / export.seconds if export.seconds else 0:,.0f} rows/s; first byte after "
        f"{export.first_byte_ms:.1f} ms)."
    )
    lines.append("")
    for pid in sorted(export.before):
        if pid not in export.after:
            continue
        before, after = export.before[pid], export.after[pid]
        rss, hwm = export.growth(pid)
        role = "served it" if pid == export.worker else "idle meanwhile"
        lines.append(
            f"- Worker {pid} ({role}): VmRSS {before.rss_mb:.1f} → {after.rss_mb:.1f} MB ({rss:+.1f}), "
            f"VmHWM {before.hwm_mb:.1f} → {after.hwm_mb:.1f} MB ({hwm:+.1f})."
        )
    lines += [
        "",
        "Measured after the pages' load runs, so the workers are warm: the growth is the export's own, "
        "and a VmHWM that does not move means the export never held more than the pages already had.",
    ]
    if export.error:
        lines.append(f"Error: {export.error}.")
    return lines


# A list of more than a dozen numbers, as in "IN (1, 2, …)" or "'{1,2,…}'::bigint[]".
LONG_LIST = re.compile(r"\d+(?:, ?\d+){12,}")


def lists_shortened(text: str) -> str:
    """`text` with each long list of ids cut to its first three and last, and
    its length (the full text is in bench/.runtime/explain-<page>.txt)."""

    def cut(match: re.Match) -> str:
        values = re.split(r", ?", match.group())
        return f"{', '.join(values[:3])}, … {values[-1]} ({len(values):,} values)"

    return LONG_LIST.sub(cut, text)


def plans_section(pages: list[Page]) -> list[str]:
    """The plan of the slowest query of each page that asks for it (`Page.explain`)."""
    shown = [page for page in pages if page.explain and page.plan]
    if not shown:
        return []
    lines = ["", "## Slowest query plans", ""]
    for page in shown:
        lines += [
            f"### {page.label}",
            "",
            f"The slowest of its {page.queries} queries in the in-process request "
            f"({page.slowest_sql[0]:.1f} ms of {page.sql_ms:.1f} ms of SQL), then "
            "`EXPLAIN (ANALYZE, BUFFERS)` of it run again:",
            "",
            "```sql",
            lists_shortened(page.slowest_sql[1]),
            "```",
            "",
            "```",
            lists_shortened(page.plan),
            "```",
            "",
        ]
    return lines[:-1]
