"""`make bench-cluster` (`python -m bench.cluster`): Doctrina as several stateless app servers.

1. Migrates and seeds the benchmark database (DATABASE_URL, default
   postgres://postgres@127.0.0.1:5432/doctrina_bench_cluster) as `make bench` does.
2. Starts two gunicorn servers (deploy/gunicorn.conf.py, 2 sync workers each, DEBUG off) on the
   same database and one Redis (CACHE_URL=rediscache://127.0.0.1:6379/<BENCH_CLUSTER_REDIS_DB>,
   default 13, flushed first), and nginx with deploy/nginx/doctrina.conf in front of both (the two
   as upstreams, round-robin; listen ports and certificate substituted as tests/deploy does).
3. Logs a student in with the login form on server A (straight to A's port) and opens their
   My learning page with that cookie on server B: it must answer 200 with their page (shared
   sessions), and a request without the cookie must not.
4. Drives the pages through nginx (HTTPS) with wrk: /healthz, then each page, as `make bench`
   does (16 connections, BENCH_DURATION s after BENCH_WARMUP s), and reports req/s, the ratio to
   /healthz through the same nginx, and p99.
5. Sends the webhook storm through nginx: signed `checkout.session.completed` events for distinct
   Checkout Sessions, each sent twice in a row (as Stripe retries), so nginx hands the two
   copies of an event to the two servers at the same time. Then checks in SQL: exactly one
   complete purchase, one active enrollment and one notification of each kind per session.
6. Writes bench/cluster.md and prints it. Any failed check exits 1.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import django
from django.core.management import call_command

from .cluster_report import CLUSTER_RESULTS, SERVERS, WORKERS_EACH, cluster_report
from .config import DURATION, HOST, ROOT, RUNTIME, WARMUP, say
from .environment import bench_environment, database_ensure
from .load import wrk_url
from .server import Gunicorn

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/doctrina_bench_cluster"
REDIS_DB = int(os.environ.get("BENCH_CLUSTER_REDIS_DB", "13"))
EVENTS = int(os.environ.get("BENCH_CLUSTER_EVENTS", "600"))  # Checkout Sessions; twice as many POSTs
PAGE_KEYS = ("catalogue", "course", "preview", "course_enrolled", "lesson", "dashboard", "quiz")
SITE_HOST = "doctrina.example.com"


def cluster_environment() -> dict[str, str]:
    """`make bench`'s production settings, behind nginx (TLS ends there) with the shared cache."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    return {
        **bench_environment(),
        "CACHE_URL": f"rediscache://127.0.0.1:6379/{REDIS_DB}",
        "ALLOWED_HOSTS": f"{SITE_HOST},127.0.0.1,localhost",
        "BEHIND_TLS_PROXY": "true",
        "TRUSTED_PROXY_COUNT": "1",
        "WEB_CONCURRENCY": str(WORKERS_EACH),
        "GUNICORN_LOG_LEVEL": "warning",
        # Production's: jobs are rows for `db_worker` (none runs here; the e-mails wait).
        "TASK_BACKEND": "database",
    }


def direct(port: int, method: str, path: str, *, cookie: str = "", form: dict | None = None):
    """A request straight to one app server, with the headers nginx adds."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Host": SITE_HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.1"}
    if cookie:
        headers["Cookie"] = cookie
    body = None
    if form is not None:
        body = urlencode(form)
        headers |= {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"https://{SITE_HOST}",
            "Referer": f"https://{SITE_HOST}{path}",
        }
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        cookies = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
        return response.status, response.read().decode(errors="replace"), cookies
    finally:
        connection.close()


@dataclass
class SharedSession:
    email: str
    logged_in_on: int
    served_by: int
    status_with_cookie: int = 0
    status_without: int = 0
    shows_their_page: bool = False
    cookie: str = ""

    @property
    def passed(self) -> bool:
        return self.status_with_cookie == 200 and self.shows_their_page and self.status_without == 302


def shared_session_check(a: int, b: int, email: str, password: str) -> SharedSession:
    """Log in with the form on `a`; open My learning with the session cookie on `b`."""
    result = SharedSession(email=email, logged_in_on=a, served_by=b)
    status, page, cookies = direct(a, "GET", "/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    status, _, answer = direct(
        a,
        "POST",
        "/accounts/login/",
        cookie=f"csrftoken={cookies['csrftoken'].value}",
        form={"csrfmiddlewaretoken": token, "login": email, "password": password},
    )
    if status != 302 or "sessionid" not in answer:
        return result
    result.cookie = f"sessionid={answer['sessionid'].value}"
    result.status_with_cookie, page, _ = direct(b, "GET", "/dashboard/", cookie=result.cookie)
    result.shows_their_page = "Log out" in page and "My learning" in page
    result.status_without, _, _ = direct(b, "GET", "/dashboard/")
    return result


@dataclass
class Run:
    label: str
    path: str
    cookie: str = ""
    load: dict = field(default_factory=dict)
    ceiling: float = 0.0

    @property
    def rate(self) -> float:
        return self.load["requests"] * 1_000_000 / self.load["duration_us"] if self.load else 0.0

    @property
    def p99_ms(self) -> float:
        return self.load.get("p99_us", 0) / 1000

    @property
    def p50_ms(self) -> float:
        return self.load.get("p50_us", 0) / 1000


def wrk_https(wrk_path: str, port: int, run: Run, duration: int) -> dict:
    return wrk_url(
        wrk_path,
        f"https://{HOST}:{port}{run.path}",
        duration=duration,
        timeout_s=10,
        cookie=run.cookie,
        log_name="cluster-wrk.log",
    )


def load_through_nginx(wrk_path: str, port: int, runs: list[Run]) -> list[float]:
    """/healthz, page, /healthz, …: each page against the mean /healthz either side of it."""
    healthz = Run("/healthz", "/healthz")
    ceilings = []

    def ceiling() -> float:
        load = wrk_https(wrk_path, port, healthz, max(3, DURATION // 2))
        rate = load["requests"] * 1_000_000 / load["duration_us"]
        ceilings.append(rate)
        say(f"  {'/healthz (through nginx)':<45} {rate:8.0f} req/s  p99 {load['p99_us'] / 1000:6.1f} ms")
        return rate

    before = ceiling()
    for run in runs:
        if WARMUP:
            wrk_https(wrk_path, port, run, WARMUP)
        run.load = wrk_https(wrk_path, port, run, DURATION)
        say(
            f"  {run.label:<45} {run.rate:8.0f} req/s  p50 {run.p50_ms:6.1f} ms  p99 {run.p99_ms:6.1f} ms  "
            f"non-2xx {run.load['non2xx']}"
        )
        after = ceiling()
        run.ceiling = (before + after) / 2
        before = after
    return ceilings


def main() -> int:
    wrk_path = shutil.which("wrk")
    nginx_path = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if wrk_path is None or nginx_path is None:
        sys.stderr.write("`make bench-cluster` needs wrk and nginx: apt-get install wrk nginx.\n")
        return 2
    started = datetime.now(UTC)
    RUNTIME.mkdir(exist_ok=True)
    (RUNTIME / "cluster-wrk.log").unlink(missing_ok=True)
    env = cluster_environment()
    os.environ.update(env)
    say(f"Database: {env['DATABASE_URL']}; cache: {env['CACHE_URL']}")
    database = database_ensure(env["DATABASE_URL"])
    django.setup()
    from django.core.cache import cache

    from demo.management.commands import seed_bench as seed
    from tests.deploy.servers import Nginx

    from .pages import pages_resolve, sessions_create
    from .server import JobWorkers
    from .webhook import (
        WebhookResult,
        webhook_cleanup,
        webhook_events_prepare,
        webhook_jobs_drained,
        webhook_send,
    )

    say("Migrating, seeding, collecting static files…")
    call_command("migrate", "--noinput", verbosity=0)
    call_command("seed_bench")
    call_command("collectstatic", "--noinput", verbosity=0)
    cache.clear()  # this run's Redis database: nothing from an earlier run is served

    pages = {page.key: page for page in pages_resolve()}
    chosen = [pages[key] for key in PAGE_KEYS if key in pages and pages[key].path]
    # Sessions made in this process: in the shared database and cache, so valid on every server.
    sessions_create(chosen)
    errors: list[str] = []
    config = ROOT / "deploy" / "gunicorn.conf.py"
    servers = [Gunicorn(env, free, config=config) for free in _free_ports(SERVERS)]
    for letter, server in zip("ab", servers, strict=True):
        server.log = RUNTIME / f"cluster-gunicorn-{letter}.log"
    say(f"Starting {SERVERS} gunicorn servers ({WORKERS_EACH} sync workers each) and nginx in front…")
    with servers[0] as a, servers[1] as b, Nginx(nginx_path, [a.port, b.port]) as nginx:
        email = seed.student_email(seed.STUDENT_ENROLLED)
        shared = shared_session_check(a.port, b.port, email, seed.STUDENT_PASSWORD)
        say(
            f"Shared session: logged in on A (:{a.port}), My learning on B (:{b.port}) answered "
            f"{shared.status_with_cookie} ({'their page' if shared.shows_their_page else 'NOT their page'}), "
            f"{shared.status_without} without the cookie"
        )
        if not shared.passed:
            errors.append("a session made on server A was not honoured by server B")
        runs = [Run(page.label, page.path, page.cookie) for page in chosen]
        say(f"Driving {len(runs)} pages through nginx with wrk, {DURATION} s each…")
        ceilings = load_through_nginx(wrk_path, nginx.https_port, runs)
        for run in runs:
            if run.load.get("non2xx"):
                errors.append(f"{run.label}: {run.load['non2xx']} responses outside 2xx")
        say("Webhook storm through nginx, each event twice…")
        webhook = WebhookResult()
        webhook_cleanup()
        token, bodies = webhook_events_prepare(EVENTS, secret())
        doubled = [body for pair in zip(bodies, bodies, strict=True) for body in pair]
        with JobWorkers(env, SERVERS, name="cluster"):  # one db_worker beside each server
            storm_started = time.perf_counter()  # `started` is the run's date, for the report
            webhook_send(nginx.https_port, doubled, webhook, tls=True)
            webhook.fulfilled_seconds = webhook_jobs_drained(storm_started)
        # The sessions whose events went out (all of them unless WEBHOOK_MAX_SECONDS ran out first).
        outcome = webhook_outcome(token, sessions=(webhook.sent + 1) // 2)
        errors += outcome.errors(webhook)
        webhook_cleanup()
        rss = [mb for server in (a, b) for mb in server.workers_peak_rss_mb()]
    text = cluster_report(
        started=started,
        database=database,
        env=env,
        shared=shared,
        runs=runs,
        ceilings=ceilings,
        webhook=webhook,
        outcome=outcome,
        rss=rss,
        errors=errors,
    )
    say("")
    say(text)
    say(f"Written to {CLUSTER_RESULTS.relative_to(ROOT)}.")
    return 1 if errors else 0


def secret() -> str:
    return os.environ["STRIPE_WEBHOOK_SECRET"]


def _free_ports(count: int) -> list[int]:
    from .server import free_port

    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


@dataclass
class WebhookOutcome:
    sessions: int = 0  # Checkout Sessions whose event went out (each twice)
    purchases_not_one: int = 0  # sessions without exactly one complete purchase
    enrollments_not_one: int = 0  # buyers without exactly one active enrollment in the course
    notifications_doubled: int = 0  # (buyer, kind) pairs with more than one notification
    buyers_without_notification: int = 0
    notifications: int = 0
    kinds: list[str] = field(default_factory=list)

    def errors(self, webhook) -> list[str]:
        found = []
        if webhook.statuses.get(200, 0) != webhook.sent:
            found.append(f"webhook: answers {dict(webhook.statuses)}, not all 200")
        for count, what in (
            (self.purchases_not_one, "sessions without exactly one complete purchase"),
            (self.enrollments_not_one, "buyers without exactly one active enrollment"),
            (self.notifications_doubled, "buyers notified twice of the same thing"),
            (self.buyers_without_notification, "buyers never notified"),
        ):
            if count:
                found.append(f"webhook: {count} {what}")
        return found


def webhook_outcome(token: str, *, sessions: int) -> WebhookOutcome:
    """Counted in SQL (PostgreSQL) over the first `sessions` Checkout Sessions of the run (the ids
    bench/webhook.py gives them), those whose events were sent."""
    from django.db import connection

    session_ids = [f"cs_test_bench_{token}_{index:05d}" for index in range(sessions)]
    outcome = WebhookOutcome()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE status <> 'complete') FROM payments_purchase "
            "WHERE stripe_session_id = ANY(%s)",
            [session_ids],
        )
        outcome.sessions, outcome.purchases_not_one = cursor.fetchone()
        cursor.execute(
            "SELECT COUNT(*) FROM payments_purchase AS p WHERE p.stripe_session_id = ANY(%s) AND "
            "(SELECT COUNT(*) FROM enrollments_enrollment AS e WHERE e.user_id = p.user_id "
            "AND e.course_id = p.course_id AND e.status = 'active') <> 1",
            [session_ids],
        )
        outcome.enrollments_not_one = cursor.fetchone()[0]
        cursor.execute(
            "SELECT n.kind, COUNT(*), COUNT(DISTINCT n.user_id) FROM notifications_notification AS n "
            "INNER JOIN payments_purchase AS p ON p.user_id = n.user_id AND p.course_id = n.course_id "
            "WHERE p.stripe_session_id = ANY(%s) GROUP BY n.kind ORDER BY n.kind",
            [session_ids],
        )
        rows = cursor.fetchall()
        outcome.kinds = [kind for kind, _, _ in rows]
        outcome.notifications = sum(total for _, total, _ in rows)
        outcome.notifications_doubled = sum(total - users for _, total, users in rows)
        cursor.execute(
            "SELECT COUNT(*) FROM payments_purchase AS p WHERE p.stripe_session_id = ANY(%s) AND NOT EXISTS "
            "(SELECT 1 FROM notifications_notification AS n WHERE n.user_id = p.user_id "
            "AND n.course_id = p.course_id)",
            [session_ids],
        )
        outcome.buyers_without_notification = cursor.fetchone()[0]
    return outcome


if __name__ == "__main__":
    sys.exit(main())
