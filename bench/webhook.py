"""Webhook throughput (issue 4): signed `checkout.session.completed` events for
distinct Checkout Sessions, sent through gunicorn, and a check afterwards that
every event answered 200 made exactly one complete purchase and one enrollment.

The webhook stores each event with its job and answers (payments/services/
receive.py); a `db_worker` beside gunicorn, as in production, does the work
meanwhile. Two rates: events answered per second (what Stripe sees) and
events fulfilled per second, from the first event sent to the last job done.
Imports models: import it once Django is set up."""

from __future__ import annotations

import contextlib
import http.client
import io
import itertools
import json
import secrets
import ssl
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import stripe
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from courses.models import Course
from demo.management.commands import seed_bench as seed
from enrollments.models import Enrollment
from lms.jobs import job_next_due, job_worker
from lms.models import User
from lms.money import to_minor_units
from notifications.models import Notification
from payments.models import Purchase, WebhookEvent

from .config import CONNECTIONS, HOST, JOB_WORKERS, WEBHOOK_EVENTS, WEBHOOK_MAX_SECONDS, say
from .server import JobWorkers

WEBHOOK_JOB = "payments.tasks.webhook_event_work"
BENCH_JOBS = (WEBHOOK_JOB, "notifications.tasks.emails_send")
DRAIN_MAX_SECONDS = 300


@dataclass
class WebhookResult:
    sent: int = 0
    seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    in_process: int = 0  # events sent in-process first, for queries and time per event
    queries: int = 0
    inprocess_ms: float = 0.0
    job_queries: int = 0  # the same events' jobs, run in-process
    job_ms: float = 0.0
    job_workers: int = JOB_WORKERS
    fulfilled_seconds: float = 0.0  # from the first event sent until the last job was done
    purchases_complete: int = 0
    enrollments: int = 0
    events_processed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    @property
    def fulfilled_per_second(self) -> float:
        return self.sent / self.fulfilled_seconds if self.fulfilled_seconds else 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def webhook_cleanup() -> None:
    """Remove what earlier webhook runs created, so the seeded data stays as seeded."""
    WebhookEvent.objects.filter(stripe_event_id__startswith="evt_bench_").delete()
    DBTaskResult.objects.filter(task_path__in=BENCH_JOBS).delete()
    Notification.objects.filter(course__slug=seed.PAID_SLUG).delete()
    Enrollment.objects.filter(course__slug=seed.PAID_SLUG).delete()
    Purchase.objects.filter(course__slug=seed.PAID_SLUG).delete()


def webhook_events_prepare(count: int, secret: str) -> tuple[str, list[tuple[bytes, str]]]:
    """Pending purchases for `count` students buying the paid course (what the
    checkout view records before redirecting to Stripe), and for each the
    signed event Stripe would send once paid. Returns (run token, bodies)."""
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


def webhook_send(
    port: int, bodies: list[tuple[bytes, str]], result: WebhookResult, *, tls: bool = False
) -> None:
    """POST the events from CONNECTIONS threads, each over its own connection
    (http.client reconnects when gunicorn's sync worker closes it); bounded by
    the number of events and by WEBHOOK_MAX_SECONDS. `tls`: to nginx's HTTPS port
    (bench/cluster.py), its self-signed certificate unchecked."""
    next_index = itertools.count()
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + WEBHOOK_MAX_SECONDS

    def client() -> None:
        if tls:
            unverified = ssl._create_unverified_context()  # noqa: S323 - the run's own certificate, on loopback
            connection = http.client.HTTPSConnection(HOST, port, timeout=30, context=unverified)
        else:
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
    """SQL queries and time of one event through Django's test Client (stored and
    queued), then of its job, run as `db_worker` runs it."""
    client = Client(HTTP_HOST=HOST)
    timings = []
    for index, (body, signature) in enumerate(bodies):
        with CaptureQueriesContext(connection) as captured:
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
    result.job_queries, result.job_ms = _jobs_run_measured()


def _jobs_run_measured() -> tuple[int, float]:
    """Run the queued webhook jobs in this process as `db_worker` does (claimed,
    run, marked); the statements and median time of one, after the first."""
    worker = job_worker("bench-in-process")
    timings, queries = [], 0
    # The receipt goes to the console e-mail backend: keep it off the report.
    with contextlib.redirect_stdout(io.StringIO()):
        while True:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                job = job_next_due(worker, task_path=WEBHOOK_JOB)
                if job is None:
                    break
                worker.run_task(job)
                elapsed = (time.perf_counter() - started) * 1000
            timings.append(elapsed)
            queries = len(captured.captured_queries)
    return queries, statistics.median(timings[1:] or timings or [0.0])


def webhook_jobs_drained(started: float) -> float:
    """Seconds from `started` until no webhook job is waiting or running."""
    deadline = started + DRAIN_MAX_SECONDS
    pending = DBTaskResult.objects.filter(
        task_path=WEBHOOK_JOB, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    )
    while pending.exists() and time.perf_counter() < deadline:
        time.sleep(0.05)
    return time.perf_counter() - started


def webhook_bench(port: int, secret: str) -> WebhookResult:
    result = WebhookResult()
    webhook_cleanup()
    result.in_process = 6
    token, bodies = webhook_events_prepare(WEBHOOK_EVENTS + result.in_process, secret)
    webhook_in_process(bodies[: result.in_process], result)
    bodies = bodies[result.in_process :]
    say(
        f"Webhook: {len(bodies):,} signed checkout.session.completed events, {CONNECTIONS} clients, "
        f"{JOB_WORKERS} job worker(s)…"
    )
    with JobWorkers({}, JOB_WORKERS, name="webhook") as workers:
        started = time.perf_counter()
        webhook_send(port, bodies, result)
        result.fulfilled_seconds = webhook_jobs_drained(started)
        if not workers.alive():
            result.errors.append(f"webhook: a job worker exited; see {workers.log}")
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
        f"  {result.sent:,} events answered in {result.seconds:.1f} s: {result.per_second:.0f} events/s, "
        f"p50 {result.percentile(0.5):.1f} ms, p99 {result.percentile(0.99):.1f} ms; all fulfilled after "
        f"{result.fulfilled_seconds:.1f} s ({result.fulfilled_per_second:.0f}/s); "
        f"{result.enrollments:,} enrollments, {result.purchases_complete:,} purchases complete"
    )
    webhook_cleanup()
    return result
