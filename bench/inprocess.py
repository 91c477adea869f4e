"""Measurements in-process, with Django's test Client against the same database
and settings: SQL queries and time of one request per page, the slowest query's
plan, and a CPU profile of a page that misses a target. Import it once Django is
set up."""

from __future__ import annotations

import cProfile
import pstats
import statistics
import time
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

from .config import IN_PROCESS_REQUESTS, RUNTIME, say
from .pages import Page, client_for


def measure_in_process(pages: list[Page], clients: dict) -> None:
    """SQL queries of one request per page, and the time one request takes with
    nothing else running (the service time that bounds requests/s). The slowest
    query's plan goes to bench/.runtime/ for a look."""
    for page in pages:
        client = client_for(page, clients)
        first = client.get(page.path)  # warm: templates compiled, connection open
        if first.status_code != 200:
            page.error = f"in-process GET {page.path} answered {first.status_code}"
            continue
        with CaptureQueriesContext(connection) as captured:
            client.get(page.path)
        page.queries = len(captured.captured_queries)
        page.sql_ms = sum(float(query["time"]) for query in captured.captured_queries) * 1000
        if captured.captured_queries:
            slowest = max(captured.captured_queries, key=lambda query: float(query["time"]))
            page.slowest_sql = (float(slowest["time"]) * 1000, slowest["sql"])
            explain_write(page, slowest["sql"])
        page.inprocess_ms, page.cpu_ms = _timed(client, page.path)
        say(
            f"  {page.label:<45} {page.queries:>3} queries ({page.sql_ms:5.1f} ms SQL), "
            f"{page.inprocess_ms:6.1f} ms a request ({page.cpu_ms:5.1f} ms of Python CPU)"
        )
        if page.user:  # a logged-in page: cached for its viewer, so what a miss costs too
            measure_render(page, client)


def _timed(client, path: str, *, before=None) -> tuple[float, float]:
    """Median wall and Python CPU ms of IN_PROCESS_REQUESTS GETs of `path`, one at a
    time (`before` runs ahead of each, outside the timing)."""
    timings, cpu = [], []
    for _ in range(IN_PROCESS_REQUESTS):
        if before is not None:
            before()
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(timings), statistics.median(cpu)


def measure_render(page: Page, client) -> None:
    """The same logged-in page rendered anew each time: the user's pages are
    renewed before each request (as after any write of theirs), so the logged-in
    page cache misses while the shared caches (curriculum, sections) stay warm."""
    from lms.models import User
    from lms.user_page_cache import user_pages_bump

    user_id = User.objects.get(email=page.user).pk
    user_pages_bump([user_id])
    with CaptureQueriesContext(connection) as captured:
        client.get(page.path)
    page.render_queries = len(captured.captured_queries)
    page.render_ms, page.render_cpu_ms = _timed(client, page.path, before=lambda: user_pages_bump([user_id]))
    say(f"  {'':<45} rendered anew: {page.render_queries} queries, {page.render_ms:.1f} ms")


def explain_write(page: Page, sql: str) -> None:
    """The plan of `sql` (the page's slowest query, as run: parameters inlined)
    into `page.plan` and bench/.runtime/explain-<page>.txt."""
    if connection.vendor != "postgresql" or not sql.lstrip().upper().startswith(("SELECT", "WITH")):
        return
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        page.plan = "\n".join(row[0] for row in cursor.fetchall())
    (RUNTIME / f"explain-{page.key}.txt").write_text(f"{sql}\n\n{page.plan}\n")


PROFILE_BUCKETS = [
    ("ORM and psycopg (queries, model instances)", ("psycopg", "/django/db/")),
    (
        "templates",
        ("/django/template/", "templatetags", "/django/utils/html.py", "/django/utils/safestring.py"),
    ),
    ("URL reversing", ("/django/urls/",)),
    ("Markdown and sanitising", ("/markdown/", "nh3")),
    (
        "sessions, auth, middleware",
        ("/django/contrib/sessions", "/django/contrib/auth", "/django/middleware"),
    ),
]


def profile_page(page: Page, clients: dict, requests: int = 20) -> str:
    """Where one page's Python CPU time goes, in-process: self time grouped by
    library, and the functions with the most self time."""
    client = client_for(page, clients)
    client.get(page.path)
    # CPU time, not wall time: on shared cores a wall-clock profile charges the
    # waits for a core to whatever function was running. SQL time is measured apart.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(requests):
        client.get(page.path)
    profiler.disable()
    total = 0.0
    buckets: dict[str, float] = {}
    functions = []
    for (filename, line, name), (_, calls, self_time, _, _) in pstats.Stats(profiler).stats.items():
        total += self_time
        bucket = next(
            (label for label, needles in PROFILE_BUCKETS if any(needle in filename for needle in needles)),
            "other Python",
        )
        buckets[bucket] = buckets.get(bucket, 0.0) + self_time
        functions.append((self_time, calls, f"{Path(filename).name}:{line} {name}"))
    if not total:
        return ""
    split = ", ".join(
        f"{label} {share / total:.0%}" for label, share in sorted(buckets.items(), key=lambda item: -item[1])
    )
    top = "; ".join(
        f"`{where}` ({calls // requests:,} calls, {self_time / total:.0%})"
        for self_time, calls, where in sorted(functions, reverse=True)[:4]
    )
    return f"Python CPU by library: {split}. Top functions by self time: {top}."
