"""gunicorn behind nginx (deploy/nginx/doctrina.conf): `gunicorn -c deploy/gunicorn.conf.py`.

Sync workers: one request at a time each, which is safe only because nginx reads every request and
answer whole first (README: "Running in production"). Every value can be overridden from the
environment of the service (deploy/doctrina.service).
"""

import multiprocessing
import os

wsgi_app = "lms.wsgi:application"
# Loopback only: nginx is the one client. A Unix socket works too ("unix:/run/doctrina/gunicorn.sock").
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# The worker count rule: 2 × cores + 1 sync workers (gunicorn's own advice). A request spends most of
# its time in PostgreSQL or Python; more workers than that only queue on the CPU. Each worker holds
# one PostgreSQL connection (CONN_MAX_AGE), so workers × machines stays under max_connections.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"

# A request that takes longer than this is killed and logged (a runaway query, a stuck Stripe call:
# STRIPE_TIMEOUT_SECONDS is 10). nginx's proxy_read_timeout is a little longer.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 2  # nginx speaks HTTP/1.0 to the upstream: one request a connection.
# Restart a worker now and then, so that no slow leak grows for weeks; the jitter keeps them apart.
max_requests = 2000
max_requests_jitter = 200

# nginx on this machine is the only proxy whose X-Forwarded-* headers gunicorn believes.
forwarded_allow_ips = "127.0.0.1,::1"

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The control socket's default path is one per user: a second gunicorn of the same user would fight over it.
control_socket_disable = True
