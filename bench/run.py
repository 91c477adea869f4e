"""`make bench`: Doctrina's pages under load, as production serves them.

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
4. Sends signed `checkout.session.completed` events for distinct Checkout
   Sessions to the webhook and checks the purchases and enrollments afterwards
   (issue 4).
5. Reads the peak RSS of the workers, stops gunicorn (always), profiles
   in-process any page that misses a target, and writes the table to stdout
   and bench/results.md.

A missed target is reported, not fatal. A response outside 2xx, a socket error,
a page that does not answer 200 or a webhook count that does not add up is an
error: the run exits 1. Only 127.0.0.1 is ever sent a request.

Environment: DATABASE_URL, BENCH_DURATION (seconds per page, default 10),
BENCH_WARMUP (seconds, default 2), BENCH_CONNECTIONS (16), BENCH_THREADS (2),
BENCH_WEBHOOK_EVENTS (at most this many events, default 1,500).
"""

from __future__ import annotations

import contextlib
import cProfile
import http.client
import io
import itertools
import json
import os
import platform
import pstats
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
CEILING_DURATION = max(3, DURATION // 2)
WEBHOOK_EVENTS = int(os.environ.get("BENCH_WEBHOOK_EVENTS", "1500"))
WEBHOOK_MAX_SECONDS = max(10, 2 * DURATION)

IN_PROCESS_REQUESTS = 11

P99_TARGET_MS = 100.0
RSS_TARGET_MB = 150.0
WEBHOOK_TARGET_PER_S = 150.0

sys.path.insert(0, str(ROOT))


@dataclass
class Page:
    key: str
    label: str
    path: str = ""
    student: int | None = None  # seeded student index to log in as; None: anonymous
    min_ratio: float | None = None  # target: this share of /healthz requests/s
    issue: int = 3
    # Filled in by the run.
    cookie: str = ""
    queries: int | None = None
    sql_ms: float | None = None
    slowest_sql: tuple[float, str] = (0.0, "")
    inprocess_ms: float | None = None
    cpu_ms: float | None = None
    load: dict = field(default_factory=dict)
    ceiling: float = 0.0  # mean /healthz req/s measured either side of this page
    error: str = ""
    profile: str = ""

    @property
    def requests_per_s(self) -> float:
        if not self.load or not self.load["duration_us"]:
            return 0.0
        return self.load["requests"] * 1_000_000 / self.load["duration_us"]

    @property
    def ratio(self) -> float | None:
        return self.requests_per_s / self.ceiling if self.ceiling and self.load else None

    @property
    def p50_ms(self) -> float:
        return self.load.get("p50_us", 0) / 1000

    @property
    def p99_ms(self) -> float:
        return self.load.get("p99_us", 0) / 1000

    @property
    def socket_errors(self) -> int:
        return sum(
            self.load.get(key, 0) for key in ("connect_errors", "read_errors", "write_errors", "timeouts")
        )


@dataclass
class Target:
    page: str
    what: str
    goal: str
    measured: str
    passed: bool
    shortfall: str = ""


def say(message: str) -> None:
    print(message, flush=True)


def rate(load: dict) -> float:
    return load["requests"] * 1_000_000 / load["duration_us"] if load.get("duration_us") else 0.0


# --- Setup -------------------------------------------------------------------------------


def bench_environment() -> dict[str, str]:
    """Production settings on plain-HTTP loopback. The secrets are made up for
    this run only; the Stripe API base points at a closed loopback port, so
    nothing can ever reach Stripe."""
    return {
        "DJANGO_SETTINGS_MODULE": "lms.settings",
        "DATABASE_URL": os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_HTTPS": "false",
        "STATICFILES_MANIFEST": "true",
        "LOG_LEVEL": "WARNING",
        "STRIPE_SECRET_KEY": "sk_test_bench_" + secrets.token_hex(12),
        "STRIPE_WEBHOOK_SECRET": "whsec_bench_" + secrets.token_hex(16),
        "STRIPE_API_BASE": "http://127.0.0.1:9",
        "EMAIL_URL": "consolemail://",
    }


def database_ensure(url: str) -> str:
    """Create the PostgreSQL database if it does not exist; return a description."""
    import environ

    config = environ.Env.db_url_config(url)
    name = config["NAME"]
    if config["ENGINE"] != "django.db.backends.postgresql":
        say(f"Note: {config['ENGINE']} is not PostgreSQL; the figures that count are on PostgreSQL.")
        return f"{config['ENGINE'].rsplit('.', 1)[-1]} {name}"

    import psycopg
    from psycopg import sql

    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    params = {key: value for key, value in params.items() if value}
    with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=10, **params) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            say(f"Creating database {name}…")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"PostgreSQL {version.split()[0]}, database {name} on {params.get('host', 'the local socket')}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# --- Pages ---------------------------------------------------------------------------------


def pages_resolve() -> list[Page]:
    """The pages to measure, with their URLs in the seeded data."""
    from courses.models import Lesson
    from demo.management.commands import seed_bench as seed

    lessons = list(
        Lesson.objects.filter(module__course__slug=seed.TYPICAL_SLUG)
        .order_by("module__order", "module__pk", "order", "pk")
        .values_list("pk", "kind")
    )
    # A text lesson (Markdown rendered) and a quiz in the middle of the course.
    middle = len(lessons) // 2
    lesson_id = next(pk for pk, kind in lessons[middle:] if kind == Lesson.Kind.TEXT)
    quiz_lesson_id = next(pk for pk, kind in lessons[middle:] if kind == Lesson.Kind.QUIZ)
    typical = f"/courses/{seed.TYPICAL_SLUG}/"
    lesson = f"/courses/{seed.TYPICAL_SLUG}/lessons/{lesson_id}/"

    pages = [
        Page("healthz", "/healthz (ceiling)", "/healthz"),
        Page("catalogue", "Catalogue", "/courses/", min_ratio=0.35),
        Page("course", "Typical course (200 lessons), anonymous", typical, min_ratio=0.35),
        Page(
            "course_enrolled",
            "Typical course, enrolled",
            typical,
            student=seed.STUDENT_ENROLLED,
            min_ratio=0.35,
        ),
        Page("course_big", "1,000-lesson course, anonymous", f"/courses/{seed.BIG_SLUG}/", min_ratio=0.15),
        Page("lesson", "Lesson page, enrolled", lesson, student=seed.STUDENT_ENROLLED),
        Page("dashboard", "My learning (11 enrollments)", "/dashboard/", student=seed.STUDENT_PROGRESS),
    ]
    # Issue 5: the same lesson for a student with progress (ticks and percentage),
    # and the quiz page.
    pages.append(
        Page(
            "lesson_progress",
            "Lesson page, enrolled with progress (50%)",
            lesson,
            student=seed.STUDENT_PROGRESS,
            issue=5,
        )
    )
    pages.append(
        Page(
            "quiz",
            "Quiz page (10 questions), enrolled",
            quiz_attempt_path(quiz_lesson_id, seed.STUDENT_PROGRESS),
            student=seed.STUDENT_PROGRESS,
            issue=5,
        )
    )
    return pages


def quiz_attempt_path(lesson_id: int, student: int) -> str:
    """The page that shows a quiz's questions: an attempt in progress, started
    (or resumed, on a later run) through the same service as the Start button."""
    from django.urls import reverse

    from courses.models import Quiz
    from demo.management.commands import seed_bench as seed
    from learning.services.quizzes import quiz_attempt_start
    from lms.models import User

    quiz = Quiz.objects.select_related("lesson__module__course").get(lesson_id=lesson_id)
    attempt = quiz_attempt_start(user=User.objects.get(email=seed.student_email(student)), quiz=quiz)
    return reverse(
        "learning:quiz_attempt",
        kwargs={"slug": quiz.lesson.module.course.slug, "lesson_id": lesson_id, "attempt_id": attempt.pk},
    )


def sessions_create(pages: list[Page]) -> dict[int, object]:
    """Log each needed student in once (a real session row, as a browser holds)
    and give their pages the session cookie. Returns student -> test Client."""
    from django.conf import settings
    from django.test import Client

    from demo.management.commands import seed_bench as seed
    from lms.models import User

    clients: dict[int, Client] = {}
    for page in pages:
        if page.student is None:
            continue
        if page.student not in clients:
            client = Client(HTTP_HOST=HOST)
            client.force_login(User.objects.get(email=seed.student_email(page.student)))
            clients[page.student] = client
        session_key = clients[page.student].cookies[settings.SESSION_COOKIE_NAME].value
        page.cookie = f"{settings.SESSION_COOKIE_NAME}={session_key}"
    return clients


def client_for(page: Page, clients: dict):
    from django.test import Client

    return clients[page.student] if page.student is not None else Client(HTTP_HOST=HOST)


def measure_in_process(pages: list[Page], clients: dict) -> None:
    """SQL queries of one request per page, and the time one request takes with
    nothing else running (the service time that bounds requests/s). The slowest
    query's plan goes to bench/.runtime/ for a look."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

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
        timings, cpu = [], []
        for _ in range(IN_PROCESS_REQUESTS):
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(page.path)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        page.inprocess_ms = statistics.median(timings)
        page.cpu_ms = statistics.median(cpu)
        say(
            f"  {page.label:<45} {page.queries:>3} queries ({page.sql_ms:5.1f} ms SQL), "
            f"{page.inprocess_ms:6.1f} ms a request ({page.cpu_ms:5.1f} ms of Python CPU)"
        )


def explain_write(page: Page, sql: str) -> None:
    from django.db import connection

    if connection.vendor != "postgresql" or not sql.lstrip().upper().startswith("SELECT"):
        return
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    (RUNTIME / f"explain-{page.key}.txt").write_text(f"{sql}\n\n{plan}\n")


# --- gunicorn and wrk -------------------------------------------------------------------------


class Gunicorn:
    """gunicorn in its own process group, stopped on exit whatever happens."""

    def __init__(self, env: dict[str, str], port: int):
        self.env = env
        self.port = port
        self.process: subprocess.Popen | None = None
        self.log = RUNTIME / "gunicorn.log"

    def __enter__(self) -> Gunicorn:
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "lms.wsgi:application",
            "--chdir",
            str(ROOT),
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--error-logfile",
            str(self.log),
            "--log-level",
            "warning",
            # The control socket's default path is one per user: another
            # engineer's gunicorn on this machine would fight over it.
            "--no-control-socket",
        ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log}")
            try:
                status, _ = http_get(self.port, "/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f} s; see {self.log}")

    def worker_pids(self) -> list[int]:
        master = self.process.pid
        try:
            return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
        except OSError:
            pids = []
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == master:
                    pids.append(int(stat.parent.name))
            return pids

    def workers_peak_rss_mb(self) -> list[float]:
        """VmHWM (the peak resident set) of each worker, in MB."""
        peaks = []
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]) / 1024)
            except OSError:
                continue
        return peaks

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # The process group we created: the master and its workers, nothing else.
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def http_get(port: int, path: str, cookie: str = "") -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wrk(wrk_path: str, port: int, page: Page, duration: int) -> dict:
    command = [
        wrk_path,
        "--threads",
        str(THREADS),
        "--connections",
        str(CONNECTIONS),
        "--duration",
        f"{duration}s",
        "--timeout",
        "5s",
        "--script",
        str(LUA_SCRIPT),
    ]
    if page.cookie:
        command += ["--header", f"Cookie: {page.cookie}"]
    command.append(f"http://{HOST}:{port}{page.path}")
    completed = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30, check=False)
    with (RUNTIME / "wrk.log").open("a") as log:
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


def load_pages(wrk_path: str, port: int, healthz: Page, pages: list[Page]) -> list[float]:
    """/healthz, page, /healthz, page, …, /healthz. Returns the /healthz rates."""
    ceiling_runs: list[dict] = []

    def ceiling() -> float:
        result = wrk(wrk_path, port, healthz, CEILING_DURATION)
        ceiling_runs.append(result)
        say(f"  {'/healthz':<45} {rate(result):8.0f} req/s  p99 {result['p99_us'] / 1000:6.1f} ms")
        return rate(result)

    if WARMUP:
        wrk(wrk_path, port, healthz, WARMUP)
    before = ceiling()
    for page in pages:
        if WARMUP:
            wrk(wrk_path, port, page, WARMUP)
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


# --- Webhook throughput (issue 4) -------------------------------------------------------------


@dataclass
class WebhookResult:
    sent: int = 0
    seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    in_process: int = 0  # events sent in-process first, for queries and time per event
    queries: int = 0
    inprocess_ms: float = 0.0
    purchases_complete: int = 0
    enrollments: int = 0
    events_processed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def webhook_cleanup() -> None:
    """Remove what earlier webhook runs created, so the seeded data stays as seeded."""
    from demo.management.commands import seed_bench as seed
    from enrollments.models import Enrollment
    from notifications.models import Notification
    from payments.models import Purchase, WebhookEvent

    WebhookEvent.objects.filter(stripe_event_id__startswith="evt_bench_").delete()
    Notification.objects.filter(course__slug=seed.PAID_SLUG).delete()
    Enrollment.objects.filter(course__slug=seed.PAID_SLUG).delete()
    Purchase.objects.filter(course__slug=seed.PAID_SLUG).delete()


def webhook_events_prepare(count: int, secret: str) -> tuple[str, list[tuple[bytes, str]]]:
    """Pending purchases for `count` students buying the paid course (what the
    checkout view records before redirecting to Stripe), and for each the
    signed event Stripe would send once paid. Returns (run token, bodies)."""
    import stripe

    from courses.models import Course
    from demo.management.commands import seed_bench as seed
    from lms.models import User
    from lms.money import to_minor_units
    from payments.models import Purchase

    course = Course.objects.get(slug=seed.PAID_SLUG)
    users = list(
        User.objects.filter(email__startswith="student", email__endswith=f"@{seed.BENCH_DOMAIN}")
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )
    token = secrets.token_hex(4)
    purchases = [
        Purchase(
            user_id=user_id,
            course=course,
            amount=course.price,
            currency=course.currency,
            stripe_session_id=f"cs_test_bench_{token}_{index:05d}",
        )
        for index, user_id in enumerate(users)
    ]
    Purchase.objects.bulk_create(purchases, batch_size=2_000)
    amount = to_minor_units(course.price, course.currency)
    now = int(time.time())
    bodies = []
    for index, purchase in enumerate(purchases):
        event = {
            "id": f"evt_bench_{token}_{index:05d}",
            "object": "event",
            "api_version": "2025-03-31.basil",
            "created": now,
            "livemode": False,
            "type": "checkout.session.completed",
            "data": {
                "object": {
                    "id": purchase.stripe_session_id,
                    "object": "checkout.session",
                    "mode": "payment",
                    "status": "complete",
                    "payment_status": "paid",
                    "amount_total": amount,
                    "currency": course.currency,
                    "livemode": False,
                    "payment_intent": f"pi_bench_{token}_{index:05d}",
                    "client_reference_id": str(purchase.user_id),
                    "metadata": {"course_id": str(course.pk), "user_id": str(purchase.user_id)},
                }
            },
        }
        payload = json.dumps(event)
        bodies.append((payload.encode(), stripe.WebhookSignature.generate_signature_header(payload, secret)))
    return token, bodies


def webhook_send(port: int, bodies: list[tuple[bytes, str]], result: WebhookResult) -> None:
    """POST the events from CONNECTIONS threads, each over its own connection
    (http.client reconnects when gunicorn's sync worker closes it); bounded by
    the number of events and by WEBHOOK_MAX_SECONDS."""
    next_index = itertools.count()
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + WEBHOOK_MAX_SECONDS

    def client() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        try:
            while time.perf_counter() < deadline:
                with lock:
                    index = next(next_index)
                if index >= len(bodies):
                    return
                body, signature = bodies[index]
                sent = time.perf_counter()
                try:
                    connection.request(
                        "POST",
                        "/payments/webhook/",
                        body=body,
                        headers={"Content-Type": "application/json", "Stripe-Signature": signature},
                    )
                    response = connection.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException) as exc:
                    connection.close()
                    status = type(exc).__name__
                elapsed = (time.perf_counter() - sent) * 1000
                with lock:
                    result.sent += 1
                    result.statuses[status] += 1
                    result.latencies_ms.append(elapsed)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=CONNECTIONS) as pool:
        for future in [pool.submit(client) for _ in range(CONNECTIONS)]:
            future.result()
    result.seconds = time.perf_counter() - started


def webhook_in_process(bodies: list[tuple[bytes, str]], result: WebhookResult) -> None:
    """SQL queries and time of one event, through Django's test Client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    timings = []
    for index, (body, signature) in enumerate(bodies):
        # The receipt goes to the console e-mail backend: keep it off the report.
        with CaptureQueriesContext(connection) as captured, contextlib.redirect_stdout(io.StringIO()):
            started = time.perf_counter()
            response = client.post(
                "/payments/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
            )
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            result.errors.append(f"webhook in-process: answered {response.status_code}")
        if index:  # the first one warms up
            timings.append(elapsed)
            result.queries = len(captured.captured_queries)
    result.inprocess_ms = statistics.median(timings)


def webhook_bench(port: int, secret: str) -> WebhookResult:
    from enrollments.models import Enrollment
    from payments.models import Purchase, WebhookEvent

    result = WebhookResult()
    webhook_cleanup()
    result.in_process = 6
    token, bodies = webhook_events_prepare(WEBHOOK_EVENTS + result.in_process, secret)
    webhook_in_process(bodies[: result.in_process], result)
    bodies = bodies[result.in_process :]
    say(f"Webhook: {len(bodies):,} signed checkout.session.completed events, {CONNECTIONS} clients…")
    webhook_send(port, bodies, result)
    sessions = Purchase.objects.filter(stripe_session_id__startswith=f"cs_test_bench_{token}_")
    result.purchases_complete = sessions.filter(status=Purchase.Status.COMPLETE).count()
    result.enrollments = Enrollment.objects.active().filter(purchase__in=sessions).count()
    result.events_processed = WebhookEvent.objects.filter(
        stripe_event_id__startswith=f"evt_bench_{token}_", status=WebhookEvent.Status.PROCESSED
    ).count()
    ok = result.statuses.get(200, 0)
    granted = ok + result.in_process
    if ok != result.sent:
        result.errors.append(
            f"webhook: {result.sent - ok} of {result.sent} answers were not 200 ({result.statuses})"
        )
    for what, count in (
        ("complete purchases", result.purchases_complete),
        ("active enrollments", result.enrollments),
        ("processed events", result.events_processed),
    ):
        if count != granted:
            result.errors.append(f"webhook: {count} {what} for {granted} events answered 200")
    say(
        f"  {result.sent:,} events in {result.seconds:.1f} s: {result.per_second:.0f} events/s, "
        f"p50 {result.percentile(0.5):.1f} ms, p99 {result.percentile(0.99):.1f} ms; "
        f"{result.enrollments:,} enrollments, {result.purchases_complete:,} purchases complete"
    )
    webhook_cleanup()
    return result


# --- Profiling a page that misses ------------------------------------------------------------

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


# --- Report ---------------------------------------------------------------------------------


def targets_evaluate(pages: list[Page], rss_peak: float, webhook: WebhookResult | None) -> list[Target]:
    targets = []
    for page in pages:
        if page.min_ratio is None or not page.load:
            continue
        ratio = page.ratio or 0.0
        passed = ratio >= page.min_ratio
        targets.append(
            Target(
                page.label,
                "req/s vs /healthz",
                f"≥ {page.min_ratio:.0%}",
                f"{ratio:.1%}",
                passed,
                ""
                if passed
                else f"{(page.min_ratio - ratio) * 100:.1f} points short of {page.min_ratio:.0%} "
                f"({page.requests_per_s:.0f} req/s where {page.min_ratio * page.ceiling:.0f} were needed)",
            )
        )
    for page in pages:
        if not page.load:
            continue
        passed = page.p99_ms < P99_TARGET_MS
        targets.append(
            Target(
                page.label,
                "p99 latency",
                f"< {P99_TARGET_MS:.0f} ms",
                f"{page.p99_ms:.1f} ms",
                passed,
                "" if passed else f"p99 {page.p99_ms - P99_TARGET_MS:.0f} ms over {P99_TARGET_MS:.0f} ms",
            )
        )
    passed = rss_peak < RSS_TARGET_MB
    targets.append(
        Target(
            "gunicorn worker",
            "peak RSS (VmHWM)",
            f"< {RSS_TARGET_MB:.0f} MB",
            f"{rss_peak:.1f} MB",
            passed,
            "" if passed else f"{rss_peak - RSS_TARGET_MB:.1f} MB over",
        )
    )
    if webhook is not None:
        passed = webhook.per_second >= WEBHOOK_TARGET_PER_S
        targets.append(
            Target(
                "Stripe webhook",
                "events/s",
                f"≥ {WEBHOOK_TARGET_PER_S:.0f}",
                f"{webhook.per_second:.0f}",
                passed,
                "" if passed else f"{WEBHOOK_TARGET_PER_S - webhook.per_second:.0f} events/s short",
            )
        )
    return targets


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
    errors: list[str],
) -> str:
    import django

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
        f"- Load: wrk over loopback, {CONNECTIONS} connections, {THREADS} threads, {DURATION} s per page "
        f"after {WARMUP} s of warm-up",
        f"- Ceiling: /healthz for {CEILING_DURATION} s before the first page, between pages and after the "
        f"last: {', '.join(f'{value:.0f}' for value in ceiling_rates)} req/s. Each page's ratio is to the "
        "mean of the two /healthz runs either side of it.",
        "",
        "| Page | req/s | vs /healthz | p50 ms | p99 ms | SQL queries | SQL ms | in-process ms | CPU ms "
        "| non-2xx |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for page in pages:
        ratio = "(ceiling)" if page.key == "healthz" else fmt(page.ratio and page.ratio * 100, ".1f") + "%"
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
    if webhook is not None:
        lines += [
            "",
            "## Webhook throughput (issue 4)",
            "",
            f"{webhook.sent:,} signed `checkout.session.completed` events for distinct Checkout Sessions "
            f"(pending purchases of the paid course by distinct students), POSTed to `/payments/webhook/` by "
            f"{CONNECTIONS} clients over loopback: **{webhook.per_second:.0f} events/s** "
            f"({webhook.seconds:.1f} s), p50 {webhook.percentile(0.5):.1f} ms, "
            f"p99 {webhook.percentile(0.99):.1f} ms; answers {dict(webhook.statuses)}.",
            "",
            f"Checked afterwards: {webhook.purchases_complete:,} purchases complete, {webhook.enrollments:,} "
            f"active enrollments, {webhook.events_processed:,} events processed (expected "
            f"{webhook.statuses.get(200, 0) + webhook.in_process:,} each, {webhook.in_process} of them sent "
            "in-process first). The bench's purchases, events and enrollments are deleted after the check.",
            "",
            f"In-process, one event runs {webhook.queries} SQL queries and takes "
            f"{webhook.inprocess_ms:.1f} ms (median of {webhook.in_process - 1}, after one to warm up); "
            f"{WORKERS} sync workers can therefore fulfil at most about "
            f"{1000 * WORKERS / webhook.inprocess_ms:.0f} events/s on an otherwise idle machine.",
        ]
    lines += [
        "",
        "## Targets",
        "",
        "| Page | Measure | Target | Measured | Result |",
        "|---|---|---|---|---|",
    ]
    for target in targets:
        result = "pass" if target.passed else f"**miss**: {target.shortfall}"
        lines.append(f"| {target.page} | {target.what} | {target.goal} | {target.measured} | {result} |")
    missed = [target for target in targets if not target.passed]
    lines += ["", "## Missed targets: by how much, and what holds them back", ""]
    if not missed:
        lines.append("None.")
    by_page = {page.label: page for page in pages}
    for label in dict.fromkeys(target.page for target in missed):
        lines.append(f"- **{label}**: " + "; ".join(t.shortfall for t in missed if t.page == label) + ".")
        page = by_page.get(label)
        if page is None or page.inprocess_ms is None:
            continue
        if page.key != "healthz":
            budget = (
                1000 * WORKERS / (page.min_ratio * page.ceiling) if page.min_ratio and page.ceiling else None
            )
            lines.append(
                f"  - One request takes {page.inprocess_ms:.1f} ms in-process ({page.cpu_ms:.1f} ms of "
                f"Python CPU), {page.sql_ms:.1f} ms of it in {page.queries} SQL queries (slowest "
                f"{page.slowest_sql[0]:.1f} ms)."
                + (
                    f" At the target rate each of the {WORKERS} workers has {budget:.1f} ms per request."
                    if budget
                    else ""
                )
            )
        if page.p99_ms >= P99_TARGET_MS:
            lines.append(
                f"  - p99: {CONNECTIONS} connections queue for {WORKERS} sync workers, so a request waits "
                f"for about {CONNECTIONS // WORKERS} service times ({CONNECTIONS // WORKERS} x "
                f"{page.inprocess_ms:.1f} ms = {CONNECTIONS // WORKERS * page.inprocess_ms:.0f} ms without "
                "contention); stalls when the shared cores are busy elsewhere make the tail."
            )
        if page.profile:
            lines.append(f"  - Profile (cProfile, 20 requests in-process): {page.profile}")
    if errors:
        lines += ["", "## Errors", ""] + [f"- {error}" for error in errors]
    text = "\n".join(lines) + "\n"
    RESULTS.write_text(text)
    return text


# --- Main ----------------------------------------------------------------------------------


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

    import django

    django.setup()
    from django.core.management import call_command

    from demo.management.commands import seed_bench as seed

    say("Migrating…")
    call_command("migrate", "--noinput", verbosity=0)
    say("Seeding…")
    call_command("seed_bench")
    say("Collecting static files…")
    call_command("collectstatic", "--noinput", verbosity=0)

    sizes = seed.SIZES
    data_sizes = (
        f"{sizes.courses} published courses (one of {sizes.big[0]} x {sizes.big[1]} lessons, one of "
        f"{sizes.typical[0]} x {sizes.typical[1]}, the others {sizes.other[0]} x {sizes.other[1]}), "
        f"{sizes.students:,} students, {sizes.enrollments:,} enrollments"
    )

    pages = pages_resolve()
    healthz = pages[0]
    for page in pages:
        if not page.path:
            page.error = "no URL for this page yet"
    clients = sessions_create([page for page in pages if not page.error])
    say("In-process (SQL queries and time of one request):")
    measure_in_process([page for page in pages if not page.error], clients)

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
        webhook = webhook_bench(port, env["STRIPE_WEBHOOK_SECRET"])
        rss = server.workers_peak_rss_mb()
    load_at_end = os.getloadavg()[0]

    errors: list[str] = []
    for page in pages:
        if page.error:
            errors.append(f"{page.label}: {page.error}")
        elif page.load.get("non2xx"):
            errors.append(f"{page.label}: {page.load['non2xx']} responses outside 2xx")
        elif page.socket_errors:
            errors.append(f"{page.label}: {page.socket_errors} socket errors or timeouts")
    if webhook is not None:
        errors += webhook.errors
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
        errors=errors,
    )
    say("")
    say(text)
    say(f"Written to {RESULTS.relative_to(ROOT)}.")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
