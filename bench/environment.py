"""What the run needs before Django starts: the environment it and gunicorn run
with (production settings on plain-HTTP loopback) and the database."""

from __future__ import annotations

import os
import secrets

import environ
import psycopg
from psycopg import sql

from .config import DEFAULT_DATABASE_URL, say

BENCH_REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "12"))


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
        # Production's shape: one Redis for the cache and the sessions of every worker (issue 13),
        # a database of the run's own, flushed at the start. bench/locmem.py measures again with
        # each worker's own memory.
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL") or f"rediscache://127.0.0.1:6379/{BENCH_REDIS_DB}",
    }


def database_ensure(url: str) -> str:
    """Create the PostgreSQL database if it does not exist; return a description."""
    config = environ.Env.db_url_config(url)
    name = config["NAME"]
    if config["ENGINE"] != "django.db.backends.postgresql":
        say(f"Note: {config['ENGINE']} is not PostgreSQL; the figures that count are on PostgreSQL.")
        return f"{config['ENGINE'].rsplit('.', 1)[-1]} {name}"

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
