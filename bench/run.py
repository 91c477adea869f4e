"""`make bench` (`python -m bench.run`): Doctrina's pages under load, as production serves them.

1. Creates the database DATABASE_URL names if it is absent (default
   postgres://postgres@127.0.0.1:5432/doctrina_bench), migrates it and seeds the
   large data set (`manage.py seed_bench`, idempotent).
2. Counts the SQL queries of one request per page in-process (Django's test
   Client against the same database, production settings), and times one
   request with nothing else running.
3. Starts gunicorn (2 sync workers, DEBUG off, collected static files) on a free
   loopback port and drives each page with wrk (16 connections, 2 threads,
   BENCH_DURATION seconds after a short warm-up). /healthz, the same stack doing
   no work, is measured before the first page, between pages and after the
   last: a page is compared with the mean of the /healthz runs either side of
   it, so that a neighbour's test suite starting halfway does not skew a ratio.
4. Downloads the big course's students CSV once, timing it and reading the
   serving worker's memory before and after (bench/export.py); then sends
   signed `checkout.session.completed` events for distinct Checkout Sessions
   to the webhook and checks the purchases and enrollments afterwards (issue 4).
5. Reads the peak RSS of the workers, stops gunicorn (always), profiles
   in-process any page that misses a target, and writes the table to stdout
   and bench/results.md.

A missed target is reported, not fatal. A response outside 2xx, a socket error,
a page that does not answer 200 or a webhook count that does not add up is an
error: the run exits 1. Only 127.0.0.1 is ever sent a request.

The cache and the sessions' cache are Redis (CACHE_URL=rediscache://127.0.0.1:6379/BENCH_REDIS_DB,
default 12, flushed at the start), as in production; bench/locmem.py then drives the pages with
targets again on a gunicorn whose workers keep their own caches (BENCH_LOCMEM=0 skips it), and the
report compares the two.

Environment: DATABASE_URL, BENCH_DURATION (seconds per page, default 10),
BENCH_WARMUP (seconds, default 2), BENCH_CONNECTIONS (16), BENCH_THREADS (2),
BENCH_WEBHOOK_EVENTS (at most this many events, default 1,500).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from datetime import UTC, datetime

import django
from django.core.management import call_command

from .config import CEILING_DURATION, DURATION, HOST, RESULTS, ROOT, RUNTIME, WARMUP, WORKERS, say
from .environment import bench_environment, database_ensure
from .load import drain, load_pages
from .locmem import locmem_pass
from .report import machine_description, report_write
from .server import Gunicorn, free_port, http_get
from .targets import targets_evaluate


def main() -> int:
    wrk_path = shutil.which("wrk")
    if wrk_path is None:
        sys.stderr.write(
            "wrk is not installed. Install it with `sudo apt-get install wrk` (Debian/Ubuntu), then run "
            "`make bench` again.\n"
        )
        return 2
    started = datetime.now(UTC)
    load_at_start = os.getloadavg()[0]
    RUNTIME.mkdir(exist_ok=True)
    for stale in [RUNTIME / "wrk.log", RUNTIME / "gunicorn.log", *RUNTIME.glob("explain-*.txt")]:
        stale.unlink(missing_ok=True)

    env = bench_environment()
    os.environ.update(env)
    say(f"Database: {env['DATABASE_URL']}")
    database = database_ensure(env["DATABASE_URL"])

    django.setup()
    # These import models, which needs the settings above and django.setup().
    from demo.management.commands import seed_bench as seed

    from .curriculum_change import curriculum_change_measure
    from .export import csv_export_measure
    from .inprocess import measure_in_process, profile_page
    from .pages import big_course_description, pages_resolve, sessions_create, students_csv_export
    from .scale import scale_section
    from .webhook import webhook_bench

    say("Migrating…")
    call_command("migrate", "--noinput", verbosity=0)
    say("Seeding…")
    seed_started = time.monotonic()
    call_command("seed_bench")
    seed_seconds = time.monotonic() - seed_started
    say("Collecting static files…")
    call_command("collectstatic", "--noinput", verbosity=0)
    from django.core.cache import cache

    cache.clear()  # the run's own Redis database (bench/environment.py): nothing from an earlier run

    sizes = seed.SIZES
    data_sizes = (
        f"{sizes.courses} published courses (one of {sizes.big[0]} x {sizes.big[1]} lessons, one of "
        f"{sizes.typical[0]} x {sizes.typical[1]}, the others {sizes.other[0]} x {sizes.other[1]}), "
        f"{sizes.students:,} students, {sizes.enrollments:,} enrollments, {sizes.reviews:,} reviews "
        "(from a tenth of the enrollments; a few hidden, some answered by the instructor); "
        f"{big_course_description()}"
    )

    pages = pages_resolve()
    healthz = pages[0]
    for page in pages:
        if not page.path:
            page.error = "no URL for this page yet"
    clients = sessions_create([page for page in pages if not page.error])
    export = students_csv_export(pages)
    say("In-process (SQL queries and time of one request):")
    measure_in_process([page for page in pages if not page.error], clients)
    say("Curriculum change on a course with many students (in-process):")
    curriculum = curriculum_change_measure()

    ceiling_rates: list[float] = []
    rss: list[float] = []
    webhook = None
    port = free_port()
    say(f"Starting gunicorn ({WORKERS} sync workers) on {HOST}:{port}…")
    with Gunicorn(env, port) as server:
        for page in pages:
            if not page.error:
                status, _ = http_get(port, page.path, page.cookie)
                if status != 200:
                    page.error = f"GET {page.path} answered {status} through gunicorn"
        runs = [page for page in pages[1:] if not page.error]
        say(
            f"Driving {len(runs)} pages with wrk, {DURATION} s each after {WARMUP} s of warm-up, "
            f"/healthz for {CEILING_DURATION} s between them…"
        )
        ceiling_rates = load_pages(wrk_path, port, healthz, runs)
        say(f"Exporting the big course's {export.students:,} students: GET {export.path}…")
        drain(port)
        csv_export_measure(server, port, export)
        webhook = webhook_bench(port, env["STRIPE_WEBHOOK_SECRET"])
        rss = server.workers_peak_rss_mb()
    locmem_ceilings = locmem_pass(wrk_path, env, pages)
    load_at_end = os.getloadavg()[0]

    errors: list[str] = []
    for page in pages:
        if page.error:
            errors.append(f"{page.label}: {page.error}")
        elif page.key != "healthz" and not page.load.get("requests"):
            errors.append(f"{page.label}: no request answered within the {DURATION} s run")
        elif page.load.get("non2xx"):
            errors.append(f"{page.label}: {page.load['non2xx']} responses outside 2xx")
        elif page.socket_errors:
            errors.append(f"{page.label}: {page.socket_errors} socket errors or timeouts")
    if webhook is not None:
        errors += webhook.errors
    if export.error:
        errors.append(f"Students CSV: {export.error}")
    targets = targets_evaluate(pages, max(rss, default=0.0), webhook)
    missed_pages = {target.page for target in targets if not target.passed}
    for page in pages:
        if page.label in missed_pages and page.key != "healthz" and not page.error:
            say(f"Profiling {page.label}…")
            page.profile = profile_page(page, clients)

    text = report_write(
        pages=pages,
        ceiling_rates=ceiling_rates,
        targets=targets,
        rss=rss,
        database=database,
        machine=machine_description(),
        loads=(load_at_start, load_at_end),
        started=started,
        data_sizes=data_sizes,
        webhook=webhook,
        export=export,
        errors=errors,
        locmem_ceilings=locmem_ceilings,
    )
    text += scale_section(pages, seed_seconds=seed_seconds) + curriculum.markdown()
    RESULTS.write_text(text)
    if curriculum.error:
        errors.append(f"Curriculum change: {curriculum.error}")
    say("")
    say(text)
    say(f"Written to {RESULTS.relative_to(ROOT)}.")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
