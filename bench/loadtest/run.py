"""`make loadtest` (`python -m bench.loadtest.run`): the site under a mixed load, then its invariants.

1. Recreates the PostgreSQL database LOADTEST_DATABASE_URL names (default
   postgres://postgres@127.0.0.1:5432/doctrina_loadtest; its name must contain "loadtest"),
   migrates it, seeds the demo catalogue (`manage.py seed_demo`) and 3,000 accounts, collects the
   static files and writes the plan the Locust users read (bench/loadtest/plan.py).
2. Starts the tests' fake Stripe (tests/payments/fake_stripe.py) on a loopback port, and gunicorn
   with deploy/gunicorn.conf.py (2 × cores + 1 sync workers, production settings on plain-HTTP
   loopback, its Stripe client pointed at the fake).
3. Runs Locust headless (bench/loadtest/locustfile.py) for LOADTEST_TIME (default 3m) with
   LOADTEST_USERS users (default 30): visitors, students, buyers.
4. Delivers once more, with the same event id, every paid session's event (Stripe retries until it
   gets a 200; a user stopped between paying and posting it), then stops gunicorn and the fake.
5. Checks the invariants in SQL (bench/loadtest/invariants.py) and writes bench/loadtest.md.
   Exits 1 if an invariant fails or any answer was a 5xx.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import django
import environ
import psycopg
import requests
from django.core.management import call_command
from psycopg import sql

from bench.config import HOST, ROOT, RUNTIME, say
from bench.environment import bench_environment
from bench.report import machine_description
from bench.server import Gunicorn, JobWorkers, free_port

from .events import signed_event

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/doctrina_loadtest"
REPORT = ROOT / "bench" / "loadtest.md"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
TIME = os.environ.get("LOADTEST_TIME", "3m")
USERS = int(os.environ.get("LOADTEST_USERS", "30"))
SPAWN_RATE = int(os.environ.get("LOADTEST_SPAWN_RATE", "5"))


def database_recreate(url: str) -> str:
    config = environ.Env.db_url_config(url)
    name = config["NAME"]
    if config["ENGINE"] != "django.db.backends.postgresql" or "loadtest" not in name:
        raise SystemExit(f"LOADTEST_DATABASE_URL must name a PostgreSQL database called *loadtest*: {url}")
    params = {k: config.get(k.upper()) for k in ("host", "port", "user", "password") if config.get(k.upper())}
    with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=10, **params) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"PostgreSQL {version.split()[0]}, database {name}"


def locust_run(port: int, plan: Path, prefix: Path) -> int:
    command = [
        str(Path(sys.executable).with_name("locust")),
        "-f", str(ROOT / "bench" / "loadtest" / "locustfile.py"),
        "--headless", "--host", f"http://{HOST}:{port}",
        "--users", str(USERS), "--spawn-rate", str(SPAWN_RATE), "--run-time", TIME,
        "--stop-timeout", "10", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    env = {**os.environ, "LOADTEST_PLAN": str(plan), "PYTHONPATH": str(ROOT)}
    with (RUNTIME / "locust.log").open("w") as log:
        return subprocess.run(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=False
        ).returncode


def redeliver(port: int, fake, secret: str) -> list[str]:
    """Every paid session's event, once more with its id; returns the paid session ids."""
    paid = [s for s in list(fake.sessions) if fake.sessions[s]["payment_status"] == "paid"]
    for session_id in paid:
        body, header = signed_event(fake.session(session_id), secret)
        response = requests.post(
            f"http://{HOST}:{port}/payments/webhook/",
            data=body,
            headers={"Content-Type": "application/json", "Stripe-Signature": header},
            timeout=30,
        )
        if response.status_code != 200:
            say(f"  redelivery of {session_id} answered {response.status_code}")
    return paid


def main() -> int:
    started = datetime.now(UTC)
    load_at_start = os.getloadavg()[0]
    RUNTIME.mkdir(exist_ok=True)
    env = bench_environment()
    env["DATABASE_URL"] = os.environ.get("LOADTEST_DATABASE_URL", DEFAULT_DATABASE_URL)
    env["TASK_BACKEND"] = "database"  # the webhook's work and receipts are jobs, as in production
    env["GUNICORN_LOG_LEVEL"] = "warning"
    say(f"Database: {env['DATABASE_URL']} (recreated)")
    database = database_recreate(env["DATABASE_URL"])

    from tests.payments.fake_stripe import FakeStripe

    fake = FakeStripe().start()
    fake.send_webhooks = False  # the Locust users post the webhooks themselves
    env.update(
        STRIPE_SECRET_KEY=fake.secret_key, STRIPE_WEBHOOK_SECRET=fake.webhook_secret, STRIPE_API_BASE=fake.url
    )
    os.environ.update(env)
    django.setup()
    from bench.webhook import webhook_jobs_drained

    from .invariants import invariants_check, no_server_errors
    from .plan import plan_write
    from .report import report_write, server_errors, stats_read

    say("Migrating, seeding the demo catalogue and the accounts, collecting static files…")
    call_command("migrate", "--noinput", verbosity=0)
    with contextlib.redirect_stdout(io.StringIO()):
        call_command("seed_demo")
    call_command("collectstatic", "--noinput", verbosity=0)
    plan = RUNTIME / "loadtest-plan.json"
    stripe_plan = {"url": fake.url, "secret_key": fake.secret_key, "webhook_secret": fake.webhook_secret}
    plan_write(plan, fake_stripe=stripe_plan)

    prefix = RUNTIME / "loadtest"
    port = free_port()
    try:
        with Gunicorn(env, port, config=GUNICORN_CONF) as server, JobWorkers(env, 1, name="loadtest"):
            workers = len(server.worker_pids())
            say(
                f"Locust: {USERS} users for {TIME}, gunicorn ({workers} sync workers) and one db_worker "
                f"on {HOST}:{port}…"
            )
            locust_status = locust_run(port, plan, prefix)
            say("Delivering every paid session's event once more (Stripe's retries)…")
            paid = redeliver(port, fake, fake.webhook_secret)
            webhook_jobs_drained(time.perf_counter())  # the worker has done every event's work
    finally:
        fake.stop()

    rows, failures = stats_read(prefix)
    errors_5xx = server_errors(failures)
    verdicts = [
        *invariants_check(paid),
        no_server_errors(errors_5xx, f"{errors_5xx} answers 5xx; Locust exited {locust_status}"),
    ]
    header = [
        f"Run {started:%Y-%m-%d %H:%M} UTC for {TIME} with {USERS} Locust users (visitors 5 : students 3 :"
        f" buyers 1, 0.5–2 s between tasks) on {machine_description()}; {database}; gunicorn with"
        f" deploy/gunicorn.conf.py ({workers} sync workers) and one `db_worker`, production settings on"
        " plain-HTTP loopback,"
        " the tests' fake Stripe. Buyers post the signed webhook themselves: 20 % after the success page"
        " already fulfilled the purchase, 20 % twice at once, 15 % again 2–10 s later; afterwards every"
        f" paid session's event is delivered once more ({len(paid)} sessions).",
        f"Times are Locust's, in milliseconds; Locust, gunicorn and PostgreSQL share the machine (load"
        f" average {load_at_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end).",
    ]
    text = report_write(REPORT, header=header, rows=rows, failures=failures, verdicts=verdicts)
    say(text)
    say(f"Written to {REPORT.relative_to(ROOT)}.")
    return 0 if all(v.ok for v in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
