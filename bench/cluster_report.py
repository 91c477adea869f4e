"""The report of `make bench-cluster` (bench/cluster.py): bench/cluster.md and stdout."""

from __future__ import annotations

import os
import platform
import statistics

from .config import BENCH_DIR, CONNECTIONS, DURATION, THREADS, WARMUP
from .report import machine_description

CLUSTER_RESULTS = BENCH_DIR / "cluster.md"
SERVERS = 2
WORKERS_EACH = 2


def cluster_report(*, started, database, env, shared, runs, ceilings, webhook, outcome, rss, errors) -> str:
    ceiling = statistics.mean(ceilings) if ceilings else 0.0
    total_workers = SERVERS * WORKERS_EACH
    lines = [
        "# Cluster benchmark: two app servers behind nginx",
        "",
        "Written by `make bench-cluster` (bench/cluster.py).",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC; machine: {machine_description()}, load average "
        f"{os.getloadavg()[0]:.2f} at the end (every process below shares these cores)",
        f"- Database: {database}; cache and sessions: Redis `{env['CACHE_URL']}` (flushed at the start)",
        f"- {SERVERS} gunicorn servers (deploy/gunicorn.conf.py), {WORKERS_EACH} sync workers each, DEBUG "
        f"off; nginx 1 worker with deploy/nginx/doctrina.conf, the {SERVERS} as upstreams (round-robin), "
        f"TLS; Python {platform.python_version()}",
        f"- Load: wrk over loopback HTTPS to nginx, {CONNECTIONS} connections, {THREADS} threads, "
        f"{DURATION} s per page after {WARMUP} s of warm-up; /healthz through nginx before, between and "
        f"after: {', '.join(f'{value:.0f}' for value in ceilings)} req/s",
        "",
        "## Shared sessions",
        "",
        f"Logged in as `{shared.email}` with the login form on server A, then opened My learning with that "
        f"session cookie on server B: **{shared.status_with_cookie}**, "
        f"{'their page' if shared.shows_their_page else 'not their page'}; without the cookie B answered "
        f"{shared.status_without} (to the login page). {'Pass' if shared.passed else '**FAIL**'}.",
        "",
        "## Pages through nginx",
        "",
        "| Page | req/s | vs /healthz | p50 ms | p99 ms | non-2xx |",
        "|---|--:|--:|--:|--:|--:|",
        f"| /healthz (ceiling) | {ceiling:.0f} | | | | |",
    ]
    for run in runs:
        ratio = f"{run.rate / run.ceiling:.1%}" if run.ceiling else "n/a"
        lines.append(
            f"| {run.label} | {run.rate:.0f} | {ratio} | {run.p50_ms:.1f} | {run.p99_ms:.1f} | "
            f"{run.load.get('non2xx', 'n/a')} |"
        )
    lines += [
        "",
        f"Peak RSS of the {total_workers} workers: {', '.join(f'{mb:.0f} MB' for mb in rss)}.",
        "",
        f"Everything runs on this one machine: the {total_workers} workers, nginx, PostgreSQL, Redis and wrk "
        "share its cores, so these figures show that the cluster serves every page correctly and what "
        "the proxy and the shared cache cost, not how it scales; the capacity of one app server is "
        '`make bench`\'s (README: "Scaling out").',
        "",
        "## Webhook storm across both servers",
        "",
        f"{outcome.sessions:,} Checkout Sessions, each `checkout.session.completed` event POSTed twice in "
        f"a row by {CONNECTIONS} clients through nginx, so the two copies reach the two servers at once: "
        f"**{webhook.per_second:.0f} requests/s** ({webhook.sent:,} in {webhook.seconds:.1f} s), p50 "
        f"{webhook.percentile(0.5):.1f} ms, p99 {webhook.percentile(0.99):.1f} ms; answers "
        f"{dict(webhook.statuses)}. Each server stores the event with its job and answers; one "
        "`db_worker` beside each server did the work meanwhile: every event's work done "
        f"{webhook.fulfilled_seconds:.1f} s after the first was sent.",
        "",
        "Checked in SQL afterwards: "
        f"{outcome.sessions - outcome.purchases_not_one:,} of {outcome.sessions:,} sessions with exactly one "
        f"complete purchase; {outcome.sessions - outcome.enrollments_not_one:,} buyers with exactly one "
        f"active enrollment; {outcome.notifications:,} notifications ({', '.join(outcome.kinds) or 'none'}), "
        f"{outcome.notifications_doubled} duplicated, {outcome.buyers_without_notification} buyers without "
        "one. The run's purchases, enrollments, events and notifications are deleted afterwards.",
    ]
    if errors:
        lines += ["", "## Errors", ""] + [f"- {error}" for error in errors]
    text = "\n".join(lines) + "\n"
    CLUSTER_RESULTS.write_text(text)
    return text
